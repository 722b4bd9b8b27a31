/**
 * Slab's allocation paths (PostgreSQL's `SlabAlloc` and its helpers) and the
 * fullness-bucket arithmetic free shares with them: blocks sit on one of
 * `SLAB_BLOCKLIST_COUNT` lists by how many free chunks they have (list 0:
 * none), and an allocation takes from the fullest list that has room, so
 * nearly empty blocks drain and can be cached or given back. A new block
 * comes from the cache of empty blocks before the heap. Also
 * `SlabFree`, `SlabRealloc`, `SlabGetChunkContext` and `SlabGetChunkSpace`;
 * the context itself (create, reset, delete) is in `mod.ts`.
 */
import { elogError } from "../elog.ts";
import {
  contextAtHeaderOrNull,
  formatSize,
  heap,
  type MemoryContext,
  MemoryContextAllocationFailure,
} from "../mcxt/context.ts";
import { SlabBlockInit, type SlabContext } from "./block.ts";
import { MemoryContextBlockMalloc } from "../mcxt/limit.ts";
import * as ilistModule from "../ilist.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { chunkGetBlock, chunkSetHeader, MCTX_SLAB_ID } = memorychunkModule;
const { dlist_delete, dlist_head_node, dlist_is_empty, dlist_push_head } = ilistModule;
const {
  B_FREEHEAD,
  B_NFREE,
  B_SLAB,
  B_UNUSED,
  SLAB_BLOCKHDRSZ,
  SLAB_BLOCKLIST_COUNT,
  SLAB_BLOCK_NODE,
  SLAB_CHUNKHDRSZ,
  SLAB_EMPTYBLOCKS_HEAD,
  SLAB_MAXIMUM_EMPTY_BLOCKS,
  SlabBlockGetNextFreeChunk,
  SlabBlocklistHead,
} = blockModule;

/** `SlabBlocklistIndex`: list 0 for no free chunk, 1 or 2 by range otherwise. */
export function SlabBlocklistIndex(slab: SlabContext, nfree: number): number {
  // Negate, shift arithmetically, negate back: 0 stays 0, anything else stays >= 1.
  return -((-nfree) >> slab.own.blocklistShift);
}

/**
 * True when `SlabBlocklistIndex` may differ between `nfree` and `nfree + 1`
 * free chunks: ceil(n / 2^shift) steps up only past a multiple of 2^shift
 * (0 included), so a free from `nfree` that is not one leaves the block on
 * its list.
 */
export function SlabBlocklistMayChange(slab: SlabContext, nfree: number): boolean {
  return (nfree & ((1 << slab.own.blocklistShift) - 1)) === 0;
}

/** `SlabFindNextBlockListIndex`: the lowest non-empty list above 0, or 0 if none. */
export function SlabFindNextBlockListIndex(slab: SlabContext): number {
  for (let i = 1; i < SLAB_BLOCKLIST_COUNT; i++) {
    if (!dlist_is_empty(SlabBlocklistHead(slab.header, i))) return i;
  }
  return 0;
}

/** `SlabAllocSetupNewChunk`: writes the chunk header and returns the user pointer. */
function SlabAllocSetupNewChunk(slab: SlabContext, block: number, chunk: number): number {
  chunkSetHeader(heap.i32, chunk, block, slab.own.fullChunkSize - SLAB_CHUNKHDRSZ, MCTX_SLAB_ID);
  return chunk + SLAB_CHUNKHDRSZ;
}

/** `SlabAllocInvalidSize`: the ERROR for a request that is not `chunkSize` bytes. */
function SlabAllocInvalidSize(slab: SlabContext, size: number): never {
  elogError(`unexpected alloc chunk size ${formatSize(size)} (expected ${slab.own.chunkSize})`);
}

/**
 * `SlabAllocFromNewBlock`: no listed block has room. Reuses a cached empty
 * block, else mallocs one (nothing changes if that fails); either way the
 * block holds one used chunk and becomes the current list's only block.
 */
