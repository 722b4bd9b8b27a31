/**
 * The current context and the two standard contexts every caller reads —
 * PostgreSQL's `CurrentMemoryContext`, `TopMemoryContext` and `ErrorContext`
 * globals — and `MemoryContextSwitchTo`. A leaf of mcxt: it imports only the
 * node type and the entry guard, so every other mcxt file can read the
 * bindings without an import cycle. They are `export let` (live bindings)
 * that only this module assigns; `MemoryContextInit` (mod.ts) sets them
 * through `setStandardContexts`.
 */
import { type MemoryContext, registerHeapLocal } from "./context.ts";
import { assertLive } from "./guard.ts";

/**
 * The root of the tree; never reset as a whole, never deleted.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * console.assert(TopMemoryContext.parent === null); // the root of the tree
 * ```
 */
export let TopMemoryContext: MemoryContext = undefined as unknown as MemoryContext;
/**
 * Error recovery's context; keeps an 8 KB keeper block as its reserve.
 *
 * @example
 * ```ts
 * import { ErrorContext, MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * console.assert(ErrorContext.parent === TopMemoryContext);
 * ```
 */
export let ErrorContext: MemoryContext = undefined as unknown as MemoryContext;
/**
 * Where `palloc` allocates. Change it with `MemoryContextSwitchTo`.
 *
 * @example
 * ```ts
 * import {
 *   CurrentMemoryContext,
 *   MemoryContextInit,
 *   palloc,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * console.assert(CurrentMemoryContext === TopMemoryContext);
 * const p = palloc(8); // allocated in CurrentMemoryContext
 * ```
 */
export let CurrentMemoryContext: MemoryContext = undefined as unknown as MemoryContext;

// Each heap has its own three bindings: they are saved and restored when the current heap changes.
registerHeapLocal({
  fresh() {
    TopMemoryContext = CurrentMemoryContext = ErrorContext = undefined as unknown as MemoryContext;
  },
  save: (): MemoryContext[] => [TopMemoryContext, CurrentMemoryContext, ErrorContext],
  load(state) {
    [TopMemoryContext, CurrentMemoryContext, ErrorContext] = state as MemoryContext[];
  },
});

/**
 * Sets the three bindings (`MemoryContextInit` only): `error` null means
 * ErrorContext is not made yet.
 */
export function setStandardContexts(
  top: MemoryContext,
  current: MemoryContext,
  error: MemoryContext | null,
): void {
  TopMemoryContext = top;
  CurrentMemoryContext = current;
  if (error !== null) ErrorContext = error;
}

/**
 * Makes `ctx` current and returns the context that was current before.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   MemoryContextSwitchTo,
 *   palloc,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const old = MemoryContextSwitchTo(work);
 * const p = palloc(100); // in work
 * MemoryContextSwitchTo(old);
 * ```
 */
export function MemoryContextSwitchTo(ctx: MemoryContext): MemoryContext {
  assertLive(ctx);
  const old = CurrentMemoryContext;
  CurrentMemoryContext = ctx;
  return old;
}
