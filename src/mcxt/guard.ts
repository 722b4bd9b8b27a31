/**
 * mcxt_guard: the checks every mcxt entry point makes before it touches
 * anything, so a bad argument ends in a typed PgError, never in corruption.
 *
 * - `requestSize`: a caller's size (`number` or `bigint`) becomes the number
 *   the context types work with; a value above 2^53 is remembered in its
 *   exact text (`setExactSizeText`) so error messages print it as PostgreSQL
 *   would. Negative, fractional or non-numeric sizes are refused here.
 * - `assertLive`: the context is a live context of the current heap.
 * - `MemoryChunkMethods`: the pointer has a chunk pointer's shape, and the method
 *   table of the type owning it — asked of the header-less types first
 *   (Bump), then read from the 4-bit method id in the chunk header.
 *
 * Kept apart from `mcxt_alloc.ts` and `mcxt_reset.ts`, which both call them,
 * so the rules live in one place. These are plain functions with no closure
 * or allocation: they run on every palloc, pfree and repalloc.
 */
import {
  type ContextMethods,
  headerlessLookups,
  heap,
  mcxtMethods,
  type MemoryContext,
  setExactSizeText,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { MEMORYCHUNK_SIZE } from "../memorychunk.ts";

const TWO_53 = 2n ** 53n;
const MAX_HUGE_BIG = 2n ** 63n - 1n;

/** Turns a caller's size into the number the types work with (see file header). */
export function requestSize(size: number | bigint): number {
  if (typeof size === "number") {
    if ((size >>> 0) === size) return size;
    if (size >= 0 && Number.isSafeInteger(size)) return size;
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid memory alloc request size ${size}`);
  }
  if (typeof size !== "bigint" || size < 0n) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid memory alloc request size ${size}`);
  }
  if (size <= TWO_53) return Number(size);
  const n = size > MAX_HUGE_BIG ? Infinity : Number(size);
  setExactSizeText(n, size.toString());
  return n;
}

/** Raises a typed error unless `ctx` is a live context of the current heap. */
export function assertLive(ctx: MemoryContext): void {
  if (ctx === null || ctx === undefined || ctx.id === 0) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `memory context "${ctx?.name ?? String(ctx)}" is not a live context`,
    );
  }
}

/** Raises a typed error unless `pointer` can be a chunk pointer of this heap. */
function assertPointerShape(pointer: number, what: string): void {
  // u32 arithmetic only (a fraction, NaN or anything ≥ 2^32 fails the first test), and the
  // bound from the byte view's length: no getter chain down to the buffer on every pfree
  // (the memory's own length is asked only past the view, e.g. after foreign growth).
  if (
    typeof pointer !== "number" || (pointer >>> 0) !== pointer || (pointer & 7) !== 0 ||
    pointer < 16 || (pointer >= heap.u8.length && pointer >= heap.byteLength)
  ) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `${what} called with invalid pointer ${pointer}`);
  }
}

/** The method table serving the chunk at `pointer`, or a typed error. */
export function MemoryChunkMethods(pointer: number, what: string): ContextMethods {
  assertPointerShape(pointer, what);
  for (let i = 0; i < headerlessLookups.length; i++) {
    const owner = headerlessLookups[i](pointer);
    if (owner !== null) return owner.methods;
  }
  const m = heap.i32;
  const hdr = (pointer - MEMORYCHUNK_SIZE) >>> 2;
  const methods = mcxtMethods[m[hdr] & 0xf];
  if (methods === mcxtMethods[0]) {
    const hex = (m[hdr + 1] >>> 0).toString(16).padStart(8, "0") +
      (m[hdr] >>> 0).toString(16).padStart(8, "0");
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with invalid pointer ${pointer} (header 0x${hex})`,
    );
  }
  return methods;
}
