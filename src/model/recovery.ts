/**
 * Error recovery, as a backend's main loop does it after an ERROR was
 * caught: make TopMemoryContext current again (whatever context the failed
 * code had switched to), then `FlushErrorState`, which is
 * `MemoryContextReset(ErrorContext)` — ErrorContext's children are deleted,
 * its chunks die, its callbacks run and its reserve is whole again.
 *
 * Recovery never fails: switching to TopMemoryContext first means the reset
 * cannot meet the current context inside ErrorContext's subtree.
 */
import { type Fired, reset } from "./lifetime.ts";
import { ERROR_CONTEXT, TOP } from "./state.ts";
import type { ModelState } from "./types.ts";

/**
 * Switch to TopMemoryContext, then reset ErrorContext; returns the callbacks that ran.
 *
 * @example
 * ```ts
 * import { ERROR_CONTEXT, initialState, recoverFromError, switchTo, TOP } from "@palloc/palloc/model";
 * const s = switchTo(initialState(), ERROR_CONTEXT);
 * const r = recoverFromError(s.state);
 * console.assert(r.ok && r.state.current === TOP);
 * ```
 */
export function recoverFromError(state: ModelState): Fired {
  const switched: ModelState = { ...state, current: TOP };
  if (!switched.contexts.has(ERROR_CONTEXT)) return { ok: true, state: switched, fired: [] };
  return reset(switched, ERROR_CONTEXT);
}
