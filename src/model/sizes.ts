/**
 * The few size facts the model relies on, all of them promises PostgreSQL
 * 18's memory-context code makes in its 64-bit build (MAXALIGN 8, 8-byte
 * chunk headers, no MEMORY_CONTEXT_CHECKING):
 *
 * - which request sizes are valid (MaxAllocSize, MaxAllocHugeSize);
 * - which requests a type serves from a shared block and which get a block
 *   of their own (the "chunk limit", derived from maxBlockSize);
 * - what `GetMemoryChunkSpace` reports for a chunk of each type;
 * - how much of ErrorContext's 8 KB keeper block chunks may use (its reserve).
 *
 * The model knows nothing else about bytes: not block sizes, not free space,
 * not counters. Those belong to the conformance vectors.
 */
import type { ContextSpec } from "./types.ts";

/**
 * `MaxAllocSize`: the largest ordinary request (1 GB - 1).
 *
 * @example
 * ```ts
 * import { MAX_ALLOC_SIZE } from "@palloc/palloc/model";
 * console.assert(MAX_ALLOC_SIZE === 0x3fffffff);
 * ```
 */
export const MAX_ALLOC_SIZE = 0x3fffffff;
/**
 * `MaxAllocHugeSize`: the largest request with `MCXT_ALLOC_HUGE` (SIZE_MAX / 2).
 *
 * @example
 * ```ts
 * import { MAX_ALLOC_HUGE_SIZE } from "@palloc/palloc/model";
 * console.assert(MAX_ALLOC_HUGE_SIZE === 2n ** 63n - 1n);
 * ```
 */
export const MAX_ALLOC_HUGE_SIZE = 2n ** 63n - 1n;
/**
 * `MCXT_ALLOC_HUGE`.
 *
 * @example
 * ```ts
 * import { ALLOC_HUGE, allocExtended, initialState, TOP } from "@palloc/palloc/model";
 * console.assert(allocExtended(initialState(), TOP, 2 ** 31, ALLOC_HUGE).ok);
 * ```
 */
export const ALLOC_HUGE = 0x01;
/**
 * `MCXT_ALLOC_NO_OOM`.
 *
 * @example
 * ```ts
 * import { ALLOC_NO_OOM } from "@palloc/palloc/model";
 * console.assert(ALLOC_NO_OOM === 2);
 * ```
 */
export const ALLOC_NO_OOM = 0x02;
/**
 * `MCXT_ALLOC_ZERO`.
 *
 * @example
 * ```ts
 * import { ALLOC_ZERO } from "@palloc/palloc/model";
 * console.assert(ALLOC_ZERO === 4);
 * ```
 */
export const ALLOC_ZERO = 0x04;
/**
 * Bytes of a chunk header.
 *
 * @example
 * ```ts
 * import { CHUNK_HEADER } from "@palloc/palloc/model";
 * console.assert(CHUNK_HEADER === 8);
 * ```
 */
export const CHUNK_HEADER = 8;

/**
 * What ErrorContext's keeper block offers chunks after a reset: 8192 bytes
 * minus the AllocSet context header (200) and the block header (40).
 *
 * @example
 * ```ts
 * import { ERROR_RESERVE } from "@palloc/palloc/model";
 * console.assert(ERROR_RESERVE === 7952);
 * ```
 */
export const ERROR_RESERVE = 7952;

/**
 * Rounds up to a multiple of 8.
 *
 * @example
 * ```ts
 * import { maxAlign } from "@palloc/palloc/model";
 * console.assert(maxAlign(13) === 16 && maxAlign(16) === 16);
 * ```
 */
