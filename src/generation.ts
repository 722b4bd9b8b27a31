/**
 * Generation: PostgreSQL 18's context type for chunks that die roughly in the
 * order they were born (queues, tuplesort's tuples, logical decoding).
 *
 * What it owns: the allocation policy and the method table registered under
 * `MCTX_GENERATION_ID`. The byte layout of blocks and of the context header
 * lives in `generation_block.ts`; stats, emptiness and the self-check in
 * `generation_inspect.ts`.
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
  contextAtHeader,
  type ContextMethods,
  heap,
  MemoryContext,
  MemoryContextAllocationFailure,
  MemoryContextCreate,
  registerContext,
  registerMethods,
  unregisterContext,
} from "./context.ts";
import { checking, CheckingWipe } from "./checking.ts";
import { chunkIsExternal, MCTX_GENERATION_ID, MEMORYCHUNK_MAX_VALUE } from "./memorychunk.ts";
import {
  B_CONTEXT,
  B_NCHUNKS,
  B_NFREE,
  GENERATION_BLOCKHDRSZ,
  GENERATION_BLOCKS_HEAD,
  GENERATION_CHUNKHDRSZ,
  GENERATION_CONTEXT_SIZE,
  GENERATION_FREE_BIT,
  GenerationBlockContextHeader,
  GenerationBlockInit,
  GenerationBlockMarkEmpty,
  GenerationBlockNext,
  GenerationBlockSize,
  GenerationCheckParameters,
  GenerationChunkGetBlock,
  GenerationChunkSize,
  GenerationListDelete,
  GenerationListInit,
  GenerationListPushHead,
} from "./generation_block.ts";
import {
  GenerationCheck,
  GenerationChunkAreas,
  GenerationIsEmpty,
  GenerationReleasedBlocks,
  GenerationStats,
} from "./generation_inspect.ts";
import { GenerationAlloc } from "./generation_alloc.ts";
import {
  ContextAllocChunkLimit,
  ContextKeeperMallocSize,
  ContextMallocHeader,
} from "./context_create.ts";

/** `Generation_CHUNK_FRACTION`: a max-size block must hold this many limit-size chunks. */
const GENERATION_CHUNK_FRACTION = 8;

/**
 * A Generation context: the tree node plus the scalars of `GenerationContext`.
 *
 * @example
 * ```ts
 * import { GenerationContext, GenerationContextCreate } from "./generation.ts";
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * // Chunks freed roughly in allocation order, like reorderbuffer's changes.
 * const gen = GenerationContextCreate(TopMemoryContext, "ReorderBuffer", 0, 8192, 8 << 20);
 * console.assert(gen instanceof GenerationContext && gen.initBlockSize === 8192);
 * ```
 */
export class GenerationContext extends MemoryContext {
  /** Size of the first non-keeper block. */
  initBlockSize = 0;
  /** Largest size block growth reaches. */
  maxBlockSize = 0;
  /** Size of the next non-dedicated block to allocate. */
  nextBlockSize = 0;
  /** Chunks bigger than this get a dedicated block. */
  allocChunkLimit = 0;
  /** Heap offset of the current block (never 0 once created). */
  block = 0;
  /** Heap offset of the recycled empty block, or 0. */
  freeblock = 0;
  /** Heap offset of the keeper block (header + 128). */
  keeper = 0;

  constructor() {
    super(MCTX_GENERATION_ID, "GenerationContext");
  }
}

/**
 * `GenerationContextCreate`: a new Generation context under `parent`. The
 * keeper block shares one heap allocation with the context header; its size
 * is `minContextSize` when nonzero, else `initBlockSize` (at least 192 bytes).
 *
 * @example
 * ```ts
 * import { GenerationContextCreate } from "./generation.ts";
 * import { GetMemoryChunkSpace, MemoryContextAlloc, MemoryContextDelete } from "./mcxt.ts";
 * import { MemoryContextInit, pfree, TopMemoryContext } from "./mcxt.ts";
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
  GenerationCheckParameters(minContextSize, initBlockSize, maxBlockSize);
  const allocSize = ContextKeeperMallocSize(
    GENERATION_CONTEXT_SIZE,
    GENERATION_BLOCKHDRSZ,
    GENERATION_CHUNKHDRSZ,
    minContextSize,
    initBlockSize,
  );
  const header = ContextMallocHeader(allocSize, name, parent);

  const set = new GenerationContext();
  registerContext(set, header);
  const head = header + GENERATION_BLOCKS_HEAD;
  GenerationListInit(head);

  const keeper = header + GENERATION_CONTEXT_SIZE;
  const firstBlockSize = allocSize - GENERATION_CONTEXT_SIZE;
  GenerationBlockInit(header, keeper, firstBlockSize);
  GenerationListPushHead(head, keeper);
  set.keeper = keeper;
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

/** `GenerationBlockFree`: unlinks a (non-keeper, non-free) block and gives it back. */
function GenerationBlockFree(set: GenerationContext, block: number): void {
  GenerationListDelete(block);
  set.memAllocated -= GenerationBlockSize(block);
  heap.u32[(block >>> 2) + B_CONTEXT] = 0; // stale pointers into it find no owner
  heap.freeChecked(block); // checked by GenerationFree or before the reset
}

