/**
 * read_csvlog.ts — reads `log_destination = 'csvlog'` files (`.csv`): one RFC 4180 record per
 * message, multi-line messages quoted.
 *
 * The columns are positional and have only been appended to over the versions (PG 13 added
 * `backend_type`, PG 14 `leader_pid` and `query_id`; 14 to 18 write 26 columns): `log_time` 0,
 * `user_name` 1, `database_name` 2, `process_id` 3, `error_severity` 11, `message` 13,
 * `application_name` 22, `backend_type` 23. Every record carries its PID, so the dumps are
 * routed by it (`log_assemble.ts`). A record that is not a csvlog record is listed as skipped.
 *
 * @module
 */

import type { Dump } from "./model.ts";
import { parseCsv, recordText } from "./csv.ts";
import { assemble, type Assembled, type LogRecord } from "./log_assemble.ts";
import { throwEmpty } from "./read_log.ts";
import type { ReadOptions } from "./tree_builder.ts";

const TIME = 0, USER = 1, DB = 2, PID = 3, SEVERITY = 11, MESSAGE = 13, APP = 22, BTYPE = 23;
const MIN_FIELDS = 23; // PG 9.0–12 wrote 23 columns
const TIME_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;

/** True when the first record of a text looks like a csvlog record. */
export function looksLikeCsvlog(firstLine: string): boolean {
  const rec = parseCsv(firstLine)[0];
  return rec !== undefined && rec.fields.length >= MIN_FIELDS && TIME_RE.test(rec.fields[TIME]) &&
    /^\d*$/.test(rec.fields[PID]) && /^[A-Z]+\d?$/.test(rec.fields[SEVERITY]);
}

/** Reads a csvlog text into routed dumps. */
export function readCsvlogReading(text: string, options: ReadOptions = {}): Assembled {
  const recs = parseCsv(text);
  const records: LogRecord[] = [];
  const bad: Assembled["stray"] = [];
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i];
    const f = rec.fields;
    const cut = rec.problem === "unterminated quoted field";
    if (rec.problem !== undefined || f.length < MIN_FIELDS || !/^\d+$/.test(f[PID])) {
      const dumpish = /level: \d+; |Grand total: |logging memory contexts/.test(
        recordText(text, rec),
      );
      if (dumpish || cut) {
        bad.push({
          line: rec.line,
          reason: cut ? "truncated" : "unreadable",
          text: recordText(text, rec),
          detail: rec.problem ?? `not a csvlog record (${f.length} fields)`,
        });
      }
      continue;
    }
    const r: LogRecord = {
      line: rec.line,
      pid: Number(f[PID]),
      severity: f[SEVERITY],
      body: f[MESSAGE],
      raw: recordText(text, rec),
      cut: false,
    };
    if (f[MESSAGE].startsWith("logging memory contexts")) {
      if (f[TIME] !== "") r.time = f[TIME];
      if (f[USER] !== "") r.user = f[USER];
      if (f[DB] !== "") r.database = f[DB];
      if (f.length > APP && f[APP] !== "") r.application = f[APP];
      if (f.length > BTYPE && f[BTYPE] !== "") r.backendType = f[BTYPE];
    }
    records.push(r);
  }
  const last = recs.length === 0 ? 0 : recs[recs.length - 1].line;
  const out = assemble(records, "csvlog", options.source, last);
  out.stray.push(...bad);
  out.stray.sort((a, b) => a.line - b.line);
  return out;
}

/**
 * Reads every memory-context dump of a csvlog file.
 *
 * @example
 * ```ts
 * import { readCsvlog } from "./mod.ts";
 * const rec = (n: number, msg: string) =>
 *   `2026-01-01 10:00:00.001 UTC,"postgres","bench",7,"[local]",6b1.7,${n},"idle",` +
 *   `2026-01-01 09:00:00 UTC,3/0,0,LOG,00000,"${msg}",,,,,,,,,"psql","client backend",,0`;
 * const csv = [
 *   rec(1, "logging memory contexts of PID 7"),
 *   rec(2, "level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used"),
 *   rec(3, "Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used"),
 * ].join("\n") + "\n";
 * const [d] = readCsvlog(csv);
 * console.assert(d.pid === 7 && d.complete && d.format === "csvlog");
 * console.assert(d.user === "postgres" && d.database === "bench" && d.backendType === "client backend");
 * ```
 */
export function readCsvlog(text: string, options: ReadOptions = {}): Dump[] {
  const r = readCsvlogReading(text, options);
  if (r.dumps.length > 0) return r.dumps;
  throwEmpty(r, 'no "logging memory contexts of PID" record in the csvlog');
}
