/**
 * The compiled form of a trace, the one form every replay runs (conformance,
 * benchmarks, fuzzers, counterexamples): parallel typed arrays, one opcode
 * and a few numeric operands per operation, with chunk tokens turned into
 * dense slot numbers and context names into dense ids, so the replay loop in
 * `execute.ts` touches no strings and no Maps. Where each operand goes is
 * read from the verb table (`verbs.ts`):
 *
 * | opcode | a | b | n | m |
 * | --- | --- | --- | --- | --- |
 * | CREATE_* | parent ctx | new ctx | offset into `createArgs` (3 sizes) | |
 * | ALLOC, ALLOC0 | slot | ctx | size | |
 * | ALLOCEXT | slot | ctx | size | flags |
 * | ALIGNED | slot | ctx | size | alignto |
 * | FREE, SPACE, OWNER | slot | | | |
 * | REALLOC | slot | | size | |
 * | RESET … CONSUMED | | ctx | | |
 * | SETPARENT | parent ctx | ctx | | |
 * | IDENT, CALLBACK | index into `strings` | ctx | | |
 * | LIMIT | | | bytes (Infinity for `none`) | |
 * | MEMALLOCATED | recurse (0/1) | ctx | | |
 * | STATS | maxLevel | ctx | maxChildren | |
 * | CHECK | | | | |
 *
 * Context ids 0 and 1 are TopMemoryContext and ErrorContext. A slot is
 * handed out again after its chunk is freed, so the pointer table stays as
 * small as the largest working set. `n` is an `Int32Array`, so the replay
 * passes a size to palloc as a small integer with no NaN test and no
 * double-to-integer step; an `n` operand outside [0, 2^31) (a huge size,
 * `Infinity`, a negative number) is marked `N_WIDE` and kept in the sparse
 * `wide`, a SIZE above 2^53 exactly as a bigint. Other operands above 2^53
 * become the nearest double, as palloc's creators take numbers.
 * `TraceCompiler` compiles one step at a time, so a replay can also be
 * driven step by step (model-based tests).
 */
import { TokenIndex } from "./token_index.ts";
import type { ParsedTrace, Size, TraceStep } from "./types.ts";
import { CREATE_TYPES, type Operand, VERBS } from "./verbs.ts";

export { Op } from "./verbs.ts";

/** A trace as typed arrays (see the file header for the operand layout). */
export interface CompiledTrace {
  /** The trace's file name. */
  file: string;
  /** Number of operations (the arrays may be longer while compiling step by step). */
  length: number;
  /** Opcode per operation (`Op`). */
  code: Uint8Array;
  /** First integer operand. */
  a: Int32Array;
  /** Second integer operand (usually a context id). */
  b: Int32Array;
  /**
   * First numeric operand (usually a size) when it is an integer in
   * [0, 2^31); otherwise `N_WIDE`, and the exact value is in `wide`.
   */
  n: Int32Array;
  /** Second numeric operand (flags, alignto). */
  m: Float64Array;
  /** 1-based source line per operation (for error messages). */
  lines: Int32Array;
  /** MIN, INIT, MAX (slab: BLOCKSIZE, CHUNKSIZE, 0) of each create, three per create. */
  createArgs: Float64Array;
  /** Context name per id; 0 and 1 are TopMemoryContext and ErrorContext. */
  contextNames: string[];
  /** Context id per name (the inverse of `contextNames`). */
  contextIds: ReadonlyMap<string, number>;
  /** Ident texts and callback IDs. */
  strings: string[];
  /** Size of the pointer table the replay needs. */
  slotCount: number;
  /**
   * The first numeric operand by operation index where it does not fit `n`
   * (sparse; benchmarks have none): a size above 2^31 (exact, a bigint above
   * 2^53), `Infinity` for a `limit none`, a negative number. That
   * operation's `n` is `N_WIDE`; `nOperand` reads either.
   */
  wide: Size[];
}

/** The `n` of an operation whose first numeric operand is in `wide`. */
export const N_WIDE = -1;

/**
 * The first numeric operand of operation `i`: `n[i]`, or `wide[i]` when it
 * did not fit (`N_WIDE`).
 */
