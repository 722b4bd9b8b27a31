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
 */
import {
  contextAtHeader,
  contextAtHeaderOrNull,
  heap,
  MAXALIGN,
  MemoryContext,
  MemoryContextAllocationFailure,
  MemoryContextCheckSize,
  type MemoryContextCounters,
  MemoryContextCreate,
  MemoryContextCreateFailure,
  onHeapInstalled,
  registerContext,
  registerMethods,
  unregisterContext,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "./elog.ts";
import {
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
  chunkSetHeader,
  chunkSetHeaderExternal,
  MCTX_ASET_ID,
} from "./memorychunk.ts";
import { MemoryContextResetOnly } from "./mcxt.ts";
import { checking, CheckingWipe } from "./checking.ts";
import { AllocSetCheck, AllocSetChunkAreas } from "./aset_check.ts";

/** `sizeof(AllocSetContext)` in the 64-bit build, MAXALIGNed. */
export const ASET_CONTEXT_SIZE = 200;
/** `ALLOC_BLOCKHDRSZ`. */
export const ALLOC_BLOCKHDRSZ = 40;
/** `ALLOC_CHUNKHDRSZ`. */
export const ALLOC_CHUNKHDRSZ = 8;
const ALLOC_MINBITS = 3;
/** Number of freelists (size classes 8 … 8192 bytes). */
export const ALLOCSET_NUM_FREELISTS = 11;
const ALLOC_CHUNK_LIMIT = 1 << (ALLOCSET_NUM_FREELISTS - 1 + ALLOC_MINBITS);
const ALLOC_CHUNK_FRACTION = 4;
const MAX_FREE_CONTEXTS = 100;
/** Added to a chunk's freelist index while it sits on a freelist (double-free check). */
export const FREE_MARK = 16;

/**
 * `ALLOCSET_DEFAULT_SIZES`: min 0, init 8 KB, max 8 MB.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "ExecutorState", ...ALLOCSET_DEFAULT_SIZES);
 * ```
 */
export const ALLOCSET_DEFAULT_SIZES = [0, 8 * 1024, 8 * 1024 * 1024] as const;
/**
 * `ALLOCSET_SMALL_SIZES`: min 0, init 1 KB, max 8 KB.
 *
 * @example
 * ```ts
 * import { ALLOCSET_SMALL_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "ExprContext", ...ALLOCSET_SMALL_SIZES);
 * ```
 */
export const ALLOCSET_SMALL_SIZES = [0, 1024, 8 * 1024] as const;
/**
 * `ALLOCSET_START_SMALL_SIZES`: min 0, init 1 KB, max 8 MB.
 *
 * @example
 * ```ts
 * import { ALLOCSET_START_SMALL_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "maybe big", ...ALLOCSET_START_SMALL_SIZES);
 * ```
 */
export const ALLOCSET_START_SMALL_SIZES = [0, 1024, 8 * 1024 * 1024] as const;

// Block header field offsets, in 32-bit words from the block start.
/** Word index of a block's owner (context header offset); zeroed when the block is freed. */
export const B_OWNER = 0;
/** Word index of a block's `prev`. */
export const B_PREV = 2;
/** Word index of a block's `next`. */
export const B_NEXT = 4;
/** Word index of a block's `freeptr`. */
export const B_FREEPTR = 6;
/** Word index of a block's `endptr`. */
export const B_ENDPTR = 8;

/**
 * An AllocSet context: the tree node plus AllocSet's own state.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContext, AllocSetContextCreate } from "./aset.ts";
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * console.assert(cxt instanceof AllocSetContext);
 * ```
 */
export class AllocSetContext extends MemoryContext {
  /** Newest block (the one chunks are carved from). */
  blocks = 0;
  /** Int32 index of freelist 0's head in the heap (`header / 4 + 22`); list k is at +2k. */
  fl = 0;
  /** First block size. */
  initBlockSize = 0;
  /** Largest block size. */
  maxBlockSize = 0;
  /** Size of the next block to obtain. */
  nextBlockSize = 0;
  /** Requests above this get a dedicated block. */
  allocChunkLimit = 0;
  /** Which context freelist this context may go to on delete, or -1. */
  freeListIndex: number = -1;
  /** The keeper block (right after the context header). */
  keeper = 0;

  constructor() {
    super(MCTX_ASET_ID, "AllocSetContext");
  }
}

/** A per-heap list of deleted contexts kept for reuse. */
interface ContextFreeList {
  numFree: number;
  contexts: AllocSetContext[];
}

let contextFreelists: ContextFreeList[] = [];
onHeapInstalled(() => {
  contextFreelists = [{ numFree: 0, contexts: [] }, { numFree: 0, contexts: [] }];
});

// Int32 word of freelist 0 inside the header: after MemoryContextData (80) and `blocks` (8).
const FREELIST_WORD = 22;

function clearFreelists(set: AllocSetContext): void {
  const m = heap.i32;
  for (let i = 0; i < ALLOCSET_NUM_FREELISTS; i++) m[set.fl + 2 * i] = 0;
}

/** `AllocSetFreeIndex`: the freelist index for a request of `size` ≤ the chunk limit. */
function AllocSetFreeIndex(size: number): number {
  return size > 8 ? 29 - Math.clz32(size - 1) : 0;
}

function validateParameters(min: number, init: number, max: number): void {
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
 * import { MemoryContextInit, TopMemoryContext, MemoryContextAlloc } from "./mcxt.ts";
 * import { AllocSetContextCreate } from "./aset.ts";
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
  validateParameters(minContextSize, initBlockSize, maxBlockSize);
  let freeListIndex = -1;
  if (minContextSize === 0 && initBlockSize === 8 * 1024) freeListIndex = 0;
  else if (minContextSize === 0 && initBlockSize === 1024) freeListIndex = 1;

  if (freeListIndex >= 0) {
    const fl = contextFreelists[freeListIndex];
    const old = fl.contexts.pop();
    if (old !== undefined) {
      fl.numFree--;
      return AllocSetRecycle(old, parent, name, maxBlockSize);
    }
  }

  let firstBlockSize = ASET_CONTEXT_SIZE + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  firstBlockSize = Math.max(firstBlockSize, minContextSize !== 0 ? minContextSize : initBlockSize);
  const header = heap.malloc(firstBlockSize);
  if (header === 0) MemoryContextCreateFailure(name);

  const set = new AllocSetContext();
  const keeper = header + ASET_CONTEXT_SIZE;
  const m = heap.i32;
  const k = keeper >>> 2;
  m[k + B_OWNER] = header;
  m[k + B_PREV] = 0;
  m[k + B_NEXT] = 0;
  m[k + B_FREEPTR] = keeper + ALLOC_BLOCKHDRSZ;
  m[k + B_ENDPTR] = header + firstBlockSize;
  set.keeper = keeper;
  set.fl = (header >>> 2) + FREELIST_WORD;
  clearFreelists(set);
  set.blocks = keeper;
  set.initBlockSize = initBlockSize;
  set.maxBlockSize = maxBlockSize;
  set.nextBlockSize = initBlockSize;
  set.freeListIndex = freeListIndex;
  let limit = ALLOC_CHUNK_LIMIT;
  while (
    limit + ALLOC_CHUNKHDRSZ > Math.floor((maxBlockSize - ALLOC_BLOCKHDRSZ) / ALLOC_CHUNK_FRACTION)
  ) {
    limit >>= 1;
  }
  set.allocChunkLimit = limit;
  registerContext(set, header);
  MemoryContextCreate(set, parent, name);
  set.memAllocated = firstBlockSize;
  return set;
}

/**
 * Hands out a context from a freelist. It keeps its header memory and keeper
 * block but becomes a new JS object, so a stale reference to the deleted
 * context can never reach the new one. As in PostgreSQL, only maxBlockSize
 * is updated (allocChunkLimit stays as it was computed at first creation).
 */
function AllocSetRecycle(
  old: AllocSetContext,
  parent: MemoryContext | null,
  name: string,
  maxBlockSize: number,
): AllocSetContext {
  const set = new AllocSetContext();
  set.keeper = old.keeper;
  set.blocks = old.blocks;
  set.fl = old.fl;
  set.initBlockSize = old.initBlockSize;
  set.maxBlockSize = maxBlockSize;
  set.nextBlockSize = old.nextBlockSize;
  set.allocChunkLimit = old.allocChunkLimit;
  set.freeListIndex = old.freeListIndex;
  registerContext(set, old.header);
  MemoryContextCreate(set, parent, name);
  set.memAllocated = heap.i32[(set.keeper >>> 2) + B_ENDPTR] - set.header;
  return set;
}

/** AllocSet's reset: frees every block but the keeper, which is emptied. */
function AllocSetReset(ctx: MemoryContext): void {
  const set = ctx as AllocSetContext;
  clearFreelists(set);
  const keeper = set.keeper;
  let block = set.blocks;
  set.blocks = keeper;
  while (block !== 0) {
    const m = heap.i32;
    const b = block >>> 2;
    const next = m[b + B_NEXT];
    if (block === keeper) {
      m[b + B_FREEPTR] = block + ALLOC_BLOCKHDRSZ;
      m[b + B_PREV] = 0;
      m[b + B_NEXT] = 0;
    } else {
      set.memAllocated -= m[b + B_ENDPTR] - block;
      m[b + B_OWNER] = 0; // a stale chunk pointer into it can no longer find a live owner
      heap.free(block);
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
    if (!set.isReset) MemoryContextResetOnly(set);
    if (fl.numFree >= MAX_FREE_CONTEXTS) {
      for (const old of fl.contexts) heap.free(old.header);
      fl.contexts.length = 0;
      fl.numFree = 0;
    }
    fl.contexts.push(set);
    fl.numFree++;
    unregisterContext(set);
    return;
  }
  let block = set.blocks;
  while (block !== 0) {
    const next = heap.i32[(block >>> 2) + B_NEXT];
    if (block !== set.keeper) {
      set.memAllocated -= heap.i32[(block >>> 2) + B_ENDPTR] - block;
      heap.i32[(block >>> 2) + B_OWNER] = 0;
      heap.free(block);
    }
    block = next;
  }
  unregisterContext(set);
  heap.free(set.header);
}

/** Hot path: a chunk from a freelist or from the newest block. */
function AllocSetAlloc(ctx: MemoryContext, size: number, flags: number): number {
  const set = ctx as AllocSetContext;
  if (size > set.allocChunkLimit) return AllocSetAllocLarge(set, size, flags);
  const fidx = size > 8 ? 29 - Math.clz32(size - 1) : 0;
  const m = heap.i32;
  const head = set.fl + 2 * fidx;
  const chunk = m[head];
  if (chunk !== 0) {
    m[head] = m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2];
    m[chunk >>> 2] = (fidx << 5) | MCTX_ASET_ID; // clear the free mark
    return chunk + ALLOC_CHUNKHDRSZ;
  }
  const chunkSize = 8 << fidx;
  const block = set.blocks;
  const b = block >>> 2;
  const freeptr = m[b + B_FREEPTR];
  if (m[b + B_ENDPTR] - freeptr < chunkSize + ALLOC_CHUNKHDRSZ) {
    return AllocSetAllocFromNewBlock(set, size, flags, fidx);
  }
  m[b + B_FREEPTR] = freeptr + chunkSize + ALLOC_CHUNKHDRSZ;
  chunkSetHeader(m, freeptr, block, fidx, MCTX_ASET_ID);
  return freeptr + ALLOC_CHUNKHDRSZ;
}

/** A request above the chunk limit: one dedicated block holding one external chunk. */
function AllocSetAllocLarge(set: AllocSetContext, size: number, flags: number): number {
  MemoryContextCheckSize(set, size, flags);
  const blksize = MAXALIGN(size) + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  const block = heap.malloc(blksize);
  if (block === 0) return MemoryContextAllocationFailure(set, size, flags);
  set.memAllocated += blksize;
  const m = heap.i32;
  const b = block >>> 2;
  m[b + B_OWNER] = set.header;
  m[b + B_FREEPTR] = block + blksize;
  m[b + B_ENDPTR] = block + blksize;
  const chunk = block + ALLOC_BLOCKHDRSZ;
  chunkSetHeaderExternal(m, chunk, MCTX_ASET_ID);
  // Goes under the active block so the active block's free space stays in use.
  const head = set.blocks;
  const next = m[(head >>> 2) + B_NEXT];
  m[b + B_PREV] = head;
  m[b + B_NEXT] = next;
  if (next !== 0) m[(next >>> 2) + B_PREV] = block;
  m[(head >>> 2) + B_NEXT] = block;
  return chunk + ALLOC_CHUNKHDRSZ;
}

/** The active block is too full: carve its tail onto freelists, then get a new block. */
function AllocSetAllocFromNewBlock(
  set: AllocSetContext,
  size: number,
  flags: number,
  fidx: number,
): number {
  let m = heap.i32;
  const old = set.blocks;
  const ob = old >>> 2;
  let availspace = m[ob + B_ENDPTR] - m[ob + B_FREEPTR];
  while (availspace >= (1 << ALLOC_MINBITS) + ALLOC_CHUNKHDRSZ) {
    let availchunk = availspace - ALLOC_CHUNKHDRSZ;
    let aFidx = AllocSetFreeIndex(availchunk);
    if (availchunk !== 8 << aFidx) {
      aFidx--;
      availchunk = 8 << aFidx;
    }
    const chunk = m[ob + B_FREEPTR];
    m[ob + B_FREEPTR] = chunk + availchunk + ALLOC_CHUNKHDRSZ;
    availspace -= availchunk + ALLOC_CHUNKHDRSZ;
    chunkSetHeader(m, chunk, old, aFidx | FREE_MARK, MCTX_ASET_ID);
    m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2] = m[set.fl + 2 * aFidx];
    m[set.fl + 2 * aFidx] = chunk;
  }

  let blksize = set.nextBlockSize;
  set.nextBlockSize = Math.min(set.nextBlockSize * 2, set.maxBlockSize);
  const chunkSize = 8 << fidx;
  const required = chunkSize + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  while (blksize < required) blksize *= 2;
  let block = heap.malloc(blksize);
  while (block === 0 && blksize > 1024 * 1024) {
    blksize /= 2;
    if (blksize < required) break;
    block = heap.malloc(blksize);
  }
  if (block === 0) return MemoryContextAllocationFailure(set, size, flags);

  set.memAllocated += blksize;
  m = heap.i32;
  const b = block >>> 2;
  m[b + B_OWNER] = set.header;
  m[b + B_PREV] = 0;
  m[b + B_NEXT] = old;
  m[ob + B_PREV] = block;
  set.blocks = block;
  const chunk = block + ALLOC_BLOCKHDRSZ;
  m[b + B_FREEPTR] = chunk + chunkSize + ALLOC_CHUNKHDRSZ;
  m[b + B_ENDPTR] = block + blksize;
  chunkSetHeader(m, chunk, block, fidx, MCTX_ASET_ID);
  return chunk + ALLOC_CHUNKHDRSZ;
}

