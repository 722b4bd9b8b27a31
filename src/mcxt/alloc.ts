/**
 * Allocation in a context and the operations on one chunk —
 * PostgreSQL's `MemoryContextAlloc*`, `palloc*`, `pfree`, `repalloc*` and
 * `GetMemoryChunkContext` / `GetMemoryChunkSpace` (mcxt.c).
 *
 * Allocation goes through `ctx.allocMethod` (the context's `methods.alloc`);
 * every chunk operation reads the method id from the chunk header
 * (`GetMemoryChunkMethodID` in `guard.ts`) and calls that type's method once,
 * so this file never looks at a context's type. When that type refuses the
 * pointer, a type owning it by address (Bump) gets the same call
 * (`MemoryChunkRefused`, the rare path). In checking mode each operation also
 * keeps the chunk records of `checking/mod.ts` up to date.
 *
 * These are the hot paths: each does its entry checks, one method call and,
 * in checking mode only, one bookkeeping call — nothing more. `palloc*` read
 * the live binding `CurrentMemoryContext` of `current.ts`, where it is set.
 */
import {
  heap,
  MaxAllocHugeSize,
  MaxAllocSize,
  mcxtMethods,
  type MemoryContext,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import {
  checking,
  CheckingFree,
  CheckingNoteAlloc,
  CheckingRealloc,
  CheckingVerify,
} from "../checking/mod.ts";
import { CurrentMemoryContext } from "./current.ts";
import { MemoryChunkRefused } from "./guard.ts";
import * as contextModule from "./context.ts";
import * as guardModule from "./guard.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCXT_ALLOC_HUGE, MCXT_ALLOC_ZERO } = contextModule;
const { assertLive, GetMemoryChunkMethodID, requestSize } = guardModule;

/**
 * `MemoryContextAlloc`: `size` bytes in `ctx`; raises out of memory on failure.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const p = MemoryContextAlloc(work, 100); // a byte offset into the heap
 * ```
 */
export function MemoryContextAlloc(ctx: MemoryContext, size: number | bigint): number {
  assertLive(ctx);
  const n = requestSize(size);
  ctx.isReset = false;
  const p = ctx.allocMethod(ctx, n, 0);
  if (checking) CheckingNoteAlloc(p, n, ctx.methods);
  return p;
}

/**
 * `MemoryContextAllocZero`: like `MemoryContextAlloc`, the bytes zeroed.
 *
 * @example
 * ```ts
 * import {
 *   heap,
 *   MemoryContextAllocZero,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = MemoryContextAllocZero(TopMemoryContext, 64);
 * console.assert(heap.u8.subarray(p, p + 64).every((b) => b === 0));
 * ```
 */
export function MemoryContextAllocZero(ctx: MemoryContext, size: number | bigint): number {
  assertLive(ctx);
  const n = requestSize(size);
  ctx.isReset = false;
  const p = ctx.allocMethod(ctx, n, 0);
  MemSetAlignedZero(p, n);
  if (checking) CheckingNoteAlloc(p, n, ctx.methods);
  return p;
}

/**
 * `MemSetAligned(p, 0, n)` for a chunk pointer (8-aligned): zeroes exactly
 * `[p, p + n)`, in 8-byte word stores as PostgreSQL's macro does
 * (`heap.zero`, which picks `fill` only where that is a real memset).
 */
function MemSetAlignedZero(p: number, n: number): void {
  heap.zero(p, n);
}

/**
 * `MemoryContextAllocExtended`: allocation with flags (`MCXT_ALLOC_HUGE`,
 * `MCXT_ALLOC_NO_OOM`, `MCXT_ALLOC_ZERO`). Returns 0 (NULL) only under NO_OOM.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_HUGE,
 *   MCXT_ALLOC_NO_OOM,
 *   MemoryContextAllocExtended,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const flags = MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM;
 * const p = MemoryContextAllocExtended(TopMemoryContext, 2 ** 31, flags);
 * console.assert(p === 0); // NULL: the default heap stops at 1 GB
 * ```
 */
export function MemoryContextAllocExtended(
  ctx: MemoryContext,
  size: number | bigint,
  flags: number,
): number {
  assertLive(ctx);
  const n = requestSize(size);
  if (!((flags & MCXT_ALLOC_HUGE) !== 0 ? n <= MaxAllocHugeSize : n <= MaxAllocSize)) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `invalid memory alloc request size ${sizeText(size)}`,
    );
  }
  ctx.isReset = false;
  const p = ctx.allocMethod(ctx, n, flags);
  if (p === 0) return 0;
  if ((flags & MCXT_ALLOC_ZERO) !== 0) MemSetAlignedZero(p, n);
  if (checking) CheckingNoteAlloc(p, n, ctx.methods);
  return p;
}

