/**
 * Generation: PostgreSQL 18's context type for chunks that die roughly in the
 * order they were born (queues, tuplesort's tuples, logical decoding).
 *
 * What it owns: the context — `GenerationContextCreate`, `GenerationReset`,
 * `GenerationDelete`, `GenerationIsEmpty` — and its method table
 * (`MCTX_GENERATION_ID`). The chunk operations are in `alloc.ts`, the byte
 * layout of blocks and of the context header in `block.ts`, stats and the
 * self-check in `inspect.ts`.
 *
 * The policy, in PostgreSQL's terms:
 * - Chunks are carved front to back from the current block and never reused
 *   one by one. A block only counts its chunks (`nchunks`) and the freed ones
 *   (`nfree`); when they match, the whole block is empty.
 * - An emptied block is kept in place when it is the keeper block (allocated
 *   together with the context header) or the current block; otherwise it
 *   becomes the single `freeblock` if that slot is vacant, else it goes back
 *   to the heap. When the current block cannot fit a request, the freeblock
 *   (if big enough) becomes the current block; the keeper block is reused
 *   only after a reset.
 * - New blocks start at `initBlockSize` and double up to `maxBlockSize`, or
 *   are the next power of two that fits the request.
 * - Chunks above `allocChunkLimit` get a dedicated block with an "external"
 *   chunk header; the block header sits right before the chunk.
 * - repalloc stays in place when the chunk is already big enough, otherwise
 *   allocates, copies and frees.
 *
 * Trade-off (PostgreSQL's): no per-chunk free lists, so freed space in a
 * block that still has live chunks is lost until the block empties. The
 * stats text therefore reports only the untouched tail of each block as free.
 *
 * Hot paths (alloc from the current block, free of a chunk whose block stays
 * in use) do 32-bit typed-array reads and writes only; new blocks, dedicated
 * chunks and emptied blocks are handled by separate functions.
 *
 * palloc's additions, none of which changes a counter: every chunk operation
 * first checks that the chunk's block leads back to a live Generation
 * context and that the chunk lies between the block's header and its free
 * pointer; a freed chunk's size gets a free mark (bit 0, free since sizes are
 * multiples of 8), so a second pfree is refused; a block given back to the
 * heap has its context link zeroed, so stale pointers into it are refused.
 */
import {
  type ContextMethods,
  heap,
  type MemoryContext,
  MemoryContextCreate,
  registerContext,
  unregisterContext,
} from "../mcxt/context.ts";
import {
  ContextAllocChunkLimit,
  ContextKeeperMallocSize,
  ContextMallocHeader,
} from "../mcxt/create.ts";
import { assertParent } from "../mcxt/guard.ts";
import {
  GenerationAlloc,
  GenerationFree,
  GenerationGetChunkContext,
  GenerationGetChunkSpace,
  GenerationRealloc,
} from "./alloc.ts";
import {
  GenerationBlockFree,
  GenerationBlockInit,
  GenerationBlockMarkEmpty,
  GenerationCheckParameters,
  type GenerationContext,
  KeeperBlock,
  newGenerationContext,
} from "./block.ts";
import {
  GenerationCheck,
  GenerationChunkAreas,
  GenerationReleasedBlocks,
  GenerationStats,
} from "./inspect.ts";
import { dlist_init, dlist_next_node, dlist_push_head } from "../ilist.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MEMORYCHUNK_MAX_VALUE } = memorychunkModule;
const {
  B_NCHUNKS,
  GENERATION_BLOCKHDRSZ,
  GENERATION_BLOCKS_HEAD,
  GENERATION_CHUNKHDRSZ,
  GENERATION_CONTEXT_SIZE,
} = blockModule;
export { GenerationContext } from "./block.ts";

/** `Generation_CHUNK_FRACTION`: a max-size block must hold this many limit-size chunks. */
const GENERATION_CHUNK_FRACTION = 8;

