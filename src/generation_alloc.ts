/**
 * Generation's allocation paths (PostgreSQL's `GenerationAlloc` and its
 * helpers): carve from the current block, else switch once to the kept
 * empty freeblock, else grow by a new block (sizes doubling up to
 * `maxBlockSize`); a request above `allocChunkLimit` gets a dedicated block
 * holding one external chunk. Apart from `generation.ts` (the context,
 * create, free, reset and delete) so both files stay short, as AllocSet's
 * are split into `aset.ts` and `aset_alloc.ts`.
 */
import {
  heap,
  type MemoryContext,
  MemoryContextAllocationFailure,
  MemoryContextCheckSize,
} from "./context.ts";
import { chunkSetHeader, chunkSetHeaderExternal, MCTX_GENERATION_ID } from "./memorychunk.ts";
import {
  B_FREEPTR,
  B_NCHUNKS,
  GENERATION_BLOCKHDRSZ,
  GENERATION_BLOCKS_HEAD,
  GENERATION_CHUNKHDRSZ,
  GenerationBlockFreeBytes,
  GenerationBlockInit,
  GenerationListPushHead,
} from "./generation_block.ts";
import type { GenerationContext } from "./generation.ts";
import { MemoryContextBlockMalloc } from "./mcxt_limit.ts";

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
  GenerationListPushHead(set.header + GENERATION_BLOCKS_HEAD, block);
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
  GenerationListPushHead(set.header + GENERATION_BLOCKS_HEAD, block);
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
