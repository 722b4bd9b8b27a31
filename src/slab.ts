/**
 * Slab: PostgreSQL 18's context type for many objects of one fixed size
 * (logical decoding's change and tuple buffers, hash-table entries): no
 * rounding to size classes, no fragmentation between sizes, and blocks that
 * empty out as their objects die are given back or recycled.
 *
 * What it owns: the allocation policy and the method table registered under
 * `MCTX_SLAB_ID`. Byte layout and list operations live in `slab_block.ts`;
 * stats, emptiness and the self-check in `slab_inspect.ts`.
 *
 * The policy, in PostgreSQL's terms:
 * - Every chunk is `fullChunkSize` = 8-byte header + MAXALIGN(chunkSize)
 *   bytes (chunkSize raised to 8 so a free chunk can hold a link); a block of
 *   `blockSize` bytes holds `chunksPerBlock` of them after its 48-byte header.
 *   Only requests of exactly `chunkSize` bytes are accepted.
 * - Blocks with at least one chunk in use sit in one of three lists by how
 *   many free chunks they have: list 0 for full blocks, lists 1 and 2 for
 *   ranges of free counts (`nfree` shifted right by `blocklistShift`).
 *   Allocation takes the first block of the lowest non-empty list above 0,
 *   i.e. one of the fullest blocks that still has room, so sparse blocks get
 *   the chance to empty completely.
 * - Inside a block, freed chunks form a LIFO freelist threaded through their
 *   own memory; chunks never handed out yet are taken from the `unused`
 *   watermark only when the freelist is empty.
 * - A block whose last chunk is freed leaves the lists: it joins the cache of
 *   empty blocks if fewer than 10 are cached, otherwise goes back to the heap.
 *   A new block is taken from that cache before malloc is asked.
 * - The 176-byte context header is its own malloc and is not part of
 *   `mem_allocated`, so an untouched or fully freed slab reports 0 and is
 *   "empty". There is no keeper block: reset gives every block back.
 * - repalloc to the same size returns the same chunk; any other size is an
 *   ERROR, as is an allocation of the wrong size.
 *
 * Hot paths (alloc from a listed block, free that does not cross a list
 * boundary) are 32-bit typed-array reads and writes only; new blocks,
 * moves between lists and emptied blocks are separate functions.
 *
 * palloc's additions, none of which changes a counter: a freed chunk's
 * header word loses its method id, so a second `pfree` of it is refused by
 * mcxt instead of corrupting the freelist; a chunk whose block does not lead
 * back to a live Slab context, or that is not on the block's chunk grid below
 * its unused watermark, is refused with PostgreSQL's "could not find block
 * containing chunk" ERROR on every chunk operation; and a block given back to
 * the heap has its context link zeroed first, so stale pointers into it fail.
 */
import {
  contextAtHeaderOrNull,
  type ContextMethods,
  formatSize,
  heap,
  MAXALIGN,
  MemoryContext,
  MemoryContextCreate,
  registerContext,
  registerMethods,
  unregisterContext,
} from "./context.ts";
import { elogError } from "./elog.ts";
import { chunkGetBlock, MCTX_SLAB_ID, MEMORYCHUNK_MAX_BLOCKOFFSET } from "./memorychunk.ts";
import {
  B_FREEHEAD,
  B_NFREE,
  B_SLAB,
  B_UNUSED,
  SLAB_BLOCK_NODE,
  SLAB_BLOCKHDRSZ,
  SLAB_BLOCKLIST_COUNT,
  SLAB_CHUNKHDRSZ,
  SLAB_CONTEXT_SIZE,
  SLAB_EMPTYBLOCKS_HEAD,
  SlabBlocklistHead,
  SlabListDelete,
  SlabListInit,
  SlabListIsEmpty,
  SlabListPushHead,
  SlabListRelease,
} from "./slab_block.ts";
import {
  SlabCheck,
  SlabChunkAreas,
  SlabIsEmpty,
  SlabReleasedBlocks,
  SlabStats,
} from "./slab_inspect.ts";
import { ContextMallocHeader } from "./context_create.ts";
import {
  SlabAlloc,
  SlabBlocklistIndex,
  SlabBlockMove,
  SlabFindNextBlockListIndex,
} from "./slab_alloc.ts";

/** `SLAB_MAXIMUM_EMPTY_BLOCKS`: how many emptied blocks are cached for reuse. */
export const SLAB_MAXIMUM_EMPTY_BLOCKS = 10;

/**
 * A Slab context: the tree node plus the scalar fields of `SlabContext`.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * import { SlabContext, SlabContextCreate } from "./slab.ts";
 * MemoryContextInit();
 * // Many objects of one size, like reorderbuffer's transaction entries.
 * const slab = SlabContextCreate(TopMemoryContext, "TXN", 8192, 104);
 * console.assert(slab instanceof SlabContext && slab.fullChunkSize === 112); // 8-byte header
 * ```
 */