/** Whether a block that loses its last chunk now is given back (else it is kept, emptied). */
function GenerationBlockGoesBack(block: number): boolean {
  const set = contextAtHeader(GenerationBlockContextHeader(block)) as GenerationContext;
  return block !== set.keeper && block !== set.block && set.freeblock !== 0;
}

/** Decides the fate of a block whose last chunk was just freed. */
function GenerationBlockEmptied(block: number): void {
  const set = contextAtHeader(GenerationBlockContextHeader(block)) as GenerationContext;
  if (block === set.keeper || block === set.block) {
    GenerationBlockMarkEmpty(block);
  } else if (set.freeblock === 0) {
    GenerationBlockMarkEmpty(block);
    set.freeblock = block;
  } else {
    GenerationBlockFree(set, block);
  }
}

/** `GenerationFree`: counts the chunk as freed; an emptied block is recycled or released. */
function GenerationFree(pointer: number): void {
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
function GenerationRealloc(pointer: number, size: number, flags: number): number {
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const m = heap.i32;
  const block = GenerationChunkGetBlock(m, chunk, "repalloc");
  const oldsize = GenerationChunkSize(m, chunk, block);
  if (oldsize >= size) return pointer;

  const set = contextAtHeader(GenerationBlockContextHeader(block));
  const newPointer = GenerationAlloc(set, size, flags);
  if (newPointer === 0) return MemoryContextAllocationFailure(set, size, flags);

  heap.u8.copyWithin(newPointer, pointer, pointer + oldsize);
  if (checking) CheckingWipe(pointer, oldsize);
  GenerationFree(pointer);
  return newPointer;
}

/** `GenerationReset`: frees every block but the keeper, which is emptied and made current. */
function GenerationReset(context: MemoryContext): void {
  const set = context as GenerationContext;
  const head = set.header + GENERATION_BLOCKS_HEAD;
  // The freeblock must be forgotten first: it is freed like any other block.
  set.freeblock = 0;
  let block = GenerationBlockNext(head);
  while (block !== head) {
    const next = GenerationBlockNext(block);
    if (block === set.keeper) GenerationBlockMarkEmpty(block);
    else GenerationBlockFree(set, block);
    block = next;
  }
  set.block = set.keeper;
  set.nextBlockSize = set.initBlockSize;
}

/** `GenerationDelete`: releases every block, then the header with its keeper block. */
function GenerationDelete(context: MemoryContext): void {
  GenerationReset(context);
  const header = context.header;
  unregisterContext(context); // clears the header's registry word: before the memory goes back
  heap.freeChecked(header);
}

/** `GenerationGetChunkContext`: the context owning the chunk at `pointer`. */
function GenerationGetChunkContext(pointer: number): MemoryContext {
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const block = GenerationChunkGetBlock(heap.i32, chunk, "GetMemoryChunkContext");
  return contextAtHeader(GenerationBlockContextHeader(block));
}

/** `GenerationGetChunkSpace`: the chunk's bytes plus its 8-byte header. */
function GenerationGetChunkSpace(pointer: number): number {
  const m = heap.i32;
  const chunk = pointer - GENERATION_CHUNKHDRSZ;
  const block = GenerationChunkGetBlock(m, chunk, "GetMemoryChunkSpace");
  return GENERATION_CHUNKHDRSZ + GenerationChunkSize(m, chunk, block);
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

registerMethods(MCTX_GENERATION_ID, GenerationMethods);