/**
 * The dedicated block of an external chunk, after checking it looks like one:
 * a live heap block, full, owned by a live AllocSet (so it is never handed to
 * `heap.free` after the set's block list was changed).
 */
function externalBlock(chunk: number): number {
  const block = chunk - ALLOC_BLOCKHDRSZ;
  const m = heap.i32;
  const b = block >>> 2;
  if (
    block <= 0 || m[b + B_FREEPTR] !== m[b + B_ENDPTR] || !ownerIsAllocSet(m[b + B_OWNER]) ||
    !heap.isLive(block)
  ) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `could not find block containing chunk ${chunk}`);
  }
  return block;
}

function ownerIsAllocSet(header: number): boolean {
  const ctx = header > 0 && header < heap.byteLength ? contextAtHeaderOrNull(header) : undefined;
  return ctx !== undefined && ctx.methodId === MCTX_ASET_ID;
}

/** AllocSet's pfree: a dedicated block goes back to the heap, a small chunk to its freelist. */
function AllocSetFree(pointer: number): void {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  const m = heap.i32;
  if (chunkIsExternal(m, chunk)) {
    const block = externalBlock(chunk);
    const b = block >>> 2;
    const set = contextAtHeader(m[b + B_OWNER]) as AllocSetContext;
    const prev = m[b + B_PREV];
    const next = m[b + B_NEXT];
    if (prev !== 0) m[(prev >>> 2) + B_NEXT] = next;
    else set.blocks = next;
    if (next !== 0) m[(next >>> 2) + B_PREV] = prev;
    set.memAllocated -= m[b + B_ENDPTR] - block;
    m[b + B_OWNER] = 0;
    heap.free(block);
    return;
  }
  const set = AllocSetChunkOwner(m, chunk, "pfree");
  const fidx = chunkGetValue(m, chunk);
  m[chunk >>> 2] = ((fidx | FREE_MARK) << 5) | MCTX_ASET_ID;
  m[pointer >>> 2] = m[set.fl + 2 * fidx];
  m[set.fl + 2 * fidx] = chunk;
}

