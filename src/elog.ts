/**
 * PostgreSQL's error model, as far as the memory-context code needs it: every
 * refusal is a `PgError` carrying an SQLSTATE, the primary message (errmsg),
 * an optional detail (errdetail) and an elevel. Nothing in palloc throws any
 * other kind of error on purpose; tests and callers can rely on
 * `err instanceof PgError` and on `err.sqlstate`.
 *
 * The texts are PostgreSQL's own, so conformance traces can compare them.
 */

/**
 * SQLSTATE 53200: out of memory.
 *
 * @example
 * ```ts
 * import { ERRCODE_OUT_OF_MEMORY, PgError } from "./elog.ts";
 * const e: unknown = new PgError("53200", "out of memory");
 * if (e instanceof PgError && e.sqlstate === ERRCODE_OUT_OF_MEMORY) console.log("shed load");
 * ```
 */
export const ERRCODE_OUT_OF_MEMORY = "53200";
/**
 * SQLSTATE XX000: internal error (what `elog(ERROR, …)` reports).
 *
 * @example
 * ```ts
 * import { elogError, ERRCODE_INTERNAL_ERROR, PgError } from "./elog.ts";
 * try {
 *   elogError("unexpected state");
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.sqlstate === ERRCODE_INTERNAL_ERROR);
 * }
 * ```
 */
export const ERRCODE_INTERNAL_ERROR = "XX000";
/**
 * SQLSTATE 0A000: feature not supported.
 *
 * @example
 * ```ts
 * import { ERRCODE_FEATURE_NOT_SUPPORTED, PgError } from "./elog.ts";
 * const e = new PgError(ERRCODE_FEATURE_NOT_SUPPORTED, "pfree is not supported by the bump memory allocator");
 * console.assert(e.sqlstate === "0A000");
 * ```
 */
export const ERRCODE_FEATURE_NOT_SUPPORTED = "0A000";
/**
 * SQLSTATE 22023: invalid parameter value.
 *
 * @example
 * ```ts
 * import { ERRCODE_INVALID_PARAMETER_VALUE, PgError } from "./elog.ts";
 * const e = new PgError(ERRCODE_INVALID_PARAMETER_VALUE, "bad option");
 * console.assert(e.sqlstate === "22023");
 * ```
 */
export const ERRCODE_INVALID_PARAMETER_VALUE = "22023";

/**
 * Error levels, in PostgreSQL's order of severity.
 *
 * @example
 * ```ts
 * import { elog, type ErrorLevel } from "./elog.ts";
 * const level: ErrorLevel = "NOTICE";
 * elog(level, "below ERROR: logged, not thrown");
 * ```
 */
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
  /** Makes the error: SQLSTATE, errmsg, optional errdetail and level (ERROR by default). */
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

/**
 * `elog(ERROR, message)`: an internal error with SQLSTATE XX000.
 *
 * @example
 * ```ts
 * import { elogError, PgError } from "./elog.ts";
 * try {
 *   elogError("unrecognized node type: 42");
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.sqlstate === "XX000");
 * }
 * ```
 */
export function elogError(message: string): never {
  throw new PgError(ERRCODE_INTERNAL_ERROR, message);
}

/**
 * Raises PostgreSQL's out-of-memory error with its detail text.
 *
 * @example
 * ```ts
 * import { outOfMemory, PgError } from "./elog.ts";
 * try {
 *   outOfMemory('Failed on request of size 64 in memory context "work".');
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.isOutOfMemory);
 * }
 * ```
 */
export function outOfMemory(detail: string): never {
  throw new PgError(ERRCODE_OUT_OF_MEMORY, "out of memory", detail);
}

/**
 * What `ereport` takes: errcode, errmsg, errdetail, errhint.
 *
 * @example
 * ```ts
 * import { ereport, type ErrorFields } from "./elog.ts";
 * const fields: ErrorFields = { message: "cache is large", detail: "9000 entries" };
 * ereport("LOG", fields);
 * ```
 */
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

/**
 * Replaces the sink for messages below ERROR; returns the previous one.
 *
 * @example
 * ```ts
 * import { elog, type ErrorLevel, setLogSink } from "./elog.ts";
 * const seen: string[] = [];
 * const old = setLogSink((level: ErrorLevel, text: string) => seen.push(`${level}: ${text}`));
 * elog("WARNING", "captured");
 * setLogSink(old);
 * console.assert(seen[0] === "WARNING: captured");
 * ```
 */
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

/**
 * `elog(level, message)`: `ereport` with SQLSTATE XX000 and no detail.
 *
 * @example
 * ```ts
 * import { elog } from "./elog.ts";
 * elog("LOG", "checkpoint starting"); // goes to the log sink; ERROR or FATAL would throw
 * ```
 */
export function elog(level: ErrorLevel, message: string): void {
  ereport(level, { message });
}

/**
 * Any thrown value as a PgError (non-PgErrors become internal errors keeping their text).
 *
 * @example
 * ```ts
 * import { toPgError } from "./elog.ts";
 * const e = toPgError(new TypeError("boom"));
 * console.assert(e.sqlstate === "XX000" && e.message === "boom");
 * ```
 */
export function toPgError(e: unknown): PgError {
  if (e instanceof PgError) return e;
  return new PgError(ERRCODE_INTERNAL_ERROR, e instanceof Error ? e.message : String(e));
}

/**
 * SQLSTATE `XX001` (data_corrupted): what every self-check raises.
 *
 * @example
 * ```ts
 * import { ERRCODE_DATA_CORRUPTED } from "./elog.ts";
 * console.assert(ERRCODE_DATA_CORRUPTED === "XX001");
 * ```
 */
export const ERRCODE_DATA_CORRUPTED = "XX001";

/**
 * Raises the data-corruption error every self-check and checking-mode test reports.
 *
 * @example
 * ```ts
 * import { elogDataCorrupted, PgError } from "./elog.ts";
 * try {
 *   elogDataCorrupted("chunk 64 was overwritten");
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.sqlstate === "XX001");
 * }
 * ```
 */
export function elogDataCorrupted(message: string): never {
  throw new PgError(ERRCODE_DATA_CORRUPTED, message);
}
