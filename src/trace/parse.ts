/**
 * The trace parser: text → `ParsedTrace`. It owns the grammar of FORMAT.md —
 * every verb with its arity and operand kinds, every expectation kind and
 * where it may appear — and refuses anything else with a `TraceParseError`
 * naming the file and 1-based line. Name bookkeeping (contexts created before
 * use, chunk tokens bound once) is delegated to `liveness.ts`.
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

/** Operand counts (tokens after the verb) of the fixed-arity verbs. */
const ARITY: Record<string, number> = {
  alloc: 3,
  alloc0: 3,
  allocext: 4,
  aligned: 4,
  free: 1,
  realloc: 2,
  reset: 1,
  resetonly: 1,
  resetchildren: 1,
  delete: 1,
  deletechildren: 1,
  setparent: 2,
  callback: 2,
  limit: 1,
  space: 1,
  owner: 1,
  isempty: 1,
  memallocated: 2,
  consumed: 1,
  stats: 3,
  check: 0,
};

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
    if (text.startsWith("ident")) {
      if (text.length === 5 || text.charCodeAt(5) === 32) return this.ident(text);
    }
    const t = text.split(" ");
    const verb = t[0];
    this.tokens = t;
    for (let i = 1; i < t.length; i++) {
      if (t[i] === "") this.fail("empty token (tokens are separated by exactly one space)");
    }
    if (verb === "create") return this.create(t);
    const want = ARITY[verb];
    if (want === undefined || !Object.hasOwn(ARITY, verb)) {
      this.fail(`unknown verb ${JSON.stringify(verb)}`);
    }
    this.arity(verb, want);
    switch (verb) {
      case "alloc":
      case "alloc0": {
        const size = this.size(3, "SIZE");
        const v = verb === "alloc" ? "alloc" : "alloc0";
        return { verb: v, ptr: t[1], ctx: names.bind(t[1], t[2]), size };
      }
      case "allocext": {
        const size = this.size(3, "SIZE");
        const flags = this.flags(t[4]);
        return { verb: "allocext", ptr: t[1], ctx: names.bind(t[1], t[2]), size, flags };
      }
      case "aligned": {
        const size = this.size(3, "SIZE");
        const alignto = this.size(4, "ALIGNTO");
        return { verb: "aligned", ptr: t[1], ctx: names.bind(t[1], t[2]), size, alignto };
      }
      case "free":
        names.free(t[1]);
        return { verb: "free", ptr: t[1] };
      case "space":
      case "owner":
        names.use(t[1]);
        return { verb: verb === "space" ? "space" : "owner", ptr: t[1] };
      case "realloc": {
        const size = this.size(2, "SIZE");
        names.use(t[1]);
        return { verb: "realloc", ptr: t[1], size };
      }
      case "reset":
        return { verb: "reset", ctx: names.reset(t[1]) };
      case "resetonly":
        return { verb: "resetonly", ctx: names.resetOnly(t[1]) };
      case "resetchildren":
        return { verb: "resetchildren", ctx: names.resetChildren(t[1]) };
      case "delete":
        return { verb: "delete", ctx: names.delete(t[1]) };
      case "deletechildren":
        return { verb: "deletechildren", ctx: names.deleteChildren(t[1]) };
      case "isempty":
      case "consumed":
        return { verb: verb === "isempty" ? "isempty" : "consumed", ctx: names.context(t[1]).name };
      case "setparent":
        names.setParent(t[1], t[2]);
        return { verb: "setparent", ctx: t[1], parent: t[2] };
      case "callback":
        return { verb: "callback", ctx: names.context(t[1]).name, id: t[2] };
      case "limit":
        return { verb: "limit", bytes: t[1] === "none" ? null : this.size(1, "BYTES") };
      case "memallocated": {
        const r = t[2];
        if (r !== "0" && r !== "1") this.fail(`RECURSE must be 0 or 1, got ${JSON.stringify(r)}`);
        names.context(t[1]);
        return { verb: "memallocated", ctx: t[1], recurse: r === "1" };
      }
      case "stats": {
        const maxLevel = this.small(2, "MAXLEVEL");
        const maxChildren = this.small(3, "MAXCHILDREN");
        names.context(t[1]);
        return { verb: "stats", ctx: t[1], maxLevel, maxChildren };
      }
      default:
        return { verb: "check" };
    }
  }

  private create(t: string[]): Operation {
    if (t.length < 3) this.fail(`"create" needs NAME and TYPE`);
    const name = t[1];
    const type = t[2];
    if (type === "slab") {
      if (t.length !== 6) {
        this.fail(
          `"create … slab" takes 5 operands (NAME slab PARENT BLOCKSIZE CHUNKSIZE), got ${
            t.length - 1
          }`,
        );
      }
      const blockSize = this.size(4, "BLOCKSIZE");
      const chunkSize = this.size(5, "CHUNKSIZE");
      this.names.create(name, t[3]);
      return { verb: "create", name, type, parent: t[3], blockSize, chunkSize };
    }
    if (type !== "aset" && type !== "generation" && type !== "bump") {
      this.fail(`unknown context type ${JSON.stringify(type)}`);
    }
    if (t.length !== 7) {
      this.fail(
        `"create … ${type}" takes 6 operands (NAME ${type} PARENT MIN INIT MAX), got ${
          t.length - 1
        }`,
      );
    }
    const min = this.size(4, "MIN");
    const init = this.size(5, "INIT");
    const max = this.size(6, "MAX");
    this.names.create(name, t[3]);
    return { verb: "create", name, type, parent: t[3], min, init, max };
  }

  private ident(text: string): Operation {
    const sp = 5;
    const sp2 = text.length === 5 ? -1 : text.indexOf(" ", sp + 1);
    if (sp2 < 0) this.fail(`"ident" takes CTX and TEXT ("ident CTX TEXT")`);
    const ctx = text.slice(sp + 1, sp2);
    if (ctx === "") this.fail("empty token (tokens are separated by exactly one space)");
    this.names.context(ctx);
    return { verb: "ident", ctx, text: text.slice(sp2 + 1) };
  }
}

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
