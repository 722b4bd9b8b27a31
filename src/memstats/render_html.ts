/**
 * render_html.ts — the self-contained HTML report: icicle, details, and ranking tables.
 *
 * One file, no network: styles and script are inline and a Content-Security-Policy forbids
 * every external load. The icicle is the same SVG `render_svg.ts` draws (one `rect.ctx` per
 * context); the page adds the top-consumer tables beside it, contexts grouped by name, the
 * Grand total check and any skipped lines. The per-context data the script needs is embedded
 * as JSON. Accepts a parsed dump or a plain tree, so palloc's own contexts render the same way.
 *
 * @module
 */

import { type Analysis, analyze } from "./analyze.ts";
import { type Consumer, nodeLabel } from "./rank.ts";
import { describeDump, formatBytes } from "./format.ts";
import { CLIENT_SCRIPT } from "./html_client.ts";
import { type Cell, icicleLayout } from "./layout.ts";
import type { Dump, MemNode } from "./model.ts";
import { verdict } from "./verdict.ts";
import { type ColorBy, escapeXml, icicleShapes, legendEntries, TYPE_COLORS } from "./render_svg.ts";
import { dumpFromTree } from "./walker.ts";

/**
 * Options of {@link renderHtml}.
 *
 * @example
 * ```ts
 * import { type HtmlOptions, readDump, renderHtml } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const opts: HtmlOptions = { title: "backend 4242", colorBy: "free", top: 40 };
 * const page = renderHtml(readDump(text), opts);
 * console.assert(page.includes("<title>memstats: backend 4242</title>"));
 * ```
 */
export interface HtmlOptions {
  /** Page heading (default: the dump's source). */
  title?: string;
  /** Initial colouring (default `type`). */
  colorBy?: ColorBy;
  /** Rows in each ranking table (default 25). */
  top?: number;
  /** Icicle drawing width in pixels (default 1000). */
  width?: number;
  /** Row height (default: 24 to 44 pixels, so the icicle is about 360 pixels tall). */
  rowHeight?: number;
  /** A precomputed analysis of the same dump, to avoid doing it twice. */
  analysis?: Analysis;
}

const CSS = `
*{box-sizing:border-box}html{overflow-x:hidden}body{margin:0;font:13px/1.4 system-ui,sans-serif;color:#222;background:#fafafa}
header{padding:10px 16px;background:#233;color:#eee}h1{font-size:17px;margin:0 0 4px;overflow-wrap:anywhere}
header .meta{font-size:12px;color:#bcc}.ok{color:#7d7}.bad{color:#f88}
.verdict{font-size:15px;color:#fff;margin:4px 0 2px;font-weight:600}
main{display:grid;grid-template-columns:minmax(0,1fr);gap:16px;padding:12px 16px;align-items:start}
@media (min-width:1700px){main{grid-template-columns:minmax(0,1fr) minmax(520px,36%)}}
.chart{min-width:0}.chart svg{background:#fff;border:1px solid #ddd;display:block;width:100%;height:auto}
.ctx{stroke:#fff;stroke-width:.5;cursor:pointer}.ctx:hover{opacity:.8}.ctx.sel{stroke:#000;stroke-width:2}
.labels text{pointer-events:none;fill:#fff;font-size:11px}
.controls{margin:6px 0}button{font:inherit;border:1px solid #999;background:#fff;border-radius:3px;
padding:1px 8px;cursor:pointer}button.on{background:#355;color:#fff;border-color:#355}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:11px;height:11px;
margin-right:4px;vertical-align:-1px}
#details{margin-top:8px;padding:8px;background:#fff;border:1px solid #ddd;min-height:80px;white-space:pre-wrap;overflow-wrap:anywhere}
#details .path{font-weight:600}#details .ident{color:#555;font-family:monospace}
aside{min-width:0}h2{font-size:14px;margin:8px 0 4px}
table{border-collapse:collapse;width:100%;background:#fff}td,th{padding:2px 6px;border-bottom:1px solid #eee;
text-align:right;white-space:nowrap;vertical-align:top}td.n,th.n{text-align:left;white-space:normal;
word-break:normal;overflow-wrap:break-word;width:99%}
td.n .anc{color:#777;font-size:11px}td.n .own{font-weight:600}
tr[data-goto]{cursor:pointer}tr[data-goto]:hover{background:#eef}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:6px 8px;border-radius:4px;
white-space:pre-wrap;font-size:12px;max-width:380px;overflow:hidden;z-index:9}
`;
/** A context's path for a table cell: its ancestors (root left out) small, its own label bold. */
export function pathCell(path: string, node: MemNode): string {
  const parts = path.split(" > ");
  const own = parts.pop() ?? nodeLabel(node);
  const anc = parts.slice(1); // TopMemoryContext is every path's start
  return (anc.length > 0 ? `<span class="anc">${escapeXml(anc.join(" › "))} › </span>` : "") +
    `<span class="own">${escapeXml(own)}</span>`;
}

