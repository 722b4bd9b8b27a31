/**
 * The model's starting point and the small helpers every operation uses to
 * make the next state. The helpers copy what changes and share the rest, so
 * a state handed out earlier stays exactly as it was.
 */
import { chunkLimitOf } from "./sizes.ts";
import type { ChunkId, ContextSpec, CtxId, ModelChunk, ModelContext, ModelState } from "./types.ts";

/**
 * TopMemoryContext's identity.
 *
 * @example
 * ```ts
 * import { initialState, TOP } from "@palloc/palloc/model";
 * console.assert(initialState().contexts.get(TOP)?.children.length === 1);
 * ```
 */
export const TOP: CtxId = 0;
/**
 * ErrorContext's identity.
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, nameOf } from "@palloc/palloc/model";
 * console.assert(nameOf(initialState(), ERROR_CONTEXT) === "ErrorContext");
 * ```
 */
export const ERROR_CONTEXT: CtxId = 1;

/**
 * TopMemoryContext's sizes (`ALLOCSET_DEFAULT_SIZES`).
 *
 * @example
 * ```ts
 * import { TOP_SPEC } from "@palloc/palloc/model";
 * console.assert(TOP_SPEC.kind === "aset" && TOP_SPEC.maxBlockSize === 8 * 1024 * 1024);
 * ```
 */
export const TOP_SPEC: ContextSpec = {
  kind: "aset",
  minContextSize: 0,
  initBlockSize: 8192,
  maxBlockSize: 8 * 1024 * 1024,
};
/**
 * ErrorContext's sizes: 8 KB min, init and max, so its keeper block is its reserve.
 *
 * @example
 * ```ts
 * import { ERROR_SPEC } from "@palloc/palloc/model";
 * console.assert(ERROR_SPEC.kind === "aset" && ERROR_SPEC.initBlockSize === 8192);
 * ```
 */
export const ERROR_SPEC: ContextSpec = {
  kind: "aset",
  minContextSize: 8192,
  initBlockSize: 8192,
  maxBlockSize: 8192,
};

/** A context as `MemoryContextCreate` leaves it: no children, reset, no callbacks. */
export function newContext(
  id: CtxId,
  name: string,
  spec: ContextSpec,
  parent: CtxId | null,
): ModelContext {
  return {
    id,
    name,
    spec,
    parent,
    children: [],
    isReset: true,
    callbacks: [],
    holdsMemory: false,
    chunkLimit: chunkLimitOf(spec),
    limit: null,
  };
}

/**
 * The state `MemoryContextInit` makes: TopMemoryContext with ErrorContext as
 * its only child, TopMemoryContext current, no chunks, the heap plentiful.
 *
 * @example
 * ```ts
 * import { initialState, TOP } from "@palloc/palloc/model";
 * const s = initialState();
 * console.assert(s.current === TOP && s.contexts.size === 2 && s.chunks.size === 0);
 * ```
 */
export function initialState(): ModelState {
  const top = { ...newContext(TOP, "TopMemoryContext", TOP_SPEC, null), children: [ERROR_CONTEXT] };
  const err = newContext(ERROR_CONTEXT, "ErrorContext", ERROR_SPEC, TOP);
  return {
    contexts: new Map([[TOP, top], [ERROR_CONTEXT, err]]),
    names: new Map([[TOP, top.name], [ERROR_CONTEXT, err.name]]),
    chunks: new Map(),
    current: TOP,
    nextCtx: 2,
    nextChunk: 1,
    heap: "plenty",
    reserveUsed: 0,
    asetFreelists: [[], []],
  };
}

/**
 * The live context `id`, or undefined.
 *
 * @example
 * ```ts
 * import { contextOf, initialState, TOP } from "@palloc/palloc/model";
 * console.assert(contextOf(initialState(), TOP)?.name === "TopMemoryContext");
 * console.assert(contextOf(initialState(), 99) === undefined);
 * ```
 */
export function contextOf(state: ModelState, id: CtxId): ModelContext | undefined {
  return state.contexts.get(id);
}

/**
 * The live context `id`; throws when there is none (for use after validation).
 *
 * @example
 * ```ts
 * import { initialState, mustContext, TOP } from "@palloc/palloc/model";
 * console.assert(mustContext(initialState(), TOP).parent === null);
 * ```
 */
export function mustContext(state: ModelState, id: CtxId): ModelContext {
  const ctx = state.contexts.get(id);
  if (ctx === undefined) throw new Error(`model: no live context ${id}`);
  return ctx;
}

/**
 * A display name for a context identity, live or not.
 *
 * @example
 * ```ts
 * import { initialState, nameOf } from "@palloc/palloc/model";
 * console.assert(nameOf(initialState(), 0) === "TopMemoryContext");
 * console.assert(nameOf(initialState(), 42) === "#42");
 * ```
 */
export function nameOf(state: ModelState, id: CtxId): string {
  return state.names.get(id) ?? `#${id}`;
}

/** `state` with context `ctx.id` replaced by (or added as) `ctx`. */
export function putContext(state: ModelState, ctx: ModelContext): ModelState {
  const contexts = new Map(state.contexts);
  contexts.set(ctx.id, ctx);
  return { ...state, contexts };
}

/** `state` with context `id` changed by `change`. */
export function updateContext(
  state: ModelState,
  id: CtxId,
  change: (ctx: ModelContext) => ModelContext,
): ModelState {
  return putContext(state, change(mustContext(state, id)));
}

/** `state` with chunk `chunk.id` replaced by (or added as) `chunk`. */
export function putChunk(state: ModelState, chunk: ModelChunk): ModelState {
  const chunks = new Map(state.chunks);
  chunks.set(chunk.id, chunk);
  return { ...state, chunks };
}

/** `state` without chunk `id`. */
export function dropChunk(state: ModelState, id: ChunkId): ModelState {
  const chunks = new Map(state.chunks);
  chunks.delete(id);
  return { ...state, chunks };
}

/** `state` without the chunks of context `ctx`. */
export function dropChunksOf(state: ModelState, ctx: CtxId): ModelState {
  let chunks: Map<ChunkId, ModelChunk> | null = null;
  for (const c of state.chunks.values()) {
    if (c.ctx !== ctx) continue;
    chunks ??= new Map(state.chunks);
    chunks.delete(c.id);
  }
  return chunks === null ? state : { ...state, chunks };
}

/**
 * The live chunks of context `ctx`, oldest first.
 *
 * @example
 * ```ts
 * import { alloc, chunksOf, initialState, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 10);
 * if (!a.ok) throw new Error(a.refusal.message);
 * console.assert(chunksOf(a.state, TOP).length === 1);
 * ```
 */
export function chunksOf(state: ModelState, ctx: CtxId): readonly ModelChunk[] {
  return [...state.chunks.values()].filter((c) => c.ctx === ctx);
}
