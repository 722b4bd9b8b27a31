/**
 * AllocSet: PostgreSQL's general-purpose context type, with PostgreSQL 18's
 * algorithm and counters.
 *
 * - Requests up to `allocChunkLimit` (8 KB, less for small max block sizes)
 *   are rounded up to a power of two from 8 bytes and carved from the
 *   newest block; freed chunks go on one of 11 freelists by size class and
 *   are reused before any new space is carved. A chunk's header stores its
 *   freelist index, so pfree needs no search.
 * - Larger requests get a dedicated block holding just that chunk (an
 *   "external" chunk); pfree hands that block straight back to the heap and
 *   repalloc resizes it with the heap's realloc.
 * - Blocks start at `initBlockSize` and double up to `maxBlockSize`. When a
 *   request does not fit in the newest block, the block's tail is first cut
 *   into free chunks (so it is not wasted), then a new block is obtained.
 * - The first block (the keeper) is allocated together with the context
 *   header and survives resets, so a reset context costs no heap call.
 * - Deleted contexts of the two standard size classes are kept (reset) on
 *   per-heap context freelists, at most 100 each, and handed out again.
 *
 * Memory layout (all in the heap; pointer fields are 8-byte slots holding a
 * 32-bit offset in their low half):
 *
 * ```
 *  context header (200 bytes: word 0 = registry id) | keeper block …
 *  block header (40 bytes): owner ctx header | prev | next | freeptr | endptr
 *  chunk: [8-byte MemoryChunk header][data …]; a free chunk's first 4 data
 *         bytes hold the next chunk on its freelist
 * ```
 *
 * The freelist heads live where PostgreSQL keeps them, in the context header
 * (words 22, 24, … of the header); scalar parameters live on the JS object.
 *
 * Files: this one owns the context — creation (fresh or from a context
 * freelist), reset, delete, emptiness and the method table; `alloc.ts` owns
 * the chunks — alloc, free, realloc, the chunk lookups and the block-tail
 * carving above; `block.ts` the layout constants; `inspect.ts` stats and the
 * self-check.
 */
import {
  type ContextMethods,
  heap,
  type MemoryContext,
  MemoryContextCreate,
  registerContext,
  registerHeapLocal,
  unregisterContext,
} from "../mcxt/context.ts";
import { assertParent } from "../mcxt/guard.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { MemoryContextResetOnlyVetted } from "../mcxt/reset.ts";
import {
  AllocSetCheck,
  AllocSetChunkAreas,
  AllocSetReleasedBlocks,
  AllocSetStats,
} from "./inspect.ts";
import {
  AllocSetAlloc,
  AllocSetFree,
  AllocSetGetChunkContext,
  AllocSetGetChunkSpace,
  AllocSetRealloc,
} from "./alloc.ts";
import {
  ContextAllocChunkLimit,
  ContextKeeperMallocSize,
  ContextMallocHeader,
} from "../mcxt/create.ts";
import {
  AllocSetBlockFree,
  type AllocSetContext,
  AllocSetFreelistWord,
  KeeperBlock,
  newAllocSetContext,
} from "./block.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const {
  ALLOCSET_NUM_FREELISTS,
  ALLOC_BLOCKHDRSZ,
  ALLOC_CHUNKHDRSZ,
  ALLOC_CHUNK_FRACTION,
  ALLOC_CHUNK_LIMIT,
  ASET_CONTEXT_SIZE,
  B_ENDPTR,
  B_FREEPTR,
  B_NEXT,
  B_OWNER,
  B_PREV,
  MAX_FREE_CONTEXTS,
} = blockModule;

export {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  ALLOCSET_START_SMALL_SIZES,
  AllocSetContext,
} from "./block.ts";

/**
 * A per-heap list of deleted contexts kept for reuse (PostgreSQL's
 * `AllocSetFreeList`), newest last. Only what a recycle needs is kept: the
 * header offset (the keeper block follows it) and the `allocChunkLimit`
 * computed at first creation; the other fields follow from the list the
 * context is on. The deleted JS objects are not kept, so they die young.
 */
interface ContextFreeList {
  numFree: number;
  headers: Uint32Array;
  chunkLimits: Int32Array;
}

function newContextFreeList(): ContextFreeList {
  return {
    numFree: 0,
    headers: new Uint32Array(MAX_FREE_CONTEXTS),
    chunkLimits: new Int32Array(MAX_FREE_CONTEXTS),
  };
}

let contextFreelists: ContextFreeList[] = [];
registerHeapLocal({
  fresh() {
    contextFreelists = [newContextFreeList(), newContextFreeList()];
  },
  save: () => contextFreelists,
  load(state) {
    contextFreelists = state as ContextFreeList[];
  },
});

