/**
 * Bump's chunk operations (PostgreSQL's `BumpAlloc` and its slow paths, and
 * the four operations Bump refuses: `BumpFree`, `BumpRealloc`,
 * `BumpGetChunkContext`, `BumpGetChunkSpace` — a Bump chunk has no header to
 * find its context from).
 */
import { elogError } from "../elog.ts";
import {
  heap,
  type MemoryContext,
  MemoryContextAllocationFailure,
  MemoryContextCheckSize,
} from "../mcxt/context.ts";
import { BumpBlockInit, type BumpContext } from "./block.ts";
import { BumpIndexInsert } from "./index.ts";
import { MemoryContextBlockMalloc } from "../mcxt/limit.ts";
import { dlist_push_head, dlist_push_tail } from "../ilist.ts";
import * as mcxtContextModule from "../mcxt/context.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MAXALIGN } = mcxtContextModule;
const { BLOCKS_HEAD, BUMP_BLOCKHDRSZ, BUMP_CHUNKHDRSZ, W_ENDPTR, W_FREEPTR } = blockModule;

/**
 * `BumpAlloc`: the fast path. `size` bytes (MAXALIGNed) from the current
 * block; a new block or a dedicated block otherwise. Returns 0 only under
 * `MCXT_ALLOC_NO_OOM`.
 */
export function BumpAlloc(context: MemoryContext, size: number, flags: number): number {
  const set = context as BumpContext;
  if (size > (set.allocChunkLimit & ~7)) return BumpAllocLarge(set, size, flags);
  const chunkSize = (size + 7) & ~7;
  const u = heap.u32;
  const b = set.block >>> 2;
  const ptr = u[b + W_FREEPTR];
  if (u[b + W_ENDPTR] - ptr < chunkSize) return BumpAllocFromNewBlock(set, size, flags, chunkSize);
  u[b + W_FREEPTR] = ptr + chunkSize;
  return ptr;
}

/** `BumpAllocLarge`: a dedicated block, exactly as big as the chunk, at the list's tail. */
function BumpAllocLarge(set: BumpContext, size: number, flags: number): number {
  MemoryContextCheckSize(set, size, flags);
  const blksize = MAXALIGN(size) + BUMP_CHUNKHDRSZ + BUMP_BLOCKHDRSZ;
  const block = MemoryContextBlockMalloc(set, blksize);
  if (block === 0) return MemoryContextAllocationFailure(set, size, flags);
  set.memAllocated += blksize;
  // The block is full from the start: freeptr = endptr.
  const u = heap.u32;
  const b = block >>> 2;
  u[b + W_FREEPTR] = block + blksize;
  u[b + W_FREEPTR + 1] = 0;
  u[b + W_ENDPTR] = block + blksize;
  u[b + W_ENDPTR + 1] = 0;
  const head = set.header + BLOCKS_HEAD;
  dlist_push_tail(head, block);
  BumpIndexInsert(block + BUMP_BLOCKHDRSZ, block + blksize, set);
  return block + BUMP_BLOCKHDRSZ;
}

/**
 * `BumpAllocFromNewBlock`: the current block is too full. The next block's
 * size is chosen (and the sequence advanced, as PostgreSQL does, even if the
 * malloc then fails), the block becomes the head, and the chunk is cut from it.
 */
function BumpAllocFromNewBlock(
  set: BumpContext,
  size: number,
  flags: number,
  chunkSize: number,
): number {
  let blksize = set.nextBlockSize;
  set.nextBlockSize = Math.min(set.nextBlockSize * 2, set.maxBlockSize);
  const required = chunkSize + BUMP_CHUNKHDRSZ + BUMP_BLOCKHDRSZ;
  if (blksize < required) blksize = 2 ** Math.ceil(Math.log2(required));

  const block = MemoryContextBlockMalloc(set, blksize);
  if (block === 0) return MemoryContextAllocationFailure(set, size, flags);
  set.memAllocated += blksize;
  BumpBlockInit(block, blksize);
  const u = heap.u32;
  const head = set.header + BLOCKS_HEAD;
  dlist_push_head(head, block);
  set.block = block;
  BumpIndexInsert(block + BUMP_BLOCKHDRSZ, block + blksize, set);
  u[(block >>> 2) + W_FREEPTR] = block + BUMP_BLOCKHDRSZ + chunkSize;
  return block + BUMP_BLOCKHDRSZ;
}

function BumpUnsupported(what: string): never {
  elogError(`${what} is not supported by the bump memory allocator`);
}

/** `BumpFree`: unsupported; raises and changes nothing. */
export function BumpFree(_pointer: number): void {
  BumpUnsupported("pfree");
}

/** `BumpRealloc`: unsupported; raises and changes nothing. */
export function BumpRealloc(_pointer: number, _size: number, _flags: number): number {
  return BumpUnsupported("realloc");
}

/** `BumpGetChunkContext`: unsupported; raises. */
export function BumpGetChunkContext(_pointer: number): MemoryContext {
  return BumpUnsupported("GetMemoryChunkContext");
}

/** `BumpGetChunkSpace`: unsupported; raises. */
export function BumpGetChunkSpace(_pointer: number): number {
  return BumpUnsupported("GetMemoryChunkSpace");
}
