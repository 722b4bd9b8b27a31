/**
 * The trace parser: text → `ParsedTrace`. It reads each operation line by the
 * verb table (`verbs.ts`: arity, operand kinds, name bookkeeping) and each
 * `= …` line by `parse_expect.ts`, and refuses anything else with a
 * `TraceParseError` naming the file and 1-based line. Name bookkeeping
 * (contexts created before use, chunk tokens bound once) is `liveness.ts`.
 *
 * It is written for 10 MB benchmark traces: one pass over the lines, one
 * `split(" ")` per operation, numbers parsed without BigInt unless a token is
 * longer than 15 digits, and one shared empty expectation list for the
 * (common) operations that have none.
 */
import { TraceParseError } from "./errors.ts";
import { Liveness } from "./liveness.ts";
import { parseU64 } from "./numbers.ts";
import { parseExpectation } from "./parse_expect.ts";
import { CREATE_TYPES, type Operand, VERBS, type VerbSpec, verbSpec } from "./verbs.ts";
import {
  type ContextType,
  type Expectation,
  FLAG_HUGE,
  FLAG_NO_OOM,
  FLAG_ZERO,
  type Operation,
  type ParsedTrace,
  type Size,
  type TraceStep,
} from "./types.ts";

const NO_EXPECTATIONS: Expectation[] = Object.freeze([]) as unknown as Expectation[];

const FLAG_BITS: Record<string, number> = { HUGE: FLAG_HUGE, NO_OOM: FLAG_NO_OOM, ZERO: FLAG_ZERO };

/** Per-file parsing state. */
class LineParser {
  readonly file: string;
  readonly names: Liveness;
  line = 0;
  tokens: string[] = [];

  constructor(file: string) {
    this.file = file;
    this.names = new Liveness(file);
  }

  fail(reason: string): never {
    throw new TraceParseError(this.file, this.line, reason);
  }

  size(i: number, what: string): Size {
    const tok = this.tokens[i];
    const v = parseU64(tok);
    if (v === undefined) {
      this.fail(`bad number for ${what}: ${JSON.stringify(tok)} (want an unsigned 64-bit decimal)`);
    }
    return v;
  }

  small(i: number, what: string): number {
    const v = this.size(i, what);
    if (typeof v !== "number" || v > 0x7fffffff) {
      this.fail(`${what} ${this.tokens[i]} is out of range`);
    }
    return v;
  }

  arity(verb: string, want: number): void {
    const got = this.tokens.length - 1;
    if (got !== want) {
      this.fail(`"${verb}" takes ${want} operand${want === 1 ? "" : "s"}, got ${got}`);
    }
  }

  flags(tok: string): number {
    if (tok === "0") return 0;
    let mask = 0;
    for (const name of tok.split("|")) {
      const bit = FLAG_BITS[name];
      if (bit === undefined) this.fail(`unknown allocext flag ${JSON.stringify(name)} in "${tok}"`);
      if ((mask & bit) !== 0) this.fail(`allocext flag ${name} given twice`);
      mask |= bit;
    }
    return mask;
  }

  /** Parses one operation line (already known not to be a comment or expectation). */
  operation(text: string): Operation {
    const names = this.names;
    names.begin(this.line);
    for (const spec of REST_VERBS) {
      const v = spec.verb;
      if (text.startsWith(v) && (text.length === v.length || text.charCodeAt(v.length) === 32)) {
        return this.restLine(spec, text);
      }
    }
    const t = text.split(" ");
    const verb = t[0];
    this.tokens = t;
    for (let i = 1; i < t.length; i++) {
      if (t[i] === "") this.fail("empty token (tokens are separated by exactly one space)");
    }
    if (verb === "create") return this.create(t);
    const spec = verbSpec(verb);
    if (spec === undefined) this.fail(`unknown verb ${JSON.stringify(verb)}`);
    const operands = spec.operands;
    this.arity(verb, operands.length);
    const op: Record<string, unknown> = { verb: spec.verb };
    for (let i = 0; i < operands.length; i++) {
      const d = operands[i];
      op[d.field] = this.operand(d, i + 1);
    }
    const ctx = spec.live(names, t);
    if (ctx !== undefined) op.ctx = ctx;
    return op as unknown as Operation;
  }

  /** Token `i` as operand `d` (names are checked by the verb's `live` afterwards). */
  private operand(d: Operand, i: number): unknown {
    const tok = this.tokens[i];
    switch (d.kind) {
      case "size":
        return this.size(i, d.label);
      case "small":
        return this.small(i, d.label);
      case "flags":
        return this.flags(tok);
      case "bool":
        if (tok !== "0" && tok !== "1") {
          this.fail(`${d.label} must be 0 or 1, got ${JSON.stringify(tok)}`);
        }
        return tok === "1";
      case "limit":
        return tok === "none" ? null : this.size(i, d.label);
      default:
        return tok;
    }
  }