function sizeText(size: number | bigint): string {
  return typeof size === "bigint" ? size.toString() : String(size);
}

/**
 * `MemoryContextAllocHuge`: allows sizes above MaxAllocSize.
 *
 * @example
 * ```ts
 * import {
 *   MaxAllocSize,
 *   MemoryContextAllocHuge,
 *   MemoryContextInit,
 *   PgError,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit({ maxBytes: 64 << 20 });
 * try {
 *   MemoryContextAllocHuge(TopMemoryContext, MaxAllocSize + 1); // allowed size, but…
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.isOutOfMemory); // …more than this heap may hold
 * }
 * ```
 */
export function MemoryContextAllocHuge(ctx: MemoryContext, size: number | bigint): number {
  return MemoryContextAllocExtended(ctx, size, MCXT_ALLOC_HUGE);
}

/**
 * `palloc`: `size` bytes in the current context.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, pfree, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = palloc(100); // in CurrentMemoryContext
 * pfree(p);
 * ```
 */
export function palloc(size: number | bigint): number {
  return MemoryContextAlloc(CurrentMemoryContext, size);
}

/**
 * `palloc0`: `size` zeroed bytes in the current context.
 *
 * @example
 * ```ts
 * import { heap, MemoryContextInit, palloc0, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = palloc0(16);
 * console.assert(heap.u8[p + 15] === 0);
 * ```
 */
export function palloc0(size: number | bigint): number {
  return MemoryContextAllocZero(CurrentMemoryContext, size);
}

/**
 * `palloc_extended`: `palloc` with flags.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_NO_OOM,
 *   MCXT_ALLOC_ZERO,
 *   MemoryContextInit,
 *   palloc_extended,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = palloc_extended(100, MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
 * if (p === 0) console.log("no memory, and no error either");
 * ```
 */
export function palloc_extended(size: number | bigint, flags: number): number {
  return MemoryContextAllocExtended(CurrentMemoryContext, size, flags);
}

/**
 * `pfree`: gives a chunk back to its context.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, pfree, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = palloc(100);
 * pfree(p); // the chunk goes back to its context (AllocSet: a freelist)
 * ```
 */
export function pfree(pointer: number): void {
  const methods = mcxtMethods[GetMemoryChunkMethodID(pointer, "pfree")];
  try {
    if (checking) CheckingFree(pointer, methods);
    else methods.free(pointer);
  } catch (err) {
    const owner = MemoryChunkRefused(pointer, methods, err);
    if (checking) CheckingFree(pointer, owner);
    else owner.free(pointer);
  }
}

/**
 * `repalloc`: resizes a chunk, keeping min(old, new) bytes; may move it.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, repalloc, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * let p = palloc(16);
 * p = repalloc(p, 1000); // may move; the first 16 bytes come along
 * ```
 */
export function repalloc(pointer: number, size: number | bigint): number {
  return repalloc_extended(pointer, size, 0);
}

