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
} from "./mcxt.ts";
import { heap } from "./context.ts";
import {
  AbortTransaction,
  BeginMessage,
  CommitTransaction,
  IsTransactionInProgress,
  MessageContext,
  StartTransaction,
} from "./standard.ts";

/** An error as recovery reports it, built in ErrorContext. */
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

/** `FlushErrorState`: forget the error and make ErrorContext's reserve whole again. */
export function FlushErrorState(): void {
  MemoryContextReset(ErrorContext);
}

/** What processing one message gave: its value, or the error it was recovered from. */
export type MessageResult<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

/**
 * One iteration of the backend's main loop: a new message (MessageContext
 * reset), a transaction around `work`, commit — or, if `work` raises, the
 * recovery described in the file header. Never throws a PgError.
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

/** The main loop's error recovery for `err`; returns the report built in ErrorContext. */
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
 * import { PG_TRY } from "./postgres.ts";
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
