/**
 * mcxt: the memory-context system's entry point and the PostgreSQL-named API.
 *
 * What it owns: starting the system on a heap (`MemoryContextInit`), the
 * three live bindings every caller reads — `TopMemoryContext`,
 * `ErrorContext`, `CurrentMemoryContext` — and `MemoryContextSwitchTo`.
 * They are `export let`, which only this module may assign; the other mcxt
 * files read them.
 *
 * The rest of mcxt.c's API lives beside it, one concern a file, and is
 * re-exported here so `mcxt.ts` stays the one import path:
 *
 * - `mcxt_alloc.ts`: allocation in a context and chunk operations that find
 *   their context from the pointer alone (`palloc`, `pfree`, `repalloc`, …);
 * - `mcxt_reset.ts`: reset, delete and the reset callbacks;
 * - `mcxt_tree.ts`: walking and re-parenting the tree, emptiness and totals;
 * - `mcxt_guard.ts`: the entry checks on sizes, contexts and pointers;
 * - `stats.ts`: statistics printing; `checking.ts`: `MemoryContextCheck`.
 *
 * mcxt never looks at a context's type: chunk operations dispatch on the
 * 4-bit method id in the chunk header, context operations on `ctx.methods` —
 * the one method table of `context.ts`.
 */
import { installHeap } from "./context.ts";
import { Heap, type HeapOptions } from "../heap/mod.ts";
import { AllocSetContextCreate } from "../aset/mod.ts";
import { assertNoCallbacks } from "./guard.ts";
export { MemoryContextReentryError } from "./guard.ts";
import { CheckingInstall } from "../checking/mod.ts";
import { setStandardContexts } from "./current.ts";

/**
 * What `MemoryContextInit` accepts: the heap's options, and `checking` to run
 * this heap in checking mode (records, sentinels, wiping; see `checking.ts`).
 *
 * @example
 * ```ts
 * import { MemoryContextInit, type MemoryContextInitOptions } from "./mod.ts";
 * const options: MemoryContextInitOptions = { initialBytes: 1 << 20, maxBytes: 64 << 20 };
 * MemoryContextInit(options);
 * ```
 */
export type MemoryContextInitOptions = HeapOptions & {
  /** Checking mode for this heap (default false): see `checking.ts`. */
  checking?: boolean;
};

/**
 * Starts the memory-context system on a fresh heap: creates
 * TopMemoryContext (default AllocSet sizes) and ErrorContext (8 KB min, init
 * and max block size, so its keeper block is a permanent reserve), and makes
 * TopMemoryContext current. Calling it again starts over on a new heap.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "./mod.ts";
 * MemoryContextInit({ maxBytes: 64 << 20 });
 * console.log(TopMemoryContext.name); // "TopMemoryContext"
 * ```
 */
export function MemoryContextInit(options?: MemoryContextInitOptions): void {
  assertNoCallbacks("MemoryContextInit"); // the running reset would go on in the new heap
  installHeap(new Heap(options));
  CheckingInstall(options?.checking === true);
  const top = AllocSetContextCreate(null, "TopMemoryContext", 0, 8 * 1024, 8 * 1024 * 1024);
  setStandardContexts(top, top, null);
  setStandardContexts(top, top, AllocSetContextCreate(top, "ErrorContext", 8192, 8192, 8192));
}

export {
  CurrentMemoryContext,
  ErrorContext,
  MemoryContextSwitchTo,
  TopMemoryContext,
} from "./current.ts";
export {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocHuge,
  MemoryContextAllocZero,
  palloc,
  palloc0,
  palloc_extended,
  pfree,
  repalloc,
  repalloc0,
  repalloc_extended,
  repalloc_huge,
} from "./alloc.ts";
export {
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextResetOnly,
  MemoryContextUnregisterResetCallback,
} from "./reset.ts";
export {
  MemoryContextCountersOf,
  MemoryContextGetParent,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextMemConsumed,
  MemoryContextSetIdentifier,
  MemoryContextSetParent,
  MemoryContextTraverseNext,
} from "./tree.ts";
export { MCXT_ALLOC_HUGE, MCXT_ALLOC_NO_OOM, MCXT_ALLOC_ZERO } from "./context.ts";
export { MemoryContextCheck } from "../checking/tree.ts";
export {
  MemoryContextStats,
  MemoryContextStatsDetail,
  MemoryContextStatsLine,
  MemoryContextStatsLines,
} from "./stats.ts";
