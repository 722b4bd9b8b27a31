/**
 * What the heap's condition means for a request. The model knows two
 * conditions: "plenty" (every request of at most MaxAllocSize is served)
 * and "exhausted" (the heap hands out no new block and grows no block; it
 * still takes blocks back and shrinks them). Under exhaustion:
 *
 * - a request above its context's chunk limit needs a block of its own, so
 *   it fails with out of memory — in TopMemoryContext as anywhere else;
 * - creating a context fails, unless AllocSet can recycle a deleted context
 *   of the same default or small sizes from its context freelist;
 * - a request a context may serve from space it already holds may succeed
 *   or fail: the model does not know the free space of blocks;
 * - ErrorContext's reserve: its 8 KB keeper block is never given back, so
 *   after its last reset chunks of at most its chunk limit (1 KB) whose
 *   spaces add up to at most `ERROR_RESERVE` bytes are always served. A
 *   failed small request there may have cut the block's tail into free-list
 *   pieces, so the model assumes nothing more until the next reset, which
 *   makes the reserve whole again;
 * - realloc in place (the new size fits the chunk's space, or a dedicated
 *   block shrinks) always succeeds.
 *
 * `memoryVerdict` answers before a request; `outOfMemory` is the outcome
 * when the heap said no. `exhaustHeap` / `replenishHeap` change the
 * condition (a program sets the heap's limit to zero, or lifts it).
 */
import { outOfMemoryRefusal } from "./refusals.ts";
import {
  ALLOC_NO_OOM,
  asetClass,
  asetFreelistOf,
  CHUNK_HEADER,
  ERROR_RESERVE,
  isDedicated,
  MAX_ALLOC_SIZE,
  maxAlign,
} from "./sizes.ts";
import { limitVerdict } from "./limit.ts";
import { ERROR_CONTEXT, mustContext, updateContext } from "./state.ts";
import type {
  ChunkId,
  CtxId,
  MemoryRequest,
  MemoryVerdict,
  ModelChunk,
  ModelState,
  Outcome,
} from "./types.ts";

/**
 * The heap gives nothing more from now on (a limit of zero).
 *
 * @example
 * ```ts
 * import { alloc, exhaustHeap, initialState, TOP } from "@palloc/palloc/model";
 * const a = alloc(exhaustHeap(initialState()), TOP, 100_000);
 * console.assert(!a.ok && a.refusal.message === "out of memory");
 * ```
 */
export function exhaustHeap(state: ModelState): ModelState {
  return { ...state, heap: "exhausted" };
}

/**
 * The heap serves every ordinary request again (the limit is lifted).
 *
 * @example
 * ```ts
 * import { exhaustHeap, initialState, replenishHeap } from "@palloc/palloc/model";
 * console.assert(replenishHeap(exhaustHeap(initialState())).heap === "plenty");
 * ```
 */
export function replenishHeap(state: ModelState): ModelState {
  return { ...state, heap: "plenty" };
}

/**
 * How a realloc of `chunk` to `size` is served: "in-place" (same chunk, no
 * heap involved), "block" (an AllocSet dedicated block resized by the
 * heap's realloc) or "move" (a new chunk is allocated, the old one freed).
 *
 * @example
 * ```ts
 * import { alloc, initialState, reallocPath, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 10);
 * if (!a.ok || a.chunk === null) throw new Error("no chunk");
 * console.assert(reallocPath(a.state, a.state.chunks.get(a.chunk)!, 12) === "in-place");
 * ```
 */
export function reallocPath(
  state: ModelState,
  chunk: ModelChunk,
  size: number,
): "in-place" | "block" | "move" {
  const spec = mustContext(state, chunk.ctx).spec;
  if (spec.kind === "aset" && chunk.dedicated) return "block";
  if (spec.kind === "slab") return "in-place";
  return (chunk.space ?? 0) - CHUNK_HEADER >= size ? "in-place" : "move";
}

/**
 * What a request can expect from the heap and the memory limits in `state`
 * (see the file header and `limit.ts`): the stricter of the two verdicts.
 *
 * @example
 * ```ts
 * import { exhaustHeap, initialState, memoryVerdict, TOP } from "@palloc/palloc/model";
 * const s = exhaustHeap(initialState());
 * console.assert(memoryVerdict(s, { op: "alloc", ctx: TOP, size: 100 }) === "may-fail");
 * ```
 */
