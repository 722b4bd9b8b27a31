/**
 * read_jsonlog.ts — reads `log_destination = 'jsonlog'` files (`.json`, PG 15 and later): one
 * JSON object per line, with keys `timestamp`, `user`, `dbname`, `pid`, `error_severity`,
 * `message`, `application_name`, `backend_type` (keys with no value are left out). Every
 * object carries its PID, so dumps are routed by it (`log_assemble.ts`). A line that is not a
 * JSON object is listed as skipped when it looks like part of a dump, or as truncated when the
 * file ends inside it.
 *
 * @module
 */

import type { Dump } from "./model.ts";
import { assemble, type Assembled, type LogRecord } from "./log_assemble.ts";
import { throwEmpty } from "./read_log.ts";
import { type ReadOptions, splitLines } from "./tree_builder.ts";

/** True when a line looks like a jsonlog object. */
export function looksLikeJsonlog(firstLine: string): boolean {
  if (!firstLine.startsWith("{")) return false;
  try {
    const o = JSON.parse(firstLine);
    return typeof o === "object" && o !== null && "message" in o &&
      ("pid" in o || "timestamp" in o);
  } catch {
    return false;
  }
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** Reads a jsonlog text into routed dumps. */
export function readJsonlogReading(text: string, options: ReadOptions = {}): Assembled {
  const lines = splitLines(text);
  const endsCleanly = text.endsWith("\n");
  const records: LogRecord[] = [];
  const bad: Assembled["stray"] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const cut = i === lines.length - 1 && !endsCleanly;
    let o: Record<string, unknown> | undefined;
    try {
      const v = JSON.parse(line);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) o = v;
    } catch {
      o = undefined;
    }
    if (o === undefined || typeof o.message !== "string" || !Number.isSafeInteger(o.pid)) {
      if (cut || /level: \d+; |Grand total: |logging memory contexts/.test(line)) {
        bad.push({
          line: i + 1,
          reason: cut ? "truncated" : "unreadable",
          text: line.slice(0, 200),
          detail: o === undefined ? "not a JSON object" : "no pid or message",
        });
      }
      continue;
    }
    const r: LogRecord = {
      line: i + 1,
      pid: o.pid as number,
      severity: str(o.error_severity) ?? "LOG",
      body: o.message,
      raw: line,
      cut: false,
    };
    if (o.message.startsWith("logging memory contexts")) {
      r.time = str(o.timestamp);
      r.user = str(o.user);
      r.database = str(o.dbname);
      r.application = str(o.application_name);
      r.backendType = str(o.backend_type);
      for (const k of ["time", "user", "database", "application", "backendType"] as const) {
        if (r[k] === undefined) delete r[k];
      }
    }
    records.push(r);
  }
  const out = assemble(records, "jsonlog", options.source, lines.length);
  out.stray.push(...bad);
  out.stray.sort((a, b) => a.line - b.line);
  return out;
}

/**
 * Reads every memory-context dump of a jsonlog file.
 *
 * @example
 * ```ts
 * import { readJsonlog } from "./mod.ts";
 * const rec = (message: string) =>
 *   JSON.stringify({ timestamp: "2026-01-01 10:00:00.001 UTC", pid: 8, error_severity: "LOG", message, backend_type: "checkpointer" });
 * const json = [
 *   rec("logging memory contexts of PID 8"),
 *   rec("level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used"),
 *   rec("Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used"),
 * ].join("\n") + "\n";
 * const [d] = readJsonlog(json);
 * console.assert(d.pid === 8 && d.complete && d.backendType === "checkpointer");
 * console.assert(d.time === "2026-01-01 10:00:00.001 UTC");
 * ```
 */
export function readJsonlog(text: string, options: ReadOptions = {}): Dump[] {
  const r = readJsonlogReading(text, options);
  if (r.dumps.length > 0) return r.dumps;
  throwEmpty(r, 'no "logging memory contexts of PID" object in the jsonlog');
}
