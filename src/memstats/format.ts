/**
 * format.ts — human-readable text: byte sizes, and the plain-text reports the CLI prints.
 *
 * Kept out of the CLI so the reports can be tested and reused (a REPL, another tool) and out of
 * the analysers so those stay pure data. Everything here returns strings; nothing prints.
 *
 * @module
 */

import type { Analysis } from "./analyze.ts";
import type { Consumer } from "./rank.ts";
import { type DumpDiff, largestChanges } from "./diff.ts";
import type { Dump } from "./model.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * A byte count in binary units: `formatBytes(1536)` is `"1.50 KiB"`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./mod.ts";
 * console.assert(formatBytes(240) === "240 B");
 * console.assert(formatBytes(1536) === "1.50 KiB");
 * console.assert(formatBytes(58087040) === "55.4 MiB");
 * ```
 */
export function formatBytes(n: number): string {
  const sign = n < 0 ? "-" : "";
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${sign}${v} B`;
  return `${sign}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[u]}`;
}

/**
 * A signed byte size: `+1.5 KiB`, `-12 B`, `0 B`.
 *
 * @example
 * ```ts
 * import { formatDelta } from "./mod.ts";
 * console.assert(formatDelta(2048) === "+2.00 KiB");
 * console.assert(formatDelta(-12) === "-12 B" && formatDelta(0) === "0 B");
 * ```
 */
export function formatDelta(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : formatBytes(n);
}

const FORM_NAMES: Record<Dump["format"], string> = {
  log: "server log (pg_log_backend_memory_contexts)",
  stderr: "MemoryContextStats on stderr",
  csv: "pg_backend_memory_contexts CSV",
  csvlog: "csvlog (pg_log_backend_memory_contexts)",
  jsonlog: "jsonlog (pg_log_backend_memory_contexts)",
  psql: "psql output of pg_backend_memory_contexts",
  tree: "in-memory tree",
};

/**
 * One line naming a dump: source, form, PID, level base, line range.
 *
 * @example
 * ```ts
 * import { describeDump, readDump } from "./mod.ts";
 * const text = `LOG:  logging memory contexts of PID 14702
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `;
 * const line = describeDump(readDump(text, { source: "dump.log" }));
 * console.assert(line.startsWith("dump.log: server log (pg_log_backend_memory_contexts), "));
 * console.assert(line.endsWith("PID 14702, level base 1, lines 1-3"));
 * ```
 */
export function describeDump(d: Dump): string {
  const bits = [FORM_NAMES[d.format]];
  if (d.csvColumns !== undefined) {
    bits.push(d.csvColumns === "path" ? "PG 17+ columns" : "PG 14-16 columns");
  }
  if (d.pid !== undefined) bits.push(`PID ${d.pid}`);
  bits.push(`level base ${d.levelBase}`);
  if (d.startLine > 0) bits.push(`lines ${d.startLine}-${d.endLine}`);
  return `${d.source ?? "(input)"}: ${bits.join(", ")}`;
}

function consumerTable(title: string, rows: Consumer[]): string[] {
  const out = [title, "     subtree   own total        used        free  free%  path"];
  for (const r of rows) {
    out.push(
      formatBytes(r.subtreeBytes).padStart(12) + formatBytes(r.totalBytes).padStart(12) +
        formatBytes(r.usedBytes).padStart(12) +
        formatBytes(r.freeBytes).padStart(12) +
        `${(r.freeRatio * 100).toFixed(0)}%`.padStart(7) + `  ${r.path}`,
    );
  }
  return out;
}

/**
 * The plain-text report the CLI prints for one dump.
 *
 * @example
 * ```ts
 * import { analyze, formatAnalysis, readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * Grand total: 16384 bytes in 2 blocks; 8144 free (3 chunks); 8240 used
 * `;
 * const d = readDump(text, { source: "gdb.txt" });
 * const report = formatAnalysis(d, analyze(d, 5), 5);
 * console.assert(report.includes("2 contexts (2 lines), depth 2, 16.0 KiB in 2 blocks"));
 * console.assert(report.includes("Grand total: 16384 bytes — matches"));
 * ```
 */
