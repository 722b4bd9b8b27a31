/**
 * Questions about the tree, answered from a state without changing it: who
 * is whose parent, in what order PostgreSQL visits a subtree, how deep a
 * context sits, and whether `MemoryContextIsEmpty` holds.
 *
 * Emptiness, as PostgreSQL 18 defines it: a context with children is never
 * empty; otherwise each type decides —
 * - AllocSet: empty while `isReset` (nothing asked of it since its creation
 *   or its last reset; freeing every chunk does not make it empty again);
 * - Generation: empty when none of its chunks is live;
 * - Slab: empty when it holds no block, i.e. nothing was allocated since its
 *   last reset (slab keeps emptied blocks, so frees do not make it empty);
 * - Bump: empty when no chunk of non-zero size was carved since its last
 *   reset (a zero-byte bump chunk takes no space at all).
 */
import { contextOf, mustContext, nameOf, TOP } from "./state.ts";
import type { CtxId, ModelState, Outcome } from "./types.ts";
import { deadContext } from "./refusals.ts";

/**
 * The parent of a live context (null for TopMemoryContext).
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, parentOf, TOP } from "@palloc/palloc/model";
 * console.assert(parentOf(initialState(), ERROR_CONTEXT) === TOP);
 * ```
 */
export function parentOf(state: ModelState, id: CtxId): CtxId | null {
  return mustContext(state, id).parent;
}

/**
 * The children of a live context, newest first.
 *
 * @example
 * ```ts
 * import { childrenOf, ERROR_CONTEXT, initialState, TOP } from "@palloc/palloc/model";
 * console.assert(childrenOf(initialState(), TOP)[0] === ERROR_CONTEXT);
 * ```
 */
export function childrenOf(state: ModelState, id: CtxId): readonly CtxId[] {
  return mustContext(state, id).children;
}

/**
 * Depth below TopMemoryContext (TopMemoryContext is 0, its children 1, …).
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, levelOf } from "@palloc/palloc/model";
 * console.assert(levelOf(initialState(), ERROR_CONTEXT) === 1);
 * ```
 */
export function levelOf(state: ModelState, id: CtxId): number {
  let level = 0;
  for (let p = mustContext(state, id).parent; p !== null; p = mustContext(state, p).parent) {
    level++;
  }
  return level;
}

/**
 * True when `ancestor` is `id` or lies on the path from `id` up to the root.
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, isSelfOrAncestor, TOP } from "@palloc/palloc/model";
 * console.assert(isSelfOrAncestor(initialState(), TOP, ERROR_CONTEXT));
 * console.assert(!isSelfOrAncestor(initialState(), ERROR_CONTEXT, TOP));
 * ```
 */
export function isSelfOrAncestor(state: ModelState, ancestor: CtxId, id: CtxId): boolean {
  for (let c: CtxId | null = id; c !== null; c = mustContext(state, c).parent) {
    if (c === ancestor) return true;
  }
  return false;
}

/**
 * `id` and its descendants in PostgreSQL's walk order: pre-order, a parent
 * before its children, children newest first (`MemoryContextTraverseNext`,
 * `MemoryContextStats`, `MemoryContextResetChildren`).
 *
 * @example
 * ```ts
 * import { initialState, subtree, TOP } from "@palloc/palloc/model";
 * console.assert(subtree(initialState(), TOP).length === 2);
 * ```
 */
export function subtree(state: ModelState, id: CtxId): readonly CtxId[] {
  const out: CtxId[] = [];
  const visit = (c: CtxId): void => {
    out.push(c);
    for (const child of mustContext(state, c).children) visit(child);
  };
  visit(id);
  return out;
}

/**
 * The order `MemoryContextDelete(id)` deletes `id`'s subtree: always descend
 * to the newest child until a leaf, delete it, climb back and repeat — so
 * every context goes after all its descendants, and siblings go newest first.
 *
 * @example
 * ```ts
 * import { createAllocSet, deletionOrder, initialState, TOP } from "@palloc/palloc/model";
 * const a = createAllocSet(initialState(), TOP, "a", 0, 1024, 8192);
 * if (!a.ok) throw new Error(a.refusal.message);
 * console.assert(deletionOrder(a.state, a.ctx).at(-1) === a.ctx);
 * ```
 */
export function deletionOrder(state: ModelState, id: CtxId): readonly CtxId[] {
  const out: CtxId[] = [];
  const visit = (c: CtxId): void => {
    for (const child of mustContext(state, c).children) visit(child);
    out.push(c);
  };
  visit(id);
  return out;
}

/**
 * Every live context, in the order `MemoryContextStats(TopMemoryContext)` prints them.
 *
 * @example
 * ```ts
 * import { allContexts, ERROR_CONTEXT, initialState, TOP } from "@palloc/palloc/model";
 * console.assert(allContexts(initialState()).join() === [TOP, ERROR_CONTEXT].join());
 * ```
 */
export function allContexts(state: ModelState): readonly CtxId[] {
  return subtree(state, TOP);
}

/** True when context `id` (live) holds at least one live chunk. */
export function hasLiveChunks(state: ModelState, id: CtxId): boolean {
  for (const c of state.chunks.values()) if (c.ctx === id) return true;
  return false;
}

/**
 * `MemoryContextIsEmpty` of a live context (see the file header for the rules).
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, isEmptyNow } from "@palloc/palloc/model";
 * console.assert(isEmptyNow(initialState(), ERROR_CONTEXT));
 * ```
 */
export function isEmptyNow(state: ModelState, id: CtxId): boolean {
  const ctx = mustContext(state, id);
  if (ctx.children.length > 0) return false;
  switch (ctx.spec.kind) {
    case "aset":
      return ctx.isReset;
    case "generation":
      return !hasLiveChunks(state, id);
    case "slab":
    case "bump":
      return !ctx.holdsMemory;
  }
}

/**
 * `MemoryContextIsEmpty(id)`, refusing a dead context.
 *
 * @example
 * ```ts
 * import { initialState, isEmpty, TOP } from "@palloc/palloc/model";
 * const e = isEmpty(initialState(), TOP);
 * console.assert(e.ok && e.empty === false); // it has a child
 * ```
 */
export function isEmpty(state: ModelState, id: CtxId): Outcome<{ empty: boolean }> {
  if (contextOf(state, id) === undefined) return deadContext(state, nameOf(state, id));
  return { ok: true, state, empty: isEmptyNow(state, id) };
}
