/**
 * The compiled form of a trace, the one form every replay runs (conformance,
 * benchmarks, fuzzers, counterexamples): typed arrays, one opcode and a few
 * numeric operands per operation, with chunk tokens turned into dense slot
 * numbers and context names into dense ids, so the replay loop in
 * `execute.ts` touches no strings and no Maps. The opcode and the integer
 * operands a, b and n of an operation are `OP_STRIDE` consecutive int32
 * words of one array, `ops`, so the loop reads one array a cache line at a
 * time (it was four parallel arrays; one is 6 % faster on bump-sort,
 * `docs/performance.md`); `m` and the line numbers, rarely read, have arrays
 * of their own. Read them with `opCode` and `operand`. Where each operand
 * goes is read from the verb table (`verbs.ts`):
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
 * small as the largest working set. `n` is an int32, so the replay
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
import { CREATE_TYPES, type Operand, type Slot, VERBS } from "./verbs.ts";

export { Op } from "./verbs.ts";

/** A trace as typed arrays (see the file header for the operand layout). */
export interface CompiledTrace {
  /** The trace's file name. */
  file: string;
  /** Number of operations (the arrays may be longer while compiling step by step). */
  length: number;
  /**
   * The operations, `OP_STRIDE` int32 words each, at `OP_CODE` … `OP_N`: the
   * opcode (`Op`); the first integer operand `a`; the second, `b` (usually a
   * context id); and `n`, the first numeric operand (usually a size) when it
   * is an integer in [0, 2^31), otherwise `N_WIDE` with the exact value in
   * `wide`. May be longer than `length` operations while compiling.
   */
  ops: Int32Array;
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

/** Int32 words per operation in `CompiledTrace.ops`. */
export const OP_STRIDE = 4;
/** Word of an operation in `ops` holding its opcode. */
export const OP_CODE = 0;
/** Word of an operation in `ops` holding operand `a`. */
export const OP_A = 1;
/** Word of an operation in `ops` holding operand `b`. */
export const OP_B = 2;
/** Word of an operation in `ops` holding operand `n` (or `N_WIDE`). */
export const OP_N = 3;

const SLOT_WORD = { a: OP_A, b: OP_B, n: OP_N } as const;

/** The opcode (`Op`) of operation `i`. */
export function opCode(c: CompiledTrace, i: number): number {
  return c.ops[i * OP_STRIDE + OP_CODE];
}

/**
 * Operand `slot` of operation `i` as compiled: for `n`, `N_WIDE` when the
 * value is in `wide` (`nOperand` reads either).
 */
export function operand(c: CompiledTrace, slot: Slot, i: number): number {
  return slot === "m" ? c.m[i] : c.ops[i * OP_STRIDE + SLOT_WORD[slot]];
}

/**
 * The first numeric operand of operation `i`: `n[i]`, or `wide[i]` when it
 * did not fit (`N_WIDE`).
 */
export function nOperand(c: CompiledTrace, i: number): Size {
  const k = c.ops[i * OP_STRIDE + OP_N];
  return k !== N_WIDE ? k : c.wide[i];
}

function grow<T extends Int32Array | Float64Array>(arr: T, need: number): T {
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
      ops: new Int32Array(capacity * OP_STRIDE),
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
    if (i >= c.lines.length) {
      const need = i + 1;
      c.ops = grow(c.ops, need * OP_STRIDE);
      c.m = grow(c.m, need);
      c.lines = grow(c.lines, need);
    }
    c.length = i + 1;
    c.lines[i] = step.line;
    const op = step.op;
    const fields = op as unknown as Record<string, unknown>;
    const w = i * OP_STRIDE;
    if (op.verb === "create") {
      const spec = CREATE_TYPES[op.type];
      c.ops[w + OP_CODE] = spec.code;
      c.ops[w + OP_A] = this.ctxId(op.parent);
      c.ops[w + OP_B] = this.ctxId(op.name);
      const k = 3 * this.createCount++;
      c.createArgs = grow(c.createArgs, k + 3);
      c.ops[w + OP_N] = k;
      for (let j = 0; j < 3; j++) {
        const d = spec.sizes[j];
        c.createArgs[k + j] = d === undefined ? 0 : Number(fields[d.field]);
      }
      return i;
    }
    const spec = VERBS[op.verb];
    c.ops[w + OP_CODE] = spec.code;
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
          c.ops[i * OP_STRIDE + OP_N] = N_WIDE;
          c.wide[i] = v;
          return;
        }
        x = Number(v);
        break;
      default:
        x = Number(v);
    }
    if (d.slot === "m") c.m[i] = x;
    else if (d.slot !== "n") c.ops[i * OP_STRIDE + SLOT_WORD[d.slot]] = x;
    else if ((x | 0) === x && x >= 0) c.ops[i * OP_STRIDE + OP_N] = x;
    else {
      c.ops[i * OP_STRIDE + OP_N] = N_WIDE;
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
 * import { compileTrace, Op, opCode, operand } from "./compile.ts";
 * import { parseTrace } from "./parse.ts";
 * const c = compileTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 10\n"));
 * console.assert(opCode(c, 1) === Op.ALLOC && operand(c, "b", 1) === 2 && operand(c, "n", 1) === 10);
 * ```
 */
export function compileTrace(trace: ParsedTrace): CompiledTrace {
  const compiler = new TraceCompiler(trace.file, trace.steps.length);
  for (const step of trace.steps) compiler.add(step);
  return compiler.finish();
}
