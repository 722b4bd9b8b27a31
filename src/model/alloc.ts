/**
 * Allocation: `MemoryContextAlloc`, `MemoryContextAllocExtended` and
 * `palloc`, with the checks in PostgreSQL's order.
 *
 * - A size that is not a non-negative integer is refused first, and
 *   changes nothing.
 * - `allocExtended` then checks the size against MaxAllocSize (or
 *   MaxAllocHugeSize with HUGE) before anything else — NO_OOM does not turn
 *   that error into NULL.
 * - Then the context's `isReset` is cleared, *before* the type looks at
 *   the request: a request the type refuses still leaves an AllocSet
 *   context non-empty. The type refuses: slab, any size other than its
 *   chunk size ("unexpected alloc chunk size"); the others, through
 *   `alloc`, a size above MaxAllocSize.
 * - Then the heap: see `memory.ts`. A request the heap cannot serve raises
 *   out of memory, or returns NULL (`chunk: null`) under NO_OOM.
 *
 * A served request makes a new live chunk in the context, with the
 * requested size and its type's `GetMemoryChunkSpace`.
 */
import { memoryVerdict, outOfMemory, spendReserve } from "./memory.ts";
import { deadContext, invalidSize, slabChunkSize } from "./refusals.ts";
import { chunkSpaceOf, exactSize, isDedicated, sizeIsValid } from "./sizes.ts";
import { contextOf, mustContext, nameOf, putChunk, putContext } from "./state.ts";
import type { ChunkId, CtxId, ModelChunk, ModelState, Outcome } from "./types.ts";

/**
 * What an allocating verb returns: the new chunk, or null (NULL under NO_OOM).
 *
 * @example
 * ```ts
 * import { alloc, type Allocated, initialState, TOP } from "@palloc/palloc/model";
 * const a: Allocated = alloc(initialState(), TOP, -1);
 * console.assert(!a.ok && a.refusal.kind === "invalid-size");
 * ```
 */
export type Allocated = Outcome<{ chunk: ChunkId | null }>;

/**
 * `MemoryContextAlloc(ctx, size)`.
 *
 * @example
 * ```ts
 * import { alloc, initialState, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 100);
 * console.assert(a.ok && a.chunk !== null && a.state.chunks.get(a.chunk)?.size === 100);
 * ```
 */
export function alloc(state: ModelState, ctx: CtxId, size: number | bigint): Allocated {
  return allocIn(state, ctx, size, 0, false);
}

/**
 * `MemoryContextAllocExtended(ctx, size, flags)` (flags: HUGE, NO_OOM, ZERO).
 *
 * @example
 * ```ts
 * import { ALLOC_NO_OOM, allocExtended, exhaustHeap, initialState, TOP } from "@palloc/palloc/model";
 * const a = allocExtended(exhaustHeap(initialState()), TOP, 100_000, ALLOC_NO_OOM);
 * console.assert(a.ok && a.chunk === null); // NULL instead of an error
 * ```
 */
export function allocExtended(
  state: ModelState,
  ctx: CtxId,
  size: number | bigint,
  flags: number,
): Allocated {
  return allocIn(state, ctx, size, flags, true);
}

/**
 * `palloc(size)`: `alloc` in the current context.
 *
 * @example
 * ```ts
 * import { initialState, palloc } from "@palloc/palloc/model";
 * const a = palloc(initialState(), 8);
 * console.assert(a.ok && a.chunk !== null);
 * ```
 */
export function palloc(state: ModelState, size: number | bigint): Allocated {
  return alloc(state, state.current, size);
}

function allocIn(
  state: ModelState,
  id: CtxId,
  size: number | bigint,
  flags: number,
  extended: boolean,
): Allocated {
  const ctx = contextOf(state, id);
  if (ctx === undefined) return deadContext(state, nameOf(state, id));
  const exact = exactSize(size);
  if (exact === null) return invalidSize(state, size);
  if (extended && !sizeIsValid(exact, flags)) return invalidSize(state, size);
  const touched = ctx.isReset ? putContext(state, { ...ctx, isReset: false }) : state;
  if (ctx.spec.kind === "slab") {
    if (exact !== BigInt(ctx.chunkLimit)) return slabChunkSize(touched, size, ctx.chunkLimit);
  } else if (!sizeIsValid(exact, flags)) {
    return invalidSize(touched, size);
  }
  const n = Number(exact);
  const req = { op: "alloc", ctx: id, size: n, flags } as const;
  if (memoryVerdict(touched, req) === "fails") return outOfMemory(touched, req);
  return carve(touched, id, n);
}

/** Makes the new chunk of a served request (no validation). */
export function carve(state: ModelState, id: CtxId, size: number): Allocated {
  const ctx = mustContext(state, id);
  const chunk: ModelChunk = {
    id: state.nextChunk,
    ctx: id,
    size,
    space: chunkSpaceOf(ctx, size),
    dedicated: isDedicated(ctx, size),
  };
  let next: ModelState = { ...putChunk(state, chunk), nextChunk: state.nextChunk + 1 };
  const holds = ctx.spec.kind === "slab" || (ctx.spec.kind === "bump" && size > 0);
  if (holds && !ctx.holdsMemory) next = putContext(next, { ...ctx, holdsMemory: true });
  next = spendReserve(next, id, chunk);
  return { ok: true, state: next, chunk: chunk.id };
}
