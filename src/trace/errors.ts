/**
 * The one error the trace parser raises. A malformed trace is a defect in the
 * trace, not in palloc, so it gets its own type that names the file and the
 * 1-based line and says what is wrong; callers (the conformance runner, tests)
 * can tell it apart from a replay mismatch or a palloc bug.
 */

/**
 * A malformed trace line: unknown verb, wrong arity, bad number, an
 * expectation with nothing to attach to, a token used inconsistently, ….
 *
 * @example
 * ```ts
 * import { TraceParseError } from "./errors.ts";
 * const e = new TraceParseError("t.trace", 3, "unknown verb \"allocate\"");
 * console.assert(e.message === 't.trace:3: unknown verb "allocate"');
 * ```
 */
export class TraceParseError extends Error {
  /** The file name the parser was given. */
  readonly file: string;
  /** The 1-based line number of the offending line. */
  readonly line: number;
  /** What is wrong, without the location. */
  readonly reason: string;

  /** A parse error at `file`:`line` for `reason`. */
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = "TraceParseError";
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
