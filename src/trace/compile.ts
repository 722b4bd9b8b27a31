/**
 * The compiled form of a trace, for benchmarks: parallel typed arrays (one
 * opcode and a few numeric operands per operation) with chunk tokens turned
 * into dense slot numbers and context names into dense ids, so the replay
 * loop in `replay_fast.ts` touches no strings and no Maps.
 *
 * Operand layout per opcode (ctx = context id, slot = chunk slot):
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
 * small as the largest working set. Sizes above 2^53 become the nearest
 * double (benchmarks have none).
 */
import { TokenIndex } from "./token_index.ts";
import type { ParsedTrace } from "./types.ts";

/** Opcodes of the compiled form. */
export const Op = {
  CREATE_ASET: 1,
  CREATE_GENERATION: 2,
  CREATE_BUMP: 3,
  CREATE_SLAB: 4,
  ALLOC: 5,
  ALLOC0: 6,
  ALLOCEXT: 7,
  ALIGNED: 8,
  FREE: 9,
  REALLOC: 10,
  RESET: 11,
  RESETONLY: 12,
  RESETCHILDREN: 13,
  DELETE: 14,
  DELETECHILDREN: 15,
  SETPARENT: 16,
  IDENT: 17,
  CALLBACK: 18,
  LIMIT: 19,
  SPACE: 20,
  OWNER: 21,
  ISEMPTY: 22,
  MEMALLOCATED: 23,
  CONSUMED: 24,
  STATS: 25,
  CHECK: 26,
} as const;

/** A trace as typed arrays (see the file header for the operand layout). */
export interface CompiledTrace {
  /** The trace's file name. */
  file: string;
  /** Number of operations. */
  length: number;
  /** Opcode per operation (`Op`). */
  code: Uint8Array;
  /** First integer operand. */
  a: Int32Array;
  /** Second integer operand (usually a context id). */
  b: Int32Array;
  /** First numeric operand (usually a size). */
  n: Float64Array;
  /** Second numeric operand (flags, alignto). */
  m: Float64Array;
  /** 1-based source line per operation (for error messages). */
  lines: Int32Array;
  /** MIN, INIT, MAX (slab: BLOCKSIZE, CHUNKSIZE, 0) of each create, three per create. */
  createArgs: Float64Array;
  /** Context name per id; 0 and 1 are TopMemoryContext and ErrorContext. */
  contextNames: string[];
  /** Ident texts and callback IDs. */
  strings: string[];
  /** Size of the pointer table the replay needs. */
  slotCount: number;
}

const CONTEXT_OPS: Record<string, number> = {
  reset: Op.RESET,
  resetonly: Op.RESETONLY,
  resetchildren: Op.RESETCHILDREN,
  delete: Op.DELETE,
  deletechildren: Op.DELETECHILDREN,
  isempty: Op.ISEMPTY,
  consumed: Op.CONSUMED,
};

const CREATE_OPS = {
  aset: Op.CREATE_ASET,
  generation: Op.CREATE_GENERATION,
  bump: Op.CREATE_BUMP,
  slab: Op.CREATE_SLAB,
} as const;

/**
 * Compiles a parsed trace. Expectations are ignored, except that a `free`
 * followed by `= error` does not release its slot (the chunk is still there).
 *
 * @example
 * ```ts
 * import { parseTrace } from "./parse.ts";
 * import { compileTrace, Op } from "./compile.ts";
 * const c = compileTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 10\n"));
 * console.assert(c.code[1] === Op.ALLOC && c.b[1] === 2 && c.n[1] === 10);
 * ```
 */
