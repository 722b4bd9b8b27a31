/**
 * AllocSet's chunk operations — `AllocSetAlloc` and its slow paths,
 * `AllocSetFree`, `AllocSetRealloc`, `AllocSetGetChunkContext`,
 * `AllocSetGetChunkSpace` — and the block handling they need (see `mod.ts`
 * for the policy and `block.ts` for the memory layout).
 *
 * `AllocSetAlloc` and the small-chunk branch of `AllocSetFree` are the hot
 * paths: a freelist pop or push, or one bump of the newest block's free
 * pointer, in 32-bit typed-array words. Requests above the chunk limit
 * (`AllocSetAllocLarge`) and a full newest block
 * (`AllocSetAllocFromNewBlock`) are separate, rarely called functions.
 *
 * palloc's additions, none of which changes a counter: every chunk
 * operation first checks that the chunk's block leads back to a live
 * AllocSet and that the chunk lies in the used part of the block
 * (`AllocSetChunkOwner`, `externalBlock`); a freed chunk carries the free
 * mark, so a second pfree is refused; a block given back to the heap has its
 * owner word zeroed (`AllocSetBlockFree`), so stale pointers into it fail.
 */
import {
  contextAtHeader,
  contextAtHeaderOrNull,
  heap,
  type MemoryContext,
  MemoryContextAllocationFailure,
  MemoryContextCheckSize,
} from "../mcxt/context.ts";
import { elogDataCorrupted, ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import {
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
  chunkSetHeader,
  chunkSetHeaderExternal,
} from "../memorychunk.ts";
import { checking, CheckingWipe } from "../checking/mod.ts";
import { AllocSetBlockFree, type AllocSetContext, AllocSetFreelistWord } from "./block.ts";
import { MemoryContextBlockMalloc, MemoryContextBlockRealloc } from "../mcxt/limit.ts";
import * as mcxtContextModule from "../mcxt/context.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MAXALIGN } = mcxtContextModule;
const { MCTX_ASET_ID } = memorychunkModule;
const {
  ALLOCSET_NUM_FREELISTS,
  ALLOC_BLOCKHDRSZ,
  ALLOC_CHUNKHDRSZ,
  ALLOC_MINBITS,
  B_ENDPTR,
  B_FREEPTR,
  B_NEXT,
  B_OWNER,
  B_PREV,
  FREE_MARK,
} = blockModule;

/** `AllocSetFreeIndex`: the freelist index for a request of `size` ≤ the chunk limit. */
function AllocSetFreeIndex(size: number): number {
  return size > 8 ? 29 - Math.clz32(size - 1) : 0;
}

/** Hot path: a chunk from a freelist or from the newest block. */
export function AllocSetAlloc(ctx: MemoryContext, size: number, flags: number): number {
  const set = ctx as AllocSetContext;
  if (size > set.allocChunkLimit) return AllocSetAllocLarge(set, size, flags);
  const fidx = size > 8 ? 29 - Math.clz32(size - 1) : 0;
  const m = heap.i32;
  const head = AllocSetFreelistWord(set) + 2 * fidx;
  const chunk = m[head] >>> 0;
  if (chunk !== 0) {
    // A free chunk carries the free mark and its own list's index: a damaged link is refused
    // before it is followed or handed out.
    if (m[chunk >>> 2] !== (((fidx | FREE_MARK) << 5) | MCTX_ASET_ID) || (chunk & 7) !== 0) {
      AllocSetFreelistDamaged(set, fidx, chunk);
    }
    m[head] = m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2];
    m[chunk >>> 2] = (fidx << 5) | MCTX_ASET_ID; // clear the free mark
    return chunk + ALLOC_CHUNKHDRSZ;
  }
  const chunkSize = 8 << fidx;
  const block = set.blocks;
  const b = block >>> 2;
  const freeptr = m[b + B_FREEPTR] >>> 0;
  if ((m[b + B_ENDPTR] >>> 0) - freeptr < chunkSize + ALLOC_CHUNKHDRSZ) {
    return AllocSetAllocFromNewBlock(set, size, flags, fidx);
  }
  m[b + B_FREEPTR] = freeptr + chunkSize + ALLOC_CHUNKHDRSZ;
  chunkSetHeader(m, freeptr, block, fidx, MCTX_ASET_ID);
  return freeptr + ALLOC_CHUNKHDRSZ;
}

