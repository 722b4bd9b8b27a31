/**
 * Bump's byte layout and its block-level operations: the context header and
 * block header offsets of PostgreSQL 18's 64-bit build, where the circular
 * block list sits (PostgreSQL's `dlist`, head inside the context header; its
 * operations are `src/ilist.ts`'s), where the keeper block is (`KeeperBlock`),
 * and initialising, testing and freeing one block.
 *
 * Kept apart from the policy in `mod.ts` and `alloc.ts` so that the offsets are written
 * down once and the policy reads as the algorithm.
 *
 * ```
 *  context header, 112 bytes = MAXALIGN(sizeof(BumpContext))
 *   +0  MemoryContextData (80; word 0 = registry id)
 *   +80 initBlockSize, maxBlockSize, nextBlockSize, allocChunkLimit (uint32 each)
 *   +96 blocks: dlist_head (+96 prev = last block, +104 next = current block)
 *  keeper block at +112, same malloc
 *
 *  block header, 32 bytes = Bump_BLOCKHDRSZ
 *   +0 prev  +8 next  +16 freeptr  +24 endptr      chunks from +32, back to back
 * ```
 *
 * Pointer fields are 8-byte slots holding a 32-bit heap offset in their low
 * half, read as uint32 (heaps above 2 GB stay correct); high halves are
 * written as zero and never read. No function here allocates.
 */
import { heap, MemoryContext } from "../mcxt/context.ts";
import { dlist_delete } from "../ilist.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as ilistModule from "../ilist.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCTX_BUMP_ID } = memorychunkModule;
const { DLIST_NEXT, DLIST_PREV } = ilistModule;

/** `MAXALIGN(sizeof(BumpContext))`: 80 + 4 × 4 + 16. */
export const BUMP_CONTEXT_SIZE = 112;
/** `Bump_BLOCKHDRSZ`: `MAXALIGN(sizeof(BumpBlock))` without checking. */
export const BUMP_BLOCKHDRSZ = 32;
/** `Bump_CHUNKHDRSZ`: zero — bump chunks have no header. */
export const BUMP_CHUNKHDRSZ = 0;
/** `Bump_CHUNK_FRACTION`: a max-size block must hold this many limit-size chunks. */
export const BUMP_CHUNK_FRACTION = 8;
/** Offset of the `blocks` dlist head in the context header. */
export const BLOCKS_HEAD = 96;

// Word (uint32) indexes, relative to (block or head) >>> 2.
/** Word index of `node.prev`. */
export const W_PREV = DLIST_PREV;
/** Word index of `node.next`. */
export const W_NEXT = DLIST_NEXT;
/** Word index of `freeptr`. */
export const W_FREEPTR = 4;
/** Word index of `endptr`. */
export const W_ENDPTR = 6;

/** `BumpBlockInit`: an empty block of `blksize` bytes; leaves `mem_allocated` alone. */
export function BumpBlockInit(block: number, blksize: number): void {
  const u = heap.u32;
  const b = block >>> 2;
  u[b + W_FREEPTR] = block + BUMP_BLOCKHDRSZ;
  u[b + W_FREEPTR + 1] = 0;
  u[b + W_ENDPTR] = block + blksize;
  u[b + W_ENDPTR + 1] = 0;
}

/** `BumpBlockIsEmpty`: the free pointer has not moved. */
export function BumpBlockIsEmpty(u: Uint32Array, block: number): boolean {
  return u[(block >>> 2) + W_FREEPTR] === block + BUMP_BLOCKHDRSZ;
}

/** `BumpBlockFree`: unlinks a non-keeper block, uncounts it and gives it back to the heap. */
export function BumpBlockFree(set: MemoryContext, block: number): void {
  dlist_delete(block);
  set.memAllocated -= heap.u32[(block >>> 2) + W_ENDPTR] - block;
  heap.freeChecked(block); // checked before the reset
}

/**
 * A Bump context: the tree node plus the type's scalars.
 *
 * @example
 * ```ts
 * import {
 *   BumpContext,
 *   BumpContextCreate,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * // Never-freed allocations without chunk headers, like a sort's tuples.
 * const tuples = BumpContextCreate(TopMemoryContext, "Caller tuples", 0, 8192, 8 << 20);
 * console.assert(tuples instanceof BumpContext && tuples.maxBlockSize === 8 << 20);
 * ```
 */
export class BumpContext extends MemoryContext {
  /**
   * The current block, the head of the block list (`dlist_head_node(&blocks)`),
   * kept here too so the allocation fast path reads it without a heap load.
   */
  declare block: number;
  /** First size of a non-keeper block. */
  declare initBlockSize: number;
  /** Largest size a normal block grows to. */
  declare maxBlockSize: number;
  /** Size of the next normal block. */
  declare nextBlockSize: number;
  /**
   * `allocChunkLimit`: larger chunks get a dedicated block. A request of
   * `size` bytes is one exactly when `size > (allocChunkLimit & ~7)`, i.e.
   * when `MAXALIGN(size)` exceeds it, the test PostgreSQL makes.
   */
  declare allocChunkLimit: number;
  /**
   * Bump's field of its own (see `MemoryContext`): the aligned chunks carved
   * out of this context's chunks, or null while there are none. They do
   * carry a redirect header, so `bumpOwnerOf` leaves them to the
   * aligned-chunk code.
   */
  declare own: Set<number> | null;

  /** Never called: `newBumpContext()` makes the object (see `MemoryContext`'s constructor). */
  private constructor() {
    super(MCTX_BUMP_ID);
  }

  /** True for a context of this type (the objects of every type share `MemoryContext.prototype`). */
  static override [Symbol.hasInstance](value: unknown): value is BumpContext {
    return value instanceof MemoryContext && value.methodId === MCTX_BUMP_ID;
  }
}

/** A new BumpContext object, its fields at their initial values (for the create functions). */
export function newBumpContext(): BumpContext {
  return new MemoryContext(MCTX_BUMP_ID) as BumpContext;
}

/**
 * `KeeperBlock(set)`: the keeper block, which follows the context header in
 * the same malloc. Computed from the header, as PostgreSQL's macro does,
 * rather than kept in a field of every context object.
 */
export function KeeperBlock(set: MemoryContext): number {
  return set.header + BUMP_CONTEXT_SIZE;
}