export function memoryVerdict(state: ModelState, req: MemoryRequest): MemoryVerdict {
  const heap = heapVerdict(state, req);
  if (heap === "fails") return heap;
  const limit = limitVerdict(state, req);
  return limit === "succeeds" ? heap : limit;
}

function heapVerdict(state: ModelState, req: MemoryRequest): MemoryVerdict {
  switch (req.op) {
    case "create":
      if (state.heap === "plenty") return "succeeds";
      {
        const list = asetFreelistOf(req.spec);
        return list !== null && state.asetFreelists[list].length > 0 ? "succeeds" : "fails";
      }
    case "alloc":
      return allocVerdict(state, req.ctx, Number(req.size));
    case "realloc": {
      const chunk = state.chunks.get(req.chunk);
      if (chunk === undefined) return "succeeds";
      const size = Number(req.size);
      const path = reallocPath(state, chunk, size);
      if (path === "in-place") return "succeeds";
      if (path === "block") {
        if (maxAlign(size) <= (chunk.space ?? 0) - CHUNK_HEADER) return "succeeds";
        if (state.heap === "exhausted") return "fails";
        return size <= MAX_ALLOC_SIZE ? "succeeds" : "may-fail";
      }
      return allocVerdict(state, chunk.ctx, size);
    }
  }
}

function allocVerdict(state: ModelState, id: CtxId, size: number): MemoryVerdict {
  const ctx = mustContext(state, id);
  if (state.heap === "plenty") return size <= MAX_ALLOC_SIZE ? "succeeds" : "may-fail";
  if (ctx.spec.kind === "slab") return "may-fail";
  if (isDedicated(ctx, size)) return "fails";
  if (ctx.spec.kind === "bump" && size === 0) return "succeeds";
  if (id === ERROR_CONTEXT && state.reserveUsed + asetClass(size) + CHUNK_HEADER <= ERROR_RESERVE) {
    return "succeeds";
  }
  return "may-fail";
}

/** The reserve ErrorContext's keeper block has used after a small chunk of `space` is carved. */
export function spendReserve(state: ModelState, ctx: CtxId, chunk: ModelChunk): ModelState {
  if (ctx !== ERROR_CONTEXT || chunk.dedicated || chunk.space === null) return state;
  return { ...state, reserveUsed: state.reserveUsed + chunk.space };
}

/**
 * The outcome of a request the heap refused: "out of memory", or a null
 * result under `MCXT_ALLOC_NO_OOM`. An allocation has already cleared its
 * context's `isReset` (PostgreSQL does so before asking the type); a failed
 * small request in ErrorContext uses up the reserve until its next reset.
 * Nothing else changes: a failed realloc leaves the chunk as it was, a
 * failed create leaves no context.
 *
 * @example
 * ```ts
 * import { initialState, outOfMemory, TOP } from "@palloc/palloc/model";
 * const o = outOfMemory(initialState(), { op: "alloc", ctx: TOP, size: 10 });
 * console.assert(!o.ok && o.refusal.kind === "out-of-memory");
 * ```
 */
export function outOfMemory(
  state: ModelState,
  req: MemoryRequest,
): Outcome<{ chunk: ChunkId | null }> {
  let next = state;
  let ctx: CtxId | null = null;
  let size = 0;
  if (req.op === "alloc") {
    ctx = req.ctx;
    size = Number(req.size);
    next = updateContext(next, ctx, (c) => ({ ...c, isReset: false }));
  } else if (req.op === "realloc") {
    const chunk = state.chunks.get(req.chunk);
    if (chunk !== undefined && reallocPath(state, chunk, Number(req.size)) === "move") {
      ctx = chunk.ctx;
      size = Number(req.size);
    }
  }
  if (ctx === ERROR_CONTEXT && !isDedicated(mustContext(next, ctx), size)) {
    next = { ...next, reserveUsed: Infinity };
  }
  if (req.op !== "create" && ((req.flags ?? 0) & ALLOC_NO_OOM) !== 0) {
    return { ok: true, state: next, chunk: null };
  }
  return outOfMemoryRefusal(next);
}
