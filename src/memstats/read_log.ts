/**
 * read_log.ts — reads a plain (stderr) server log: `pg_log_backend_memory_contexts()` dumps under
 * any `log_line_prefix`, and the bare `MemoryContextStats()` blocks gdb makes a backend print.
 *
 * Each line is split at its severity tag (`LOG:  `, `ERROR:  `, …, two spaces after the colon);
 * what comes before is the prefix. Where the prefix shows the PID is learned from the dump
 * headers (`log_prefix.ts`), then every line becomes a record with its PID, and
 * `log_assemble.ts` routes records to dumps. `log_error_verbosity = verbose` adds a SQLSTATE
 * after the tag (removed) and `LOCATION:` lines (ignored). Lines with no tag are bare lines:
 * `MemoryContextStats()` output (depth by indentation, no PID) or another message's
 * continuation. Messages must be in English (`lc_messages = C`).
 *
 * @module
 */

import { type Dump, MemstatsError } from "./model.ts";
import { assemble, type Assembled, type LogRecord } from "./log_assemble.ts";
import { learnPidPlaces, pidFromPrefix, prefixFacts } from "./log_prefix.ts";
import { PROGRESS_EVERY, type ReadOptions, splitLines } from "./tree_builder.ts";

const TAG_RE =
  /(?:^|(?<=[\s\]:>)|]))(DEBUG|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|STATEMENT|LOCATION): {2}/;
const HEADER_AT = "logging memory contexts of PID ";
const HEADER_RE = /^(?:[0-9A-Z]{5}: )?logging memory contexts of PID (\d+)\s*$/;
const SQLSTATE_RE = /^[0-9A-Z]{5}: /;

interface Split {
  prefix: string;
  severity: string;
  body: string;
}

/** Splits a tagged line into prefix, severity and message; `undefined` for a bare line. */
function splitTag(line: string): Split | undefined {
  const m = TAG_RE.exec(line);
  if (m === null) return undefined;
  // A MemoryContextStats line whose ident happens to hold a tag is still a bare line.
  const stats = line.indexOf(" total in ");
  if (stats >= 0 && stats < m.index) return undefined;
  if (m.index === 0 && line.startsWith("Grand total:")) return undefined;
  let body = line.slice(m.index + m[0].length);
  if (SQLSTATE_RE.test(body)) body = body.slice(7);
  return { prefix: line.slice(0, m.index), severity: m[1], body };
}

/** Reads a stderr log into records and routes them (see the file comment). */
export function readLogReading(text: string, options: ReadOptions = {}): Assembled {
  const lines = splitLines(text);
  const endsCleanly = text.endsWith("\n");
  // Pass 1: the dump headers teach where the PID sits in the prefix.
  const heads: { prefix: string; pid: number }[] = [];
  for (const line of lines) {
    if (!line.includes(HEADER_AT)) continue;
    const s = splitTag(line);
    const m = s === undefined ? null : HEADER_RE.exec(s.body);
    if (s !== undefined && m !== null) heads.push({ prefix: s.prefix, pid: Number(m[1]) });
  }
  const places = learnPidPlaces(heads);
  // Pass 2: records.
  const records: LogRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (options.onProgress !== undefined && i % PROGRESS_EVERY === 0 && i > 0) {
      options.onProgress(i, lines.length);
    }
    const line = lines[i];
    const cut = i === lines.length - 1 && !endsCleanly;
    const s = splitTag(line);
    if (s === undefined) {
      records.push({ line: i + 1, body: line, raw: line, cut });
      continue;
    }
    if (s.severity === "LOCATION") continue; // verbose mode's source location
    const r: LogRecord = { line: i + 1, severity: s.severity, body: s.body, raw: line, cut };
    const pid = pidFromPrefix(s.prefix, places);
    if (pid !== undefined) r.pid = pid;
    if (s.body.startsWith("logging memory contexts of PID")) {
      Object.assign(r, prefixFacts(s.prefix));
    }
    records.push(r);
  }
  options.onProgress?.(lines.length, lines.length);
  return assemble(records, "log", options.source, lines.length);
}

/**
 * Reads every memory-context dump of a plain server log: `pg_log_backend_memory_contexts()`
 * blocks, routed by the PID in the prefix, and bare `MemoryContextStats()` blocks. Throws
 * `NO_DUMP` when there is none, `INTERLEAVED` when the only dumps are tangled (no `%p`).
 *
 * @example
 * ```ts
 * import { readLog } from "./mod.ts";
 * const [a, b] = readLog(`[42] LOG:  logging memory contexts of PID 42
 * [43] LOG:  logging memory contexts of PID 43
 * [42] LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * [43] LOG:  level: 1; TopMemoryContext: 4096 total in 1 blocks; 96 free (0 chunks); 4000 used
 * [43] LOG:  Grand total: 4096 bytes in 1 blocks; 96 free (0 chunks); 4000 used
 * [42] LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * console.assert(a.pid === 42 && a.complete && a.skipped.length === 0 && a.endLine === 6);
 * console.assert(b.pid === 43 && b.complete && b.root.totalBytes === 4096);
 * ```
 */
export function readLog(text: string, options: ReadOptions = {}): Dump[] {
  const r = readLogReading(text, options);
  if (r.dumps.length > 0) return r.dumps;
  throwEmpty(r, 'no "logging memory contexts of PID" line in the input');
}

/** Throws the right error for a reading with no dump in it. */
export function throwEmpty(r: Assembled, none: string): never {
  if (r.interleaved.length > 0) {
    const t = r.interleaved[0];
    throw new MemstatsError(
      "INTERLEAVED",
      `dumps of PIDs ${t.pids.join(", ")} overlap in lines ${t.startLine}-${t.endLine} and the ` +
        "log_line_prefix shows no PID: add %p to log_line_prefix (or use csvlog/jsonlog)",
      t.startLine,
    );
  }
  if (r.headers === 0) throw new MemstatsError("NO_DUMP", none);
  throw new MemstatsError("EMPTY_DUMP", "the dump block holds no readable context line");
}