/**
 * `repalloc_extended`: `repalloc` with HUGE / NO_OOM flags; 0 under NO_OOM failure.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_NO_OOM,
 *   MemoryContextInit,
 *   palloc,
 *   repalloc_extended,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * let p = palloc(16);
 * const q = repalloc_extended(p, 4096, MCXT_ALLOC_NO_OOM);
 * if (q !== 0) p = q; // on failure p is untouched
 * ```
 */
export function repalloc_extended(pointer: number, size: number | bigint, flags: number): number {
  const methods = mcxtMethods[GetMemoryChunkMethodID(pointer, "repalloc")];
  const n = requestSize(size);
  try {
    if (checking) return CheckingRealloc(pointer, n, flags, methods);
    return methods.realloc(pointer, n, flags);
  } catch (err) {
    const owner = MemoryChunkRefused(pointer, methods, err);
    if (checking) return CheckingRealloc(pointer, n, flags, owner);
    return owner.realloc(pointer, n, flags);
  }
}

/**
 * `repalloc_huge`: `repalloc` allowing sizes above MaxAllocSize.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, repalloc_huge, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * let p = palloc(16);
 * p = repalloc_huge(p, 1 << 20);
 * ```
 */
export function repalloc_huge(pointer: number, size: number | bigint): number {
  return repalloc_extended(pointer, size, MCXT_ALLOC_HUGE);
}

/**
 * `repalloc0`: `repalloc` from `oldSize` to `size`, zeroing the added bytes.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc0, repalloc0, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * let p = palloc0(16);
 * p = repalloc0(p, 16, 64); // bytes 16..63 are zeroed as well
 * ```
 */
export function repalloc0(pointer: number, oldSize: number, size: number): number {
  // Both sizes are checked before anything is touched: a bad oldSize would zero foreign bytes.
  requestSize(oldSize);
  requestSize(size);
  if (oldSize > size) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `invalid repalloc0 call: oldsize ${oldSize}, new size ${size}`,
    );
  }
  const p = repalloc(pointer, size);
  heap.zero(p + oldSize, size - oldSize);
  return p;
}

/**
 * `GetMemoryChunkContext`: the context owning a chunk.
 *
 * @example
 * ```ts
 * import {
 *   ErrorContext,
 *   GetMemoryChunkContext,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = MemoryContextAlloc(ErrorContext, 8);
 * console.assert(GetMemoryChunkContext(p) === ErrorContext);
 * ```
 */
export function GetMemoryChunkContext(pointer: number): MemoryContext {
  const methods = mcxtMethods[GetMemoryChunkMethodID(pointer, "GetMemoryChunkContext")];
  try {
    if (checking) CheckingVerify(pointer, methods, "GetMemoryChunkContext");
    return methods.getChunkContext(pointer);
  } catch (err) {
    const owner = MemoryChunkRefused(pointer, methods, err);
    if (checking) CheckingVerify(pointer, owner, "GetMemoryChunkContext");
    return owner.getChunkContext(pointer);
  }
}

/**
 * `GetMemoryChunkSpace`: bytes a chunk occupies, its header included.
 *
 * @example
 * ```ts
 * import {
 *   GetMemoryChunkSpace,
 *   MemoryContextInit,
 *   palloc,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * console.assert(GetMemoryChunkSpace(palloc(100)) === 136); // AllocSet: 128 + 8-byte header
 * ```
 */
export function GetMemoryChunkSpace(pointer: number): number {
  const methods = mcxtMethods[GetMemoryChunkMethodID(pointer, "GetMemoryChunkSpace")];
  try {
    if (checking) CheckingVerify(pointer, methods, "GetMemoryChunkSpace");
    return methods.getChunkSpace(pointer);
  } catch (err) {
    const owner = MemoryChunkRefused(pointer, methods, err);
    if (checking) CheckingVerify(pointer, owner, "GetMemoryChunkSpace");
    return owner.getChunkSpace(pointer);
  }
}