/** Zeroes the 11 freelist heads of a new context (registered), both halves of each 8-byte word. */
function initFreelists(set: AllocSetContext): void {
  const m = heap.i32;
  const f = AllocSetFreelistWord(set);
  for (let k = 0; k < 2 * ALLOCSET_NUM_FREELISTS; k++) m[f + k] = 0;
}

/**
 * Empties the 11 freelists: 11 plain stores to the heads' low words (only
 * they are ever written after `initFreelists`; the high halves stay zero).
 * Straight stores, not `fill`: a builtin call costs more than the stores.
 */
function clearFreelists(set: AllocSetContext): void {
  const m = heap.i32;
  const f = AllocSetFreelistWord(set);
  m[f] = 0;
  m[f + 2] = 0;
  m[f + 4] = 0;
  m[f + 6] = 0;
  m[f + 8] = 0;
  m[f + 10] = 0;
  m[f + 12] = 0;
  m[f + 14] = 0;
  m[f + 16] = 0;
  m[f + 18] = 0;
  m[f + 20] = 0;
}

function validateParameters(min: number, init: number, max: number): void {
  // Common case first, in int32 arithmetic (`%` on doubles is an out-of-line call in V8):
  // all three are int32s within the bounds below. Anything else takes the exact checks.
  if (
    (init | 0) === init && (max | 0) === max && (min | 0) === min &&
    (init & 7) === 0 && init >= 1024 && (max & 7) === 0 && max >= init && max <= 0x3fffffff &&
    (min === 0 || ((min & 7) === 0 && min >= 1024 && min <= max))
  ) return;
  validateParametersExactly(min, init, max);
}

