/**
 * Error recovery as PostgreSQL's main loop does it (postgres.c), and a
 * `PG_TRY`/`PG_CATCH` helper for user code.
 *
 * When an ERROR escapes a message's processing, the loop: switches to
 * ErrorContext, builds the error report there (ErrorContext's keeper block
 * is a reserve that is never given back, so this works even when the heap is
 * exhausted), aborts the transaction (its portals and transaction contexts
 * go away), returns to MessageContext and resets ErrorContext — whole again
 * for the next error. Then the loop simply goes on to the next message.
 */
import { type ErrorLevel, type PgError, toPgError } from "./elog.ts";
import {
  CurrentMemoryContext,
  ErrorContext,
  MemoryContextAlloc,
  MemoryContextReset,
  MemoryContextSwitchTo,
} from "./mcxt/mod.ts";
import { heap } from "./mcxt/context.ts";
import {
  AbortTransaction,
  BeginMessage,
  CommitTransaction,
  IsTransactionInProgress,
  MessageContext,
  StartTransaction,
} from "./standard.ts";

/**
 * An error as recovery reports it, built in ErrorContext.
 *
 * @example
 * ```ts
 * import { ereport } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   type ErrorData,
 *   PostmasterStart,
 *   ProcessMessage,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * const r = ProcessMessage(() => ereport("ERROR", { code: "22012", message: "division by zero" }));
 * const error: ErrorData | undefined = r.ok ? undefined : r.error;
 * console.assert(error?.level === "ERROR" && error.sqlstate === "22012");
 * ```
 */
export interface ErrorData {
  /** The error's level. */
  level: ErrorLevel;
  /** SQLSTATE. */
  sqlstate: string;
  /** errmsg. */
  message: string;
  /** errdetail, if any. */
  detail: string | undefined;
  /** Where the report's text was built (a chunk of ErrorContext). */
  reportPointer: number;
}

const encoder = new TextEncoder();

/**
 * Builds the error report in ErrorContext, as `EmitErrorReport` does: the
 * text is copied into ErrorContext's memory (cut to its 1 KB chunk limit, so
 * it always fits the reserve).
 *
 * @example
 * ```ts
 * import {
 *   ERRCODE_OUT_OF_MEMORY,
 *   ErrorContext,
 *   GetMemoryChunkContext,
 *   heap,
 *   MemoryContextInit,
 *   PgError,
 * } from "@palloc/palloc";
 * import { BuildErrorReport } from "@palloc/palloc/backend";
 * MemoryContextInit();
 * heap.limit = heap.held; // the heap is exhausted: no more malloc succeeds
 * const report = BuildErrorReport(new PgError(ERRCODE_OUT_OF_MEMORY, "out of memory"));
 * console.assert(GetMemoryChunkContext(report.reportPointer) === ErrorContext); // the reserve
 * ```
 */
export function BuildErrorReport(err: PgError): ErrorData {
  const old = MemoryContextSwitchTo(ErrorContext);
  try {
    const text = encoder.encode(
      `${err.level}:  ${err.message}` + (err.detail ? `\nDETAIL:  ${err.detail}` : ""),
    ).subarray(0, 1023);
    const p = MemoryContextAlloc(ErrorContext, text.length + 1);
    heap.u8.set(text, p);
    heap.u8[p + text.length] = 0;
    return {
      level: err.level,
      sqlstate: err.sqlstate,
      message: err.message,
      detail: err.detail,
      reportPointer: p,
    };
  } finally {
    MemoryContextSwitchTo(old);
  }
}

/**
 * `FlushErrorState`: forget the error and make ErrorContext's reserve whole again.
 *
 * @example
 * ```ts
 * import {
 *   ErrorContext,
 *   MemoryContextInit,
 *   MemoryContextIsEmpty,
 *   PgError,
 * } from "@palloc/palloc";
 * import { BuildErrorReport, FlushErrorState } from "@palloc/palloc/backend";
 * MemoryContextInit();
 * BuildErrorReport(new PgError("22012", "division by zero"));
 * console.assert(!MemoryContextIsEmpty(ErrorContext));
 * FlushErrorState();
 * console.assert(MemoryContextIsEmpty(ErrorContext));
 * ```
 */
export function FlushErrorState(): void {
  MemoryContextReset(ErrorContext);
}

/**
 * What processing one message gave: its value, or the error it was recovered from.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   type MessageResult,
 *   PostmasterStart,
 *   ProcessMessage,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * const r: MessageResult<number> = ProcessMessage(() => 6 * 7);
 * console.assert(r.ok && r.value === 42);
 * ```
 */
export type MessageResult<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

/**
 * One iteration of the backend's main loop: a new message (MessageContext
 * reset), a transaction around `work`, commit — or, if `work` raises, the
 * recovery described in the file header. Never throws a PgError.
 *
 * @example
 * ```ts
 * import { elog } from "@palloc/palloc";
 * import { BackendStart, PostmasterStart, ProcessMessage } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * const bad = ProcessMessage(() => elog("ERROR", "division by zero"));
 * console.assert(!bad.ok && bad.error.message === "division by zero"); // recovered, not thrown
 * const next = ProcessMessage(() => 1 + 1); // the main loop goes on
 * console.assert(next.ok && next.value === 2);
 * ```
 */
export function ProcessMessage<T>(work: () => T): MessageResult<T> {
  BeginMessage();
  try {
    StartTransaction();
    const value = work();
    CommitTransaction();
    MemoryContextSwitchTo(MessageContext);
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: RecoverFromError(toPgError(e)) };
  }
}

/**
 * The main loop's error recovery for `err`; returns the report built in ErrorContext.
 *
 * @example
 * ```ts
 * import {
 *   CurrentMemoryContext,
 *   ErrorContext,
 *   MemoryContextIsEmpty,
 *   PgError,
 * } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   MessageContext,
 *   PostmasterStart,
 *   RecoverFromError,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction(); // a command in it then raises:
 * const report = RecoverFromError(new PgError("57014", "canceling statement due to user request"));
 * console.assert(report.sqlstate === "57014" && CurrentMemoryContext === MessageContext);
 * console.assert(MemoryContextIsEmpty(ErrorContext)); // whole again for the next error
 * ```
 */
export function RecoverFromError(err: PgError): ErrorData {
  MemoryContextSwitchTo(ErrorContext);
  const report = BuildErrorReport(err);
  const copy = { ...report };
  if (IsTransactionInProgress()) AbortTransaction();
  MemoryContextSwitchTo(MessageContext);
  FlushErrorState();
  copy.reportPointer = 0; // its memory went with ErrorContext's reset
  return copy;
}

/**
 * `PG_TRY() … PG_CATCH() … PG_END_TRY()`: runs `body`; if it raises, the
 * current context is restored to what it was before `body` and `handler`
 * gets the error as a PgError (any other exception is wrapped). Whatever
 * `handler` returns is returned; to re-throw (`PG_RE_THROW`), throw it.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, PG_TRY } from "@palloc/palloc";
 * MemoryContextInit();
 * const r = PG_TRY(() => { throw new Error("boom"); }, (e) => e.message);
 * console.assert(r === "boom");
 * ```
 */
export function PG_TRY<T>(body: () => T, handler: (err: PgError) => T): T {
  const saved = CurrentMemoryContext;
  try {
    return body();
  } catch (e) {
    MemoryContextSwitchTo(saved);
    return handler(toPgError(e));
  }
}
