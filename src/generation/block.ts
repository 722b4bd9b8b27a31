/**
 * Generation's block header and its block list, as they sit in the heap.
 *
 * This file owns the byte layout of PostgreSQL 18's `GenerationBlock` and
 * `GenerationContext` (64-bit build) and the handful of operations on a block
 * that do not depend on the allocation policy: initialise, mark empty, give
 * back to the heap, where the keeper block is (`KeeperBlock`), and where the
 * doubly linked block list sits (PostgreSQL's
 * `dlist`, circular, whose head lives inside the context header; its
 * operations are `src/ilist.ts`'s). Also the layout-level
 * validation every chunk operation and every create starts with: that a
 * pointer's header leads to a live chunk of a live Generation block (and is
 * not free-marked), and that the create parameters make a usable context.
 *
 * Keeping the layout here, apart from the policy in `mod.ts`/`alloc.ts` and
 * the read-only walks in `inspect.ts`, means the offsets are written
 * down once and the policy reads as the algorithm.
 *
 * ```
 *  context header (128 bytes, MAXALIGN(sizeof(GenerationContext)))
 *  ┌──────────────────────────┬───────────────────┬──────────────────────┐
 *  │ MemoryContextData (80)   │ 4×uint32, 2 ptrs  │ blocks: dlist_head   │
 *  │ word 0 = registry id     │ (kept on JS side) │ +112 prev, +120 next │
 *  └──────────────────────────┴───────────────────┴──────────────────────┘
 *  keeper block follows at +128 (same malloc as the header)
 *
 *  block header (56 bytes, Generation_BLOCKHDRSZ)
 *   +0 prev   +8 next   +16 context header   +24 blksize
 *   +32 nchunks (int)   +36 nfree (int)      +40 freeptr   +48 endptr
 *  chunks start at +56: [8-byte MemoryChunk][data] …
 * ```
 *
 * Pointer fields are 8-byte slots holding a 32-bit heap offset in their low
 * half (read as uint32, so heaps above 2 GB stay correct); the high halves
 * are written as zero once and never read. Counts are int32 as in C.
 *
 * Trade-off: the per-context scalars PostgreSQL keeps in the header (current
 * block, freeblock, block-size sequence, chunk limit) live on the JS object
 * for speed; their header bytes are allocated, so accounting is unchanged.
 */
import { elogError } from "../elog.ts";
import { contextAtHeaderOrNull, heap, MemoryContext } from "../mcxt/context.ts";
import { ContextCheckBlockSizes } from "../mcxt/create.ts";
import {
  chunkExternalMagicOk,
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
} from "../memorychunk.ts";
import { dlist_delete } from "../ilist.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as ilistModule from "../ilist.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCTX_GENERATION_ID } = memorychunkModule;
const { DLIST_NEXT, DLIST_PREV } = ilistModule;

/** `MAXALIGN(sizeof(GenerationContext))`: 80 + 4×4 + 2×8 + 16. */
export const GENERATION_CONTEXT_SIZE = 128;
/** `Generation_BLOCKHDRSZ`: `MAXALIGN(sizeof(GenerationBlock))`. */
export const GENERATION_BLOCKHDRSZ = 56;
/** `Generation_CHUNKHDRSZ`: `sizeof(MemoryChunk)` without checking. */
export const GENERATION_CHUNKHDRSZ = 8;
/** Offset of the `blocks` list head inside the context header. */
export const GENERATION_BLOCKS_HEAD = 112;
/**
 * palloc's free mark: bit 0 of a freed chunk's size, i.e. bit 5 of the
 * header's first word (sizes are multiples of 8, so the bit is otherwise 0).
 */
export const GENERATION_FREE_BIT = 1 << 5;

