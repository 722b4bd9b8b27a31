/**
 * The seed table: PostgreSQL's standard memory contexts — when each is made,
 * how long it lives, what it holds and why it is a context of its own — as
 * the explorer's "Standard contexts" panel shows them. Each row is linked to
 * the steps of *A backend's life* that create, reset or delete the context
 * (found by name in that scenario's trace, so the links follow the trace).
 */

/** One standard context. */
export interface SeedRow {
  /** The context's name, as MemoryContextStats prints it. */
  name: string;
  /** Its parent in a running backend. */
  parent: string;
  /** When PostgreSQL makes it. */
  created: string;
  /** How long it lives, and what ends it. */
  lifetime: string;
  /** What is allocated in it. */
  holds: string;
  /** Why it is a separate context. */
  why: string;
}

/** The standard contexts, in the order a backend makes them. */
export const SEED_ROWS: SeedRow[] = [
  {
    name: "TopMemoryContext",
    parent: "—",
    created: "MemoryContextInit, first thing at postmaster start",
    lifetime: "the whole process; never reset or deleted",
    holds: "a few small structs that must live forever; the root of every other context",
    why:
      "everything hangs below it, so MemoryContextStats(TopMemoryContext) shows the whole process",
  },
  {
    name: "ErrorContext",
    parent: "TopMemoryContext",
    created: "MemoryContextInit, right after TopMemoryContext",
    lifetime: "the process; reset after each error is handled",
    holds: "the error report being built (message, detail, context lines)",
    why:
      "its 8 kB block is kept through resets as a reserve, so an out-of-memory ERROR can still be reported when malloc fails: running out of memory becomes an ordinary error",
  },
  {
    name: "Postmaster",
    parent: "TopMemoryContext",
    created: "postmaster start (PostmasterContext)",
    lifetime: "the postmaster; in a backend, deleted after fork and authentication",
    holds: "configuration, pg_hba.conf and pg_ident.conf copies",
    why: "a backend does not need the postmaster's data: deleting one context frees all of it",
  },
  {
    name: "CacheMemoryContext",
    parent: "TopMemoryContext",
    created: "backend start, when the caches are initialised",
    lifetime: "the backend; entries are freed one by one when invalidated",
    holds: "relcache, catcache and plan-cache entries",
    why: "long-lived data with its own accounting, so cache growth is visible in the stats",
  },
  {
    name: "TopPortalContext",
    parent: "TopMemoryContext",
    created: "backend start (portal manager)",
    lifetime: "the backend",
    holds: "the portals' own contexts, one child per open portal",
    why: "parent of every PortalContext, so all portals can be found and dropped together",
  },
  {
    name: "TransactionAbortContext",
    parent: "TopMemoryContext",
    created: "backend start, 32 kB reserved up front",
    lifetime: "the backend; reset after each abort",
    holds: "what abort processing allocates",
    why: "an abort must run even when memory is exhausted, so its memory is set aside in advance",
  },
  {
    name: "TopTransactionContext",
    parent: "TopMemoryContext",
    created: "backend start; used from StartTransactionCommand",
    lifetime: "one transaction: reset at commit or abort",
    holds:
      "data that must survive until the end of the transaction (pending actions, trigger queues)",
    why: "ending the transaction frees everything it allocated with one reset",
  },
  {
    name: "CurTransactionContext",
    parent: "TopTransactionContext",
    created:
      "each (sub)transaction start; for a top-level transaction it is TopTransactionContext itself",
    lifetime: "the current (sub)transaction",
    holds: "data of the current subtransaction",
    why: "a rolled-back subtransaction frees its data without touching its parent's",
  },
  {
    name: "MessageContext",
    parent: "TopMemoryContext",
    created: "backend start",
    lifetime: "one client message: reset at the top of the main loop before each message",
    holds:
      "the query string, its parse tree, the rewritten query and (for simple queries) the plan",
    why:
      "a parse tree is thousands of small nodes; because they all live in MessageContext, one reset frees the whole tree — no node is freed one by one, none can leak",
  },
  {
    name: "PortalContext",
    parent: "TopPortalContext",
    created:
      "CreatePortal, when a query is about to run (identified by the cursor name, or <unnamed>)",
    lifetime: "the portal: deleted by PortalDrop at the end of the query or transaction",
    holds: "the portal's plan copy and its executor state below it",
    why:
      "a cursor can outlive the message that opened it; deleting the portal frees all of its memory",
  },
  {
    name: "ExecutorState",
    parent: "PortalContext",
    created: "ExecutorStart (CreateExecutorState)",
    lifetime: "one execution of a plan",
    holds: "plan state nodes, tuple slots, hash tables and sort state",
    why: "ExecutorEnd deletes it and so frees everything the executor made",
  },
  {
    name: "ExprContext",
    parent: "ExecutorState",
    created: "ExecAssignExprContext, one per plan node that evaluates expressions",
    lifetime: "one tuple: reset before each row is computed (ResetExprContext)",
    holds: "temporary values of expression evaluation for the current row",
    why:
      "per-row garbage is freed by a reset per tuple, so a million rows need no more memory than one",
  },
];