/** `validateParameters` past its common case: the exact checks, and the error when one fails. */
function validateParametersExactly(min: number, init: number, max: number): void {
  const problem = !Number.isInteger(init) || init % 8 !== 0 || init < 1024
    ? `initBlockSize ${init}`
    : !Number.isInteger(max) || max % 8 !== 0 || max < init || max > 0x3fffffff
    ? `maxBlockSize ${max}`
    : !Number.isInteger(min) || (min !== 0 && (min % 8 !== 0 || min < 1024 || min > max))
    ? `minContextSize ${min}`
    : null;
  if (problem !== null) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid AllocSet parameters: ${problem}`);
  }
}

/**
 * `AllocSetContextCreate`: a new AllocSet child of `parent` (null only for a
 * root). Sizes as in PostgreSQL: `minContextSize` (0, or the keeper block's
 * size), `initBlockSize`, `maxBlockSize`.
 *
 * @example
 * ```ts
 * import {
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "work", 0, 8192, 8 << 20);
 * MemoryContextAlloc(cxt, 100);
 * ```
 */
export function AllocSetContextCreate(
  parent: MemoryContext | null,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): MemoryContext {
  assertParent(parent, name); // before anything is allocated: a refusal leaks nothing
  validateParameters(minContextSize, initBlockSize, maxBlockSize);
  let freeListIndex = -1;
  if (minContextSize === 0 && initBlockSize === 8 * 1024) freeListIndex = 0;
  else if (minContextSize === 0 && initBlockSize === 1024) freeListIndex = 1;

  if (freeListIndex >= 0) {
    const fl = contextFreelists[freeListIndex];
    if (fl.numFree > 0) {
      const k = --fl.numFree;
      const header = fl.headers[k];
      return AllocSetRecycle(
        header,
        fl.chunkLimits[k],
        freeListIndex,
        initBlockSize,
        maxBlockSize,
        parent,
        name,
      );
    }
  }

  return AllocSetContextCreateNew(
    parent,
    name,
    minContextSize,
    initBlockSize,
    maxBlockSize,
    freeListIndex,
  );
}

/**
 * A context whose header memory is new from the heap (no freelist had one):
 * the header with its keeper block, the freelist heads zeroed. Apart from
 * `AllocSetContextCreate`, so the recycle path stays small.
 */
function AllocSetContextCreateNew(
  parent: MemoryContext | null,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
  freeListIndex: number,
): MemoryContext {
  const firstBlockSize = ContextKeeperMallocSize(
    ASET_CONTEXT_SIZE,
    ALLOC_BLOCKHDRSZ,
    ALLOC_CHUNKHDRSZ,
    minContextSize,
    initBlockSize,
  );
  const header = ContextMallocHeader(firstBlockSize, name, parent);

  const set = newAllocSetContext();
  const keeper = header + ASET_CONTEXT_SIZE;
  const m = heap.i32;
  const k = keeper >>> 2;
  m[k + B_OWNER] = header;
  m[k + B_PREV] = 0;
  m[k + B_NEXT] = 0;
  m[k + B_FREEPTR] = keeper + ALLOC_BLOCKHDRSZ;
  m[k + B_ENDPTR] = header + firstBlockSize;
  set.blocks = keeper;
  set.initBlockSize = initBlockSize;
  set.maxBlockSize = maxBlockSize;
  set.nextBlockSize = initBlockSize;
  set.freeListIndex = freeListIndex;
  set.allocChunkLimit = ContextAllocChunkLimit(
    ALLOC_CHUNK_LIMIT,
    maxBlockSize,
    ALLOC_BLOCKHDRSZ,
    ALLOC_CHUNKHDRSZ,
    ALLOC_CHUNK_FRACTION,
  );
  registerContext(set, header);
  initFreelists(set);
  MemoryContextCreate(set, parent, name);
  set.memAllocated = firstBlockSize;
  return set;
}

/**
 * Hands out the context whose header is at `header` from freelist
 * `freeListIndex`. It keeps its header memory and its keeper block (emptied
 * when it was deleted, so the only block) but becomes a new JS object, so a
 * stale reference to the deleted context can never reach the new one. Its
 * list fixes minContextSize (0) and initBlockSize; as in PostgreSQL, only
 * maxBlockSize is new (`allocChunkLimit` stays as it was computed at first
 * creation).
 */
function AllocSetRecycle(
  header: number,
  allocChunkLimit: number,
  freeListIndex: number,
  initBlockSize: number,
  maxBlockSize: number,
  parent: MemoryContext | null,
  name: string,
): AllocSetContext {
  const set = newAllocSetContext();
  registerContext(set, header);
  set.blocks = KeeperBlock(set);
  set.initBlockSize = initBlockSize;
  set.maxBlockSize = maxBlockSize;
  set.nextBlockSize = initBlockSize;
  set.allocChunkLimit = allocChunkLimit;
  set.freeListIndex = freeListIndex;
  MemoryContextCreate(set, parent, name);
  set.memAllocated = heap.u32[(KeeperBlock(set) >>> 2) + B_ENDPTR] - set.header;
  return set;
}

/** AllocSet's reset: frees every block but the keeper, which is emptied. */
function AllocSetReset(ctx: MemoryContext): void {
  const set = ctx as AllocSetContext;
  clearFreelists(set);
  const keeper = KeeperBlock(set);
  let block = set.blocks;
  set.blocks = keeper;
  while (block !== 0) {
    const m = heap.i32;
    const b = block >>> 2;
    const next = m[b + B_NEXT] >>> 0;
    if (block === keeper) {
      m[b + B_FREEPTR] = block + ALLOC_BLOCKHDRSZ;
      m[b + B_PREV] = 0;
      m[b + B_NEXT] = 0;
    } else {
      AllocSetBlockFree(set, block);
    }
    block = next;
  }
  set.nextBlockSize = set.initBlockSize;
}

/** AllocSet's delete: to a context freelist when it qualifies, else everything is freed. */
function AllocSetDelete(ctx: MemoryContext): void {
  const set = ctx as AllocSetContext;
  if (set.freeListIndex >= 0) {
    const fl = contextFreelists[set.freeListIndex];
    if (!set.isReset) MemoryContextResetOnlyVetted(set); // its blocks were checked as the delete's
    const n = fl.numFree;
    if (n >= MAX_FREE_CONTEXTS) {
      for (let k = 0; k < n; k++) heap.checkFree(fl.headers[k]); // all or none go back
      for (let k = 0; k < n; k++) heap.freeChecked(fl.headers[k]);
      fl.numFree = 0;
    }
    fl.headers[fl.numFree] = set.header;
    fl.chunkLimits[fl.numFree] = set.allocChunkLimit;
    fl.numFree++;
    unregisterContext(set);
    return;
  }
  const keeper = KeeperBlock(set);
  let block = set.blocks;
  while (block !== 0) {
    const next = heap.u32[(block >>> 2) + B_NEXT];
    if (block !== keeper) AllocSetBlockFree(set, block);
    block = next;
  }
  unregisterContext(set);
  heap.freeChecked(set.header);
}

function AllocSetIsEmpty(ctx: MemoryContext): boolean {
  return ctx.isReset;
}

/** AllocSet's method table, as mcxt dispatches to it. */
export const AllocSetMethods: ContextMethods = {
  alloc: AllocSetAlloc,
  free: AllocSetFree,
  realloc: AllocSetRealloc,
  reset: AllocSetReset,
  delete: AllocSetDelete,
  getChunkContext: AllocSetGetChunkContext,
  getChunkSpace: AllocSetGetChunkSpace,
  isEmpty: AllocSetIsEmpty,
  stats: AllocSetStats,
  check: AllocSetCheck,
  chunkAreas: AllocSetChunkAreas,
  releasedBlocks: AllocSetReleasedBlocks,
};
