/**
 * The standard contexts of a PostgreSQL backend and the moments of its life
 * that create, reset and delete them — the same names, types, sizes, levels
 * and parents as PostgreSQL 18 (see `../shared/reference/pg18/`).
 *
 * | context                 | made by            | lifetime                                  |
 * | ----------------------- | ------------------ | ----------------------------------------- |
 * | TopMemoryContext        | `PostmasterStart`  | forever; the root                         |
 * | ErrorContext            | `PostmasterStart`  | reset after each recovered error          |
 * | PostmasterContext       | `PostmasterStart`  | deleted by `BackendStart` (authenticated) |
 * | CacheMemoryContext      | `BackendStart`     | the whole backend                         |
 * | TopPortalContext        | `BackendStart`     | the whole backend; parent of portals      |
 * | TransactionAbortContext | `BackendStart`     | the whole backend; used while aborting    |
 * | TopTransactionContext   | `BackendStart`     | reset at every transaction end            |
 * | MessageContext          | `BackendStart`     | reset at each new client message          |
 * | PortalContext           | `CreatePortal`     | deleted with its portal                   |
 *
 * This module is ordinary user code of mcxt: it decides only when to call
 * create/reset/delete, exactly as postgres.c and xact.c do; the portals
 * (portalmem.c) are in `portalmem.ts`, re-exported here.
 * The globals are live bindings, like PostgreSQL's.
 */
import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset/mod.ts";
import { type MemoryContext, registerHeapLocal } from "./mcxt/context.ts";
import {
  MemoryContextDelete,
  MemoryContextInit,
  type MemoryContextInitOptions,
  MemoryContextReset,
  MemoryContextSwitchTo,
  TopMemoryContext,
} from "./mcxt/mod.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "./elog.ts";

export { CurrentMemoryContext, ErrorContext, TopMemoryContext } from "./mcxt/mod.ts";
export {
  CreatePortal,
  DropPortal,
  OpenPortals,
  type Portal,
  PortalContext,
  TopPortalContext,
} from "./portalmem.ts";
import { EnablePortalManager, PortalDropAll, PortalManagerReset } from "./portalmem.ts";

const none = undefined as unknown as MemoryContext;
/**
 * The postmaster's working context (named `Postmaster` in dumps); null in a backend.
 *
 * @example
 * ```ts
 * import { CurrentMemoryContext, TopMemoryContext } from "@palloc/palloc";
 * import { BackendStart, PostmasterContext, PostmasterStart } from "@palloc/palloc/backend";
 * PostmasterStart(); // MemoryContextInit(), then PostmasterContext, made current
 * console.assert(PostmasterContext?.parent === TopMemoryContext);
 * console.assert(CurrentMemoryContext === PostmasterContext);
 * BackendStart(); // an authenticated backend deletes it
 * console.assert(PostmasterContext === null);
 * ```
 */
export let PostmasterContext: MemoryContext | null = null;
/**
 * Relcache, catcache and the like: lives as long as the backend.
 *
 * @example
 * ```ts
 * import { GetMemoryChunkContext, MemoryContextAlloc } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   CacheMemoryContext,
 *   CommitTransaction,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * const entry = MemoryContextAlloc(CacheMemoryContext, 64); // a relcache entry
 * StartTransaction();
 * CommitTransaction();
 * console.assert(GetMemoryChunkContext(entry) === CacheMemoryContext); // outlives transactions
 * ```
 */
export let CacheMemoryContext: MemoryContext = none;
/**
 * The current client message and what is built from it; reset per message.
 *
 * @example
 * ```ts
 * import { MemoryContextAlloc, MemoryContextIsEmpty } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   BeginMessage,
 *   MessageContext,
 *   PostmasterStart,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * BeginMessage();
 * MemoryContextAlloc(MessageContext, 200); // the query string and its parse tree
 * BeginMessage(); // the next message: MessageContext is reset
 * console.assert(MemoryContextIsEmpty(MessageContext));
 * ```
 */
export let MessageContext: MemoryContext = none;
/**
 * Per-transaction state; reset at the end of each transaction.
 *
 * @example
 * ```ts
 * import { MemoryContextIsEmpty, palloc } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   CommitTransaction,
 *   PostmasterStart,
 *   StartTransaction,
 *   TopTransactionContext,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction(); // TopTransactionContext is current
 * palloc(1000);
 * CommitTransaction();
 * console.assert(MemoryContextIsEmpty(TopTransactionContext));
 * ```
 */
