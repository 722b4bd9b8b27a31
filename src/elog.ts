/**
 * PostgreSQL's error model, as far as the memory-context code needs it: every
 * refusal is a `PgError` carrying an SQLSTATE, the primary message (errmsg),
 * an optional detail (errdetail) and an elevel. Nothing in palloc throws any
 * other kind of error on purpose; tests and callers can rely on
 * `err instanceof PgError` and on `err.sqlstate`.
 *
 * The texts are PostgreSQL's own, so conformance traces can compare them.
 */

/** SQLSTATE 53200: out of memory. */
export const ERRCODE_OUT_OF_MEMORY = "53200";
/** SQLSTATE XX000: internal error (what `elog(ERROR, …)` reports). */
export const ERRCODE_INTERNAL_ERROR = "XX000";
/** SQLSTATE 0A000: feature not supported. */
export const ERRCODE_FEATURE_NOT_SUPPORTED = "0A000";
/** SQLSTATE 22023: invalid parameter value. */
export const ERRCODE_INVALID_PARAMETER_VALUE = "22023";

/** Error levels, in PostgreSQL's order of severity. */
export type ErrorLevel = "DEBUG" | "LOG" | "INFO" | "NOTICE" | "WARNING" | "ERROR" | "FATAL";

/**
 * An error raised by palloc: PostgreSQL's `ereport(ERROR, …)`.
 *
 * @example
 * ```ts
 * import { PgError } from "./elog.ts";
 * const e = new PgError("53200", "out of memory", 'Failed on request of size 8 in memory context "X".');
 * console.assert(e.sqlstate === "53200" && e.message === "out of memory");
 * ```
 */
export class PgError extends Error {
  /** The five-character SQLSTATE. */
  readonly sqlstate: string;
  /** The errdetail text, if any. */
  readonly detail: string | undefined;
  /** The error level (always ERROR for errors that are thrown). */
  readonly level: ErrorLevel;

  constructor(sqlstate: string, message: string, detail?: string, level: ErrorLevel = "ERROR") {
    super(message);
    this.name = "PgError";
    this.sqlstate = sqlstate;
    this.detail = detail;
    this.level = level;
  }

  /** True for the out-of-memory error (SQLSTATE 53200). */
  get isOutOfMemory(): boolean {
    return this.sqlstate === ERRCODE_OUT_OF_MEMORY;
  }
}

/** `elog(ERROR, message)`: an internal error with SQLSTATE XX000. */
export function elogError(message: string): never {
  throw new PgError(ERRCODE_INTERNAL_ERROR, message);
}

/** Raises PostgreSQL's out-of-memory error with its detail text. */
export function outOfMemory(detail: string): never {
  throw new PgError(ERRCODE_OUT_OF_MEMORY, "out of memory", detail);
}
