/**
 * The end of chunks' and contexts' lives: reset, reset-only, reset-children,
 * delete and delete-children, with the reset callbacks each one fires, in
 * PostgreSQL 18's order (mcxt.c):
 *
 * - A context's callbacks run newest first (LIFO), each once, just before
 *   its chunks die; a context whose `isReset` is set has nothing to reset
 *   and fires nothing.
 * - `reset(c)` deletes c's children (each child's subtree as `delete` does,
 *   newest child first), then resets c itself (if it is not `isReset`).
 * - `resetOnly(c)` resets c alone; its children keep their chunks.
 * - `resetChildren(c)` resets every descendant of c (not c), in pre-order:
 *   a parent before its children, children newest first.
 * - `delete(c)` deletes c's subtree bottom-up: descend to the newest child
 *   until a leaf, delete it (callbacks first), climb back, repeat; c last.
 * - `deleteChildren(c)` deletes each child's subtree, newest child first.
 *
 * Refused: a dead context; deleting TopMemoryContext; deleting a subtree
 * that holds CurrentMemoryContext (checked before anything happens, so a
 * refused call changes nothing).
 */
import { cannotDelete, deadContext, holdsCurrent } from "./refusals.ts";
import { asetFreelistOf, MAX_FREE_CONTEXTS } from "./sizes.ts";
import {
  contextOf,
  dropChunksOf,
  ERROR_CONTEXT,
  mustContext,
  nameOf,
  putContext,
  updateContext,
} from "./state.ts";
import { deletionOrder, isSelfOrAncestor, subtree } from "./tree.ts";
import type { CallbackId, CtxId, ModelState, Outcome } from "./types.ts";

/**
 * What a reset or delete verb returns: the callbacks that ran, in the order they ran.
 *
 * @example
 * ```ts
 * import { type Fired, initialState, registerCallback, reset, ERROR_CONTEXT } from "@palloc/palloc/model";
 * const s = registerCallback(initialState(), ERROR_CONTEXT, "cb");
 * if (!s.ok) throw new Error(s.refusal.message);
 * const r: Fired = reset(s.state, ERROR_CONTEXT);
 * console.assert(r.ok && r.fired.join() === "cb");
 * ```
 */
export type Fired = Outcome<{ fired: readonly CallbackId[] }>;

interface Step {
  readonly state: ModelState;
  readonly fired: readonly CallbackId[];
}

/** `MemoryContextResetOnly` on a live context, without validation. */
function resetOnlyStep(state: ModelState, id: CtxId): Step {
  const ctx = mustContext(state, id);
  if (ctx.isReset) return { state, fired: [] };
  let next = dropChunksOf(state, id);
  next = putContext(next, { ...ctx, isReset: true, callbacks: [], holdsMemory: false });
  if (id === ERROR_CONTEXT) next = { ...next, reserveUsed: 0 };
  return { state: next, fired: ctx.callbacks };
}

/** Deletes one childless context: callbacks, unlink, chunks die, AllocSet recycling. */
function deleteOnlyStep(state: ModelState, id: CtxId): Step {
  const ctx = mustContext(state, id);
  let next = dropChunksOf(state, id);
  if (ctx.parent !== null) {
    next = updateContext(next, ctx.parent, (p) => ({
      ...p,
      children: p.children.filter((c) => c !== id),
    }));
  }
  const contexts = new Map(next.contexts);
  contexts.delete(id);
  next = { ...next, contexts };
  const list = asetFreelistOf(ctx.spec);
  if (list !== null) {
    const kept = next.asetFreelists[list];
    const lists: [readonly number[], readonly number[]] = [...next.asetFreelists];
    lists[list] = [ctx.chunkLimit, ...(kept.length >= MAX_FREE_CONTEXTS ? [] : kept)];
    next = { ...next, asetFreelists: lists };
  }
  return { state: next, fired: ctx.callbacks };
}

function deleteSubtreeStep(state: ModelState, id: CtxId): Step {
  let next = state;
  const fired: CallbackId[] = [];
  for (const c of deletionOrder(state, id)) {
    const step = deleteOnlyStep(next, c);
    next = step.state;
    fired.push(...step.fired);
  }
  return { state: next, fired };
}

/** The first child of `id` whose subtree holds the current context, if any. */
function childHoldingCurrent(state: ModelState, id: CtxId): CtxId | undefined {
  return mustContext(state, id).children.find((c) => isSelfOrAncestor(state, c, state.current));
}