export let TopTransactionContext: MemoryContext = none;
/**
 * The current (sub)transaction's context; TopTransactionContext at top level.
 *
 * @example
 * ```ts
 * import { CurrentMemoryContext } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   CurTransactionContext,
 *   PostmasterStart,
 *   StartTransaction,
 *   TopTransactionContext,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * console.assert(CurTransactionContext === TopTransactionContext); // no subtransaction
 * console.assert(CurrentMemoryContext === CurTransactionContext);
 * ```
 */
export let CurTransactionContext: MemoryContext = none;
/**
 * Used while a transaction aborts; 32 KB kept at all times.
 *
 * @example
 * ```ts
 * import { MemoryContextMemAllocated } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   PostmasterStart,
 *   TransactionAbortContext,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * // Reserved up front, so aborting works even when memory has run out.
 * console.assert(MemoryContextMemAllocated(TransactionAbortContext, false) === 32 * 1024);
 * ```
 */
export let TransactionAbortContext: MemoryContext = none;
let inTransaction = false;

// The backend's contexts belong to the heap they were made in, like TopMemoryContext: switching
// heaps switches them, a new heap starts without them, and they never keep an abandoned heap alive.
registerHeapLocal({
  fresh() {
    PostmasterContext = null;
    CacheMemoryContext = MessageContext = TopTransactionContext = none;
    CurTransactionContext = TransactionAbortContext = none;
    inTransaction = false;
  },
  save: (): BackendState => ({
    postmaster: PostmasterContext,
    cache: CacheMemoryContext,
    message: MessageContext,
    topTransaction: TopTransactionContext,
    curTransaction: CurTransactionContext,
    transactionAbort: TransactionAbortContext,
    inTransaction,
  }),
  load(state) {
    const s = state as BackendState;
    PostmasterContext = s.postmaster;
    CacheMemoryContext = s.cache;
    MessageContext = s.message;
    TopTransactionContext = s.topTransaction;
    CurTransactionContext = s.curTransaction;
    TransactionAbortContext = s.transactionAbort;
    inTransaction = s.inTransaction;
  },
});

/** The backend's globals of a heap that is not current. */
interface BackendState {
  postmaster: MemoryContext | null;
  cache: MemoryContext;
  message: MemoryContext;
  topTransaction: MemoryContext;
  curTransaction: MemoryContext;
  transactionAbort: MemoryContext;
  inTransaction: boolean;
}

/**
 * Postmaster start: a fresh heap with TopMemoryContext and ErrorContext
 * (MemoryContextInit), then PostmasterContext, made current.
 *
 * @example
 * ```ts
 * import { CurrentMemoryContext } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   CommitTransaction,
 *   PostmasterContext,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart({ maxBytes: 64 << 20 }); // takes MemoryContextInit's options
 * console.assert(CurrentMemoryContext === PostmasterContext);
 * BackendStart(); // then, in each backend: a transaction per command
 * StartTransaction();
 * CommitTransaction();
 * ```
 */
export function PostmasterStart(options?: MemoryContextInitOptions): void {
  MemoryContextInit(options);
  PortalManagerReset();
  inTransaction = false;
  PostmasterContext = AllocSetContextCreate(
    TopMemoryContext,
    "Postmaster",
    ...ALLOCSET_DEFAULT_SIZES,
  );
  CacheMemoryContext = MessageContext = TopTransactionContext = none;
  CurTransactionContext = TransactionAbortContext = none;
  MemoryContextSwitchTo(PostmasterContext);
}

/**
 * Backend start, after fork and authentication: the backend's long-lived
 * contexts are made in PostgreSQL's order (so siblings list as in real
 * dumps), and PostmasterContext, no longer needed, is deleted.
 * `authenticate` runs while PostmasterContext still exists (e.g. reading
 * pg_hba.conf copies kept there).
 *
 * @example
 * ```ts
 * import { MemoryContextAlloc, TopMemoryContext } from "@palloc/palloc";
 * import { BackendStart, CacheMemoryContext, PostmasterStart } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart((postmaster) => {
 *   MemoryContextAlloc(postmaster, 100); // read pg_hba.conf's copy; freed with PostmasterContext
 * });
 * console.assert(CacheMemoryContext.parent === TopMemoryContext);
 * ```
 */
