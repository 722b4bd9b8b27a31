/**
 * `@palloc/palloc/internal`: the parts under the public API, for tools that
 * look inside (heap verifiers, explorers, tests of palloc itself). Not part
 * of the stable surface: names here may change in any release.
 *
 * - `HeapCore`: the TLSF allocator over a byte range, without growth;
 * - `Backing`: the resizable memory a `Heap` grows in;
 * - `MemoryContextTraverseNext`: the pre-order step the tree walks use;
 * - `elogError`, `elogDataCorrupted`, `outOfMemory`: how palloc raises its own errors.
 *
 * @example
 * ```ts
 * import { MemoryContextTraverseNext } from "@palloc/palloc/internal";
 * import { type ContextMethods, MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const methods: ContextMethods = TopMemoryContext.methods;
 * console.assert(methods.isEmpty(TopMemoryContext)); // nothing allocated in Top yet
 * const next = MemoryContextTraverseNext(TopMemoryContext, TopMemoryContext);
 * console.assert(next?.name === "ErrorContext");
 * ```
 *
 * @module
 */
export type {
  ContextMethods,
  MemoryContext,
  MemoryContextCallback,
  MemoryContextCounters,
  MemoryHeap,
} from "./mcxt/context.ts";
export type { GrowListener, Heap, HeapOptions, HeapStats } from "./heap/mod.ts";
export { Backing, type BackingOptions } from "./heap/backing.ts";
export { type BulkOps, bulkOps } from "./heap/bulk.ts";
export { HeapCore } from "./heap/core.ts";
export { MemoryContextTraverseNext } from "./mcxt/tree.ts";
export { elogDataCorrupted, elogError, outOfMemory } from "./elog.ts";