function deleteChildrenStep(state: ModelState, id: CtxId): Step {
  let next = state;
  const fired: CallbackId[] = [];
  for (const child of mustContext(state, id).children) {
    const step = deleteSubtreeStep(next, child);
    next = step.state;
    fired.push(...step.fired);
  }
  return { state: next, fired };
}

/**
 * `MemoryContextReset`: deletes every descendant of `id`, then resets `id`.
 *
 * @example
 * ```ts
 * import { alloc, ERROR_CONTEXT, initialState, reset } from "@palloc/palloc/model";
 * const a = alloc(initialState(), ERROR_CONTEXT, 10);
 * if (!a.ok) throw new Error(a.refusal.message);
 * const r = reset(a.state, ERROR_CONTEXT);
 * console.assert(r.ok && r.state.chunks.size === 0);
 * ```
 */
export function reset(state: ModelState, id: CtxId): Fired {
  if (contextOf(state, id) === undefined) return deadContext(state, nameOf(state, id));
  const holder = childHoldingCurrent(state, id);
  if (holder !== undefined) return holdsCurrent(state, nameOf(state, holder));
  const gone = deleteChildrenStep(state, id);
  const done = resetOnlyStep(gone.state, id);
  return { ok: true, state: done.state, fired: [...gone.fired, ...done.fired] };
}

/**
 * `MemoryContextResetOnly`: frees every chunk of `id`; its children are untouched.
 *
 * @example
 * ```ts
 * import { alloc, initialState, resetOnly, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 10);
 * if (!a.ok) throw new Error(a.refusal.message);
 * const r = resetOnly(a.state, TOP);
 * console.assert(r.ok && r.state.chunks.size === 0 && r.state.contexts.size === 2);
 * ```
 */
export function resetOnly(state: ModelState, id: CtxId): Fired {
  if (contextOf(state, id) === undefined) return deadContext(state, nameOf(state, id));
  const step = resetOnlyStep(state, id);
  return { ok: true, state: step.state, fired: step.fired };
}

/**
 * `MemoryContextResetChildren`: resets every descendant of `id` (not `id`), in pre-order.
 *
 * @example
 * ```ts
 * import { initialState, resetChildren, TOP } from "@palloc/palloc/model";
 * const r = resetChildren(initialState(), TOP);
 * console.assert(r.ok && r.state.contexts.size === 2); // children are reset, not deleted
 * ```
 */
export function resetChildren(state: ModelState, id: CtxId): Fired {
  if (contextOf(state, id) === undefined) return deadContext(state, nameOf(state, id));
  let next = state;
  const fired: CallbackId[] = [];
  for (const c of subtree(state, id).slice(1)) {
    const step = resetOnlyStep(next, c);
    next = step.state;
    fired.push(...step.fired);
  }
  return { ok: true, state: next, fired };
}

/**
 * `MemoryContextDelete`: deletes `id` and every descendant, bottom-up.
 *
 * @example
 * ```ts
 * import { deleteContext, initialState, TOP } from "@palloc/palloc/model";
 * const d = deleteContext(initialState(), TOP);
 * console.assert(!d.ok && d.refusal.kind === "top-context");
 * ```
 */
export function deleteContext(state: ModelState, id: CtxId): Fired {
  const ctx = contextOf(state, id);
  if (ctx === undefined) return deadContext(state, nameOf(state, id));
  if (ctx.parent === null) return cannotDelete(state, ctx.name);
  if (isSelfOrAncestor(state, id, state.current)) return holdsCurrent(state, ctx.name);
  const step = deleteSubtreeStep(state, id);
  return { ok: true, state: step.state, fired: step.fired };
}

/**
 * `MemoryContextDeleteChildren`: deletes every descendant of `id`; `id` stays.
 *
 * @example
 * ```ts
 * import { deleteChildren, ERROR_CONTEXT, initialState, TOP } from "@palloc/palloc/model";
 * const d = deleteChildren(initialState(), TOP);
 * console.assert(d.ok && !d.state.contexts.has(ERROR_CONTEXT));
 * ```
 */
export function deleteChildren(state: ModelState, id: CtxId): Fired {
  if (contextOf(state, id) === undefined) return deadContext(state, nameOf(state, id));
  const holder = childHoldingCurrent(state, id);
  if (holder !== undefined) return holdsCurrent(state, nameOf(state, holder));
  const step = deleteChildrenStep(state, id);
  return { ok: true, state: step.state, fired: step.fired };
}
