/**
 * Slab: PostgreSQL 18's context type for many objects of one fixed size
 * (logical decoding's change and tuple buffers, hash-table entries): no
 * rounding to size classes, no fragmentation between sizes, and blocks that
 * empty out as their objects die are given back or recycled.
 *
 * What it owns: the context — `SlabContextCreate`, `SlabReset`,
 * `SlabDelete`, `SlabIsEmpty` — and its method table (`MCTX_SLAB_ID`). The
 * chunk operations are in `alloc.ts`, byte layout and list operations in
 * `block.ts`, stats and the self-check in `inspect.ts`.
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
import { assertParent } from "../mcxt/guard.ts";
import { elogError } from "../elog.ts";
import {
  type ContextMethods,
  formatSize,
  heap,
  type MemoryContext,
  MemoryContextCreate,
  registerContext,
  unregisterContext,
} from "../mcxt/context.ts";
import { ContextMallocHeader } from "../mcxt/create.ts";
import {
  SlabAlloc,
  SlabFree,
  SlabGetChunkContext,
  SlabGetChunkSpace,
  SlabRealloc,
} from "./alloc.ts";
import { newSlabContext, SlabBlocklistHead, type SlabContext, SlabListRelease } from "./block.ts";
import { SlabCheck, SlabChunkAreas, SlabReleasedBlocks, SlabStats } from "./inspect.ts";
import { dlist_init } from "../ilist.ts";
import * as mcxtContextModule from "../mcxt/context.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MAXALIGN } = mcxtContextModule;
const { MEMORYCHUNK_MAX_BLOCKOFFSET } = memorychunkModule;
const {
  SLAB_BLOCKHDRSZ,
  SLAB_BLOCKLIST_COUNT,
  SLAB_CHUNKHDRSZ,
  SLAB_CONTEXT_SIZE,
  SLAB_EMPTYBLOCKS_HEAD,
} = blockModule;
export { SlabContext, type SlabFields } from "./block.ts";

/**
 * `SlabContextCreate`: a new Slab context under `parent` whose chunks are all
 * `chunkSize` bytes, carved from blocks of `blockSize` bytes. Raises
 * PostgreSQL's ERROR when a block cannot hold even one chunk.
 *
 * @example
 * ```ts
 * import {
 *   GetMemoryChunkSpace,
 *   MemoryContextAlloc,
 *   MemoryContextDelete,
 *   MemoryContextInit,
 *   pfree,
 *   SlabContextCreate,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
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
  assertParent(parent, name); // before anything is allocated: a refusal leaks nothing
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

  const slab = newSlabContext();
  registerContext(slab, header);
  // The smallest shift that maps every nonzero free count to list 1 or 2.
  let shift = 0;
  while ((chunksPerBlock >> shift) >= SLAB_BLOCKLIST_COUNT - 1) shift++;
  slab.own = {
    chunkSize,
    fullChunkSize,
    blockSize,
    chunksPerBlock,
    curBlocklistIndex: 0,
    blocklistShift: shift,
    emptyBlockCount: 0,
  };
  dlist_init(header + SLAB_EMPTYBLOCKS_HEAD);
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) dlist_init(SlabBlocklistHead(header, i));

  MemoryContextCreate(slab, parent, name);
  slab.memAllocated = 0;
  return slab;
}

/** `SlabReset`: gives back every block, cached empty ones first; no keeper block. */
function SlabReset(context: MemoryContext): void {
  const slab = context as SlabContext;
  slab.memAllocated -= SlabListRelease(slab.header + SLAB_EMPTYBLOCKS_HEAD, slab.own.blockSize);
  slab.own.emptyBlockCount = 0;
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) {
    slab.memAllocated -= SlabListRelease(SlabBlocklistHead(slab.header, i), slab.own.blockSize);
  }
  slab.own.curBlocklistIndex = 0;
}

/** `SlabDelete`: gives back every block, then the context header. */
function SlabDelete(context: MemoryContext): void {
  SlabReset(context);
  const header = context.header;
  unregisterContext(context);
  heap.freeChecked(header);
}

/** `SlabIsEmpty`: a slab is empty when it holds no block at all (cached ones count). */
export function SlabIsEmpty(context: MemoryContext): boolean {
  return context.memAllocated === 0;
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