// Word (uint32) indexes of the block header's fields, relative to block >>> 2.
/** Word index of `node.prev`. */
export const B_PREV = DLIST_PREV;
/** Word index of `node.next`. */
export const B_NEXT = DLIST_NEXT;
/** Word index of `context` (the owning context's header offset). */
export const B_CONTEXT = 4;
/** Word index of `blksize` (low half). */
export const B_BLKSIZE = 6;
/** Word index of `nchunks`. */
export const B_NCHUNKS = 8;
/** Word index of `nfree`. */
export const B_NFREE = 9;
/** Word index of `freeptr`. */
export const B_FREEPTR = 10;
/** Word index of `endptr`. */
export const B_ENDPTR = 12;

/**
 * `GenerationBlockInit`: an empty block of `blksize` bytes owned by the
 * context whose header is at `contextHeader`. Does not touch `mem_allocated`.
 */
export function GenerationBlockInit(contextHeader: number, block: number, blksize: number): void {
  const u = heap.u32;
  const b = block >>> 2;
  u[b + B_CONTEXT] = contextHeader;
  u[b + B_CONTEXT + 1] = 0;
  u[b + B_BLKSIZE] = blksize;
  u[b + B_BLKSIZE + 1] = 0;
  u[b + B_NCHUNKS] = 0;
  u[b + B_NFREE] = 0;
  u[b + B_FREEPTR] = block + GENERATION_BLOCKHDRSZ;
  u[b + B_FREEPTR + 1] = 0;
  u[b + B_ENDPTR] = block + blksize;
  u[b + B_ENDPTR + 1] = 0;
}

/** `GenerationBlockMarkEmpty`: forget every chunk of `block` but keep its memory. */
export function GenerationBlockMarkEmpty(block: number): void {
  const u = heap.u32;
  const b = block >>> 2;
  u[b + B_NCHUNKS] = 0;
  u[b + B_NFREE] = 0;
  u[b + B_FREEPTR] = block + GENERATION_BLOCKHDRSZ;
}

/** `GenerationBlockFreeBytes`: unused bytes at the end of `block`. */
export function GenerationBlockFreeBytes(block: number): number {
  const u = heap.u32;
  const b = block >>> 2;
  return u[b + B_ENDPTR] - u[b + B_FREEPTR];
}

/** The block's `blksize`. */
export function GenerationBlockSize(block: number): number {
  return heap.u32[(block >>> 2) + B_BLKSIZE];
}

/** The header offset of the context owning `block`. */
export function GenerationBlockContextHeader(block: number): number {
  return heap.u32[(block >>> 2) + B_CONTEXT];
}

/**
 * Usable bytes of the chunk whose header is at `chunk`: the header's value,
 * or for an external chunk the distance to the end of its dedicated `block`.
 */
export function GenerationChunkSize(m: Int32Array, chunk: number, block: number): number {
  if (chunkIsExternal(m, chunk)) {
    return heap.u32[(block >>> 2) + B_ENDPTR] - (chunk + GENERATION_CHUNKHDRSZ);
  }
  return chunkGetValue(m, chunk) & ~7; // without the free mark
}

/**
 * Generation's create-parameter check: the rule it shares with Bump
 * (`ContextCheckBlockSizes`), under the name "generation".
 */
export function GenerationCheckParameters(min: number, init: number, max: number): void {
  ContextCheckBlockSizes("generation", min, init, max);
}

/**
 * The block of the live chunk whose header is at `chunk`, after the cheap
 * checks that keep a bad pointer from corrupting anything (see the file
 * header): a live Generation owns the block, the chunk lies in its used part,
 * and it is not freed already. Raises a PgError and changes nothing otherwise.
 */