function AllocSetFreelistDamaged(set: AllocSetContext, fidx: number, chunk: number): never {
  elogDataCorrupted(
    `problem in AllocSetContext "${set.name}": freelist ${fidx} links to ${chunk >>> 0}, ` +
      `which is not a free chunk of that list`,
  );
}

/** A request above the chunk limit: one dedicated block holding one external chunk. */
function AllocSetAllocLarge(set: AllocSetContext, size: number, flags: number): number {
  MemoryContextCheckSize(set, size, flags);
  const blksize = MAXALIGN(size) + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  const block = MemoryContextBlockMalloc(set, blksize);
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
  const next = m[(head >>> 2) + B_NEXT] >>> 0;
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
  let availspace = (m[ob + B_ENDPTR] >>> 0) - (m[ob + B_FREEPTR] >>> 0);
  while (availspace >= (1 << ALLOC_MINBITS) + ALLOC_CHUNKHDRSZ) {
    let availchunk = availspace - ALLOC_CHUNKHDRSZ;
    let aFidx = AllocSetFreeIndex(availchunk);
    if (availchunk !== 8 << aFidx) {
      aFidx--;
      availchunk = 8 << aFidx;
    }
    const chunk = m[ob + B_FREEPTR] >>> 0;
    m[ob + B_FREEPTR] = chunk + availchunk + ALLOC_CHUNKHDRSZ;
    availspace -= availchunk + ALLOC_CHUNKHDRSZ;
    chunkSetHeader(m, chunk, old, aFidx | FREE_MARK, MCTX_ASET_ID);
    const head = AllocSetFreelistWord(set) + 2 * aFidx;
    m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2] = m[head];
    m[head] = chunk;
  }

  let blksize = set.nextBlockSize;
  set.nextBlockSize = Math.min(set.nextBlockSize * 2, set.maxBlockSize);
  const chunkSize = 8 << fidx;
  const required = chunkSize + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  while (blksize < required) blksize *= 2;
  let block = MemoryContextBlockMalloc(set, blksize);
  while (block === 0 && blksize > 1024 * 1024) {
    blksize /= 2;
    if (blksize < required) break;
    block = MemoryContextBlockMalloc(set, blksize);
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
    block <= 0 || m[b + B_FREEPTR] !== m[b + B_ENDPTR] || !ownerIsAllocSet(m[b + B_OWNER] >>> 0) ||
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
export function AllocSetFree(pointer: number): void {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  const m = heap.i32;
  if (chunkIsExternal(m, chunk)) {
    const block = externalBlock(chunk);
    const b = block >>> 2;
    const set = contextAtHeader(m[b + B_OWNER] >>> 0) as AllocSetContext;
    heap.checkFree(block); // heap damage is refused before the block leaves the set's list
    const prev = m[b + B_PREV] >>> 0;
    const next = m[b + B_NEXT] >>> 0;
    if (prev !== 0) m[(prev >>> 2) + B_NEXT] = next;
    else set.blocks = next;
    if (next !== 0) m[(next >>> 2) + B_PREV] = prev;
    AllocSetBlockFree(set, block);
    return;
  }
  const set = AllocSetChunkOwner(m, chunk, "pfree");
  AllocSetFreeSmall(m, set, chunk, chunkGetValue(m, chunk));
}

/**
 * The small-chunk half of `AllocSetFree` once the chunk is known to be a live
 * chunk of `set` with freelist index `fidx`: marks it free and pushes it.
 * `AllocSetRealloc` calls it for the chunk it moved from, vetted already.
 */
function AllocSetFreeSmall(m: Int32Array, set: AllocSetContext, chunk: number, fidx: number): void {
  m[chunk >>> 2] = ((fidx | FREE_MARK) << 5) | MCTX_ASET_ID;
  const head = AllocSetFreelistWord(set) + 2 * fidx;
  m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2] = m[head];
  m[head] = chunk;
}

/**
 * The context of a small (non-external) chunk, after the cheap checks that
 * keep a bad pointer from corrupting anything: the header's block must be a
 * block of a live AllocSet (freed blocks have their owner word zeroed), the
 * chunk must lie between that block's header and its free pointer, and its
 * value must be a freelist index without the free mark (a freed chunk's
 * value carries the mark, 16, so the one range test refuses a double free
 * too). The errors are built apart, so the check stays small enough for V8
 * to inline into every caller (`docs/performance.md`).
 */