  private create(t: string[]): Operation {
    if (t.length < 3) this.fail(`"create" needs NAME and TYPE`);
    const name = t[1];
    const type = t[2];
    if (!Object.hasOwn(CREATE_TYPES, type)) {
      this.fail(`unknown context type ${JSON.stringify(type)}`);
    }
    const sizes = CREATE_TYPES[type as ContextType].sizes;
    if (t.length !== 4 + sizes.length) {
      const labels = sizes.map((d) => d.label).join(" ");
      this.fail(
        `"create … ${type}" takes ${
          3 + sizes.length
        } operands (NAME ${type} PARENT ${labels}), got ${t.length - 1}`,
      );
    }
    const op: Record<string, unknown> = { verb: "create", name, type, parent: t[3] };
    for (let i = 0; i < sizes.length; i++) op[sizes[i].field] = this.size(4 + i, sizes[i].label);
    this.names.create(name, t[3]);
    return op as unknown as Operation;
  }

  /** A verb whose last operand is the rest of the line (`ident CTX TEXT`): single tokens first. */
  private restLine(spec: VerbSpec, text: string): Operation {
    const operands = spec.operands;
    const op: Record<string, unknown> = { verb: spec.verb };
    const t: string[] = [spec.verb];
    let pos = spec.verb.length;
    for (let i = 0; i < operands.length - 1; i++) {
      const sp = pos >= text.length ? -1 : text.indexOf(" ", pos + 1);
      if (sp < 0) {
        const labels = operands.map((d) => d.label);
        this.fail(
          `"${spec.verb}" takes ${labels.join(" and ")} ("${spec.verb} ${labels.join(" ")}")`,
        );
      }
      t.push(text.slice(pos + 1, sp));
      pos = sp;
    }
    t.push(text.slice(pos + 1));
    for (let i = 1; i < t.length - 1; i++) {
      if (t[i] === "") this.fail("empty token (tokens are separated by exactly one space)");
    }
    this.tokens = t;
    for (let i = 0; i < operands.length; i++) {
      op[operands[i].field] = this.operand(operands[i], i + 1);
    }
    const ctx = spec.live(this.names, t);
    if (ctx !== undefined) op.ctx = ctx;
    return op as unknown as Operation;
  }
}

/** The verbs whose last operand is the rest of the line. */
const REST_VERBS: readonly VerbSpec[] = Object.values(VERBS).filter((v) =>
  v.operands.length > 0 && v.operands[v.operands.length - 1].kind === "rest"
);

/**
 * Parses trace text. Throws `TraceParseError` (with `file` and the 1-based
 * line) for any malformed line.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./parse.ts";
 * const t = parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 100\n= space 120\n");
 * console.assert(t.steps.length === 2 && t.steps[1].expect[0].kind === "space");
 * ```
 */
export function parseTrace(text: string, file = "<trace>"): ParsedTrace {
  const p = new LineParser(file);
  const steps: TraceStep[] = [];
  const contextTypes = new Set<ContextType>();
  let expectationCount = 0;
  let current: TraceStep | null = null;
  let pos = 0;
  let lineNo = 0;
  const end = text.length;
  while (pos < end) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = end;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    lineNo++;
    p.line = lineNo;
    if (line.length === 0) continue;
    const c = line.charCodeAt(0);
    if (c === 35 /* # */) continue;
    if (c === 61 /* = */) {
      if (current === null) {
        throw new TraceParseError(file, lineNo, "expectation line with no operation before it");
      }
      const e = parseExpectation(line, current, p.names, p.fail.bind(p));
      if (current.expect === NO_EXPECTATIONS) current.expect = [e];
      else current.expect.push(e);
      expectationCount++;
      continue;
    }
    if ((c === 32 || c === 9) && line.trim() === "") continue;
    if (c === 32) p.fail("line starts with a space");
    const op = p.operation(line);
    if (op.verb === "create") contextTypes.add(op.type);
    current = { op, expect: NO_EXPECTATIONS, line: lineNo };
    steps.push(current);
  }
  return { file, steps, contextTypes, expectationCount };
}

/**
 * Parses trace bytes (UTF-8). Invalid UTF-8 is a `TraceParseError` on the
 * line that holds it, never a silent replacement character.
 */
export function parseTraceBytes(bytes: Uint8Array, file = "<trace>"): ParsedTrace {
  // The lenient decoder is several times faster; only when it produced a
  // replacement character (invalid input, or a real U+FFFD) decode strictly.
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  if (text.includes("\uFFFD")) {
    try {
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new TraceParseError(file, badUtf8Line(bytes), "invalid UTF-8");
    }
  }
  return parseTrace(text, file);
}

/** Reads and parses a trace file. */
export async function readTraceFile(path: string, file: string = path): Promise<ParsedTrace> {
  return parseTraceBytes(await Deno.readFile(path), file);
}

function badUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line - 1;
}