function SlabAllocFromNewBlock(slab: SlabContext, size: number, flags: number): number {
  let block: number;
  let chunk: number;
  if (slab.own.emptyBlockCount > 0) {
    const node = dlist_head_node(slab.header + SLAB_EMPTYBLOCKS_HEAD);
    dlist_delete(node);
    slab.own.emptyBlockCount--;
    block = node - SLAB_BLOCK_NODE;
    chunk = SlabBlockGetNextFreeChunk(block, slab.own.fullChunkSize);
  } else {
    block = MemoryContextBlockMalloc(slab, slab.own.blockSize);
    if (block === 0) return MemoryContextAllocationFailure(slab, size, flags);
    slab.memAllocated += slab.own.blockSize;
    chunk = SlabBlockInit(slab.header, block, slab.own.chunksPerBlock, slab.own.fullChunkSize);
  }
  const index = SlabBlocklistIndex(slab, heap.i32[(block >>> 2) + B_NFREE]);
  dlist_push_head(SlabBlocklistHead(slab.header, index), block + SLAB_BLOCK_NODE);
  slab.own.curBlocklistIndex = index;
  return SlabAllocSetupNewChunk(slab, block, chunk);
}

/** Moves `block` from list `from` to the head of list `to`. */
export function SlabBlockMove(slab: SlabContext, block: number, to: number): void {
  const node = block + SLAB_BLOCK_NODE;
  dlist_delete(node);
  dlist_push_head(SlabBlocklistHead(slab.header, to), node);
}

/** After an allocation moved `block` out of the current list: pick the next list if it emptied. */
function SlabAllocMovedBlock(slab: SlabContext, block: number, to: number): void {
  SlabBlockMove(slab, block, to);
  if (dlist_is_empty(SlabBlocklistHead(slab.header, slab.own.curBlocklistIndex))) {
    slab.own.curBlocklistIndex = SlabFindNextBlockListIndex(slab);
  }
}

/**
 * `SlabAlloc`: a chunk of exactly `chunkSize` bytes from one of the fullest
 * blocks with room; a new (or cached) block when none has room.
 */
export function SlabAlloc(context: MemoryContext, size: number, flags: number): number {
  const slab = context as SlabContext;
  if (size !== slab.own.chunkSize) SlabAllocInvalidSize(slab, size);
  const index = slab.own.curBlocklistIndex;
  if (index === 0) return SlabAllocFromNewBlock(slab, size, flags);

  const block = dlist_head_node(SlabBlocklistHead(slab.header, index)) - SLAB_BLOCK_NODE;
  const chunk = SlabBlockGetNextFreeChunk(block, slab.own.fullChunkSize);
  const newIndex = SlabBlocklistIndex(slab, heap.i32[(block >>> 2) + B_NFREE]);
  if (newIndex !== index) SlabAllocMovedBlock(slab, block, newIndex);
  return SlabAllocSetupNewChunk(slab, block, chunk);
}

/**
 * The live Slab context owning the chunk whose header is at `chunk`, or
 * PostgreSQL's ERROR: its block must lead back to a live Slab, and the chunk
 * must sit on that block's grid of chunks, below the never-used ones.
 */
function SlabChunkOwner(chunk: number): SlabContext {
  // The header's block offset is an int32 below 2^30: the offset into the block's chunk area
  // is computed from it alone, so the grid test is an int32 `%` (from the chunk address,
  // a double whenever the caller's pointer is one, it was a float modulo).
  const distance = (heap.i32[(chunk >>> 2) + 1] >>> 2) & 0x3ffffffe;
  const block = chunk - distance;
  // A bogus block reads as undefined (outside the heap) or as a header no live context has.
  const owner = contextAtHeaderOrNull(heap.u32[(block >>> 2) + B_SLAB]) as SlabContext | undefined;
  const offset = distance - SLAB_BLOCKHDRSZ;
  if (
    owner === undefined || owner.methodId !== MCTX_SLAB_ID || offset < 0 ||
    offset % owner.own.fullChunkSize !== 0 || chunk >= heap.u32[(block >>> 2) + B_UNUSED]
  ) {
    elogError(`could not find block containing chunk 0x${chunk.toString(16)}`);
  }
  return owner;
}