/**
 * The context of a small (non-external) chunk, after the cheap checks that
 * keep a bad pointer from corrupting anything: the header's block must be a
 * block of a live AllocSet (freed blocks have their owner word zeroed), the
 * chunk must lie between that block's header and its free pointer, and it
 * must not carry the free mark (a double free).
 */
function AllocSetChunkOwner(m: Int32Array, chunk: number, what: string): AllocSetContext {
  const value = chunkGetValue(m, chunk);
  const block = chunkGetBlock(m, chunk);
  const ctx = block > 0 ? contextAtHeaderOrNull(m[(block >>> 2) + B_OWNER]) : undefined;
  if (
    ctx === undefined || ctx.methodId !== MCTX_ASET_ID ||
    chunk >= heap.u32[(block >>> 2) + B_FREEPTR] ||
    chunk < block + ALLOC_BLOCKHDRSZ || (value & ~FREE_MARK) >= ALLOCSET_NUM_FREELISTS
  ) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with invalid pointer ${chunk + ALLOC_CHUNKHDRSZ} (not a live chunk)`,
    );
  }
  if ((value & FREE_MARK) !== 0) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with a freed chunk ${chunk + ALLOC_CHUNKHDRSZ} in "${ctx.name}"`,
    );
  }
  return ctx as AllocSetContext;
}

