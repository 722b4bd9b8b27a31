/**
 * AllocSet's layout (PostgreSQL's aset.c struct definitions): the sizes of the
 * context header, block header and chunk header in the 64-bit build, the
 * block header's word offsets, the three standard size triples, the
 * `AllocSetContext` node, where its keeper block and freelist heads sit
 * (`KeeperBlock`, `AllocSetFreelistWord`), and giving a block back to the
 * heap (`AllocSetBlockFree`).
 */
import { heap, MemoryContext } from "../mcxt/context.ts";
import * as memorychunkModule from "../memorychunk.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCTX_ASET_ID } = memorychunkModule;

/** `sizeof(AllocSetContext)` in the 64-bit build, MAXALIGNed. */
export const ASET_CONTEXT_SIZE = 200;
/** `ALLOC_BLOCKHDRSZ`. */
export const ALLOC_BLOCKHDRSZ = 40;
/** `ALLOC_CHUNKHDRSZ`. */
export const ALLOC_CHUNKHDRSZ = 8;
/** `ALLOC_MINBITS`: the smallest chunk is 2^3 = 8 bytes. */
export const ALLOC_MINBITS = 3;
/** Number of freelists (size classes 8 … 8192 bytes). */
export const ALLOCSET_NUM_FREELISTS = 11;
export const ALLOC_CHUNK_LIMIT = 1 << (ALLOCSET_NUM_FREELISTS - 1 + ALLOC_MINBITS);
export const ALLOC_CHUNK_FRACTION = 4;
export const MAX_FREE_CONTEXTS = 100;
/** Added to a chunk's freelist index while it sits on a freelist (double-free check). */
export const FREE_MARK = 16;

/**
 * `ALLOCSET_DEFAULT_SIZES`: min 0, init 8 KB, max 8 MB.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "ExecutorState", ...ALLOCSET_DEFAULT_SIZES);
 * ```
 */
export const ALLOCSET_DEFAULT_SIZES = [0, 8 * 1024, 8 * 1024 * 1024] as const;
/**
 * `ALLOCSET_SMALL_SIZES`: min 0, init 1 KB, max 8 KB.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_SMALL_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "ExprContext", ...ALLOCSET_SMALL_SIZES);
 * ```
 */
export const ALLOCSET_SMALL_SIZES = [0, 1024, 8 * 1024] as const;
/**
 * `ALLOCSET_START_SMALL_SIZES`: min 0, init 1 KB, max 8 MB.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_START_SMALL_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "maybe big", ...ALLOCSET_START_SMALL_SIZES);
 * ```
 */
export const ALLOCSET_START_SMALL_SIZES = [0, 1024, 8 * 1024 * 1024] as const;

// Block header field offsets, in 32-bit words from the block start.
/** Word index of a block's owner (context header offset); zeroed when the block is freed. */
export const B_OWNER = 0;
/** Word index of a block's `prev`. */
export const B_PREV = 2;
/** Word index of a block's `next`. */
export const B_NEXT = 4;
/** Word index of a block's `freeptr`. */
export const B_FREEPTR = 6;
/** Word index of a block's `endptr`. */
export const B_ENDPTR = 8;

/**
 * An AllocSet context: the tree node plus AllocSet's own state.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContext,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * console.assert(cxt instanceof AllocSetContext);
 * ```
 */
export class AllocSetContext extends MemoryContext {
  /** Newest block (the one chunks are carved from). */
  declare blocks: number;
  /** First block size. */
  declare initBlockSize: number;
  /** Largest block size. */
  declare maxBlockSize: number;
  /** Size of the next block to obtain. */
  declare nextBlockSize: number;
  /** Requests above this get a dedicated block. */
  declare allocChunkLimit: number;
  /** Which context freelist this context may go to on delete, or -1. */
  declare freeListIndex: number;

  /** Never called: `newAllocSetContext()` makes the object (see `MemoryContext`'s constructor). */
  private constructor() {
    super(MCTX_ASET_ID);
  }

  /** True for a context of this type (the objects of every type share `MemoryContext.prototype`). */
  static override [Symbol.hasInstance](value: unknown): value is AllocSetContext {
    return value instanceof MemoryContext && value.methodId === MCTX_ASET_ID;
  }
}

/** A new AllocSetContext object, its fields at their initial values (for the create functions). */
export function newAllocSetContext(): AllocSetContext {
  return new MemoryContext(MCTX_ASET_ID) as AllocSetContext;
}

/**
 * `KeeperBlock(set)`: the keeper block, which follows the context header in
 * the same malloc. Computed from the header, as PostgreSQL's macro does,
 * rather than kept in a field of every context object.
 */
export function KeeperBlock(set: MemoryContext): number {
  return set.header + ASET_CONTEXT_SIZE;
}

/** Int32 word of freelist 0 inside the header: after MemoryContextData (80) and `blocks` (8). */
const FREELIST_WORD = 22;

/**
 * The int32 index into `heap.i32` of freelist 0's head in `set`'s header;
 * freelist k's head is 2 k words further (8 bytes each).
 */
export function AllocSetFreelistWord(set: MemoryContext): number {
  return (set.header >>> 2) + FREELIST_WORD;
}

/**
 * Gives a non-keeper block back to the heap and takes its size off
 * `mem_allocated`. Its owner word is zeroed first, so a stale chunk pointer
 * into it can no longer find a live owner.
 */
export function AllocSetBlockFree(set: AllocSetContext, block: number): void {
  const b = block >>> 2;
  set.memAllocated -= heap.u32[b + B_ENDPTR] - block;
  heap.i32[b + B_OWNER] = 0;
  heap.freeChecked(block); // every caller had heap.checkFree accept it
}