export function maxAlign(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * The AllocSet size class of a small request: a power of two, at least 8.
 *
 * @example
 * ```ts
 * import { asetClass } from "@palloc/palloc/model";
 * console.assert(asetClass(100) === 128 && asetClass(1) === 8);
 * ```
 */
export function asetClass(size: number): number {
  let c = 8;
  while (c < size) c *= 2;
  return c;
}

const ALLOCSET_CHUNK_LIMIT = 8192;
const ALLOCSET_BLOCK_HEADER = 40;
const GENERATION_BLOCK_HEADER = 56;
const BUMP_BLOCK_HEADER = 32;
const SLAB_BLOCK_HEADER = 48;
const MEMORYCHUNK_MAX_VALUE = 0x3fffffff;

/**
 * The chunk limit of a context: the largest request served from a shared
 * block. Above it, every type asks the heap for a dedicated block. For slab
 * it is the one accepted size (at least 8).
 *
 * @example
 * ```ts
 * import { chunkLimitOf, TOP_SPEC } from "@palloc/palloc/model";
 * console.assert(chunkLimitOf(TOP_SPEC) === 8192);
 * ```
 */
export function chunkLimitOf(spec: ContextSpec): number {
  switch (spec.kind) {
    case "aset": {
      let limit = ALLOCSET_CHUNK_LIMIT;
      const max = spec.maxBlockSize;
      while (limit + CHUNK_HEADER > Math.floor((max - ALLOCSET_BLOCK_HEADER) / 4)) limit /= 2;
      return limit;
    }
    case "generation":
      return fractionLimit(spec.maxBlockSize, GENERATION_BLOCK_HEADER, CHUNK_HEADER);
    case "bump":
      return fractionLimit(spec.maxBlockSize, BUMP_BLOCK_HEADER, 0);
    case "slab":
      return Math.max(spec.chunkSize, 8);
  }
}

// Generation and bump: at least 8 chunks of the limit fit a maximal block.
function fractionLimit(max: number, blockHeader: number, chunkHeader: number): number {
  let limit = Math.min(max, MEMORYCHUNK_MAX_VALUE);
  while (limit + chunkHeader > Math.floor((max - blockHeader) / 8)) limit = Math.floor(limit / 2);
  return limit;
}

/**
 * What the size rules need to know of a context: its type and its chunk limit.
 *
 * @example
 * ```ts
 * import { initialState, isDedicated, type SizedContext, TOP } from "@palloc/palloc/model";
 * const c: SizedContext = initialState().contexts.get(TOP)!;
 * console.assert(isDedicated(c, 9000));
 * ```
 */
export interface SizedContext {
  /** The context's spec (only `kind` is used). */
  readonly spec: ContextSpec;
  /** Its chunk limit (see `chunkLimitOf`; a recycled AllocSet keeps its old one). */
  readonly chunkLimit: number;
}

/**
 * True when a request of `size` gets a block of its own in context `ctx`.
 *
 * @example
 * ```ts
 * import { initialState, isDedicated, TOP } from "@palloc/palloc/model";
 * const top = initialState().contexts.get(TOP)!;
 * console.assert(!isDedicated(top, 8192) && isDedicated(top, 8193));
 * ```
 */
export function isDedicated(ctx: SizedContext, size: number): boolean {
  switch (ctx.spec.kind) {
    case "aset":
      return size > ctx.chunkLimit;
    case "generation":
    case "bump":
      return maxAlign(size) > ctx.chunkLimit;
    case "slab":
      return false;
  }
}

/**
 * `GetMemoryChunkSpace` of a freshly allocated chunk of `ctx`; null for bump (no header).
 *
 * @example
 * ```ts
 * import { chunkSpaceOf, initialState, TOP } from "@palloc/palloc/model";
 * console.assert(chunkSpaceOf(initialState().contexts.get(TOP)!, 100) === 136);
 * ```
 */
export function chunkSpaceOf(ctx: SizedContext, size: number): number | null {
  switch (ctx.spec.kind) {
    case "aset":
      return (isDedicated(ctx, size) ? maxAlign(size) : asetClass(size)) + CHUNK_HEADER;
    case "generation":
      return maxAlign(size) + CHUNK_HEADER;
    case "slab":
      return maxAlign(ctx.chunkLimit) + CHUNK_HEADER;
    case "bump":
      return null;
  }
}

/**
 * True when a slab of these sizes holds at least one chunk per block.
 *
 * @example
 * ```ts
 * import { slabFits } from "@palloc/palloc/model";
 * console.assert(slabFits(8192, 64) && !slabFits(64, 100));
 * ```
 */
export function slabFits(blockSize: number, chunkSize: number): boolean {
  const full = maxAlign(Math.max(chunkSize, 8)) + CHUNK_HEADER;
  return Math.floor((blockSize - SLAB_BLOCK_HEADER) / full) > 0;
}

/**
 * Which AllocSet context freelist a spec may take a recycled context from:
 * 0 for the default sizes (min 0, init 8 KB), 1 for the small sizes (min 0,
 * init 1 KB), null for none.
 *
 * @example
 * ```ts
 * import { asetFreelistOf, ERROR_SPEC, TOP_SPEC } from "@palloc/palloc/model";
 * console.assert(asetFreelistOf(TOP_SPEC) === 0 && asetFreelistOf(ERROR_SPEC) === null);
 * ```
 */
export function asetFreelistOf(spec: ContextSpec): 0 | 1 | null {
  if (spec.kind !== "aset" || spec.minContextSize !== 0) return null;
  if (spec.initBlockSize === 8192) return 0;
  if (spec.initBlockSize === 1024) return 1;
  return null;
}

/**
 * How many deleted contexts one AllocSet freelist keeps; deleting one more
 * first empties the list.
 *
 * @example
 * ```ts
 * import { MAX_FREE_CONTEXTS } from "@palloc/palloc/model";
 * console.assert(MAX_FREE_CONTEXTS === 100);
 * ```
 */
export const MAX_FREE_CONTEXTS = 100;

/**
 * The request size as an exact integer, or null when it is not a
 * non-negative integer (which every verb refuses as an invalid size).
 *
 * @example
 * ```ts
 * import { exactSize } from "@palloc/palloc/model";
 * console.assert(exactSize(10) === 10n && exactSize(-1) === null);
 * ```
 */
export function exactSize(size: number | bigint): bigint | null {
  if (typeof size === "bigint") return size >= 0n ? size : null;
  return Number.isSafeInteger(size) && size >= 0 ? BigInt(size) : null;
}

/**
 * True when `size` is valid for the flags: up to MaxAllocSize, or MaxAllocHugeSize with HUGE.
 *
 * @example
 * ```ts
 * import { sizeIsValid } from "@palloc/palloc/model";
 * console.assert(sizeIsValid(100n, 0) && !sizeIsValid(2n ** 31n, 0));
 * ```
 */
export function sizeIsValid(size: bigint, flags: number): boolean {
  return size <= ((flags & ALLOC_HUGE) !== 0 ? MAX_ALLOC_HUGE_SIZE : BigInt(MAX_ALLOC_SIZE));
}