export function GenerationChunkGetBlock(m: Int32Array, chunk: number, what: string): number {
  const external = chunkIsExternal(m, chunk);
  const block = external ? chunk - GENERATION_BLOCKHDRSZ : chunkGetBlock(m, chunk);
  const u = heap.u32;
  const b = block >>> 2;
  const owner = block > 0 ? contextAtHeaderOrNull(u[b + B_CONTEXT]) : undefined;
  // An external chunk's block is the heap block right before it (PostgreSQL's dedicated
  // block): it must be live in the heap, so bytes shaped like a block header elsewhere (the
  // data in front of a bump chunk, see mcxt/guard.ts) are not taken for one.
  if (
    owner === undefined || owner.methodId !== MCTX_GENERATION_ID ||
    chunk < block + GENERATION_BLOCKHDRSZ || chunk >= u[b + B_FREEPTR] ||
    (external
      ? !chunkExternalMagicOk(m, chunk) || !heap.isLive(block)
      : (m[chunk >>> 2] & GENERATION_FREE_BIT) !== 0)
  ) {
    GenerationChunkRefused(chunk, what, owner, block, external);
  }
  return block;
}

/** The error `GenerationChunkGetBlock` raises, apart so the check itself stays small. */
function GenerationChunkRefused(
  chunk: number,
  what: string,
  owner: MemoryContext | undefined,
  block: number,
  external: boolean,
): never {
  if (owner === undefined || owner.methodId !== MCTX_GENERATION_ID) {
    elogError(`could not find block containing chunk 0x${chunk.toString(16)}`);
  }
  const u = heap.u32;
  if (
    chunk < block + GENERATION_BLOCKHDRSZ || chunk >= u[(block >>> 2) + B_FREEPTR] || external
  ) {
    elogError(
      `${what} called with invalid pointer ${chunk + GENERATION_CHUNKHDRSZ} (not a live chunk)`,
    );
  }
  elogError(
    `${what} called with a freed chunk ${chunk + GENERATION_CHUNKHDRSZ} in "${owner.name}"`,
  );
}

/**
 * A Generation context: the tree node plus the scalars of `GenerationContext`.
 *
 * @example
 * ```ts
 * import {
 *   GenerationContext,
 *   GenerationContextCreate,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * // Chunks freed roughly in allocation order, like reorderbuffer's changes.
 * const gen = GenerationContextCreate(TopMemoryContext, "ReorderBuffer", 0, 8192, 8 << 20);
 * console.assert(gen instanceof GenerationContext && gen.initBlockSize === 8192);
 * ```
 */
export class GenerationContext extends MemoryContext {
  /** Size of the first non-keeper block. */
  declare initBlockSize: number;
  /** Largest size block growth reaches. */
  declare maxBlockSize: number;
  /** Size of the next non-dedicated block to allocate. */
  declare nextBlockSize: number;
  /** Chunks bigger than this get a dedicated block. */
  declare allocChunkLimit: number;
  /** Heap offset of the current block (never 0 once created). */
  declare block: number;
  /** Heap offset of the recycled empty block, or 0. */
  declare freeblock: number;

  /** Never called: `newGenerationContext()` makes the object (see `MemoryContext`'s constructor). */
  private constructor() {
    super(MCTX_GENERATION_ID);
  }

  /** True for a context of this type (the objects of every type share `MemoryContext.prototype`). */
  static override [Symbol.hasInstance](value: unknown): value is GenerationContext {
    return value instanceof MemoryContext && value.methodId === MCTX_GENERATION_ID;
  }
}

/** A new GenerationContext object, its fields at their initial values (for the create functions). */
export function newGenerationContext(): GenerationContext {
  return new MemoryContext(MCTX_GENERATION_ID) as GenerationContext;
}

/**
 * `KeeperBlock(set)`: the keeper block, which follows the context header in
 * the same malloc. Computed from the header, as PostgreSQL's macro does,
 * rather than kept in a field of every context object.
 */
export function KeeperBlock(set: MemoryContext): number {
  return set.header + GENERATION_CONTEXT_SIZE;
}

/** `GenerationBlockFree`: unlinks a (non-keeper, non-free) block and gives it back. */
export function GenerationBlockFree(set: GenerationContext, block: number): void {
  dlist_delete(block);
  set.memAllocated -= GenerationBlockSize(block);
  heap.u32[(block >>> 2) + B_CONTEXT] = 0; // stale pointers into it find no owner
  heap.freeChecked(block); // checked by GenerationFree or before the reset
}