export function nOperand(c: CompiledTrace, i: number): Size {
  const k = c.n[i];
  return k !== N_WIDE ? k : c.wide[i];
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(arr: T, need: number): T {
  if (need <= arr.length) return arr;
  let len = Math.max(16, arr.length * 2);
  while (len < need) len *= 2;
  const out = new (arr.constructor as new (n: number) => T)(len);
  out.set(arr);
  return out;
}

/** Compiles steps one at a time into a `CompiledTrace` (`trace`, kept current). */
export class TraceCompiler {
  /** The compiled form so far. */
  readonly trace: CompiledTrace;
  private readonly contextIds = new Map<string, number>([
    ["TopMemoryContext", 0],
    ["ErrorContext", 1],
  ]);
  private readonly tokens = new TokenIndex();
  private tokenSlot = new Int32Array(1024);
  private readonly freeSlots: number[] = [];
  private createCount = 0;

  /** Starts an empty compiled trace with room for `capacity` operations. */
  constructor(file: string, capacity = 16) {
    this.trace = {
      file,
      length: 0,
      code: new Uint8Array(capacity),
      a: new Int32Array(capacity),
      b: new Int32Array(capacity),
      n: new Int32Array(capacity),
      m: new Float64Array(capacity),
      lines: new Int32Array(capacity),
      createArgs: new Float64Array(0),
      contextNames: ["TopMemoryContext", "ErrorContext"],
      contextIds: this.contextIds,
      strings: [],
      slotCount: 0,
      wide: [],
    };
  }

  /**
   * Appends one step; returns its index. Expectations are ignored, except that
   * a `free` followed by `= error` does not release its slot (the chunk is
   * still there).
   */
  add(step: TraceStep): number {
    const c = this.trace;
    const i = c.length;
    if (i >= c.code.length) {
      const need = i + 1;
      c.code = grow(c.code, need);
      c.a = grow(c.a, need);
      c.b = grow(c.b, need);
      c.n = grow(c.n, need);
      c.m = grow(c.m, need);
      c.lines = grow(c.lines, need);
    }
    c.length = i + 1;
    c.lines[i] = step.line;
    const op = step.op;
    const fields = op as unknown as Record<string, unknown>;
    if (op.verb === "create") {
      const spec = CREATE_TYPES[op.type];
      c.code[i] = spec.code;
      c.a[i] = this.ctxId(op.parent);
      c.b[i] = this.ctxId(op.name);
      const k = 3 * this.createCount++;
      c.createArgs = grow(c.createArgs, k + 3);
      c.n[i] = k;
      for (let j = 0; j < 3; j++) {
        const d = spec.sizes[j];
        c.createArgs[k + j] = d === undefined ? 0 : Number(fields[d.field]);
      }
      return i;
    }
    const spec = VERBS[op.verb];
    c.code[i] = spec.code;
    for (const d of spec.operands) this.put(d, fields[d.field], i, step);
    return i;
  }

  /** The compiled trace with `createArgs` trimmed to the creates seen (the op arrays keep their capacity). */
  finish(): CompiledTrace {
    const c = this.trace;
    c.createArgs = c.createArgs.slice(0, 3 * this.createCount);
    return c;
  }

  /** Puts one operand into its array. */
  private put(d: Operand, v: unknown, i: number, step: TraceStep): void {
    const c = this.trace;
    let x: number;
    switch (d.kind) {
      case "newchunk":
        x = this.bindSlot(v as string);
        break;
      case "chunk":
        x = this.slotOf(v as string);
        break;
      case "freechunk":
        x = this.slotOf(v as string);
        if (!step.expect.some((e) => e.kind === "error")) this.freeSlots.push(x);
        break;
      case "ctx":
        x = this.ctxId(v as string);
        break;
      case "id":
      case "rest":
        x = c.strings.push(v as string) - 1;
        break;
      case "bool":
        x = v ? 1 : 0;
        break;
      case "limit":
        x = v === null ? Infinity : Number(v);
        break;
      case "size":
        if (typeof v === "bigint" && d.slot === "n") {
          c.n[i] = N_WIDE;
          c.wide[i] = v;
          return;
        }
        x = Number(v);
        break;
      default:
        x = Number(v);
    }
    if (d.slot !== "n") c[d.slot][i] = x;
    else if ((x | 0) === x && x >= 0) c.n[i] = x;
    else {
      c.n[i] = N_WIDE;
      c.wide[i] = x;
    }
  }

  private ctxId(name: string): number {
    let id = this.contextIds.get(name);
    if (id === undefined) {
      const names = this.trace.contextNames;
      id = names.length;
      names.push(name);
      this.contextIds.set(name, id);
    }
    return id;
  }

  private bindSlot(token: string): number {
    const t = this.tokens.add(token);
    this.tokenSlot = grow(this.tokenSlot, t + 1);
    const slot = this.freeSlots.length > 0
      ? (this.freeSlots.pop() as number)
      : this.trace.slotCount++;
    this.tokenSlot[t] = slot;
    return slot;
  }

  private slotOf(token: string): number {
    const t = this.tokens.get(token);
    if (t < 0) throw new RangeError(`chunk ${JSON.stringify(token)} was never bound`);
    return this.tokenSlot[t];
  }
}

/**
 * Compiles a parsed trace (see `TraceCompiler.add`).
 *
 * @example
 * ```ts
 * import { compileTrace, Op } from "./compile.ts";
 * import { parseTrace } from "./parse.ts";
 * const c = compileTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 10\n"));
 * console.assert(c.code[1] === Op.ALLOC && c.b[1] === 2 && c.n[1] === 10);
 * ```
 */
export function compileTrace(trace: ParsedTrace): CompiledTrace {
  const compiler = new TraceCompiler(trace.file, trace.steps.length);
  for (const step of trace.steps) compiler.add(step);
  return compiler.finish();
}
