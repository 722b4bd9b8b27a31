/**
 * Slab's allocation paths (PostgreSQL's `SlabAlloc` and its helpers) and the
 * fullness-bucket arithmetic free shares with them: blocks sit on one of
 * `SLAB_BLOCKLIST_COUNT` lists by how many free chunks they have (list 0:
 * none), and an allocation takes from the fullest list that has room, so
 * nearly empty blocks drain and can be cached or given back. A new block
 * comes from the cache of empty blocks before the heap. Apart from
 * `slab.ts` (the context, create, free, reset and delete) so both stay
 * short.
 */
import { formatSize, heap, type MemoryContext, MemoryContextAllocationFailure } from "./context.ts";
import { elogError } from "./elog.ts";
import { chunkSetHeader, MCTX_SLAB_ID } from "./memorychunk.ts";
import type { SlabContext } from "./slab.ts";
import {
  B_NFREE,
  SLAB_BLOCK_NODE,
  SLAB_BLOCKLIST_COUNT,
  SLAB_CHUNKHDRSZ,
  SLAB_EMPTYBLOCKS_HEAD,
  SlabBlockGetNextFreeChunk,
  SlabBlockInit,
  SlabBlocklistHead,
  SlabListDelete,
  SlabListFirst,
  SlabListIsEmpty,
  SlabListPushHead,
} from "./slab_block.ts";
import { MemoryContextBlockMalloc } from "./mcxt_limit.ts";

/** `SlabBlocklistIndex`: list 0 for no free chunk, 1 or 2 by range otherwise. */
export function SlabBlocklistIndex(slab: SlabContext, nfree: number): number {
  // Negate, shift arithmetically, negate back: 0 stays 0, anything else stays >= 1.
  return -((-nfree) >> slab.blocklistShift);
}

/** `SlabFindNextBlockListIndex`: the lowest non-empty list above 0, or 0 if none. */
export function SlabFindNextBlockListIndex(slab: SlabContext): number {
  for (let i = 1; i < SLAB_BLOCKLIST_COUNT; i++) {
    if (!SlabListIsEmpty(SlabBlocklistHead(slab.header, i))) return i;
  }
  return 0;
}

/** `SlabAllocSetupNewChunk`: writes the chunk header and returns the user pointer. */
function SlabAllocSetupNewChunk(slab: SlabContext, block: number, chunk: number): number {
  chunkSetHeader(heap.i32, chunk, block, slab.fullChunkSize - SLAB_CHUNKHDRSZ, MCTX_SLAB_ID);
  return chunk + SLAB_CHUNKHDRSZ;
}

/** `SlabAllocInvalidSize`: the ERROR for a request that is not `chunkSize` bytes. */
function SlabAllocInvalidSize(slab: SlabContext, size: number): never {
  elogError(`unexpected alloc chunk size ${formatSize(size)} (expected ${slab.chunkSize})`);
}

/**
 * `SlabAllocFromNewBlock`: no listed block has room. Reuses a cached empty
 * block, else mallocs one (nothing changes if that fails); either way the
 * block holds one used chunk and becomes the current list's only block.
 */
function SlabAllocFromNewBlock(slab: SlabContext, size: number, flags: number): number {
  let block: number;
  let chunk: number;
  if (slab.emptyBlockCount > 0) {
    const node = SlabListFirst(slab.header + SLAB_EMPTYBLOCKS_HEAD);
    SlabListDelete(node);
    slab.emptyBlockCount--;
    block = node - SLAB_BLOCK_NODE;
    chunk = SlabBlockGetNextFreeChunk(block, slab.fullChunkSize);
  } else {
    block = MemoryContextBlockMalloc(slab, slab.blockSize);
    if (block === 0) return MemoryContextAllocationFailure(slab, size, flags);
    slab.memAllocated += slab.blockSize;
    chunk = SlabBlockInit(slab.header, block, slab.chunksPerBlock, slab.fullChunkSize);
  }
  const index = SlabBlocklistIndex(slab, heap.i32[(block >>> 2) + B_NFREE]);
  SlabListPushHead(SlabBlocklistHead(slab.header, index), block + SLAB_BLOCK_NODE);
  slab.curBlocklistIndex = index;
  return SlabAllocSetupNewChunk(slab, block, chunk);
}

/** Moves `block` from list `from` to the head of list `to`. */
export function SlabBlockMove(slab: SlabContext, block: number, to: number): void {
  const node = block + SLAB_BLOCK_NODE;
  SlabListDelete(node);
  SlabListPushHead(SlabBlocklistHead(slab.header, to), node);
}

/** After an allocation moved `block` out of the current list: pick the next list if it emptied. */
function SlabAllocMovedBlock(slab: SlabContext, block: number, to: number): void {
  SlabBlockMove(slab, block, to);
  if (SlabListIsEmpty(SlabBlocklistHead(slab.header, slab.curBlocklistIndex))) {
    slab.curBlocklistIndex = SlabFindNextBlockListIndex(slab);
  }
}

/**
 * `SlabAlloc`: a chunk of exactly `chunkSize` bytes from one of the fullest
 * blocks with room; a new (or cached) block when none has room.
 */
export function SlabAlloc(context: MemoryContext, size: number, flags: number): number {
  const slab = context as SlabContext;
  if (size !== slab.chunkSize) SlabAllocInvalidSize(slab, size);
  const index = slab.curBlocklistIndex;
  if (index === 0) return SlabAllocFromNewBlock(slab, size, flags);

  const block = SlabListFirst(SlabBlocklistHead(slab.header, index)) - SLAB_BLOCK_NODE;
  const chunk = SlabBlockGetNextFreeChunk(block, slab.fullChunkSize);
  const newIndex = SlabBlocklistIndex(slab, heap.i32[(block >>> 2) + B_NFREE]);
  if (newIndex !== index) SlabAllocMovedBlock(slab, block, newIndex);
  return SlabAllocSetupNewChunk(slab, block, chunk);
}
