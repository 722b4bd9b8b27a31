/**
 * palloc: PostgreSQL's memory contexts for TypeScript and WebAssembly.
 *
 * Every allocation lives in a memory context; contexts form a tree under
 * `TopMemoryContext`, and resetting or deleting a context frees everything in
 * it and below it at once. Memory is one linear heap (a resizable
 * `ArrayBuffer` or a `WebAssembly.Memory`); pointers are byte offsets into it.
 * The context types — AllocSet, Generation, Slab and Bump — follow
 * PostgreSQL 18's algorithms with byte-for-byte the same accounting.
 *
 * This entry point has both faces: the TypeScript one (`Context`, `free`,
 * `view`, `strdup`, …) first, and PostgreSQL's names (`palloc`,
 * `MemoryContextReset`, `AllocSetContextCreate`, …) beside it, over the same
 * heap. A program may hold several independent heaps (`MemoryContextInit`
 * or `Context.init()` returns a new one each time); the PostgreSQL-named
 * functions work in the current one (`MemoryHeapSwitchTo`). The simulated
 * backend is `@palloc/palloc/backend`; the parts under the API are
 * `@palloc/palloc/internal`.
 *
 * @example
 * ```ts
 * import { Context, readString, strdup } from "@palloc/palloc";
 *
 * const top = Context.init();
 * const req = top.child.aset("request");
 * const name = strdup(req, "hello");
 * console.assert(readString(name) === "hello");
 * req.delete(); // frees name and everything else in req
 * ```
 *
 * @example
 * ```ts
 * import {
 *   AllocSetContextCreate, ALLOCSET_DEFAULT_SIZES, MemoryContextAlloc,
 *   MemoryContextDelete, MemoryContextInit, MemoryContextIsEmpty,
 * } from "@palloc/palloc";
 *
 * const heap = MemoryContextInit();
 * const cxt = AllocSetContextCreate(heap.top, "request", ...ALLOCSET_DEFAULT_SIZES);
 * const p = MemoryContextAlloc(cxt, 100); // a byte offset into the heap
 * console.assert(p > 0 && !MemoryContextIsEmpty(cxt));
 * MemoryContextDelete(cxt); // frees p and everything else in cxt
 * ```
 *
 * @module
 */
// The TypeScript face.
export * from "./src/api/mod.ts";
// PostgreSQL's names: mcxt.c, memutils.h, the context types, aligned chunks, elog.
export {
  CurrentMemoryContext,
  CurrentMemoryHeap,
  ErrorContext,
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MCXT_ALLOC_HUGE,
  MCXT_ALLOC_NO_OOM,
  MCXT_ALLOC_ZERO,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocHuge,
  MemoryContextAllocZero,
  MemoryContextCheck,
  MemoryContextCountersOf,
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextGetParent,
  MemoryContextInit,
  type MemoryContextInitOptions,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextMemConsumed,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextResetOnly,
  MemoryContextSetIdentifier,
  MemoryContextSetParent,
  MemoryContextStats,
  MemoryContextStatsDetail,
  MemoryContextStatsLine,
  MemoryContextStatsLines,
  MemoryContextSwitchTo,
  MemoryContextUnregisterResetCallback,
  MemoryHeap,
  MemoryHeapOf,
  MemoryHeapSwitchTo,
  palloc,
  palloc0,
  palloc_extended,
  pfree,
  repalloc,
  repalloc0,
  repalloc_extended,
  repalloc_huge,
  TopMemoryContext,
} from "./src/mcxt/mod.ts";
export { MemoryContextGetLimit, MemoryContextSetLimit } from "./src/mcxt/limit.ts";
export {
  type ContextMethods,
  heap,
  MaxAllocHugeSize,
  MaxAllocSize,
  MemoryContext,
  type MemoryContextCallback,
  type MemoryContextCounters,
} from "./src/mcxt/context.ts";
export {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  ALLOCSET_START_SMALL_SIZES,
  AllocSetContext,
  AllocSetContextCreate,
} from "./src/aset/mod.ts";
export { GenerationContext, GenerationContextCreate } from "./src/generation/mod.ts";
export { SlabContext, SlabContextCreate, type SlabFields } from "./src/slab/mod.ts";
export { BumpContext, BumpContextCreate } from "./src/bump/mod.ts";
export { MemoryContextAllocAligned, palloc_aligned } from "./src/alignedalloc.ts";
export {
  elog,
  ereport,
  ERRCODE_DATA_CORRUPTED,
  ERRCODE_FEATURE_NOT_SUPPORTED,
  ERRCODE_INTERNAL_ERROR,
  ERRCODE_INVALID_PARAMETER_VALUE,
  ERRCODE_OUT_OF_MEMORY,
  type ErrorFields,
  type ErrorLevel,
  PgError,
  setLogSink,
  toPgError,
} from "./src/elog.ts";
export { PG_TRY } from "./src/postgres.ts";
// The heap a context tree lives in (its type; `MemoryHeap.heap` is the instance).
export {
  type GrowListener,
  Heap,
  HeapCorruptionError,
  type HeapOptions,
  HeapPointerError,
  type HeapStats,
} from "./src/heap/mod.ts";
// Heap's base class, as a type only (the class itself is in `@palloc/palloc/internal`).
export type { BackingOptions, BulkOps, HeapCore } from "./src/heap/mod.ts";
export type { Backing } from "./src/heap/backing.ts";
