/**
 * timeline.ts — a whole log as one line per dump, and one backend followed over time.
 *
 * A busy server's log holds dozens of dumps; a DBA first wants the index: when, which process
 * (PID, backend type, user@db), how big, and whether the dump is whole. {@link timeline} gives
 * that for a {@link Reading}, tangles included (status `INTERLEAVED`), in file order.
 * {@link pidHistory} takes the dumps of one PID and says how its Grand total moved and which
 * context names grew most between its first and last dump.
 *
 * @module
 */

import { checkGrandTotal } from "./analyze.ts";
import { diffDumps, groupChanges, type NameChange } from "./diff.ts";
import { formatBytes, formatDelta } from "./format.ts";
import { countNodes, type Dump, type Reading } from "./model.ts";

/**
 * One line of a timeline.
 *
 * @example
 * ```ts
 * import { readInput, timeline, type TimelineRow } from "./mod.ts";
 * const r = readInput(`LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * const [row]: TimelineRow[] = timeline(r);
 * console.assert(row.pid === 7 && row.status === "ok" && row.totalBytes === 8192 && row.contexts === 1);
 * ```
 */
export interface TimelineRow {
  /** 1-based number of the dump in the input (the `FILE@K` index); 0 for a tangle. */
  index: number;
  /** When it was logged, if the log says. */
  time?: string;
  /** Process id (for a tangle, the first header's). */
  pid?: number;
  /** Backend type, if the log says. */
  backendType?: string;
  /** `user@database`, if the log says. */
  userDb?: string;
  /** Context lines read. */
  contexts: number;
  /** The dump's Grand total bytes (its own line, else the sum of its lines). */
  totalBytes: number;
  /** `ok`, `INCOMPLETE` (no Grand total), `MISMATCH` (lines do not sum to it),
   * `SKIPPED` (lines it could not use), `INTERLEAVED` (cannot be told apart). */
  status: "ok" | "INCOMPLETE" | "MISMATCH" | "SKIPPED" | "INTERLEAVED";
  /** First and last line in the input. */
  lines: [number, number];
  /** More words for the status (skipped count, the PIDs of a tangle). */
  note?: string;
}

/**
 * One row per dump (and per tangle), in the order they start in the input.
 *
 * @example
 * ```ts
 * import { readInput, timeline } from "./mod.ts";
 * const head = (pid: number) => `LOG:  logging memory contexts of PID ${pid}`;
 * const top = "LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used";
 * const grand = "LOG:  Grand total: 8192 bytes in 1 blocks; 0 free (0 chunks); 8192 used";
 * const rows = timeline(readInput([head(1), top, grand, head(2), top, head(3), top, grand, grand].join("\n")));
 * console.assert(rows.map((r) => `${r.pid}:${r.status}`).join() === "1:ok,2:INTERLEAVED");
 * console.assert(rows[1].note === "PIDs 2, 3 overlap; add %p to log_line_prefix");
 * ```
 */
export function timeline(reading: Reading): TimelineRow[] {
  const rows: TimelineRow[] = reading.dumps.map((d, i) => {
    const c = checkGrandTotal(d);
    const total = d.grandTotal?.totalBytes ?? c.computed.totalBytes;
    const status: TimelineRow["status"] = !d.complete
      ? "INCOMPLETE"
      : c.status === "mismatch"
      ? "MISMATCH"
      : d.skipped.length > 0
      ? "SKIPPED"
      : "ok";
    const row: TimelineRow = {
      index: i + 1,
      contexts: countNodes(d.root),
      totalBytes: total,
      status,
      lines: [d.startLine, d.endLine],
    };
    if (d.time !== undefined) row.time = d.time;
    if (d.pid !== undefined) row.pid = d.pid;
    if (d.backendType !== undefined) row.backendType = d.backendType;
    else {
      const guess = guessBackendType(d);
      if (guess !== undefined) row.backendType = `${guess}?`;
    }
    if (d.user !== undefined || d.database !== undefined) {
      row.userDb = `${d.user ?? ""}@${d.database ?? ""}`;
    }
    if (d.skipped.length > 0) row.note = `${d.skipped.length} skipped line(s)`;
    return row;
  });
  for (const t of reading.interleaved) {
    const row: TimelineRow = {
      index: 0,
      pid: t.pids[0],
      contexts: 0,
      totalBytes: 0,
      status: "INTERLEAVED",
      lines: [t.startLine, t.endLine],
      note: `PIDs ${t.pids.join(", ")} overlap; add %p to log_line_prefix`,
    };
    if (t.time !== undefined) row.time = t.time;
    rows.push(row);
  }
  return rows.sort((a, b) => a.lines[0] - b.lines[0]);
}