function AllocSetChunkOwner(m: Int32Array, chunk: number, what: string): AllocSetContext {
  const value = chunkGetValue(m, chunk);
  const block = chunkGetBlock(m, chunk);
  const ctx = block > 0 ? contextAtHeaderOrNull(m[(block >>> 2) + B_OWNER] >>> 0) : undefined;
  if (
    ctx === undefined || ctx.methodId !== MCTX_ASET_ID ||
    chunk >= heap.u32[(block >>> 2) + B_FREEPTR] || chunk < block + ALLOC_BLOCKHDRSZ
  ) AllocSetChunkNotLive(chunk, what);
  if (value >= ALLOCSET_NUM_FREELISTS) AllocSetChunkBadValue(ctx, value, chunk, what);
  return ctx as AllocSetContext;
}

/** The error for a pointer that is no chunk of a live AllocSet block. */
function AllocSetChunkNotLive(chunk: number, what: string): never {
  throw new PgError(
    ERRCODE_INTERNAL_ERROR,
    `${what} called with invalid pointer ${chunk + ALLOC_CHUNKHDRSZ} (not a live chunk)`,
  );
}

/** The error for a chunk of a live block whose value is no freelist index: freed, or damaged. */
function AllocSetChunkBadValue(
  set: MemoryContext,
  value: number,
  chunk: number,
  what: string,
): never {
  if ((value & FREE_MARK) === 0 || (value & ~FREE_MARK) >= ALLOCSET_NUM_FREELISTS) {
    AllocSetChunkNotLive(chunk, what);
  }
  throw new PgError(
    ERRCODE_INTERNAL_ERROR,
    `${what} called with a freed chunk ${chunk + ALLOC_CHUNKHDRSZ} in "${set.name}"`,
  );
}

/** AllocSet's repalloc: dedicated blocks are resized in the heap; small chunks move up a class. */
export function AllocSetRealloc(pointer: number, size: number, flags: number): number {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  let m = heap.i32;
  if (chunkIsExternal(m, chunk)) {
    const block = externalBlock(chunk);
    const set = contextAtHeader(m[(block >>> 2) + B_OWNER] >>> 0) as AllocSetContext;
    MemoryContextCheckSize(set, size, flags);
    const blksize = MAXALIGN(size) + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
    const oldblksize = (m[(block >>> 2) + B_ENDPTR] >>> 0) - block;
    const newblock = MemoryContextBlockRealloc(set, block, oldblksize, blksize);
    if (newblock === 0) return MemoryContextAllocationFailure(set, size, flags);
    m = heap.i32;
    set.memAllocated += blksize - oldblksize;
    const b = newblock >>> 2;
    m[b + B_FREEPTR] = newblock + blksize;
    m[b + B_ENDPTR] = newblock + blksize;
    const prev = m[b + B_PREV] >>> 0;
    const next = m[b + B_NEXT] >>> 0;
    if (prev !== 0) m[(prev >>> 2) + B_NEXT] = newblock;
    else set.blocks = newblock;
    if (next !== 0) m[(next >>> 2) + B_PREV] = newblock;
    return newblock + ALLOC_BLOCKHDRSZ + ALLOC_CHUNKHDRSZ;
  }
  const set = AllocSetChunkOwner(m, chunk, "repalloc");
  const fidx = chunkGetValue(m, chunk);
  const oldchksize = 8 << fidx;
  if (oldchksize >= size) return pointer;
  const newPointer = AllocSetAlloc(set, size, flags);
  if (newPointer === 0) return MemoryContextAllocationFailure(set, size, flags);
  heap.move(newPointer, pointer, oldchksize);
  if (checking) CheckingWipe(pointer, oldchksize);
  // Vetted above, and nothing since touched its header: freed without a second check.
  AllocSetFreeSmall(heap.i32, set, chunk, fidx);
  return newPointer;
}

export function AllocSetGetChunkContext(pointer: number): MemoryContext {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  const m = heap.i32;
  if (chunkIsExternal(m, chunk)) return contextAtHeader(m[externalBlock(chunk) >>> 2] >>> 0);
  return AllocSetChunkOwner(m, chunk, "GetMemoryChunkContext");
}

export function AllocSetGetChunkSpace(pointer: number): number {
  const chunk = pointer - ALLOC_CHUNKHDRSZ;
  const m = heap.i32;
  if (chunkIsExternal(m, chunk)) return (m[(externalBlock(chunk) >>> 2) + B_ENDPTR] >>> 0) - chunk;
  AllocSetChunkOwner(m, chunk, "GetMemoryChunkSpace");
  return (8 << chunkGetValue(m, chunk)) + ALLOC_CHUNKHDRSZ;
}
