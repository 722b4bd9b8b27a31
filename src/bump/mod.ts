/**
 * Bump: PostgreSQL 18's context type for many short-lived chunks that are
 * never freed one by one (tuplesort's tuples, HashAgg's table entries).
 *
 * What it owns: the context and its method table (`MCTX_BUMP_ID`); plus
 * `bumpOwnerOf`, Bump's `ownerByAddress` method, which tells mcxt that a
 * pointer is a bump chunk when its header led nowhere (see `index.ts` for
 * how, and `mcxt/guard.ts` for when it is asked).
 *
 * The policy, in PostgreSQL's terms:
 * - A chunk is the next MAXALIGNed run of bytes of the current block (the
 *   head of the block list): allocation is one compare and one pointer bump.
 *   Chunks carry NO header (reference build without MEMORY_CONTEXT_CHECKING),
 *   so more of them fit per block — and nothing can be learnt from a pointer.
 * - Hence `pfree`, `repalloc`, `GetMemoryChunkSpace` and
 *   `GetMemoryChunkContext` are refused with "X is not supported by the bump
 *   memory allocator"; memory comes back only by reset or delete.
 * - The keeper block shares one malloc with the context header and survives
 *   resets. New blocks start at `initBlockSize` and double up to
 *   `maxBlockSize`, or are the next power of two that fits the request.
 * - A chunk above `allocChunkLimit` (at least 8 such chunks must fit a
 *   max-size block) gets a dedicated, exactly sized block at the list's tail,
 *   so the current block stays at the head.
 *
 * Files: this one owns the context (`BumpContextCreate`, `BumpReset`,
 * `BumpDelete`, `BumpIsEmpty`) and its method table; the chunk operations are
 * in `alloc.ts`, the byte layout and block operations in `block.ts`, stats
 * and the self-check in `inspect.ts`, the address index in `index.ts`.
 *
 * Trade-off: the four uint32 parameters also live on the JS object, which is
 * what the code reads; the header bytes are allocated so the accounting is
 * PostgreSQL's, and the header copy is written once, at creation, for anyone
 * dumping the heap (nextBlockSize there is the initial value).
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
  ContextCheckBlockSizes,
  ContextKeeperMallocSize,
  ContextMallocHeader,
} from "../mcxt/create.ts";
import { assertParent } from "../mcxt/guard.ts";
import {
  BumpAlloc,
  BumpFree,
  BumpGetChunkContext,
  BumpGetChunkSpace,
  BumpRealloc,
} from "./alloc.ts";
import {
  BumpBlockFree,
  BumpBlockInit,
  BumpBlockIsEmpty,
  type BumpContext,
  KeeperBlock,
  newBumpContext,
} from "./block.ts";
import {
  BumpIndexInsert,
  BumpIndexLookup,
  BumpIndexRemove,
  BumpIndexRemoveOwner,
  BumpIndexSize,
} from "./index.ts";
import { BumpCheck, BumpChunkAreas, BumpReleasedBlocks, BumpStats } from "./inspect.ts";
import { dlist_init, dlist_push_head } from "../ilist.ts";
import * as mcxtContextModule from "../mcxt/context.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MAXALIGN } = mcxtContextModule;
const { MEMORYCHUNK_MAX_VALUE } = memorychunkModule;
const {
  BLOCKS_HEAD,
  BUMP_BLOCKHDRSZ,
  BUMP_CHUNKHDRSZ,
  BUMP_CHUNK_FRACTION,
  BUMP_CONTEXT_SIZE,
  W_FREEPTR,
  W_NEXT,
} = blockModule;
export { BumpContext } from "./block.ts";

export { BUMP_BLOCKHDRSZ, BUMP_CHUNKHDRSZ, BUMP_CONTEXT_SIZE } from "./block.ts";
export { BumpCheck, BumpStats } from "./inspect.ts";

// ---------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------

/**
 * `BumpContextCreate`: a new Bump context under `parent`. The first malloc
 * holds the context header and the keeper block: `minContextSize` bytes when
 * non-zero, else `initBlockSize` (never less than the two headers).
 *
 * @example
 * ```ts
 * import {
 *   BumpContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const tuples = BumpContextCreate(TopMemoryContext, "Caller tuples", 0, 8192, 8 << 20);
 * MemoryContextAlloc(tuples, 100); // 104 bytes of the keeper block, no chunk header
 * ```
 */