function consumerRows(rows: Consumer[], index: Map<MemNode, number>): string {
  return rows.map((r) =>
    `<tr data-goto="${index.get(r.node)}"><td class="n" title="${escapeXml(r.path)}">` +
    `${pathCell(r.path, r.node)}</td><td>${formatBytes(r.totalBytes)}</td>` +
    `<td>${formatBytes(r.usedBytes)}</td><td>${formatBytes(r.freeBytes)}</td>` +
    `<td>${(r.freeRatio * 100).toFixed(0)}%</td><td>${formatBytes(r.subtreeBytes)}</td></tr>`
  ).join("");
}

/** Horizontal positions go to the page as integers in units of 1/SCALE of the width. */
const SCALE = 1e9;

/** The per-context arrays the page script reads, built in one pass (big trees). */
function clientData(cells: Cell[], head: Record<string, unknown>) {
  const n = cells.length;
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  const col = () => new Array<number>(n);
  const x0 = col(), x1 = col(), depth = col(), parent = col(), type = col(), tot = col();
  const blk = col(), free = col(), fch = col(), used = col(), st = col(), sc = col();
  const sum = col(), line = col();
  const label = new Array<string>(n);
  const ident = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    const m = c.node;
    x0[i] = Math.round(c.x0 * SCALE);
    x1[i] = Math.round(c.x1 * SCALE);
    depth[i] = c.depth;
    parent[i] = c.parent;
    const t = m.type ?? "";
    let ti = typeIndex.get(t);
    if (ti === undefined) {
      ti = types.length;
      types.push(t);
      typeIndex.set(t, ti);
    }
    type[i] = ti;
    tot[i] = m.totalBytes;
    blk[i] = m.nblocks;
    free[i] = m.freeBytes;
    fch[i] = m.freeChunks;
    used[i] = m.usedBytes;
    st[i] = c.subtreeBytes;
    sc[i] = c.subtreeContexts;
    sum[i] = m.summarizedCount ?? 0;
    line[i] = m.line ?? 0;
    label[i] = nodeLabel(m);
    ident[i] = m.ident === undefined ? "" : m.ident.slice(0, 1100);
  }
  return {
    ...head,
    scale: SCALE,
    types,
    x0,
    x1,
    depth,
    parent,
    type,
    tot,
    blk,
    free,
    fch,
    used,
    st,
    sc,
    sum,
    line,
    label,
    ident,
  };
}

/** Time, backend type and user@db of a dump, as a suffix for the header line. */
export function who(d: Dump): string {
  const bits: string[] = [];
  if (d.time !== undefined) bits.push(d.time);
  if (d.backendType !== undefined) bits.push(d.backendType);
  if (d.user !== undefined || d.database !== undefined) {
    bits.push(`${d.user ?? ""}@${d.database ?? ""}`);
  }
  if (d.application !== undefined) bits.push(`app ${d.application}`);
  return bits.length === 0 ? "" : `, ${bits.join(", ")}`;
}

/** JSON for an inline script element. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * A self-contained HTML report (no network): zoomable icicle, details, top-consumer tables.
 *
 * @example
 * ```ts
 * import { readDump, renderHtml } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * Grand total: 16384 bytes in 2 blocks; 8144 free (3 chunks); 8240 used
 * `;
 * const page = renderHtml(readDump(text, { source: "gdb.txt" }), { top: 30 });
 * console.assert(page.startsWith("<!DOCTYPE html>") && page.includes("<title>memstats: gdb.txt"));
 * console.assert(page.includes("Grand total 16384 bytes matches the lines"));
 * ```
 */