/**
 * `GenerationContextCreate`: a new Generation context under `parent`. The
 * keeper block shares one heap allocation with the context header; its size
 * is `minContextSize` when nonzero, else `initBlockSize` (at least 192 bytes).
 *
 * @example
 * ```ts
 * import {
 *   GenerationContextCreate,
 *   GetMemoryChunkSpace,
 *   MemoryContextAlloc,
 *   MemoryContextDelete,
 *   MemoryContextInit,
 *   pfree,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const gen = GenerationContextCreate(TopMemoryContext, "queue", 0, 8192, 8388608);
 * const p = MemoryContextAlloc(gen, 100);
 * console.assert(GetMemoryChunkSpace(p) === 112); // 104 bytes of data and an 8-byte header
 * pfree(p);
 * MemoryContextDelete(gen);
 * ```
 */
export function GenerationContextCreate(
  parent: MemoryContext | null,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): MemoryContext {
  assertParent(parent, name); // before anything is allocated: a refusal leaks nothing
  GenerationCheckParameters(minContextSize, initBlockSize, maxBlockSize);
  const allocSize = ContextKeeperMallocSize(
    GENERATION_CONTEXT_SIZE,
    GENERATION_BLOCKHDRSZ,
    GENERATION_CHUNKHDRSZ,
    minContextSize,
    initBlockSize,
  );
  const header = ContextMallocHeader(allocSize, name, parent);

  const set = newGenerationContext();
  registerContext(set, header);
  const head = header + GENERATION_BLOCKS_HEAD;
  dlist_init(head);

  const keeper = header + GENERATION_CONTEXT_SIZE;
  const firstBlockSize = allocSize - GENERATION_CONTEXT_SIZE;
  GenerationBlockInit(header, keeper, firstBlockSize);
  dlist_push_head(head, keeper);
  set.block = keeper;
  set.freeblock = 0;

  set.initBlockSize = initBlockSize;
  set.maxBlockSize = maxBlockSize;
  set.nextBlockSize = initBlockSize;

  // Largest non-dedicated chunk: a max-size block must fit CHUNK_FRACTION of them.
  set.allocChunkLimit = ContextAllocChunkLimit(
    Math.min(maxBlockSize, MEMORYCHUNK_MAX_VALUE),
    maxBlockSize,
    GENERATION_BLOCKHDRSZ,
    GENERATION_CHUNKHDRSZ,
    GENERATION_CHUNK_FRACTION,
  );

  MemoryContextCreate(set, parent, name);
  set.memAllocated = firstBlockSize;
  return set;
}

/** `GenerationReset`: frees every block but the keeper, which is emptied and made current. */
function GenerationReset(context: MemoryContext): void {
  const set = context as GenerationContext;
  const head = set.header + GENERATION_BLOCKS_HEAD;
  // The freeblock must be forgotten first: it is freed like any other block.
  set.freeblock = 0;
  let block = dlist_next_node(head);
  while (block !== head) {
    const next = dlist_next_node(block);
    if (block === KeeperBlock(set)) GenerationBlockMarkEmpty(block);
    else GenerationBlockFree(set, block);
    block = next;
  }
  set.block = KeeperBlock(set);
  set.nextBlockSize = set.initBlockSize;
}

/** `GenerationDelete`: releases every block, then the header with its keeper block. */
function GenerationDelete(context: MemoryContext): void {
  GenerationReset(context);
  const header = context.header;
  unregisterContext(context); // clears the header's registry word: before the memory goes back
  heap.freeChecked(header);
}

/** `GenerationIsEmpty`: true when no block holds a chunk (freed chunks still count). */
export function GenerationIsEmpty(context: MemoryContext): boolean {
  const head = context.header + GENERATION_BLOCKS_HEAD;
  const u = heap.u32;
  for (let block = dlist_next_node(head); block !== head; block = dlist_next_node(block)) {
    if (u[(block >>> 2) + B_NCHUNKS] > 0) return false;
  }
  return true;
}

/** Generation's method table, as mcxt dispatches to it. */
export const GenerationMethods: ContextMethods = {
  alloc: GenerationAlloc,
  free: GenerationFree,
  realloc: GenerationRealloc,
  reset: GenerationReset,
  delete: GenerationDelete,
  getChunkContext: GenerationGetChunkContext,
  getChunkSpace: GenerationGetChunkSpace,
  isEmpty: GenerationIsEmpty,
  stats: GenerationStats,
  check: GenerationCheck,
  chunkAreas: GenerationChunkAreas,
  releasedBlocks: GenerationReleasedBlocks,
};