export class SlabContext extends MemoryContext {
  /** The one accepted request size (at least 8). */
  chunkSize = 0;
  /** Bytes per chunk: header plus MAXALIGN(chunkSize). */
  fullChunkSize = 0;
  /** Bytes per block, header included. */
  blockSize = 0;
  /** Chunks that fit in one block. */
  chunksPerBlock = 0;
  /** The blocklist holding the fullest blocks with room; 0 when none has room. */
  curBlocklistIndex = 0;
  /** Right shift turning a free-chunk count into a blocklist index. */
  blocklistShift = 0;
  /** Number of blocks on the empty-block cache (`dclist_count(&emptyblocks)`). */
  emptyBlockCount = 0;

  constructor() {
    super(MCTX_SLAB_ID, "SlabContext");
  }
}

/**
 * `SlabContextCreate`: a new Slab context under `parent` whose chunks are all
 * `chunkSize` bytes, carved from blocks of `blockSize` bytes. Raises
 * PostgreSQL's ERROR when a block cannot hold even one chunk.
 *
 * @example
 * ```ts
 * import { SlabContextCreate } from "./slab.ts";
 * import { GetMemoryChunkSpace, MemoryContextAlloc, MemoryContextDelete } from "./mcxt.ts";
 * import { MemoryContextInit, pfree, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const slab = SlabContextCreate(TopMemoryContext, "records", 8192, 104);
 * const p = MemoryContextAlloc(slab, 104);
 * console.assert(GetMemoryChunkSpace(p) === 112);
 * pfree(p);
 * MemoryContextDelete(slab);
 * ```
 */
export function SlabContextCreate(
  parent: MemoryContext | null,
  name: string,
  blockSize: number,
  chunkSize: number,
): MemoryContext {
  if (!Number.isSafeInteger(blockSize) || blockSize < 0) {
    elogError(`invalid block size ${blockSize} for slab`);
  }
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 0) {
    elogError(`invalid chunk size ${chunkSize} for slab`);
  }
  // A free chunk stores the link to the next free chunk in its own memory.
  if (chunkSize < 8) chunkSize = 8;
  const fullChunkSize = SLAB_CHUNKHDRSZ + MAXALIGN(chunkSize);

  // A block smaller than its own header holds no chunk either. (PostgreSQL's unsigned
  // subtraction wraps around there and builds an unusable context; palloc refuses it.)
  const chunksPerBlock = blockSize > SLAB_BLOCKHDRSZ
    ? Math.floor((blockSize - SLAB_BLOCKHDRSZ) / fullChunkSize)
    : 0;
  if (chunksPerBlock === 0) {
    elogError(
      `block size ${formatSize(blockSize)} for slab is too small for ${
        formatSize(chunkSize)
      }-byte chunks`,
    );
  }
  // PostgreSQL only asserts this; a chunk header cannot encode a larger block offset.
  if (blockSize > MEMORYCHUNK_MAX_BLOCKOFFSET) {
    elogError(
      `block size ${formatSize(blockSize)} for slab exceeds ${MEMORYCHUNK_MAX_BLOCKOFFSET}`,
    );
  }

  const header = ContextMallocHeader(SLAB_CONTEXT_SIZE, name, parent);

  const slab = new SlabContext();
  registerContext(slab, header);
  slab.chunkSize = chunkSize;
  slab.fullChunkSize = fullChunkSize;
  slab.blockSize = blockSize;
  slab.chunksPerBlock = chunksPerBlock;
  slab.curBlocklistIndex = 0;
  // The smallest shift that maps every nonzero free count to list 1 or 2.
  let shift = 0;
  while ((chunksPerBlock >> shift) >= SLAB_BLOCKLIST_COUNT - 1) shift++;
  slab.blocklistShift = shift;
  slab.emptyBlockCount = 0;
  SlabListInit(header + SLAB_EMPTYBLOCKS_HEAD);
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) SlabListInit(SlabBlocklistHead(header, i));

  MemoryContextCreate(slab, parent, name);
  slab.memAllocated = 0;
  return slab;
}

/**
 * The live Slab context owning the chunk whose header is at `chunk`, or
 * PostgreSQL's ERROR: its block must lead back to a live Slab, and the chunk
 * must sit on that block's grid of chunks, below the never-used ones.
 */
function SlabChunkOwner(chunk: number): SlabContext {
  const block = chunkGetBlock(heap.i32, chunk);
  // A bogus block reads as undefined (outside the heap) or as a header no live context has.
  const owner = contextAtHeaderOrNull(heap.u32[(block >>> 2) + B_SLAB]) as SlabContext | undefined;
  const offset = chunk - block - SLAB_BLOCKHDRSZ;
  if (
    owner === undefined || owner.methodId !== MCTX_SLAB_ID || offset < 0 ||
    offset % owner.fullChunkSize !== 0 || chunk >= heap.u32[(block >>> 2) + B_UNUSED]
  ) {
    elogError(`could not find block containing chunk 0x${chunk.toString(16)}`);
  }
  return owner;
}