export function renderHtml(input: Dump | MemNode, options: HtmlOptions = {}): string {
  const dump = "root" in input ? input : dumpFromTree(input, { withGrandTotal: false });
  const top = options.top ?? 25;
  const a = options.analysis ?? analyze(dump, top);
  const width = options.width ?? 1000;
  const colorBy = options.colorBy ?? "type";
  const layout = icicleLayout(dump.root);
  const rowHeight = options.rowHeight ??
    Math.max(24, Math.min(44, Math.floor(360 / (layout.maxDepth + 1))));
  const cells = layout.cells;
  const wanted = new Set<MemNode>();
  for (const list of [a.topByTotal, a.topByUsed, a.topByFree, a.topBySubtree]) {
    for (const r of list) wanted.add(r.node);
  }
  const index = new Map<MemNode, number>();
  for (let i = 0; i < cells.length; i++) if (wanted.has(cells[i].node)) index.set(cells[i].node, i);
  const height = (layout.maxDepth + 1) * rowHeight + 4;
  const title = options.title ?? dump.source ?? "memory contexts";

  const data = clientData(cells, { width, rowHeight, top: 2, colorBy, colors: TYPE_COLORS });

  const c = a.check;
  const check = c.status === "ok"
    ? `<span class="ok">Grand total ${c.expected!.totalBytes} bytes matches the lines</span>`
    : c.status === "mismatch"
    ? `<span class="bad">Grand total mismatch: ${escapeXml(c.mismatched.join(", "))}</span>`
    : "no Grand total in this form";
  const legends = (["type", "free"] as ColorBy[]).map((by) =>
    `<div class="legend" data-for="${by}"${by === colorBy ? "" : " hidden"}>` +
    legendEntries(by).map(([n, col]) =>
      `<span><i style="background:${col}"></i>${escapeXml(n)}</span>`
    ).join("") + "</div>"
  ).join("");
  const ranks: [string, string, Consumer[]][] = [
    ["total", "own total", a.topByTotal],
    ["used", "used", a.topByUsed],
    ["free", "free (fragmentation)", a.topByFree],
    ["subtree", "subtree", a.topBySubtree],
  ];
  const tables = ranks.map(([key, , rows], i) =>
    `<table data-rank="${key}"${i === 0 ? "" : " hidden"}><tr><th class="n">context</th>` +
    `<th>total</th><th>used</th><th>free</th><th>free%</th><th>subtree</th></tr>` +
    consumerRows(rows, index) + "</table>"
  ).join("");
  const tabs = ranks.map(([key, name], i) =>
    `<button data-tab="${key}"${i === 0 ? ' class="on"' : ""}>${escapeXml(name)}</button>`
  ).join(" ");
  const groups = a.groups.slice(0, top).map((g) =>
    `<tr><td class="n">${escapeXml(g.name)}</td><td>${g.count}</td>` +
    `<td>${formatBytes(g.totalBytes)}</td><td>${formatBytes(g.freeBytes)}</td></tr>`
  ).join("");
  const skipped = dump.skipped.length === 0 ? "" : `<h2>${dump.skipped.length} skipped lines</h2>` +
    `<table>${
      dump.skipped.slice(0, 50).map((s) =>
        `<tr><td>${s.line}</td><td class="n">${escapeXml(s.reason)}: ${escapeXml(s.text)}</td></tr>`
      ).join("")
    }</table>`;

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memstats: ${escapeXml(title)}</title><style>${CSS}</style></head>
<body><header><h1>${escapeXml(title)}</h1><div class="verdict">${
    escapeXml(verdict(dump))
  }</div><div class="meta">${escapeXml(describeDump(dump))}${escapeXml(who(dump))}<br>
${a.contexts} contexts · ${formatBytes(a.totals.totalBytes)} in ${a.totals.nblocks} blocks · ${
    formatBytes(a.totals.usedBytes)
  } used · ${formatBytes(a.totals.freeBytes)} free · ${check}${
    dump.complete ? "" : ' · <span class="bad">incomplete dump</span>'
  }</div></header>
<main><section class="chart"><div class="controls">colour by <button data-color="type"${
    colorBy === "type" ? ' class="on"' : ""
  }>type</button> <button data-color="free"${
    colorBy === "free" ? ' class="on"' : ""
  }>free ratio</button> <button id="reset">reset zoom</button> · click a bar to zoom</div>
<svg id="icicle" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">${
    icicleShapes(layout, width, rowHeight, 2, colorBy, false)
  }</svg>${legends}<div id="details">Hover a bar for its figures; click to select and zoom.</div>
${skipped}</section><aside><h2>Top consumers</h2><div class="controls">${tabs}</div>${tables}
<h2>Contexts grouped by name</h2><table><tr><th class="n">name</th><th>count</th><th>total</th><th>free</th></tr>${groups}</table></aside></main><div id="tip" hidden></div>
<script type="application/json" id="memstats-data">${jsonForScript(data)}</script>
<script>${CLIENT_SCRIPT}</script></body></html>
`;
}
