/**
 * Aligned chunks: `MemoryContextAllocAligned` / `palloc_aligned`, and the
 * redirect methods (`MCTX_ALIGNED_REDIRECT_ID` in `mcxt/methods.ts`) that let
 * `pfree`, `repalloc`, `GetMemoryChunkContext` and `GetMemoryChunkSpace`
 * work on the pointers they return (PostgreSQL 18's mcxt.c + alignedalloc.c).
 *
 * How: ask the context for `size + alignto` bytes (the chunk is already
 * 8-aligned, and the redirect header needs 8 more bytes, so the extra is
 * exactly `alignto`), round the pointer up to the alignment leaving room for
 * a header, and write there a MemoryChunk header whose method id is the
 * redirect's, whose value is `alignto`, and whose "block offset" leads back
 * to the unaligned chunk:
 *
 * ```
 *  unaligned chunk (any type)
 *  [type's hdr][ padding … ][redirect hdr][ aligned data … ][ slack ]
 *              ^unaligned                 ^aligned = TYPEALIGN(alignto, unaligned + 8)
 *                            └── offset back to `unaligned`, value = alignto
 * ```
 *
 * Every redirect method forwards to the unaligned chunk through mcxt, so the
 * owning type decides: AllocSet/Generation/Slab free or measure it, Bump
 * raises its "not supported" error. Alignments ≤ 8 are a plain allocation.
 *
 * Trade-offs, all PostgreSQL's: the padding and slack are wasted; realloc
 * always moves (allocate aligned, copy, free the old unaligned chunk) and
 * copies up to the old chunk's whole usable space, since the requested size
 * is not recorded. One deliberate difference: C's `size + alignto` would wrap
 * past 2^64 into a tiny request; here the sum is exact, so it is refused.
 *
 * A type whose chunks carry no header (Bump) knows its chunks by address
 * (`ownerByAddress` in the method table), asked only when a header did not
 * lead to an owner (`mcxt/guard.ts`). An aligned chunk inside such a chunk
 * does have a redirect header and reaches this code (so that repalloc
 * reports GetMemoryChunkSpace, as PostgreSQL does); the context is told of
 * it through the optional `noteAlignedChunk` method, so that a redirect
 * header forged in front of one of its plain chunks is refused. One
 * ambiguity cannot be resolved by address: a 0-byte aligned chunk whose
 * unaligned chunk was already aligned ends exactly where the next bump chunk
 * starts, so both share one pointer; that pointer is treated as the aligned
 * chunk (only `repalloc`'s message differs).
 */
import {
  type ContextMethods,
  heap,
  mcxtMethods,
  type MemoryContext,
  MemoryContextAllocationFailure,
} from "./mcxt/context.ts";
import { elogError } from "./elog.ts";
import { chunkGetBlock, chunkGetValue, chunkIsExternal, chunkSetHeader } from "./memorychunk.ts";
import { checking, CheckingNoteAlloc } from "./checking/mod.ts";
import { CurrentMemoryContext } from "./mcxt/current.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAllocExtended,
  pfree,
} from "./mcxt/alloc.ts";
import { MemoryChunkOwnerByAddress } from "./mcxt/guard.ts";
import * as mcxtContextModule from "./mcxt/context.ts";
import * as memorychunkModule from "./memorychunk.ts";
import * as checkingModModule from "./checking/mod.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCXT_ALLOC_ZERO } = mcxtContextModule;
const { MCTX_ALIGNED_REDIRECT_ID, MEMORYCHUNK_SIZE } = memorychunkModule;
const { WIPE_BYTE } = checkingModModule;

/** `MAXIMUM_ALIGNOF` of the reference build. */
const MAXIMUM_ALIGNOF = 8;
/** Largest alignment accepted (PostgreSQL asserts `alignto < 128 MB`). */
const MAX_ALIGNTO = 128 * 1024 * 1024;

/**
 * `PallocAlignedExtraBytes`: bytes added to a request so the pointer can be
 * aligned to `alignto` with a redirect header in front of it.
 */
export function PallocAlignedExtraBytes(alignto: number): number {
  return alignto + (MEMORYCHUNK_SIZE - MAXIMUM_ALIGNOF);
}

/** `size + extra`, exact: a bigint once the sum passes 2^53 (see the file header). */
function AlignedRequestSize(size: number | bigint, extra: number): number | bigint {
  if (typeof size === "number") {
    const sum = size + extra;
    return sum <= Number.MAX_SAFE_INTEGER || !Number.isFinite(size)
      ? sum
      : BigInt(size) + BigInt(extra);
  }
  return size + BigInt(extra);
}

