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
 * @example
 * ```ts
 * import {
 *   AllocSetContextCreate, ALLOCSET_DEFAULT_SIZES, MemoryContextAlloc,
 *   MemoryContextDelete, MemoryContextInit, TopMemoryContext,
 * } from "./mod.ts";
 *
 * MemoryContextInit();
 * const cxt = AllocSetContextCreate(TopMemoryContext, "request", ...ALLOCSET_DEFAULT_SIZES);
 * const p = MemoryContextAlloc(cxt, 100); // a byte offset into the heap
 * MemoryContextDelete(cxt); // frees p and everything else in cxt
 * ```
 *
 * @module
 */
export * from "./src/mcxt/mod.ts";
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
export * from "./src/elog.ts";
export { GenerationContext, GenerationContextCreate } from "./src/generation/mod.ts";
export { SlabContext, SlabContextCreate } from "./src/slab/mod.ts";
export { BumpContext, BumpContextCreate } from "./src/bump/mod.ts";
export { MemoryContextAllocAligned, palloc_aligned } from "./src/alignedalloc.ts";
export * from "./src/heap/mod.ts";
export {
  AbortTransaction,
  BackendStart,
  BeginMessage,
  CacheMemoryContext,
  CommitTransaction,
  CreatePortal,
  CurTransactionContext,
  DropPortal,
  IsTransactionInProgress,
  MessageContext,
  OpenPortals,
  type Portal,
  PortalContext,
  PostmasterContext,
  PostmasterStart,
  StartTransaction,
  TopPortalContext,
  TopTransactionContext,
  TransactionAbortContext,
} from "./src/standard.ts";
export * from "./src/postgres.ts";
export * from "./src/api/mod.ts";
