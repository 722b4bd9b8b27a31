/**
 * Generation's chunk operations: `GenerationAlloc` and its slow paths (carve
 * from the current block, else switch once to the kept empty freeblock, else
 * grow by a new block with sizes doubling up to `maxBlockSize`; a request
 * above `allocChunkLimit` gets a dedicated block holding one external chunk),
 * `GenerationFree`, `GenerationRealloc`, `GenerationGetChunkContext` and
 * `GenerationGetChunkSpace`. The context itself (create, reset, delete) is
 * in `mod.ts`, as for every type.
 */
import { checking, CheckingWipe } from "../checking/mod.ts";
import {
  contextAtHeader,
  heap,
  type MemoryContext,
  MemoryContextAllocationFailure,
  MemoryContextCheckSize,
} from "../mcxt/context.ts";
import { chunkIsExternal, chunkSetHeader, chunkSetHeaderExternal } from "../memorychunk.ts";
import {
  GenerationBlockContextHeader,
  GenerationBlockFree,
  GenerationBlockFreeBytes,
  GenerationBlockInit,
  GenerationBlockMarkEmpty,
  GenerationChunkGetBlock,
  GenerationChunkSize,
  type GenerationContext,
  KeeperBlock,
} from "./block.ts";
import { MemoryContextBlockMalloc } from "../mcxt/limit.ts";
import { dlist_push_head } from "../ilist.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCTX_GENERATION_ID } = memorychunkModule;
const {
  B_FREEPTR,
  B_NCHUNKS,
  B_NFREE,
  GENERATION_BLOCKHDRSZ,
  GENERATION_BLOCKS_HEAD,
  GENERATION_CHUNKHDRSZ,
  GENERATION_FREE_BIT,
} = blockModule;

/** `pg_nextpower2_size_t` for sizes a heap can hold. */
function nextPowerOf2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Carves a chunk of `chunkSize` bytes from `block`, which has room for it. */
function GenerationAllocChunkFromBlock(block: number, chunkSize: number): number {
  const u = heap.u32;
  const b = block >>> 2;
  const chunk = u[b + B_FREEPTR];
  u[b + B_NCHUNKS] += 1;
  u[b + B_FREEPTR] = chunk + GENERATION_CHUNKHDRSZ + chunkSize;
  chunkSetHeader(heap.i32, chunk, block, chunkSize, MCTX_GENERATION_ID);
  return chunk + GENERATION_CHUNKHDRSZ;
}

/** `GenerationAllocLarge`: a dedicated block holding one external chunk. */
function GenerationAllocLarge(set: GenerationContext, size: number, flags: number): number {
  MemoryContextCheckSize(set, size, flags);

  // MAXALIGN without 32-bit wraparound: HUGE requests reach here.
  const chunkSize = Math.ceil(size / 8) * 8;
  const blksize = chunkSize + GENERATION_CHUNKHDRSZ + GENERATION_BLOCKHDRSZ;

  const block = MemoryContextBlockMalloc(set, blksize);
  if (block === 0) return MemoryContextAllocationFailure(set, size, flags);

  set.memAllocated += blksize;

  // A block with a single used chunk, completely full.
  GenerationBlockInit(set.header, block, blksize);
  const u = heap.u32;
  const b = block >>> 2;
  u[b + B_NCHUNKS] = 1;
  u[b + B_FREEPTR] = block + blksize;

  const chunk = block + GENERATION_BLOCKHDRSZ;
  chunkSetHeaderExternal(heap.i32, chunk, MCTX_GENERATION_ID);
  dlist_push_head(set.header + GENERATION_BLOCKS_HEAD, block);
  return chunk + GENERATION_CHUNKHDRSZ;
}

/** `GenerationAllocFromNewBlock`: grows the context by one block and carves from it. */
function GenerationAllocFromNewBlock(
  set: GenerationContext,
  size: number,
  flags: number,
  chunkSize: number,
): number {
  // The size sequence advances even when the malloc below fails, as in PostgreSQL.
  let blksize = set.nextBlockSize;
  set.nextBlockSize *= 2;
  if (set.nextBlockSize > set.maxBlockSize) set.nextBlockSize = set.maxBlockSize;

  const required = chunkSize + GENERATION_CHUNKHDRSZ + GENERATION_BLOCKHDRSZ;
  if (blksize < required) blksize = nextPowerOf2(required);

  const block = MemoryContextBlockMalloc(set, blksize);
  if (block === 0) return MemoryContextAllocationFailure(set, size, flags);

  set.memAllocated += blksize;
  GenerationBlockInit(set.header, block, blksize);
  dlist_push_head(set.header + GENERATION_BLOCKS_HEAD, block);
  set.block = block;
  return GenerationAllocChunkFromBlock(block, chunkSize);
}

