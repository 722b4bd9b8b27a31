/**
 * `@palloc/palloc/backend`: a simulated PostgreSQL backend over palloc — the
 * standard contexts (PostmasterContext, CacheMemoryContext, MessageContext,
 * the transaction contexts), the postmaster/backend start-up, one message's
 * processing with PostgreSQL's error recovery, and portals. Kept apart from
 * the root entry point: it is a model of how PostgreSQL uses its contexts,
 * not something a program needs to allocate.
 *
 * The backend's contexts live in the heap that was current when
 * `PostmasterStart` ran, and belong to it as `TopMemoryContext` does:
 * `MemoryHeapSwitchTo` switches them (and the open portals) with the heap,
 * and a heap made since has none until `PostmasterStart` runs in it.
 *
 * @example
 * ```ts
 * import { BackendStart, MessageContext, PostmasterStart, ProcessMessage } from "@palloc/palloc/backend";
 * import { palloc } from "@palloc/palloc";
 * PostmasterStart();
 * BackendStart();
 * const r = ProcessMessage(() => palloc(100)); // allocated in MessageContext
 * console.assert(r.ok && MessageContext.name === "MessageContext");
 * ```
 *
 * @module
 */
// Types the backend's signatures use (the same as `@palloc/palloc`'s).
export type {
  ContextMethods,
  MemoryContext,
  MemoryContextCallback,
  MemoryContextCounters,
  MemoryHeap,
} from "./mcxt/context.ts";
export type {
  Backing,
  BackingOptions,
  BulkOps,
  GrowListener,
  Heap,
  HeapCore,
  HeapOptions,
  HeapStats,
} from "./heap/mod.ts";
export type { MemoryContextInitOptions } from "./mcxt/mod.ts";
export type { ErrorLevel, PgError } from "./elog.ts";
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
} from "./standard.ts";
export {
  BuildErrorReport,
  type ErrorData,
  FlushErrorState,
  type MessageResult,
  ProcessMessage,
  RecoverFromError,
} from "./postgres.ts";
