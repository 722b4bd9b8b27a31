/**
 * Memory limits (`MemoryContextSetLimit`, palloc's own; talloc has them,
 * PostgreSQL does not). A limit caps the `mem_allocated` of a context's whole
 * subtree; a request that would need a block past the limit of the context
 * or of any ancestor fails with out of memory (NULL under NO_OOM), exactly
 * as on an exhausted heap, in that subtree only. The model knows no bytes,
 * so under a limit:
 *
 * - a request that needs a block of its own (above its context's chunk
 *   limit) and is larger than the smallest limit above it fails: its block
 *   alone is past the limit;
 * - any other request that might need a new block — including creating a
 *   context, whose header and keeper block count — may fail;
 * - what needs no block is unaffected: ErrorContext's reserve, empty bump
 *   chunks, reallocs in place, and AllocSet contexts recycled from the
 *   context freelist (they bring their keeper block without asking the heap);
 * - a limit is not retroactive, and moving a context under a limited one
 *   is not refused.
 */
import { badLimit, deadContext } from "./refusals.ts";
import {
  asetClass,
  asetFreelistOf,
  CHUNK_HEADER,
  ERROR_RESERVE,
  isDedicated,
  maxAlign,
} from "./sizes.ts";
import { contextOf, ERROR_CONTEXT, nameOf, putContext } from "./state.ts";
import type { CtxId, MemoryRequest, MemoryVerdict, ModelState, Outcome } from "./types.ts";

/**
 * `MemoryContextSetLimit(id, bytes)`: caps the subtree of `id` at `bytes`
 * (null lifts its own limit). Refused for a dead context or a limit that is
 * not a non-negative safe integer.
 *
 * @example
 * ```ts
 * import { initialState, setLimit, strictestLimit, TOP } from "@palloc/palloc/model";
 * const limited = setLimit(initialState(), TOP, 1 << 20);
 * console.assert(limited.ok && strictestLimit(limited.state, TOP) === 1 << 20);
 * const bad = setLimit(initialState(), TOP, -1);
 * console.assert(!bad.ok && bad.refusal.kind === "bad-limit");
 * ```
 */
export function setLimit(state: ModelState, id: CtxId, bytes: number | null): Outcome {
  const ctx = contextOf(state, id);
  if (ctx === undefined) return deadContext(state, nameOf(state, id));
  if (bytes !== null && !(Number.isSafeInteger(bytes) && bytes >= 0)) {
    return badLimit(state, bytes, ctx.name);
  }
  return { ok: true, state: putContext(state, { ...ctx, limit: bytes }) };
}

/**
 * The smallest limit of `id` and its ancestors (the one that bites first),
 * or null when none of them has one.
 *
 * @example
 * ```ts
 * import { createAllocSet, initialState, setLimit, strictestLimit, TOP } from "@palloc/palloc/model";
 * const top = setLimit(initialState(), TOP, 65536);
 * if (!top.ok) throw new Error(top.refusal.message);
 * const child = createAllocSet(top.state, TOP, "child", 0, 1024, 8192);
 * if (!child.ok) throw new Error(child.refusal.message);
 * console.assert(strictestLimit(child.state, child.ctx) === 65536);
 * ```
 */
export function strictestLimit(state: ModelState, id: CtxId | null): number | null {
  let least: number | null = null;
  for (let c = id === null ? undefined : contextOf(state, id); c !== undefined;) {
    if (c.limit !== null && (least === null || c.limit < least)) least = c.limit;
    c = c.parent === null ? undefined : contextOf(state, c.parent);
  }
  return least;
}

/**
 * What the limits above a request let it expect (the heap's own condition
 * aside; `memoryVerdict` takes the stricter of both).
 *
 * @example
 * ```ts
 * import { initialState, limitVerdict, setLimit, TOP } from "@palloc/palloc/model";
 * const s = setLimit(initialState(), TOP, 65536);
 * if (!s.ok) throw new Error(s.refusal.message);
 * console.assert(limitVerdict(s.state, { op: "alloc", ctx: TOP, size: 100_000 }) === "fails");
 * console.assert(limitVerdict(s.state, { op: "alloc", ctx: TOP, size: 100 }) === "may-fail");
 * ```
 */
export function limitVerdict(state: ModelState, req: MemoryRequest): MemoryVerdict {
  switch (req.op) {
    case "create": {
      if (req.parent === undefined || strictestLimit(state, req.parent) === null) return "succeeds";
      const list = asetFreelistOf(req.spec);
      return list !== null && state.asetFreelists[list].length > 0 ? "succeeds" : "may-fail";
    }
    case "alloc":
      return allocLimitVerdict(state, req.ctx, Number(req.size));
    case "realloc": {
      const chunk = state.chunks.get(req.chunk);
      if (chunk === undefined) return "succeeds";
      const size = Number(req.size);
      const ctx = contextOf(state, chunk.ctx);
      const limit = strictestLimit(state, chunk.ctx);
      if (ctx === undefined || limit === null || ctx.spec.kind === "slab") return "succeeds";
      const room = (chunk.space ?? 0) - CHUNK_HEADER;
      if (ctx.spec.kind === "aset" && chunk.dedicated) {
        // The heap resizes the dedicated block; only growth asks the limits.
        if (maxAlign(size) <= room) return "succeeds";
        return size > limit ? "fails" : "may-fail";
      }
      if (room >= size) return "succeeds"; // in place
      return allocLimitVerdict(state, chunk.ctx, size);
    }
  }
}

function allocLimitVerdict(state: ModelState, id: CtxId, size: number): MemoryVerdict {
  const ctx = contextOf(state, id);
  const limit = strictestLimit(state, id);
  if (ctx === undefined || limit === null) return "succeeds";
  if (isDedicated(ctx, size)) return size > limit ? "fails" : "may-fail";
  if (ctx.spec.kind === "bump" && size === 0) return "succeeds";
  if (id === ERROR_CONTEXT && state.reserveUsed + asetClass(size) + CHUNK_HEADER <= ERROR_RESERVE) {
    return "succeeds";
  }
  return "may-fail";
}