/** AllocSet's repalloc: dedicated blocks are resized in the heap; small chunks move up a class. */
function AllocSetRealloc(pointer: number, size: number, flags: number): number {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  let m = heap.i32;
  if (chunkIsExternal(m, chunk)) {
    const block = externalBlock(chunk);
    const set = contextAtHeader(m[(block >>> 2) + B_OWNER]) as AllocSetContext;
    MemoryContextCheckSize(set, size, flags);
    const blksize = MAXALIGN(size) + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
    const oldblksize = m[(block >>> 2) + B_ENDPTR] - block;
    const newblock = heap.realloc(block, blksize);
    if (newblock === 0) return MemoryContextAllocationFailure(set, size, flags);
    m = heap.i32;
    set.memAllocated += blksize - oldblksize;
    const b = newblock >>> 2;
    m[b + B_FREEPTR] = newblock + blksize;
    m[b + B_ENDPTR] = newblock + blksize;
    const prev = m[b + B_PREV];
    const next = m[b + B_NEXT];
    if (prev !== 0) m[(prev >>> 2) + B_NEXT] = newblock;
    else set.blocks = newblock;
    if (next !== 0) m[(next >>> 2) + B_PREV] = newblock;
    return newblock + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  }
  const set = AllocSetChunkOwner(m, chunk, "repalloc");
  const oldchksize = 8 << chunkGetValue(m, chunk);
  if (oldchksize >= size) return pointer;
  const newPointer = AllocSetAlloc(set, size, flags);
  if (newPointer === 0) return MemoryContextAllocationFailure(set, size, flags);
  heap.u8.copyWithin(newPointer, pointer, pointer + oldchksize);
  if (checking) CheckingWipe(pointer, oldchksize);
  AllocSetFree(pointer);
  return newPointer;
}

