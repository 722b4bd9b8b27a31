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

  /** An error with SQLSTATE `sqlstate`, errmsg `message` and errdetail `detail`. */
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

/** What `ereport` takes: errcode, errmsg, errdetail, errhint. */
export interface ErrorFields {
  /** SQLSTATE; defaults to XX000 (internal error). */
  code?: string;
  /** The primary message (errmsg). */
  message: string;
  /** The detail (errdetail). */
  detail?: string;
}

const severity: Record<ErrorLevel, number> = {
  DEBUG: 0,
  LOG: 1,
  INFO: 2,
  NOTICE: 3,
  WARNING: 4,
  ERROR: 5,
  FATAL: 6,
};

/** Where messages below ERROR go; `setLogSink` replaces it (tests capture it). */
let logSink: (level: ErrorLevel, text: string) => void = (level, text) =>
  console.error(`${level}:  ${text}`);

/** Replaces the sink for messages below ERROR; returns the previous one. */
export function setLogSink(
  sink: (level: ErrorLevel, text: string) => void,
): (level: ErrorLevel, text: string) => void {
  const old = logSink;
  logSink = sink;
  return old;
}

/**
 * `ereport(level, …)`: ERROR and FATAL throw a `PgError`; lower levels are
 * written to the log sink and execution goes on.
 *
 * @example
 * ```ts
 * import { ereport, PgError } from "./elog.ts";
 * try {
 *   ereport("ERROR", { code: "22012", message: "division by zero" });
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.sqlstate === "22012");
 * }
 * ```
 */
export function ereport(level: ErrorLevel, fields: ErrorFields): void {
  if (severity[level] >= severity.ERROR) {
    throw new PgError(fields.code ?? ERRCODE_INTERNAL_ERROR, fields.message, fields.detail, level);
  }
  logSink(level, fields.detail ? `${fields.message}\nDETAIL:  ${fields.detail}` : fields.message);
}

/** `elog(level, message)`: `ereport` with SQLSTATE XX000 and no detail. */
export function elog(level: ErrorLevel, message: string): void {
  ereport(level, { message });
}

/** Any thrown value as a PgError (non-PgErrors become internal errors keeping their text). */
export function toPgError(e: unknown): PgError {
  if (e instanceof PgError) return e;
  return new PgError(ERRCODE_INTERNAL_ERROR, e instanceof Error ? e.message : String(e));
}