/** A free moved `block` from list `from` to list `to`: the current list may change. */
function SlabFreeMovedBlock(slab: SlabContext, block: number, from: number, to: number): void {
  SlabBlockMove(slab, block, to);
  // The block now has room; if it came from the current list or a fuller one, look again.
  if (slab.curBlocklistIndex >= from) slab.curBlocklistIndex = SlabFindNextBlockListIndex(slab);
}

/** `block` (on list `index`) has no chunk in use: cache it or give it back. */
function SlabBlockEmptied(slab: SlabContext, block: number, index: number): void {
  const node = block + SLAB_BLOCK_NODE;
  SlabListDelete(node);
  if (slab.emptyBlockCount < SLAB_MAXIMUM_EMPTY_BLOCKS) {
    SlabListPushHead(slab.header + SLAB_EMPTYBLOCKS_HEAD, node);
    slab.emptyBlockCount++;
  } else {
    heap.u32[(block >>> 2) + B_SLAB] = 0; // stale pointers into it find no owner
    heap.freeChecked(block); // checked by SlabFree
    slab.memAllocated -= slab.blockSize;
  }
  if (
    slab.curBlocklistIndex === index && SlabListIsEmpty(SlabBlocklistHead(slab.header, index))
  ) {
    slab.curBlocklistIndex = SlabFindNextBlockListIndex(slab);
  }
}

/**
 * `SlabFree`: pushes the chunk on its block's freelist; moves the block to
 * another list when its free count crosses a boundary, and caches or
 * releases it when it holds no used chunk any more.
 */
function SlabFree(pointer: number): void {
  const chunk = pointer - SLAB_CHUNKHDRSZ;
  const slab = SlabChunkOwner(chunk);
  const block = chunkGetBlock(heap.i32, chunk);
  const m = heap.i32;
  const b = block >>> 2;
  const p = pointer >>> 2;
  if (
    m[b + B_NFREE] + 1 === slab.chunksPerBlock && slab.emptyBlockCount >= SLAB_MAXIMUM_EMPTY_BLOCKS
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

  const from = SlabBlocklistIndex(slab, nfree - 1);
  const to = SlabBlocklistIndex(slab, nfree);
  if (from !== to) SlabFreeMovedBlock(slab, block, from, to);
  if (nfree === slab.chunksPerBlock) SlabBlockEmptied(slab, block, to);
}

/**
 * `SlabRealloc`: Slab cannot resize. The same size returns the same chunk;
 * any other size raises PostgreSQL's ERROR and changes nothing.
 */
function SlabRealloc(pointer: number, size: number, _flags: number): number {
  const slab = SlabChunkOwner(pointer - SLAB_CHUNKHDRSZ);
  if (size === slab.chunkSize) return pointer;
  elogError("slab allocator does not support realloc()");
}

/** `SlabReset`: gives back every block, cached empty ones first; no keeper block. */
function SlabReset(context: MemoryContext): void {
  const slab = context as SlabContext;
  slab.memAllocated -= SlabListRelease(slab.header + SLAB_EMPTYBLOCKS_HEAD, slab.blockSize);
  slab.emptyBlockCount = 0;
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) {
    slab.memAllocated -= SlabListRelease(SlabBlocklistHead(slab.header, i), slab.blockSize);
  }
  slab.curBlocklistIndex = 0;
}

/** `SlabDelete`: gives back every block, then the context header. */
function SlabDelete(context: MemoryContext): void {
  SlabReset(context);
  const header = context.header;
  unregisterContext(context);
  heap.freeChecked(header);
}

/** `SlabGetChunkContext`: the context owning the chunk at `pointer`. */
function SlabGetChunkContext(pointer: number): MemoryContext {
  return SlabChunkOwner(pointer - SLAB_CHUNKHDRSZ);
}

/** `SlabGetChunkSpace`: every chunk of a slab occupies `fullChunkSize` bytes. */
function SlabGetChunkSpace(pointer: number): number {
  return SlabChunkOwner(pointer - SLAB_CHUNKHDRSZ).fullChunkSize;
}

/** Slab's method table, as mcxt dispatches to it. */
export const SlabMethods: ContextMethods = {
  alloc: SlabAlloc,
  free: SlabFree,
  realloc: SlabRealloc,
  reset: SlabReset,
  delete: SlabDelete,
  getChunkContext: SlabGetChunkContext,
  getChunkSpace: SlabGetChunkSpace,
  isEmpty: SlabIsEmpty,
  stats: SlabStats,
  check: SlabCheck,
  chunkAreas: SlabChunkAreas,
  releasedBlocks: SlabReleasedBlocks,
};

registerMethods(MCTX_SLAB_ID, SlabMethods);