/** Contexts only one kind of process has, under TopMemoryContext (PG 14–18 names). */
const SIGNATURES: [string, string][] = [
  ["Replication command context", "walsender"],
  ["Autovacuum Launcher", "autovacuum launcher"],
  ["Autovacuum Worker", "autovacuum worker"],
  ["Checkpointer", "checkpointer"],
  ["Background Writer", "background writer"],
  ["Wal Writer", "walwriter"],
  ["WAL Summarizer", "walsummarizer"],
  ["Startup", "startup"],
  ["MessageContext", "client backend"],
];

/**
 * The backend type a dump's contexts point to, for logs that do not say (a stderr prefix
 * without `%b`): a context only that kind of process creates, such as `Checkpointer` or
 * `MessageContext`. `undefined` when none is there. Timelines show it with a `?`.
 *
 * @example
 * ```ts
 * import { guessBackendType, readDump } from "./mod.ts";
 * const d = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   Checkpointer: 24576 total in 2 blocks; 24336 free (0 chunks); 240 used
 * `);
 * console.assert(guessBackendType(d) === "checkpointer");
 * ```
 */
export function guessBackendType(d: Dump): string | undefined {
  const names = new Set(d.root.children.map((c) => c.name));
  for (const [name, type] of SIGNATURES) if (names.has(name)) return type;
  return undefined;
}

/**
 * The timeline as text, one line per row under a header.
 *
 * @example
 * ```ts
 * import { formatTimeline, readInput, timeline } from "./mod.ts";
 * const r = readInput(`2026-01-01 10:00:00 UTC [7] LOG:  logging memory contexts of PID 7
 * 2026-01-01 10:00:00 UTC [7] LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used
 * 2026-01-01 10:00:00 UTC [7] LOG:  Grand total: 8192 bytes in 1 blocks; 0 free (0 chunks); 8192 used
 * `);
 * const text = formatTimeline(timeline(r));
 * console.assert(text.split("\n")[1].startsWith("   1  2026-01-01 10:00:00 UTC") && text.includes("8.00 KiB"));
 * ```
 */
export function formatTimeline(rows: TimelineRow[]): string {
  const tw = Math.max(4, ...rows.map((r) => (r.time ?? "").length));
  const bw = Math.max(7, ...rows.map((r) => (r.backendType ?? "").length));
  const uw = Math.max(7, ...rows.map((r) => (r.userDb ?? "").length));
  const out = [
    `${"#".padStart(4)}  ${"time".padEnd(tw)}  ${"PID".padStart(7)}  ${"backend".padEnd(bw)}  ` +
    `${"user@db".padEnd(uw)}  ${"contexts".padStart(8)}  ${"Grand total".padStart(11)}  ` +
    `status       lines`,
  ];
  for (const r of rows) {
    out.push(
      `${(r.index === 0 ? "-" : String(r.index)).padStart(4)}  ${(r.time ?? "").padEnd(tw)}  ` +
        `${String(r.pid ?? "").padStart(7)}  ${(r.backendType ?? "").padEnd(bw)}  ` +
        `${(r.userDb ?? "").padEnd(uw)}  ${String(r.contexts).padStart(8)}  ` +
        `${(r.status === "INTERLEAVED" ? "" : formatBytes(r.totalBytes)).padStart(11)}  ` +
        `${r.status.padEnd(11)}  ${r.lines[0]}-${r.lines[1]}${r.note ? `  ${r.note}` : ""}`,
    );
  }
  return out.join("\n") + "\n";
}

