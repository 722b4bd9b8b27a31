/**
 * render_index.ts — the index page of a multi-dump input: one row per dump, linked to its report.
 *
 * A server log often holds dozens of dumps; `--html OUT` writes one report per dump and this
 * page at OUT, so a reader starts from the timeline (time, PID, backend type, user@db,
 * contexts, Grand total with a bar to compare sizes at a glance, status) and opens the dump
 * they need. Tangles a log without `%p` could not split are listed as `INTERLEAVED` with their
 * line ranges. Self-contained like the reports: inline style, no script, no network.
 *
 * @module
 */

import { formatBytes } from "./format.ts";
import type { Reading } from "./model.ts";
import { escapeXml } from "./render_svg.ts";
import { timeline } from "./timeline.ts";

const CSS = `
*{box-sizing:border-box}body{margin:0;font:13px/1.4 system-ui,sans-serif;color:#222;background:#fafafa}
header{padding:10px 16px;background:#233;color:#eee}h1{font-size:17px;margin:0 0 4px;overflow-wrap:anywhere}
header .meta{font-size:12px;color:#bcc}main{padding:12px 16px}
table{border-collapse:collapse;width:100%;background:#fff}td,th{padding:3px 8px;border-bottom:1px solid #eee;
text-align:right;white-space:nowrap}td.l,th.l{text-align:left}td.bar{width:30%}
.bar i{display:block;height:10px;background:#4a7fb5;border-radius:2px}
tr.bad td{background:#fff3f0}.st-ok{color:#280}.st-bad{color:#b30;font-weight:600}
a{color:#145}
`;

/**
 * The index page for several dumps of one input; `href(k)` names the report of dump `k`
 * (1-based, as in `FILE@K`).
 *
 * @example
 * ```ts
 * import { readInput, renderIndex } from "./mod.ts";
 * const dump = (pid: number) => `[${pid}] LOG:  logging memory contexts of PID ${pid}
 * [${pid}] LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used
 * [${pid}] LOG:  Grand total: 8192 bytes in 1 blocks; 0 free (0 chunks); 8192 used
 * `;
 * const page = renderIndex(readInput(dump(7) + dump(8)), (k) => `r-${k}.html`, "server.log");
 * console.assert(page.includes('<a href="r-2.html">') && page.includes("<td>8</td>"));
 * ```
 */
export function renderIndex(
  reading: Reading,
  href: (k: number) => string,
  title = "memory-context dumps",
): string {
  const rows = timeline(reading);
  const max = Math.max(1, ...rows.map((r) => r.totalBytes));
  const body = rows.map((r) => {
    const bad = r.status !== "ok";
    const link = r.index > 0 ? `<a href="${escapeXml(href(r.index))}">${r.index}</a>` : "–";
    return `<tr${bad ? ' class="bad"' : ""}><td>${link}</td><td class="l">${
      escapeXml(r.time ?? "")
    }</td><td>${r.pid ?? ""}</td><td class="l">${escapeXml(r.backendType ?? "")}</td>` +
      `<td class="l">${escapeXml(r.userDb ?? "")}</td><td>${r.contexts}</td><td>${
        r.status === "INTERLEAVED" ? "" : formatBytes(r.totalBytes)
      }</td><td class="bar"><i style="width:${
        ((r.totalBytes / max) * 100).toFixed(1)
      }%"></i></td><td class="l ${bad ? "st-bad" : "st-ok"}">${r.status}</td>` +
      `<td class="l">${r.lines[0]}–${r.lines[1]}${
        r.note ? ` · ${escapeXml(r.note)}` : ""
      }</td></tr>`;
  }).join("\n");
  const n = reading.dumps.length;
  const stray = reading.stray.length > 0
    ? ` · ${reading.stray.length} dump line(s) outside any dump`
    : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memstats: ${escapeXml(title)}</title><style>${CSS}</style></head>
<body><header><h1>${escapeXml(title)}</h1><div class="meta">${n} dump${
    n === 1 ? "" : "s"
  } (${reading.form})${
    reading.interleaved.length > 0
      ? ` · ${reading.interleaved.length} tangle(s) of interleaved dumps`
      : ""
  }${stray}</div></header>
<main><table><tr><th>#</th><th class="l">time</th><th>PID</th><th class="l">backend</th>` +
    `<th class="l">user@db</th><th>contexts</th><th>Grand total</th><th class="l bar"></th>` +
    `<th class="l">status</th><th class="l">lines</th></tr>
${body}</table></main></body></html>
`;
}
