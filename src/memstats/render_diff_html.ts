/**
 * render_diff_html.ts — the HTML report of a diff: both icicles with the changes marked, the
 * changes grouped by name, and the largest single changes.
 *
 * The two icicles are drawn from the same layout code as a single report, one above the other
 * at full width so they can be compared bar by bar; a context that appeared, grew, shrank,
 * vanished or moved into a "more child contexts" summary gets a coloured outline (one CSS rule
 * per marked bar). Self-contained: inline style, no script, no network.
 *
 * @module
 */

import { type DiffStatus, type DumpDiff, groupChanges, largestChanges } from "./diff.ts";
import { describeDump, formatBytes, formatDelta } from "./format.ts";
import { icicleLayout } from "./layout.ts";
import type { Dump, MemNode } from "./model.ts";
import { pathCell, who } from "./render_html.ts";
import { escapeXml, icicleShapes } from "./render_svg.ts";

const MARK: Partial<Record<DiffStatus, string>> = {
  added: "#0a0",
  grew: "#e80",
  shrank: "#08c",
  removed: "#d00",
  summarised: "#888",
  unsummarised: "#888",
};

const CSS = `
*{box-sizing:border-box}html{overflow-x:hidden}body{margin:0;font:13px/1.4 system-ui,sans-serif;color:#222;background:#fafafa}
header{padding:10px 16px;background:#233;color:#eee}h1{font-size:17px;margin:0 0 4px}
header .meta{font-size:12px;color:#bcc;overflow-wrap:anywhere}.verdict{font-size:15px;color:#fff;font-weight:600}
main{display:grid;grid-template-columns:minmax(0,1fr);gap:12px;padding:12px 16px}
@media (min-width:1700px){main{grid-template-columns:minmax(0,1fr) minmax(520px,36%)}}
svg{background:#fff;border:1px solid #ddd;display:block;width:100%;height:auto}
.ctx{stroke:#fff;stroke-width:.5}.labels text{pointer-events:none;fill:#fff;font-size:11px}
h2{font-size:14px;margin:8px 0 4px}.key span{display:inline-block;margin-right:12px}
.key i{display:inline-block;width:11px;height:11px;border:2px solid;margin-right:4px;vertical-align:-2px}
table{border-collapse:collapse;width:100%;background:#fff}td,th{padding:2px 6px;border-bottom:1px solid #eee;
text-align:right;white-space:nowrap;vertical-align:top}td.n,th.n{text-align:left;white-space:normal;
overflow-wrap:break-word;width:99%}td.n .anc{color:#777;font-size:11px}.up{color:#b30}.down{color:#080}
`;

function icicle(id: string, root: MemNode, marks: Map<MemNode, DiffStatus>): string {
  const layout = icicleLayout(root);
  const width = 1000;
  const rowHeight = Math.max(20, Math.min(36, Math.floor(300 / (layout.maxDepth + 1))));
  const height = (layout.maxDepth + 1) * rowHeight + 4;
  const rules: string[] = [];
  layout.cells.forEach((c, i) => {
    const s = marks.get(c.node);
    const color = s === undefined ? undefined : MARK[s];
    if (color !== undefined && rules.length < 5000) {
      rules.push(
        `#${id} rect[data-i="${i}"]{stroke:${color};stroke-width:2.5${
          s === "summarised" || s === "unsummarised" ? ";stroke-dasharray:4 2" : ""
        }}`,
      );
    }
  });
  return `<style>${rules.join("")}</style><svg id="${id}" xmlns="http://www.w3.org/2000/svg" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" ` +
    `font-size="11">${icicleShapes(layout, width, rowHeight, 2, "type", true)}</svg>`;
}

/**
 * The diff report of two dumps as one self-contained HTML page.
 *
 * @example
 * ```ts
 * import { diffDumps, readDump, renderDiffHtml } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 * `, { source: "before.txt" });
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `, { source: "after.txt" });
 * const page = renderDiffHtml(a, b, diffDumps(a, b));
 * console.assert(page.includes('<svg id="before"') && page.includes('<svg id="after"'));
 * console.assert(page.includes("+8.00 KiB") && page.includes("stroke:#e80")); // MessageContext grew
 * ```
 */
export function renderDiffHtml(a: Dump, b: Dump, diff: DumpDiff, top = 30): string {
  const marksA = new Map<MemNode, DiffStatus>();
  const marksB = new Map<MemNode, DiffStatus>();
  for (const e of diff.entries) {
    if (e.status === "same" || e.status === "changed") continue;
    if (e.before !== undefined) marksA.set(e.before, e.status);
    if (e.after !== undefined) marksB.set(e.after, e.status);
  }
  const delta = diff.after.totalBytes - diff.before.totalBytes;
  const sign = (n: number) => (n > 0 ? "up" : n < 0 ? "down" : "");
  const groups = groupChanges(diff).slice(0, top).map((g) => {
    const parts: string[] = [];
    if (g.added) parts.push(`+${g.added} new`);
    if (g.removed) parts.push(`−${g.removed} gone`);
    if (g.summarised) parts.push(`${g.summarised} now summarised`);
    if (g.unsummarised) parts.push(`${g.unsummarised} no longer summarised`);
    if (g.changed) parts.push(`${g.changed} changed`);
    return `<tr><td class="n"><span class="own">${escapeXml(g.name)}</span></td><td>${
      parts.join(", ")
    }</td>` +
      `<td class="${sign(g.deltaBytes)}">${formatDelta(g.deltaBytes)}</td></tr>`;
  }).join("");
  const changes = largestChanges(diff, top).map((e) =>
    `<tr><td class="n">${pathCell(e.path, (e.after ?? e.before)!)}</td><td>${e.status}</td>` +
    `<td class="${sign(e.deltaBytes)}">${formatDelta(e.deltaBytes)}</td>` +
    `<td class="${sign(e.deltaSubtree)}">${formatDelta(e.deltaSubtree)}</td></tr>`
  ).join("");
  const key = Object.entries(MARK).map(([s, c]) =>
    `<span><i style="border-color:${c}${
      s.endsWith("summarised") ? ";border-style:dashed" : ""
    }"></i>${s}</span>`
  ).join("");
  const counts = Object.entries(diff.counts).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`)
    .join(", ");
  const samePid = a.pid !== undefined && b.pid !== undefined && a.pid !== b.pid
    ? ` · note: different PIDs (${a.pid} vs ${b.pid})`
    : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memstats diff: ${escapeXml(a.source ?? "A")} → ${escapeXml(b.source ?? "B")}</title>
<style>${CSS}</style></head>
<body><header><h1>memstats diff</h1><div class="verdict">${formatBytes(diff.before.totalBytes)} → ${
    formatBytes(diff.after.totalBytes)
  } (${formatDelta(delta)})</div><div class="meta">before: ${
    escapeXml(describeDump(a) + who(a))
  }<br>` +
    `after: ${escapeXml(describeDump(b) + who(b))}<br>${escapeXml(counts)}${
      escapeXml(samePid)
    }</div></header>
<main><section style="min-width:0"><div class="key">${key}</div>
<h2>Before</h2>${icicle("before", a.root, marksA)}<h2>After</h2>${
      icicle("after", b.root, marksB)
    }</section>
<aside style="min-width:0"><h2>Changes by name</h2><table><tr><th class="n">name</th><th>what</th><th>own bytes</th></tr>${groups}</table>
<h2>Largest changes</h2><table><tr><th class="n">context</th><th>status</th><th>own</th><th>subtree</th></tr>${changes}</table></aside></main>
</body></html>
`;
}
