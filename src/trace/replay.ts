/**
 * Conformance replay of a whole trace: runs each operation through
 * `ReplayEngine` (which computes the lines PostgreSQL would print, in
 * FORMAT.md's order, and the `!` lines of its content checks), compares them
 * with the trace's own expectation lines, and stops at the first difference,
 * reported with file, line, operation, expected and actual lines.
 *
 * An exception other than `PgError` (a palloc bug, a missing context type)
 * does not escape: it ends the replay as a failure naming the line and the
 * exception. `replayLines` runs a trace without comparing, to record what
 * palloc prints.
 */
import type { PallocApi } from "./api.ts";
import type { MemoryContextInitOptions } from "../mcxt/mod.ts";
import { ReplayEngine, ReplayFailure } from "./replay_engine.ts";
import type { ParsedTrace, TraceStep } from "./types.ts";
import { formatExpectation, formatOperation } from "./write.ts";

/** Where and how a replay first disagreed with its trace. */
export interface ReplayMismatch {
  /** The trace's file name. */
  file: string;
  /** 1-based line of the operation. */
  line: number;
  /** The operation line. */
  op: string;
  /** The trace's expectation lines for that operation. */
  expected: string[];
  /** The lines palloc produced (as far as it got). */
  actual: string[];
  /** Set when the replay could not run the operation at all (exception, missing type, …). */
  reason?: string;
}

/** The outcome of replaying one trace. */
export interface ReplayResult {
  /** True when every operation produced exactly its expected lines. */
  ok: boolean;
  /** Operations run (including the failing one). */
  operations: number;
  /** The first disagreement, when not ok. */
  firstMismatch?: ReplayMismatch;
}

/** Options of `replayTrace`. */
export interface ReplayOptions {
  /** Call `MemoryContextInit()` first (default true). */
  init?: boolean;
  /**
   * Heap options for that `MemoryContextInit` (default: `maxBytes` 4 GiB, the
   * largest heap, because the vectors model an unbounded malloc and some
   * allocate 1 GB chunks).
   */
  heap?: MemoryContextInitOptions;
  /**
   * Run, but do not compare, operations that have no expectation lines (for
   * benchmark workloads and hand-written scripts). Default false: in a
   * conformance vector a missing line is as wrong as a different one.
   */
  lenient?: boolean;
}

/** The heap a conformance replay runs on unless told otherwise. */
export const CONFORMANCE_HEAP: MemoryContextInitOptions = { maxBytes: 2 ** 32 };

/**
 * Replays `trace` against palloc and compares every operation's lines.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * import { parseTrace } from "./parse.ts";
 * import { replayTrace } from "./replay.ts";
 * const api = await loadPallocApi();
 * const r = replayTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\n"), api);
 * console.log(r.ok, r.operations); // true 1 (no expectations to disagree with)
 * ```
 */
export function replayTrace(
  trace: ParsedTrace,
  api: PallocApi,
  options: ReplayOptions = {},
): ReplayResult {
  if (options.init !== false) api.mcxt.MemoryContextInit(options.heap ?? CONFORMANCE_HEAP);
  const engine = new ReplayEngine(api);
  let operations = 0;
  for (const step of trace.steps) {
    operations++;
    const expected = step.expect.map(formatExpectation);
    let actual: string[];
    try {
      actual = engine.run(step);
    } catch (err) {
      const reason = err instanceof ReplayFailure ? err.message : describeException(err);
      return mismatch(trace, step, operations, expected, engine.partial, reason);
    }
    if (options.lenient === true && expected.length === 0) continue;
    if (!sameLines(expected, actual)) {
      return mismatch(trace, step, operations, expected, actual);
    }
  }
  return { ok: true, operations };
}

function mismatch(
  trace: ParsedTrace,
  step: TraceStep,
  operations: number,
  expected: string[],
  actual: string[],
  reason?: string,
): ReplayResult {
  const firstMismatch: ReplayMismatch = {
    file: trace.file,
    line: step.line,
    op: formatOperation(step.op),
    expected,
    actual,
  };
  if (reason !== undefined) firstMismatch.reason = reason;
  return { ok: false, operations, firstMismatch };
}

function sameLines(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeException(err: unknown): string {
  if (!(err instanceof Error)) return `exception: ${String(err)}`;
  const frame = err.stack?.split("\n").find((l) => l.trim().startsWith("at "))?.trim();
  return `exception: ${err.name}: ${err.message}${frame === undefined ? "" : ` (${frame})`}`;
}

/**
 * Runs every operation of `trace` and returns the lines palloc produced for
 * each, without comparing (expectations are ignored). Useful to record a
 * trace's expectations or to inspect one operation. Exceptions other than
 * `PgError` propagate, with the failing line in the message.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * import { parseTrace } from "./parse.ts";
 * import { replayLines } from "./replay.ts";
 * const api = await loadPallocApi();
 * const lines = replayLines(parseTrace("create A aset TopMemoryContext 0 1024 8192\n"), api);
 * console.log(lines[0]); // ["= stat A 1 0 1024 …"]
 * ```
 */
export function replayLines(
  trace: ParsedTrace,
  api: PallocApi,
  options: Pick<ReplayOptions, "init" | "heap"> = {},
): string[][] {
  if (options.init !== false) api.mcxt.MemoryContextInit(options.heap ?? CONFORMANCE_HEAP);
  const engine = new ReplayEngine(api);
  const out: string[][] = [];
  for (const step of trace.steps) {
    try {
      out.push(engine.run(step));
    } catch (err) {
      const why = err instanceof ReplayFailure ? err.message : describeException(err);
      throw new Error(`${trace.file}:${step.line}: ${formatOperation(step.op)}: ${why}`, {
        cause: err,
      });
    }
  }
  return out;
}