function AllocSetGetChunkContext(pointer: number): MemoryContext {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  const m = heap.i32;
  if (chunkIsExternal(m, chunk)) return contextAtHeader(m[externalBlock(chunk) >>> 2]);
  return AllocSetChunkOwner(m, chunk, "GetMemoryChunkContext");
}

function AllocSetGetChunkSpace(pointer: number): number {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  const m = heap.i32;
  if (chunkIsExternal(m, chunk)) return m[(externalBlock(chunk) >>> 2) + B_ENDPTR] - chunk;
  AllocSetChunkOwner(m, chunk, "GetMemoryChunkSpace");
  return (8 << chunkGetValue(m, chunk)) + ALLOC_CHUNKHDRSZ;
}

function AllocSetIsEmpty(ctx: MemoryContext): boolean {
  return ctx.isReset;
}

function AllocSetStats(
  ctx: MemoryContext,
  totals: MemoryContextCounters | null,
  wantText: boolean,
): string {
  const set = ctx as AllocSetContext;
  const m = heap.i32;
  let nblocks = 0;
  let freechunks = 0;
  let totalspace = ASET_CONTEXT_SIZE;
  let freespace = 0;
  for (let block = set.blocks; block !== 0; block = m[(block >>> 2) + B_NEXT]) {
    const b = block >>> 2;
    nblocks++;
    totalspace += m[b + B_ENDPTR] - block;
    freespace += m[b + B_ENDPTR] - m[b + B_FREEPTR];
  }
  for (let fidx = 0; fidx < ALLOCSET_NUM_FREELISTS; fidx++) {
    const chksz = 8 << fidx;
    for (
      let chunk = m[set.fl + 2 * fidx];
      chunk !== 0;
      chunk = m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2]
    ) {
      freechunks++;
      freespace += chksz + ALLOC_CHUNKHDRSZ;
    }
  }
  if (totals !== null) {
    totals.nblocks += nblocks;
    totals.freechunks += freechunks;
    totals.totalspace += totalspace;
    totals.freespace += freespace;
  }
  return wantText
    ? `${totalspace} total in ${nblocks} blocks; ${freespace} free (${freechunks} chunks); ${
      totalspace - freespace
    } used`
    : "";
}

registerMethods(MCTX_ASET_ID, {
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
});
