/**
 * Operations on one chunk, found from the chunk alone as PostgreSQL finds
 * it from the pointer: `pfree`, `repalloc`, `GetMemoryChunkContext` and
 * `GetMemoryChunkSpace`.
 *
 * - A chunk that was freed, or whose context was reset or deleted (directly
 *   or through an ancestor), is dead; one never handed out is foreign. The
 *   model refuses both (PostgreSQL's behaviour is undefined).
 * - Bump chunks have no header: all four operations are refused with
 *   "X is not supported by the bump memory allocator".
 * - Slab: realloc to the chunk size returns the chunk unchanged; any other
 *   size is refused ("slab allocator does not support realloc()") before
 *   any size check.
 * - AllocSet and Generation: realloc keeps the chunk where its space
 *   already fits the new size (an AllocSet small chunk's power-of-two
 *   class, a Generation chunk's aligned size), resizes an AllocSet
 *   dedicated block (which checks the size even when shrinking), and
 *   otherwise allocates a new chunk in the same context (checking the
 *   size), keeps min(old, new) bytes and frees the old one. The chunk keeps
 *   its identity either way. A refused realloc leaves the chunk as it was.
 * - `pfree` ends the chunk; it never changes `isReset`, so an AllocSet
 *   context stays non-empty after all its chunks are freed.
 */
import { carve } from "./alloc.ts";
import { memoryVerdict, outOfMemory, reallocPath } from "./memory.ts";
import {
  bumpUnsupported,
  deadPointer,
  foreignPointer,
  invalidSize,
  slabRealloc,
} from "./refusals.ts";
import { CHUNK_HEADER, exactSize, maxAlign, sizeIsValid } from "./sizes.ts";
import { dropChunk, mustContext, putChunk } from "./state.ts";
import type { ChunkId, CtxId, ModelChunk, ModelState, Outcome } from "./types.ts";

/**
 * The live chunk `id`, or the refusal for a dead or foreign one.
 *
 * @example
 * ```ts
 * import { initialState, lookupChunk } from "@palloc/palloc/model";
 * const r = lookupChunk(initialState(), 5, "pfree");
 * console.assert("refusal" in r && r.refusal.kind === "foreign-pointer");
 * ```
 */
export function lookupChunk(
  state: ModelState,
  id: ChunkId,
  verb: string,
): ModelChunk | Outcome<never> {
  const chunk = state.chunks.get(id);
  if (chunk !== undefined) return chunk;
  return id > 0 && id < state.nextChunk ? deadPointer(state, verb) : foreignPointer(state, verb);
}

function isBump(state: ModelState, chunk: ModelChunk): boolean {
  return mustContext(state, chunk.ctx).spec.kind === "bump";
}

/**
 * `pfree(chunk)`.
 *
 * @example
 * ```ts
 * import { alloc, free, initialState, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 8);
 * if (!a.ok || a.chunk === null) throw new Error("no chunk");
 * const f = free(a.state, a.chunk);
 * console.assert(f.ok && f.state.chunks.size === 0);
 * console.assert(!free(f.state, a.chunk).ok); // a dead chunk
 * ```
 */
export function free(state: ModelState, id: ChunkId): Outcome {
  const chunk = lookupChunk(state, id, "pfree");
  if ("ok" in chunk) return chunk;
  if (isBump(state, chunk)) return bumpUnsupported(state, "pfree");
  return { ok: true, state: dropChunk(state, id) };
}

/**
 * `GetMemoryChunkContext(chunk)`.
 *
 * @example
 * ```ts
 * import { alloc, initialState, owner, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 8);
 * if (!a.ok || a.chunk === null) throw new Error("no chunk");
 * const o = owner(a.state, a.chunk);
 * console.assert(o.ok && o.ctx === TOP);
 * ```
 */
export function owner(state: ModelState, id: ChunkId): Outcome<{ ctx: CtxId }> {
  const chunk = lookupChunk(state, id, "GetMemoryChunkContext");
  if ("ok" in chunk) return chunk;
  if (isBump(state, chunk)) return bumpUnsupported(state, "GetMemoryChunkContext");
  return { ok: true, state, ctx: chunk.ctx };
}

/**
 * `GetMemoryChunkSpace(chunk)`: bytes the chunk occupies, its header included.
 *
 * @example
 * ```ts
 * import { alloc, initialState, space, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 100);
 * if (!a.ok || a.chunk === null) throw new Error("no chunk");
 * const sp = space(a.state, a.chunk);
 * console.assert(sp.ok && sp.space === 136);
 * ```
 */
export function space(state: ModelState, id: ChunkId): Outcome<{ space: number }> {
  const chunk = lookupChunk(state, id, "GetMemoryChunkSpace");
  if ("ok" in chunk) return chunk;
  if (isBump(state, chunk) || chunk.space === null) {
    return bumpUnsupported(state, "GetMemoryChunkSpace");
  }
  return { ok: true, state, space: chunk.space };
}

/**
 * `repalloc(chunk, size)` (flags 0) or `repalloc_extended(chunk, size,
 * flags)`. Returns the chunk (same identity), or null under NO_OOM when the
 * heap refused.
 *
 * @example
 * ```ts
 * import { alloc, initialState, realloc, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 8);
 * if (!a.ok || a.chunk === null) throw new Error("no chunk");
 * const r = realloc(a.state, a.chunk, 1000);
 * console.assert(r.ok && r.state.chunks.get(a.chunk)?.size === 1000);
 * ```
 */
export function realloc(
  state: ModelState,
  id: ChunkId,
  size: number | bigint,
  flags = 0,
): Outcome<{ chunk: ChunkId | null }> {
  const chunk = lookupChunk(state, id, "repalloc");
  if ("ok" in chunk) return chunk;
  const exact = exactSize(size);
  if (exact === null) return invalidSize(state, size);
  const spec = mustContext(state, chunk.ctx).spec;
  if (spec.kind === "bump") return bumpUnsupported(state, "realloc");
  if (spec.kind === "slab") {
    if (exact !== BigInt(mustContext(state, chunk.ctx).chunkLimit)) return slabRealloc(state);
    return { ok: true, state, chunk: id };
  }
  const n = Number(exact);
  const path = reallocPath(state, chunk, n);
  if (path === "in-place") {
    return { ok: true, state: putChunk(state, { ...chunk, size: n }), chunk: id };
  }
  if (!sizeIsValid(exact, flags)) return invalidSize(state, size);
  const req = { op: "realloc", chunk: id, size: n, flags } as const;
  if (memoryVerdict(state, req) === "fails") return outOfMemory(state, req);
  if (path === "block") {
    const resized = { ...chunk, size: n, space: maxAlign(n) + CHUNK_HEADER };
    return { ok: true, state: putChunk(state, resized), chunk: id };
  }
  const moved = carve(state, chunk.ctx, n);
  const fresh = moved.ok && moved.chunk !== null ? moved.state.chunks.get(moved.chunk) : undefined;
  if (fresh === undefined) return moved;
  const next = putChunk(dropChunk(moved.state, fresh.id), { ...fresh, id });
  return { ok: true, state: { ...next, nextChunk: state.nextChunk }, chunk: id };
}