export function compileTrace(trace: ParsedTrace): CompiledTrace {
  const len = trace.steps.length;
  const code = new Uint8Array(len);
  const a = new Int32Array(len);
  const b = new Int32Array(len);
  const n = new Float64Array(len);
  const m = new Float64Array(len);
  const lines = new Int32Array(len);
  const createArgs: number[] = [];
  const strings: string[] = [];
  const contextNames = ["TopMemoryContext", "ErrorContext"];
  const contextIds = new Map<string, number>([["TopMemoryContext", 0], ["ErrorContext", 1]]);
  const tokens = new TokenIndex();
  let tokenSlot = new Int32Array(1024);
  const freeSlots: number[] = [];
  let slotCount = 0;

  const ctxId = (name: string): number => {
    let id = contextIds.get(name);
    if (id === undefined) {
      id = contextNames.length;
      contextNames.push(name);
      contextIds.set(name, id);
    }
    return id;
  };
  const bindSlot = (token: string): number => {
    const t = tokens.add(token);
    if (t >= tokenSlot.length) {
      const grown = new Int32Array(tokenSlot.length * 2);
      grown.set(tokenSlot);
      tokenSlot = grown;
    }
    const slot = freeSlots.length > 0 ? (freeSlots.pop() as number) : slotCount++;
    tokenSlot[t] = slot;
    return slot;
  };
  const slotOf = (token: string): number => tokenSlot[tokens.get(token)];

  for (let i = 0; i < len; i++) {
    const step = trace.steps[i];
    const op = step.op;
    lines[i] = step.line;
    switch (op.verb) {
      case "create":
        code[i] = CREATE_OPS[op.type];
        a[i] = ctxId(op.parent);
        b[i] = ctxId(op.name);
        n[i] = createArgs.length;
        if (op.type === "slab") createArgs.push(Number(op.blockSize), Number(op.chunkSize), 0);
        else createArgs.push(Number(op.min), Number(op.init), Number(op.max));
        break;
      case "alloc":
      case "alloc0":
      case "allocext":
      case "aligned":
        code[i] = op.verb === "alloc"
          ? Op.ALLOC
          : op.verb === "alloc0"
          ? Op.ALLOC0
          : op.verb === "allocext"
          ? Op.ALLOCEXT
          : Op.ALIGNED;
        b[i] = ctxId(op.ctx);
        n[i] = Number(op.size);
        if (op.verb === "allocext") m[i] = op.flags;
        if (op.verb === "aligned") m[i] = Number(op.alignto);
        a[i] = bindSlot(op.ptr);
        break;
      case "free": {
        code[i] = Op.FREE;
        const slot = slotOf(op.ptr);
        a[i] = slot;
        if (!step.expect.some((e) => e.kind === "error")) freeSlots.push(slot);
        break;
      }
      case "space":
      case "owner":
        code[i] = op.verb === "space" ? Op.SPACE : Op.OWNER;
        a[i] = slotOf(op.ptr);
        break;
      case "realloc":
        code[i] = Op.REALLOC;
        a[i] = slotOf(op.ptr);
        n[i] = Number(op.size);
        break;
      case "reset":
      case "resetonly":
      case "resetchildren":
      case "delete":
      case "deletechildren":
      case "isempty":
      case "consumed":
        code[i] = CONTEXT_OPS[op.verb];
        b[i] = ctxId(op.ctx);
        break;
      case "setparent":
        code[i] = Op.SETPARENT;
        a[i] = ctxId(op.parent);
        b[i] = ctxId(op.ctx);
        break;
      case "ident":
      case "callback":
        code[i] = op.verb === "ident" ? Op.IDENT : Op.CALLBACK;
        a[i] = strings.push(op.verb === "ident" ? op.text : op.id) - 1;
        b[i] = ctxId(op.ctx);
        break;
      case "limit":
        code[i] = Op.LIMIT;
        n[i] = op.bytes === null ? Infinity : Number(op.bytes);
        break;
      case "memallocated":
        code[i] = Op.MEMALLOCATED;
        a[i] = op.recurse ? 1 : 0;
        b[i] = ctxId(op.ctx);
        break;
      case "stats":
        code[i] = Op.STATS;
        a[i] = op.maxLevel;
        b[i] = ctxId(op.ctx);
        n[i] = op.maxChildren;
        break;
      case "check":
        code[i] = Op.CHECK;
        break;
    }
  }
  return {
    file: trace.file,
    length: len,
    code,
    a,
    b,
    n,
    m,
    lines,
    createArgs: Float64Array.from(createArgs),
    contextNames,
    strings,
    slotCount,
  };
}