export function BackendStart(authenticate?: (postmaster: MemoryContext) => void): void {
  if (PostmasterContext === null) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, "BackendStart needs PostmasterStart first");
  }
  CacheMemoryContext = AllocSetContextCreate(
    TopMemoryContext,
    "CacheMemoryContext",
    ...ALLOCSET_DEFAULT_SIZES,
  );
  EnablePortalManager();
  TransactionAbortContext = AllocSetContextCreate(
    TopMemoryContext,
    "TransactionAbortContext",
    32 * 1024,
    32 * 1024,
    32 * 1024,
  );
  TopTransactionContext = AllocSetContextCreate(
    TopMemoryContext,
    "TopTransactionContext",
    ...ALLOCSET_DEFAULT_SIZES,
  );
  CurTransactionContext = TopTransactionContext;
  authenticate?.(PostmasterContext);
  MemoryContextSwitchTo(TopMemoryContext);
  MemoryContextDelete(PostmasterContext);
  PostmasterContext = null;
  MessageContext = AllocSetContextCreate(
    TopMemoryContext,
    "MessageContext",
    ...ALLOCSET_DEFAULT_SIZES,
  );
}

/**
 * Top of the main loop: a new client message. MessageContext is reset and made current.
 *
 * @example
 * ```ts
 * import { CurrentMemoryContext, palloc } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   BeginMessage,
 *   MessageContext,
 *   PostmasterStart,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * const cxt = BeginMessage();
 * console.assert(cxt === MessageContext && CurrentMemoryContext === MessageContext);
 * palloc(100); // the message's data, gone at the next BeginMessage()
 * ```
 */
export function BeginMessage(): MemoryContext {
  MemoryContextSwitchTo(MessageContext);
  MemoryContextReset(MessageContext);
  return MessageContext;
}

/**
 * `StartTransactionCommand`: TopTransactionContext becomes current.
 *
 * @example
 * ```ts
 * import { CurrentMemoryContext } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   IsTransactionInProgress,
 *   PostmasterStart,
 *   StartTransaction,
 *   TopTransactionContext,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * console.assert(IsTransactionInProgress() && CurrentMemoryContext === TopTransactionContext);
 * ```
 */
export function StartTransaction(): void {
  inTransaction = true;
  CurTransactionContext = TopTransactionContext;
  MemoryContextSwitchTo(CurTransactionContext);
}

function endTransaction(): void {
  PortalDropAll();
  MemoryContextSwitchTo(TopMemoryContext);
  MemoryContextReset(TopTransactionContext);
  CurTransactionContext = TopTransactionContext;
  inTransaction = false;
}

/**
 * `CommitTransactionCommand`: portals dropped, TopTransactionContext reset.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CommitTransaction,
 *   CreatePortal,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * const portal = CreatePortal("c1");
 * CommitTransaction(); // drops the portal, resets TopTransactionContext
 * console.assert(portal.context.id === 0); // the portal's context is deleted
 * ```
 */
export function CommitTransaction(): void {
  endTransaction();
}

/**
 * `AbortCurrentTransaction`: the abort runs in TransactionAbortContext, then
 * portals go away and TopTransactionContext is reset.
 *
 * @example
 * ```ts
 * import { MemoryContextIsEmpty, palloc } from "@palloc/palloc";
 * import {
 *   AbortTransaction,
 *   BackendStart,
 *   PostmasterStart,
 *   StartTransaction,
 *   TopTransactionContext,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * palloc(1000); // work that then fails
 * AbortTransaction(); // runs in TransactionAbortContext
 * console.assert(MemoryContextIsEmpty(TopTransactionContext));
 * ```
 */
export function AbortTransaction(): void {
  MemoryContextSwitchTo(TransactionAbortContext);
  endTransaction();
  MemoryContextReset(TransactionAbortContext);
}

/**
 * True between StartTransaction and its commit or abort.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CommitTransaction,
 *   IsTransactionInProgress,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * console.assert(IsTransactionInProgress());
 * CommitTransaction();
 * console.assert(!IsTransactionInProgress());
 * ```
 */
export function IsTransactionInProgress(): boolean {
  return inTransaction;
}
