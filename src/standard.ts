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
 * create/reset/delete, exactly as postgres.c, xact.c and portalmem.c do.
 * The globals are live bindings, like PostgreSQL's.
 */
import { ALLOCSET_DEFAULT_SIZES, ALLOCSET_SMALL_SIZES, AllocSetContextCreate } from "./aset.ts";
import type { MemoryContext } from "./context.ts";
import {
  CurrentMemoryContext,
  MemoryContextDelete,
  MemoryContextInit,
  type MemoryContextInitOptions,
  MemoryContextReset,
  MemoryContextSetIdentifier,
  MemoryContextSwitchTo,
  TopMemoryContext,
} from "./mcxt.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "./elog.ts";

export { CurrentMemoryContext, ErrorContext, TopMemoryContext } from "./mcxt.ts";

const none = undefined as unknown as MemoryContext;
/** The postmaster's working context (named `Postmaster` in dumps); null in a backend. */
export let PostmasterContext: MemoryContext | null = null;
/** Relcache, catcache and the like: lives as long as the backend. */
export let CacheMemoryContext: MemoryContext = none;
/** The current client message and what is built from it; reset per message. */
export let MessageContext: MemoryContext = none;
/** Per-transaction state; reset at the end of each transaction. */
export let TopTransactionContext: MemoryContext = none;
/** The current (sub)transaction's context; TopTransactionContext at top level. */
export let CurTransactionContext: MemoryContext = none;
/** Used while a transaction aborts; 32 KB kept at all times. */
export let TransactionAbortContext: MemoryContext = none;
/** Parent of every portal's context. */
export let TopPortalContext: MemoryContext = none;
/** The context of the portal being executed, if any. */
export let PortalContext: MemoryContext | null = null;

/** A portal: a named query execution with its own context. */
export interface Portal {
  /** Portal name (`""` is the unnamed portal, shown as `<unnamed>`). */
  readonly name: string;
  /** The portal's context (`PortalContext`, ident = portal name). */
  readonly context: MemoryContext;
}

const portals = new Set<Portal>();
let inTransaction = false;

/**
 * Postmaster start: a fresh heap with TopMemoryContext and ErrorContext
 * (MemoryContextInit), then PostmasterContext, made current.
 */
export function PostmasterStart(options?: MemoryContextInitOptions): void {
  MemoryContextInit(options);
  portals.clear();
  inTransaction = false;
  PostmasterContext = AllocSetContextCreate(
    TopMemoryContext,
    "Postmaster",
    ...ALLOCSET_DEFAULT_SIZES,
  );
  CacheMemoryContext = MessageContext = TopTransactionContext = none;
  CurTransactionContext = TransactionAbortContext = TopPortalContext = none;
  PortalContext = null;
  MemoryContextSwitchTo(PostmasterContext);
}

/**
 * Backend start, after fork and authentication: the backend's long-lived
 * contexts are made in PostgreSQL's order (so siblings list as in real
 * dumps), and PostmasterContext, no longer needed, is deleted.
 * `authenticate` runs while PostmasterContext still exists (e.g. reading
 * pg_hba.conf copies kept there).
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
  TopPortalContext = AllocSetContextCreate(
    TopMemoryContext,
    "TopPortalContext",
    ...ALLOCSET_DEFAULT_SIZES,
  );
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

/** Top of the main loop: a new client message. MessageContext is reset and made current. */
export function BeginMessage(): MemoryContext {
  MemoryContextSwitchTo(MessageContext);
  MemoryContextReset(MessageContext);
  return MessageContext;
}

/** `StartTransactionCommand`: TopTransactionContext becomes current. */
export function StartTransaction(): void {
  inTransaction = true;
  CurTransactionContext = TopTransactionContext;
  MemoryContextSwitchTo(CurTransactionContext);
}

function endTransaction(): void {
  for (const p of [...portals]) DropPortal(p);
  MemoryContextSwitchTo(TopMemoryContext);
  MemoryContextReset(TopTransactionContext);
  CurTransactionContext = TopTransactionContext;
  inTransaction = false;
}

/** `CommitTransactionCommand`: portals dropped, TopTransactionContext reset. */
export function CommitTransaction(): void {
  endTransaction();
}

/**
 * `AbortCurrentTransaction`: the abort runs in TransactionAbortContext, then
 * portals go away and TopTransactionContext is reset.
 */
export function AbortTransaction(): void {
  MemoryContextSwitchTo(TransactionAbortContext);
  endTransaction();
  MemoryContextReset(TransactionAbortContext);
}

/** True between StartTransaction and its commit or abort. */
export function IsTransactionInProgress(): boolean {
  return inTransaction;
}

/** `CreatePortal`: a portal context under TopPortalContext, identified by the portal name. */
export function CreatePortal(name: string): Portal {
  const context = AllocSetContextCreate(TopPortalContext, "PortalContext", ...ALLOCSET_SMALL_SIZES);
  MemoryContextSetIdentifier(context, name === "" ? "<unnamed>" : name);
  const portal = { name, context };
  portals.add(portal);
  PortalContext = context;
  return portal;
}

/** `PortalDrop`: the portal's context and everything under it are deleted. */
export function DropPortal(portal: Portal): void {
  if (!portals.delete(portal)) return;
  for (let c: MemoryContext | null = CurrentMemoryContext; c !== null; c = c.parent) {
    if (c === portal.context) {
      MemoryContextSwitchTo(TopMemoryContext);
      break;
    }
  }
  if (PortalContext === portal.context) PortalContext = null;
  MemoryContextDelete(portal.context);
}

/** The portals currently open. */
export function OpenPortals(): Portal[] {
  return [...portals];
}