/**
 * `MemoryContextAllocAligned`: `size` bytes in `context` whose address is a
 * multiple of `alignto` (a power of two below 128 MB). `flags` as for
 * `MemoryContextAllocExtended`; returns 0 only under `MCXT_ALLOC_NO_OOM`.
 * The size error names `size + alignto`, the request the context saw.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextAllocAligned,
 *   MemoryContextInit,
 *   pfree,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = MemoryContextAllocAligned(TopMemoryContext, 100, 64, 0);
 * console.assert(p % 64 === 0);
 * pfree(p); // frees the underlying, unaligned chunk
 * ```
 */
export function MemoryContextAllocAligned(
  context: MemoryContext,
  size: number | bigint,
  alignto: number,
  flags: number,
): number {
  if (
    !Number.isInteger(alignto) || alignto < 0 || alignto >= MAX_ALIGNTO ||
    (alignto & (alignto - 1)) !== 0
  ) {
    elogError(`requested alignment ${alignto} is not a power of 2 below ${MAX_ALIGNTO}`);
  }
  if (alignto <= MAXIMUM_ALIGNOF) return MemoryContextAllocExtended(context, size, flags);
  // Checked before the padding is added: -64 + 64 must not become a valid 0-byte request.
  if (
    typeof size === "number" ? !(size >= 0 && Number.isInteger(size)) : (
      typeof size !== "bigint" || size < 0n
    )
  ) {
    elogError(`invalid memory alloc request size ${size}`);
  }

  // The context must not zero the padding: only the aligned bytes are zeroed.
  const request = AlignedRequestSize(size, PallocAlignedExtraBytes(alignto));
  const unaligned = MemoryContextAllocExtended(context, request, flags & ~MCXT_ALLOC_ZERO);
  if (unaligned === 0) return 0;

  // TYPEALIGN on a 32-bit offset: (-x) & (alignto - 1) is the distance up.
  const x = unaligned + MEMORYCHUNK_SIZE;
  const aligned = x + ((-x) & (alignto - 1));
  chunkSetHeader(
    heap.i32,
    aligned - MEMORYCHUNK_SIZE,
    unaligned,
    alignto,
    MCTX_ALIGNED_REDIRECT_ID,
  );
  if (context.methods.noteAlignedChunk !== undefined) {
    context.methods.noteAlignedChunk(context, aligned);
  }
  if ((flags & MCXT_ALLOC_ZERO) !== 0) heap.zero(aligned, Number(size));
  // The installed table entry (the one mcxt's dispatch hands checking mode), not this file's.
  if (checking) CheckingNoteAlloc(aligned, Number(size), mcxtMethods[MCTX_ALIGNED_REDIRECT_ID]);
  return aligned;
}

/**
 * `palloc_aligned`: `MemoryContextAllocAligned` in the current context.
 *
 * @example
 * ```ts
 * import { MCXT_ALLOC_ZERO, MemoryContextInit, palloc_aligned } from "@palloc/palloc";
 * MemoryContextInit();
 * const page = palloc_aligned(8192, 4096, MCXT_ALLOC_ZERO); // a zeroed, page-aligned buffer
 * ```
 */
export function palloc_aligned(size: number | bigint, alignto: number, flags: number): number {
  return MemoryContextAllocAligned(CurrentMemoryContext, size, alignto, flags);
}

/**
 * The unaligned chunk a redirect header at `pointer - 8` leads back to, after
 * checking the header is one `MemoryContextAllocAligned` could have written:
 * a power-of-two alignment above 8 that `pointer` honours, and an unaligned
 * chunk at most that far back (bytes that merely look like a redirect header
 * are refused here instead of being followed).
 */
function AlignedAllocUnaligned(pointer: number): number {
  const m = heap.i32;
  const hdr = pointer - MEMORYCHUNK_SIZE;
  const alignto = chunkGetValue(m, hdr);
  const unaligned = chunkGetBlock(m, hdr);
  if (
    chunkIsExternal(m, hdr) || alignto <= MAXIMUM_ALIGNOF || alignto >= MAX_ALIGNTO ||
    (alignto & (alignto - 1)) !== 0 || (pointer & (alignto - 1)) !== 0 ||
    pointer - unaligned < MEMORYCHUNK_SIZE || pointer - unaligned > alignto || unaligned < 16
  ) {
    elogError(`aligned chunk ${pointer} has an invalid redirect header`);
  }
  // The redirect header must lie inside the unaligned chunk's own space: a stale one left in
  // freed memory may point back at a chunk that is live again, and bytes before a chunk of a
  // type without headers may look like a redirect header (see mcxt/guard.ts).
  if (!AlignedAllocInsideUnaligned(pointer, unaligned)) {
    elogError(`aligned chunk ${pointer} lies outside the chunk its redirect header names`);
  }
  return unaligned;
}