/**
 * One backend over time.
 *
 * @example
 * ```ts
 * import { pidHistory, type PidHistory, readInput } from "./mod.ts";
 * const dump = (bytes: number) => `[7] LOG:  logging memory contexts of PID 7
 * [7] LOG:  level: 1; TopMemoryContext: ${bytes} total in 1 blocks; 0 free (0 chunks); ${bytes} used
 * [7] LOG:  Grand total: ${bytes} bytes in 1 blocks; 0 free (0 chunks); ${bytes} used
 * `;
 * const h: PidHistory = pidHistory(readInput(dump(8192) + dump(16384)).dumps, 7);
 * console.assert(h.dumps.length === 2 && h.growth[0].deltaBytes === 8192);
 * ```
 */
export interface PidHistory {
  /** The PID. */
  pid: number;
  /** Its dumps, in file order. */
  dumps: Dump[];
  /** Name groups that changed between the first and the last dump, largest change first. */
  growth: NameChange[];
}

/** The dumps of one PID and what changed between its first and last one. */
export function pidHistory(dumps: Dump[], pid: number): PidHistory {
  const mine = dumps.filter((d) => d.pid === pid);
  const growth = mine.length >= 2 ? groupChanges(diffDumps(mine[0], mine[mine.length - 1])) : [];
  return { pid, dumps: mine, growth };
}

/**
 * A PID's history as text: its Grand total at each dump, then what grew most.
 *
 * @example
 * ```ts
 * import { formatPidHistory, pidHistory, readInput } from "./mod.ts";
 * const dump = (bytes: number) => `[7] LOG:  logging memory contexts of PID 7
 * [7] LOG:  level: 1; TopMemoryContext: ${bytes} total in 1 blocks; 0 free (0 chunks); ${bytes} used
 * [7] LOG:  Grand total: ${bytes} bytes in 1 blocks; 0 free (0 chunks); ${bytes} used
 * `;
 * const text = formatPidHistory(pidHistory(readInput(dump(8192) + dump(16384)).dumps, 7), 5);
 * console.assert(text.includes("PID 7: 2 dumps, 8.00 KiB -> 16.0 KiB (+8.00 KiB)"));
 * console.assert(text.includes("+8.00 KiB  TopMemoryContext (1 changed)"));
 * ```
 */
export function formatPidHistory(h: PidHistory, top: number): string {
  if (h.dumps.length === 0) return `PID ${h.pid}: no dump of this process in the input\n`;
  const totals = h.dumps.map((d) =>
    d.grandTotal?.totalBytes ?? checkGrandTotal(d).computed.totalBytes
  );
  const first = totals[0];
  const last = totals[totals.length - 1];
  const out = [
    `PID ${h.pid}: ${h.dumps.length} dump${h.dumps.length === 1 ? "" : "s"}, ${
      formatBytes(first)
    } -> ` +
    `${formatBytes(last)} (${formatDelta(last - first)})`,
  ];
  h.dumps.forEach((d, i) => {
    out.push(
      `  ${(d.time ?? `lines ${d.startLine}-${d.endLine}`).padEnd(28)} ${
        formatBytes(totals[i]).padStart(10)
      }` +
        (i > 0 ? `  ${formatDelta(totals[i] - totals[i - 1])}` : ""),
    );
  });
  if (h.dumps.length >= 2) {
    out.push(
      h.growth.length === 0
        ? "Nothing changed between the first and the last dump."
        : `Grew most between the first and the last dump (top ${top}):`,
    );
    for (const g of h.growth.slice(0, top)) {
      const parts: string[] = [];
      if (g.added) parts.push(`+${g.added} new`);
      if (g.removed) parts.push(`-${g.removed} gone`);
      if (g.summarised) parts.push(`${g.summarised} summarised`);
      if (g.unsummarised) parts.push(`${g.unsummarised} unsummarised`);
      if (g.changed) parts.push(`${g.changed} changed`);
      out.push(`  ${formatDelta(g.deltaBytes).padStart(11)}  ${g.name} (${parts.join(", ")})`);
    }
  }
  return out.join("\n") + "\n";
}
