/**
 * Operations that change who points at whom but free nothing: moving a
 * context under another parent, registering a reset callback, and switching
 * the current context.
 *
 * - `setParent(c, p)` links c as p's newest child. If p already is c's
 *   parent nothing changes (c keeps its place among its siblings).
 *   TopMemoryContext cannot be moved (it stays the root), and c cannot go
 *   under itself or one of its descendants (a cycle).
 * - `registerCallback(c, id)` puts the callback in front of c's list (it
 *   will run before the older ones) and clears c's `isReset`, so the next
 *   reset of c really happens.
 * - `switchTo(c)` makes c current and returns the context that was.
 */
import { cannotReparent, cycle, deadContext } from "./refusals.ts";
import { contextOf, mustContext, nameOf, putContext, updateContext } from "./state.ts";
import { isSelfOrAncestor } from "./tree.ts";
import type { CallbackId, CtxId, ModelState, Outcome } from "./types.ts";

/**
 * `MemoryContextSetParent(id, parent)`.
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, setParent, TOP } from "@palloc/palloc/model";
 * const r = setParent(initialState(), TOP, ERROR_CONTEXT);
 * console.assert(!r.ok && r.refusal.kind === "top-context");
 * ```
 */
export function setParent(state: ModelState, id: CtxId, parent: CtxId): Outcome {
  const ctx = contextOf(state, id);
  if (ctx === undefined) return deadContext(state, nameOf(state, id));
  const to = contextOf(state, parent);
  if (to === undefined) return deadContext(state, nameOf(state, parent));
  if (ctx.parent === parent) return { ok: true, state };
  if (ctx.parent === null) return cannotReparent(state, ctx.name);
  if (isSelfOrAncestor(state, id, parent)) return cycle(state, to.name, ctx.name);
  let next = updateContext(state, ctx.parent, (p) => ({
    ...p,
    children: p.children.filter((c) => c !== id),
  }));
  next = updateContext(next, parent, (p) => ({ ...p, children: [id, ...p.children] }));
  next = putContext(next, { ...mustContext(next, id), parent });
  return { ok: true, state: next };
}

/**
 * `MemoryContextRegisterResetCallback(id, cb)`; `cb` is the caller's token.
 *
 * @example
 * ```ts
 * import { initialState, registerCallback, TOP } from "@palloc/palloc/model";
 * const r = registerCallback(initialState(), TOP, "mine");
 * console.assert(r.ok && r.state.contexts.get(TOP)?.callbacks[0] === "mine");
 * ```
 */
export function registerCallback(state: ModelState, id: CtxId, cb: CallbackId): Outcome {
  const ctx = contextOf(state, id);
  if (ctx === undefined) return deadContext(state, nameOf(state, id));
  const next = putContext(state, { ...ctx, isReset: false, callbacks: [cb, ...ctx.callbacks] });
  return { ok: true, state: next };
}

/**
 * `MemoryContextSwitchTo(id)`: returns the previous current context.
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, switchTo, TOP } from "@palloc/palloc/model";
 * const r = switchTo(initialState(), ERROR_CONTEXT);
 * console.assert(r.ok && r.previous === TOP && r.state.current === ERROR_CONTEXT);
 * ```
 */
export function switchTo(state: ModelState, id: CtxId): Outcome<{ previous: CtxId }> {
  if (contextOf(state, id) === undefined) return deadContext(state, nameOf(state, id));
  return { ok: true, state: { ...state, current: id }, previous: state.current };
}
