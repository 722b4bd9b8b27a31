/**
 * mcxt: the memory-context system's entry point and the PostgreSQL-named API.
 *
 * What it owns: starting the system on a heap (`MemoryContextInit`: the
 * method table, the heap, TopMemoryContext and ErrorContext).
 *
 * The rest of mcxt.c's API lives beside it, one concern a file, and is
 * re-exported here so `mcxt/mod.ts` stays the one import path:
 *
 * - `current.ts`: the live bindings `TopMemoryContext`, `ErrorContext`,
 *   `CurrentMemoryContext` and `MemoryContextSwitchTo` (a leaf);
 * - `alloc.ts`: allocation in a context and chunk operations that find
 *   their context from the pointer alone (`palloc`, `pfree`, `repalloc`, …);
 * - `reset.ts`: reset, delete and the reset callbacks;
 * - `tree.ts`: walking and re-parenting the tree, emptiness and totals;
 * - `guard.ts`: the entry checks on sizes, contexts and pointers;
 * - `stats.ts`: statistics printing; `../checking/tree.ts`: `MemoryContextCheck`.
 *
 * mcxt never looks at a context's type: chunk operations dispatch on the
 * 4-bit method id in the chunk header, context operations on `ctx.methods` —
 * the one method table of `context.ts`.
 */
import { installHeap, installMethods, MemoryHeap } from "./context.ts";
import { mcxt_methods } from "./methods.ts";
import { Heap, type HeapOptions } from "../heap/mod.ts";
import { AllocSetContextCreate } from "../aset/mod.ts";
import { assertNoCallbacks } from "./guard.ts";
export { MemoryContextReentryError } from "./guard.ts";
import { CheckingInstall } from "../checking/mod.ts";
import { setStandardContexts } from "./current.ts";

/**
 * What `MemoryContextInit` accepts: the heap's options, and `checking` to run
 * this heap in checking mode (records, sentinels, wiping; see `../checking/mod.ts`).
 *
 * @example
 * ```ts
 * import { MemoryContextInit, type MemoryContextInitOptions } from "@palloc/palloc";
 * const options: MemoryContextInitOptions = { initialBytes: 1 << 20, maxBytes: 64 << 20 };
 * MemoryContextInit(options);
 * ```
 */
export type MemoryContextInitOptions = HeapOptions & {
  /** Checking mode for this heap (default false): see `../checking/mod.ts`. */
  checking?: boolean;
};

/**
 * Starts the memory-context system on a fresh heap: creates
 * TopMemoryContext (default AllocSet sizes) and ErrorContext (8 KB min, init
 * and max block size, so its keeper block is a permanent reserve), and makes
 * TopMemoryContext current. Returns the new heap, which is now the current
 * heap (`CurrentMemoryHeap`). Calling it again makes another, independent
 * heap: the earlier heaps and their contexts stay alive, and
 * `MemoryHeapSwitchTo` goes back to one.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit({ maxBytes: 64 << 20 });
 * console.log(TopMemoryContext.name); // "TopMemoryContext"
 * ```
 */
export function MemoryContextInit(options?: MemoryContextInitOptions): MemoryHeap {
  assertNoCallbacks("MemoryContextInit"); // the running reset would go on in the new heap
  installMethods(mcxt_methods);
  const h = new MemoryHeap(new Heap(options));
  installHeap(h);
  CheckingInstall(options?.checking === true);
  const top = AllocSetContextCreate(null, "TopMemoryContext", 0, 8 * 1024, 8 * 1024 * 1024);
  setStandardContexts(top, top, null);
  setStandardContexts(top, top, AllocSetContextCreate(top, "ErrorContext", 8192, 8192, 8192));
  h.top = top;
  return h;
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
export { CurrentMemoryHeap, MemoryHeap, MemoryHeapOf, MemoryHeapSwitchTo } from "./context.ts";
export { MCXT_ALLOC_HUGE, MCXT_ALLOC_NO_OOM, MCXT_ALLOC_ZERO } from "./context.ts";
export { MemoryContextCheck } from "../checking/tree.ts";
export {
  MemoryContextStats,
  MemoryContextStatsDetail,
  MemoryContextStatsLine,
  MemoryContextStatsLines,
} from "./stats.ts";