/**
 * True when the aligned chunk at `pointer` lies inside the chunk `unaligned`:
 * its type measures it (GetMemoryChunkSpace) reaching past `pointer`, or,
 * when its type cannot measure it, a type owns `unaligned` by address and
 * does not claim `pointer` itself as one of its plain chunks (it knows the
 * aligned chunks cut from its chunks: `noteAlignedChunk`).
 */
function AlignedAllocInsideUnaligned(pointer: number, unaligned: number): boolean {
  let space: number;
  try {
    space = GetMemoryChunkSpace(unaligned);
  } catch (err) {
    if (MemoryChunkOwnerByAddress(unaligned) < 0) throw err;
    return MemoryChunkOwnerByAddress(pointer) < 0;
  }
  return pointer <= unaligned + space;
}

/** `AlignedAllocFree`: frees the unaligned chunk behind `pointer`. */
export function AlignedAllocFree(pointer: number): void {
  const unaligned = AlignedAllocUnaligned(pointer);
  if (checking) {
    pfree(unaligned); // checking mode wipes the whole freed chunk, the redirect with it
    return;
  }
  // The redirect header lies in the freed chunk's data, which nothing else wipes outside
  // checking mode: once that spot is in use again, a stale aligned pointer would find a live
  // chunk through it. Wipe it as checking mode would (so it is refused with checking mode's
  // message), before the free (which may hand the block to the heap, whose free-list links may
  // lie there), and put it back if the free refuses: a refusal changes nothing.
  const at = (pointer - MEMORYCHUNK_SIZE) >>> 2;
  const m = heap.i32;
  const w0 = m[at];
  const w1 = m[at + 1];
  m[at] = WIPE_WORD;
  m[at + 1] = WIPE_WORD;
  try {
    pfree(unaligned);
  } catch (err) {
    heap.i32[at] = w0;
    heap.i32[at + 1] = w1;
    throw err;
  }
}

/** Four WIPE_BYTEs as one int32 store. */
const WIPE_WORD = WIPE_BYTE * 0x01010101;

/**
 * `AlignedAllocRealloc`: a new aligned chunk of `size` bytes with the same
 * alignment in the same context, the old contents copied (up to the old
 * chunk's usable space), the old chunk freed. The old space is measured
 * first, so a Bump chunk refuses with GetMemoryChunkSpace's error.
 */
export function AlignedAllocRealloc(pointer: number, size: number, flags: number): number {
  const alignto = chunkGetValue(heap.i32, pointer - MEMORYCHUNK_SIZE);
  const unaligned = AlignedAllocUnaligned(pointer);
  const oldSize = GetMemoryChunkSpace(unaligned) - PallocAlignedExtraBytes(alignto) -
    MEMORYCHUNK_SIZE;
  const ctx = GetMemoryChunkContext(unaligned);
  const newptr = MemoryContextAllocAligned(ctx, size, alignto, flags);
  if (newptr === 0) return MemoryContextAllocationFailure(ctx, size, flags);
  heap.move(newptr, pointer, Math.min(size, oldSize));
  AlignedAllocFree(pointer); // as pfree would, the stale redirect wiped with it
  return newptr;
}

/** `AlignedAllocGetChunkContext`: the context of the unaligned chunk. */
export function AlignedAllocGetChunkContext(pointer: number): MemoryContext {
  return GetMemoryChunkContext(AlignedAllocUnaligned(pointer));
}

/** `AlignedAllocGetChunkSpace`: the space of the whole unaligned chunk. */
export function AlignedAllocGetChunkSpace(pointer: number): number {
  return GetMemoryChunkSpace(AlignedAllocUnaligned(pointer));
}

function AlignedAllocNotAContext(): never {
  elogError("aligned-chunk redirects are not a memory context type");
}

/** The redirect's method table: chunk operations only, as in PostgreSQL. */
export const AlignedAllocMethods: ContextMethods = {
  alloc: AlignedAllocNotAContext,
  free: AlignedAllocFree,
  realloc: AlignedAllocRealloc,
  reset: AlignedAllocNotAContext,
  delete: AlignedAllocNotAContext,
  getChunkContext: AlignedAllocGetChunkContext,
  getChunkSpace: AlignedAllocGetChunkSpace,
  isEmpty: AlignedAllocNotAContext,
  stats: AlignedAllocNotAContext,
  releasedBlocks: AlignedAllocNotAContext,
};