export function formatAnalysis(d: Dump, a: Analysis, top: number): string {
  const out: string[] = [describeDump(d)];
  out.push(
    `${a.contexts} contexts (${a.nodes} lines), depth ${a.maxDepth + 1}, ` +
      `${formatBytes(a.totals.totalBytes)} in ${a.totals.nblocks} blocks, ` +
      `${formatBytes(a.totals.usedBytes)} used, ${formatBytes(a.totals.freeBytes)} free`,
  );
  const c = a.check;
  if (c.status === "absent") out.push("Grand total: none in this form (sum of rows shown above)");
  else if (c.status === "ok") out.push(`Grand total: ${c.expected!.totalBytes} bytes — matches`);
  else {
    out.push(
      `Grand total: MISMATCH in ${c.mismatched.join(", ")}: dump says ` +
        c.mismatched.map((k) => `${k}=${c.expected![k]}`).join(" ") + ", lines sum to " +
        c.mismatched.map((k) => `${k}=${c.computed[k]}`).join(" "),
    );
  }
  if (c.badLines.length > 0) {
    out.push(
      `${c.badLines.length} line(s) where used != total - free: ` +
        c.badLines.slice(0, 5).map((b) => `line ${b.line ?? "?"} ${b.label}`).join("; "),
    );
  }
  if (!d.complete) out.push("WARNING: the dump is incomplete (no Grand total; truncated?)");
  if (d.skipped.length > 0) {
    out.push(`${d.skipped.length} skipped line(s):`);
    for (const s of d.skipped.slice(0, 20)) {
      out.push(`  line ${s.line}: ${s.reason}${s.detail ? ` (${s.detail})` : ""}: ${s.text}`);
    }
    if (d.skipped.length > 20) out.push(`  … and ${d.skipped.length - 20} more`);
  }
  out.push("", ...consumerTable(`Top ${top} by own total bytes:`, a.topByTotal));
  out.push("", ...consumerTable(`Top ${top} by free bytes (fragmentation):`, a.topByFree));
  out.push("", ...consumerTable(`Top ${top} subtrees:`, a.topBySubtree));
  out.push("", `Contexts grouped by name (top ${top}):`, "  count       total        free  name");
  for (const g of a.groups.slice(0, top)) {
    out.push(
      String(g.count).padStart(7) + formatBytes(g.totalBytes).padStart(12) +
        formatBytes(g.freeBytes).padStart(12) + `  ${g.name}`,
    );
  }
  return out.join("\n") + "\n";
}

/**
 * The plain-text report the CLI prints for a diff.
 *
 * @example
 * ```ts
 * import { diffDumps, formatDiff, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `);
 * const report = formatDiff(a, b, diffDumps(a, b), 10);
 * console.assert(report.includes("total: 16.0 KiB -> 24.0 KiB (+8.00 KiB)"));
 * console.assert(report.includes("+8.00 KiB  grew     TopMemoryContext > MessageContext"));
 * ```
 */
export function formatDiff(a: Dump, b: Dump, diff: DumpDiff, top: number): string {
  const out = [
    `before: ${describeDump(a)}`,
    `after:  ${describeDump(b)}`,
    `total: ${formatBytes(diff.before.totalBytes)} -> ${formatBytes(diff.after.totalBytes)} ` +
    `(${formatDelta(diff.after.totalBytes - diff.before.totalBytes)}), used ` +
    `${formatDelta(diff.after.usedBytes - diff.before.usedBytes)}, free ` +
    `${formatDelta(diff.after.freeBytes - diff.before.freeBytes)}`,
    Object.entries(diff.counts).map(([k, v]) => `${v} ${k}`).join(", "),
  ];
  if (a.pid !== undefined && b.pid !== undefined && a.pid !== b.pid) {
    out.push(`note: different PIDs (${a.pid} vs ${b.pid}): not the same backend`);
  }
  out.push("", `Largest changes (top ${top}):`, "   own delta  subtree delta  status   path");
  for (const e of largestChanges(diff, top)) {
    out.push(
      formatDelta(e.deltaBytes).padStart(12) + formatDelta(e.deltaSubtree).padStart(15) +
        `  ${e.status.padEnd(7)}  ${e.path}`,
    );
  }
  return out.join("\n") + "\n";
}