export function BumpContextCreate(
  parent: MemoryContext | null,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): MemoryContext {
  assertParent(parent, name); // before anything is allocated: a refusal leaks nothing
  ContextCheckBlockSizes("bump", minContextSize, initBlockSize, maxBlockSize);
  const allocSize = ContextKeeperMallocSize(
    BUMP_CONTEXT_SIZE,
    BUMP_BLOCKHDRSZ,
    BUMP_CHUNKHDRSZ,
    minContextSize,
    initBlockSize,
  );
  const header = ContextMallocHeader(allocSize, name, parent);

  const set = newBumpContext();
  registerContext(set, header);
  const u = heap.u32;
  const h = header >>> 2;
  u[h + 20] = initBlockSize;
  u[h + 21] = maxBlockSize;
  u[h + 22] = initBlockSize;

  // The keeper block follows the context header and is the list's only block.
  const head = header + BLOCKS_HEAD;
  const keeper = header + BUMP_CONTEXT_SIZE;
  BumpBlockInit(keeper, allocSize - BUMP_CONTEXT_SIZE);
  dlist_init(head);
  dlist_push_head(head, keeper);
  set.block = keeper;

  set.initBlockSize = initBlockSize;
  set.maxBlockSize = maxBlockSize;
  set.nextBlockSize = initBlockSize;
  // Eight limit-size chunks must fit a max-size block; the limit must fit 30 bits.
  const limit = ContextAllocChunkLimit(
    Math.min(maxBlockSize, MEMORYCHUNK_MAX_VALUE),
    maxBlockSize,
    BUMP_BLOCKHDRSZ,
    BUMP_CHUNKHDRSZ,
    BUMP_CHUNK_FRACTION,
  );
  set.allocChunkLimit = limit;
  u[h + 23] = limit;

  MemoryContextCreate(set, parent, name);
  set.memAllocated = allocSize;
  BumpIndexInsert(keeper + BUMP_BLOCKHDRSZ, keeper + allocSize - BUMP_CONTEXT_SIZE, set);
  return set;
}

// ---------------------------------------------------------------------------
// Allocation
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Reset and delete
// ---------------------------------------------------------------------------

/** `BumpReset`: gives back every block but the keeper, which is emptied. */
export function BumpReset(context: MemoryContext): void {
  const set = context as BumpContext;
  const head = set.header + BLOCKS_HEAD;
  let block = heap.u32[(head >>> 2) + W_NEXT];
  while (block !== head) {
    const next = heap.u32[(block >>> 2) + W_NEXT];
    if (block === KeeperBlock(set)) heap.u32[(block >>> 2) + W_FREEPTR] = block + BUMP_BLOCKHDRSZ;
    else BumpBlockFree(set, block);
    block = next;
  }
  set.block = KeeperBlock(set);
  BumpIndexRemoveOwner(set, KeeperBlock(set) + BUMP_BLOCKHDRSZ);
  set.own = null; // the aligned chunks went with the blocks
  set.nextBlockSize = set.initBlockSize;
}

/** `BumpDelete`: reset, then give back the context header with the keeper block. */
export function BumpDelete(context: MemoryContext): void {
  const set = context as BumpContext;
  BumpReset(set);
  BumpIndexRemove(KeeperBlock(set) + BUMP_BLOCKHDRSZ);
  const header = set.header;
  unregisterContext(set);
  heap.freeChecked(header);
}

// ---------------------------------------------------------------------------
// What a header-less chunk cannot do
// ---------------------------------------------------------------------------

/**
 * The Bump context whose header-less chunk `pointer` is, or null when it is
 * not one (no bump block contains it, or it is an aligned chunk carved from
 * a bump chunk, which has a real redirect header).
 *
 * Bump's `ownerByAddress` method: mcxt asks it in pfree / repalloc /
 * GetMemoryChunkSpace / GetMemoryChunkContext only when the 8 bytes in front
 * of the pointer did not lead to an owner (an unused method id, or the type
 * they name refused the pointer: see `mcxt/guard.ts` for why a bump chunk
 * always ends here); a context returned here gets the chunk operation
 * dispatched to Bump's methods, which raise. One compare while no bump
 * context exists, a binary search otherwise.
 */
export function bumpOwnerOf(pointer: number): MemoryContext | null {
  if (BumpIndexSize() === 0) return null;
  const owner = BumpIndexLookup(pointer) as BumpContext | null;
  if (owner === null) return null;
  if (owner.own !== null && owner.own.has(pointer)) return null;
  return owner;
}

/**
 * Records that `aligned` is an aligned chunk (with a redirect header) inside
 * a chunk of the bump context `context`; called by `MemoryContextAllocAligned`.
 * Forgotten at the next reset.
 */
export function BumpNoteAlignedChunk(context: MemoryContext, aligned: number): void {
  const set = context as BumpContext;
  if (set.own === null) set.own = new Set();
  set.own.add(aligned);
}

/** `BumpIsEmpty`: true when no block holds a chunk. */
export function BumpIsEmpty(context: MemoryContext): boolean {
  const u = heap.u32;
  const head = context.header + BLOCKS_HEAD;
  for (let block = u[(head >>> 2) + W_NEXT]; block !== head; block = u[(block >>> 2) + W_NEXT]) {
    if (!BumpBlockIsEmpty(u, block)) return false;
  }
  return true;
}

/** Bump's method table (`MCTX_BUMP_ID` in `mcxt/methods.ts`). */
export const BumpMethods: ContextMethods = {
  alloc: BumpAlloc,
  free: BumpFree,
  realloc: BumpRealloc,
  reset: BumpReset,
  delete: BumpDelete,
  getChunkContext: BumpGetChunkContext,
  getChunkSpace: BumpGetChunkSpace,
  isEmpty: BumpIsEmpty,
  stats: BumpStats,
  check: BumpCheck,
  chunkAreas: BumpChunkAreas,
  releasedBlocks: BumpReleasedBlocks,
  ownerByAddress: bumpOwnerOf,
  chunkCapacity: MAXALIGN,
  noteAlignedChunk: BumpNoteAlignedChunk,
};