/**
 * `GenerationAlloc`: a chunk of at least `size` bytes. Tries the current
 * block, then the freeblock, then a new block; oversized requests go to a
 * dedicated block (where the size is validated).
 */
export function GenerationAlloc(context: MemoryContext, size: number, flags: number): number {
  const set = context as GenerationContext;
  if (size > set.allocChunkLimit) return GenerationAllocLarge(set, size, flags);
  const chunkSize = (size + 7) & ~7;
  if (chunkSize > set.allocChunkLimit) return GenerationAllocLarge(set, size, flags);

  const required = chunkSize + GENERATION_CHUNKHDRSZ;
  const block = set.block;
  if (GenerationBlockFreeBytes(block) >= required) {
    return GenerationAllocChunkFromBlock(block, chunkSize);
  }

  // The current block is full: switch to the freeblock once, if it fits.
  const freeblock = set.freeblock;
  if (freeblock !== 0 && GenerationBlockFreeBytes(freeblock) >= required) {
    set.freeblock = 0;
    set.block = freeblock;
    return GenerationAllocChunkFromBlock(freeblock, chunkSize);
  }
  return GenerationAllocFromNewBlock(set, size, flags, chunkSize);
}

/** Whether a block that loses its last chunk now is given back (else it is kept, emptied). */
function GenerationBlockGoesBack(block: number): boolean {
  const set = contextAtHeader(GenerationBlockContextHeader(block)) as GenerationContext;
  return block !== KeeperBlock(set) && block !== set.block && set.freeblock !== 0;
}

/** Decides the fate of a block whose last chunk was just freed. */
function GenerationBlockEmptied(block: number): void {
  const set = contextAtHeader(GenerationBlockContextHeader(block)) as GenerationContext;
  if (block === KeeperBlock(set) || block === set.block) {
    GenerationBlockMarkEmpty(block);
  } else if (set.freeblock === 0) {
    GenerationBlockMarkEmpty(block);
    set.freeblock = block;
  } else {
    GenerationBlockFree(set, block);
  }
}

/** `GenerationFree`: counts the chunk as freed; an emptied block is recycled or released. */
export function GenerationFree(pointer: number): void {
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const m = heap.i32;
  const block = GenerationChunkGetBlock(m, chunk, "pfree");
  const u = heap.u32;
  const b = block >>> 2;
  const nfree = u[b + B_NFREE] + 1;
  // A block about to go back to the heap is checked first, so damage changes nothing.
  if (nfree >= u[b + B_NCHUNKS] && GenerationBlockGoesBack(block)) heap.checkFree(block);
  if (!chunkIsExternal(m, chunk)) m[chunk >>> 2] |= GENERATION_FREE_BIT;
  u[b + B_NFREE] = nfree;
  if (nfree < u[b + B_NCHUNKS]) return;
  GenerationBlockEmptied(block);
}

/**
 * `GenerationRealloc`: in place when the chunk already holds `size` bytes,
 * otherwise allocate, copy the old chunk's bytes and free it. A failed
 * allocation leaves the old chunk untouched.
 */
export function GenerationRealloc(pointer: number, size: number, flags: number): number {
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const m = heap.i32;
  const block = GenerationChunkGetBlock(m, chunk, "repalloc");
  const oldsize = GenerationChunkSize(m, chunk, block);
  if (oldsize >= size) return pointer;

  const set = contextAtHeader(GenerationBlockContextHeader(block));
  const newPointer = GenerationAlloc(set, size, flags);
  if (newPointer === 0) return MemoryContextAllocationFailure(set, size, flags);

  heap.move(newPointer, pointer, oldsize);
  if (checking) CheckingWipe(pointer, oldsize);
  GenerationFree(pointer);
  return newPointer;
}

/** `GenerationGetChunkContext`: the context owning the chunk at `pointer`. */
export function GenerationGetChunkContext(pointer: number): MemoryContext {
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const block = GenerationChunkGetBlock(heap.i32, chunk, "GetMemoryChunkContext");
  return contextAtHeader(GenerationBlockContextHeader(block));
}

/** `GenerationGetChunkSpace`: the chunk's bytes plus its 8-byte header. */
export function GenerationGetChunkSpace(pointer: number): number {
  const m = heap.i32;
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const block = GenerationChunkGetBlock(m, chunk, "GetMemoryChunkSpace");
  return GENERATION_CHUNKHDRSZ + GenerationChunkSize(m, chunk, block);
}
