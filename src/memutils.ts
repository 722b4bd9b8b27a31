/**
 * The size limits and allocation flags every layer agrees on — PostgreSQL's
 * `memutils.h` and the `MCXT_ALLOC_*` flags of `palloc.h`, for the 64-bit
 * build: `MaxAllocSize`, `MaxAllocHugeSize`, `MAXALIGN` and the three flags.
 *
 * They are plain constants with no dependencies, kept apart from the context
 * node (`mcxt/context.ts`, which re-exports them) so that the heap-facing and the
 * API-facing code can share them without pulling in the tree.
 */
/**
 * `MCXT_ALLOC_HUGE`: allow sizes above MaxAllocSize.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_HUGE,
 *   MemoryContextAllocExtended,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = MemoryContextAllocExtended(TopMemoryContext, 1 << 20, MCXT_ALLOC_HUGE);
 * ```
 */
export const MCXT_ALLOC_HUGE = 0x01;
/**
 * `MCXT_ALLOC_NO_OOM`: return 0 (NULL) instead of raising out of memory.
 *
 * @example
 * ```ts
 * import { MCXT_ALLOC_NO_OOM, MemoryContextInit, palloc_extended } from "@palloc/palloc";
 * MemoryContextInit({ maxBytes: 1 << 20 });
 * console.assert(palloc_extended(4 << 20, MCXT_ALLOC_NO_OOM) === 0); // NULL, not an error
 * ```
 */
export const MCXT_ALLOC_NO_OOM = 0x02;
/**
 * `MCXT_ALLOC_ZERO`: zero the allocated bytes.
 *
 * @example
 * ```ts
 * import { heap, MCXT_ALLOC_ZERO, MemoryContextInit, palloc_extended } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = palloc_extended(32, MCXT_ALLOC_ZERO);
 * console.assert(heap.u8[p + 31] === 0);
 * ```
 */
export const MCXT_ALLOC_ZERO = 0x04;

/**
 * `MaxAllocSize`: the largest ordinary request, 1 GB - 1.
 *
 * @example
 * ```ts
 * import { MaxAllocSize, MemoryContextInit, palloc, PgError } from "@palloc/palloc";
 * MemoryContextInit();
 * try {
 *   palloc(MaxAllocSize + 1);
 * } catch (e) {
 *   console.assert(e instanceof PgError); // "invalid memory alloc request size 1073741824"
 * }
 * ```
 */
export const MaxAllocSize = 0x3fffffff;
/**
 * `MaxAllocHugeSize` (SIZE_MAX / 2) as the nearest double; exact checks happen at the API edge.
 *
 * @example
 * ```ts
 * import { MaxAllocHugeSize } from "@palloc/palloc";
 * console.assert(MaxAllocHugeSize === 2 ** 63); // requests above it fail even with MCXT_ALLOC_HUGE
 * ```
 */
export const MaxAllocHugeSize = 2 ** 63;

/** `MAXALIGN` for the 64-bit build: round up to a multiple of 8. */
export function MAXALIGN(n: number): number {
  return n < 0x7ffffff8 ? (n + 7) & ~7 : Math.ceil(n / 8) * 8;
}