/** A free moved `block` from list `from` to list `to`: the current list may change. */
function SlabFreeMovedBlock(slab: SlabContext, block: number, from: number, to: number): void {
  SlabBlockMove(slab, block, to);
  // The block now has room; if it came from the current list or a fuller one, look again.
  if (slab.own.curBlocklistIndex >= from) {
    slab.own.curBlocklistIndex = SlabFindNextBlockListIndex(slab);
  }
}

/** `block` (on list `index`) has no chunk in use: cache it or give it back. */
function SlabBlockEmptied(slab: SlabContext, block: number, index: number): void {
  const node = block + SLAB_BLOCK_NODE;
  dlist_delete(node);
  if (slab.own.emptyBlockCount < SLAB_MAXIMUM_EMPTY_BLOCKS) {
    dlist_push_head(slab.header + SLAB_EMPTYBLOCKS_HEAD, node);
    slab.own.emptyBlockCount++;
  } else {
    heap.u32[(block >>> 2) + B_SLAB] = 0; // stale pointers into it find no owner
    heap.freeChecked(block); // checked by SlabFree
    slab.memAllocated -= slab.own.blockSize;
  }
  if (
    slab.own.curBlocklistIndex === index && dlist_is_empty(SlabBlocklistHead(slab.header, index))
  ) {
    slab.own.curBlocklistIndex = SlabFindNextBlockListIndex(slab);
  }
}

/**
 * `SlabFree`: pushes the chunk on its block's freelist; moves the block to
 * another list when its free count crosses a boundary, and caches or
 * releases it when it holds no used chunk any more.
 */
export function SlabFree(pointer: number): void {
  const chunk = pointer - SLAB_CHUNKHDRSZ;
  const slab = SlabChunkOwner(chunk);
  const block = chunkGetBlock(heap.i32, chunk);
  const m = heap.i32;
  const b = block >>> 2;
  const p = pointer >>> 2;
  if (
    m[b + B_NFREE] + 1 === slab.own.chunksPerBlock &&
    slab.own.emptyBlockCount >= SLAB_MAXIMUM_EMPTY_BLOCKS
  ) {
    heap.checkFree(block); // it is about to go back to the heap: damage changes nothing
  }
  m[p] = m[b + B_FREEHEAD];
  m[p + 1] = 0;
  m[b + B_FREEHEAD] = chunk;
  // Forget the method id: a second pfree of this pointer is refused by mcxt.
  m[chunk >>> 2] = 0;
  const nfree = m[b + B_NFREE] + 1;
  m[b + B_NFREE] = nfree;

  // Most frees leave the block on its list; the move (or an emptied block) is out of line.
  if (SlabBlocklistMayChange(slab, nfree - 1) || nfree === slab.own.chunksPerBlock) {
    SlabFreeRelist(slab, block, nfree);
  }
}

/** After a free: the block's list may change, or it may be empty now (the cold part of SlabFree). */
function SlabFreeRelist(slab: SlabContext, block: number, nfree: number): void {
  const from = SlabBlocklistIndex(slab, nfree - 1);
  const to = SlabBlocklistIndex(slab, nfree);
  if (from !== to) SlabFreeMovedBlock(slab, block, from, to);
  if (nfree === slab.own.chunksPerBlock) SlabBlockEmptied(slab, block, to);
}

/**
 * `SlabRealloc`: Slab cannot resize. The same size returns the same chunk;
 * any other size raises PostgreSQL's ERROR and changes nothing.
 */
export function SlabRealloc(pointer: number, size: number, _flags: number): number {
  const slab = SlabChunkOwner(pointer - SLAB_CHUNKHDRSZ);
  if (size === slab.own.chunkSize) return pointer;
  elogError("slab allocator does not support realloc()");
}

/** `SlabGetChunkContext`: the context owning the chunk at `pointer`. */
export function SlabGetChunkContext(pointer: number): MemoryContext {
  return SlabChunkOwner(pointer - SLAB_CHUNKHDRSZ);
}

/** `SlabGetChunkSpace`: every chunk of a slab occupies `fullChunkSize` bytes. */
export function SlabGetChunkSpace(pointer: number): number {
  return SlabChunkOwner(pointer - SLAB_CHUNKHDRSZ).own.fullChunkSize;
}
