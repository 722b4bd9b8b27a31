/**
 * render_svg.ts — draws a context tree as an SVG icicle.
 *
 * One `<rect class="ctx">` per context (summary nodes included), width by subtree bytes,
 * colour by allocator type or by the context's own free ratio. The same drawing is used on its
 * own (a plain SVG file that needs no script: hover titles come from `<title>` elements) and
 * inside the HTML report, which adds interaction on top. The input is the plain
 * {@link MemNode} tree, so palloc's own contexts can be drawn as well as PostgreSQL dumps.
 *
 * @module
 */

import { nodeLabel } from "./rank.ts";
import { formatBytes } from "./format.ts";
import { type Cell, type IcicleLayout, icicleLayout } from "./layout.ts";
import type { Dump, MemNode } from "./model.ts";

/**
 * How shapes are coloured.
 *
 * @example
 * ```ts
 * import { type ColorBy, readDump, renderSvg } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const by: ColorBy = "free"; // green when full, red when mostly free
 * const svg = renderSvg(readDump(text), { colorBy: by });
 * console.assert(svg.includes(">100% free</text>") && !svg.includes(">AllocSet</text>"));
 * ```
 */
export type ColorBy = "type" | "free";

/** Colours per allocator type (and for summary nodes and unknown types). */
export const TYPE_COLORS: Readonly<Record<string, string>> = {
  AllocSet: "#4e79a7",
  Generation: "#59a14f",
  Slab: "#f28e2b",
  Bump: "#b07aa1",
  summary: "#c9c4bf",
  unknown: "#9d9d9d",
};

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/** Colour of a free ratio 0..1: green when full, through yellow, to red when mostly free. */
export function freeRatioColor(ratio: number): string {
  const r = Math.min(1, Math.max(0, ratio));
  return `hsl(${Math.round(120 * (1 - r))},60%,48%)`;
}

/** The fill of a node under a colouring. */
export function nodeColor(n: MemNode, by: ColorBy): string {
  if (n.summarizedCount !== undefined) return TYPE_COLORS.summary;
  if (by === "free") return n.totalBytes > 0 ? freeRatioColor(n.freeBytes / n.totalBytes) : "#ccc";
  return TYPE_COLORS[n.type ?? "unknown"] ?? TYPE_COLORS.unknown;
}

/**
 * Options of {@link renderSvg}.
 *
 * @example
 * ```ts
 * import { readDump, renderSvg, type SvgOptions } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const opts: SvgOptions = { width: 1600, rowHeight: 20, title: "backend 7", tooltips: false };
 * const svg = renderSvg(readDump(text), opts);
 * console.assert(svg.includes('width="1600"') && svg.includes(">backend 7</text>"));
 * console.assert(!svg.includes("<title>"));
 * ```
 */
export interface SvgOptions {
  /** Drawing width in pixels (default 1200). */
  width?: number;
  /** Row height in pixels (default 24). */
  rowHeight?: number;
  /** Colouring (default `type`). */
  colorBy?: ColorBy;
  /** Heading drawn above the icicle (default: the dump's source, or "memory contexts"). */
  title?: string;
  /** Add a `<title>` tooltip to every shape (default: yes up to 20,000 contexts). */
  tooltips?: boolean;
}

const HEADER = 34;
const CHAR_W = 6.4;

function fmt(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

function tooltip(c: Cell): string {
  const n = c.node;
  const parts = [
    nodeLabel(n),
    `${n.type ?? (n.summarizedCount !== undefined ? "summary" : "unknown type")}, level ${c.depth}`,
    `own: ${formatBytes(n.totalBytes)} in ${n.nblocks} blocks, ${formatBytes(n.usedBytes)} used, ` +
    `${formatBytes(n.freeBytes)} free (${n.freeChunks} chunks)`,
    `subtree: ${formatBytes(c.subtreeBytes)} in ${c.subtreeContexts} contexts`,
  ];
  return parts.join("\n");
}

/**
 * The text a bar `w` pixels wide can hold: name and subtree bytes, else a shortened name and
 * the bytes, else the bytes, else a shortened name. The page script applies the same rule
 * when it zooms.
 */
export function barLabel(label: string, bytes: string, w: number): string {
  const max = Math.floor((w - 6) / CHAR_W);
  const full = `${label} ${bytes}`;
  if (full.length <= max) return full;
  if (bytes.length + 6 <= max) return label.slice(0, max - bytes.length - 2) + "… " + bytes;
  if (bytes.length <= max) return bytes;
  return label.length > max ? label.slice(0, Math.max(0, max - 1)) + "…" : label;
}

/** Draws the icicle shapes and labels (no `<svg>` wrapper); y starts at `top`. */
export function icicleShapes(
  layout: IcicleLayout,
  width: number,
  rowHeight: number,
  top: number,
  colorBy: ColorBy,
  tooltips: boolean,
): string {
  const out: string[] = [];
  const labels: string[] = [];
  const cells = layout.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    const x = c.x0 * width;
    const w = (c.x1 - c.x0) * width;
    const y = top + c.depth * rowHeight;
    const fill = nodeColor(c.node, colorBy);
    const attrs = `class="ctx" data-i="${i}" x="${fmt(x)}" y="${y}" width="${fmt(w)}" ` +
      `height="${rowHeight - 1}" fill="${fill}"`;
    out.push(
      tooltips
        ? `<rect ${attrs}><title>${escapeXml(tooltip(c))}</title></rect>`
        : `<rect ${attrs}/>`,
    );
    if (w >= 40) {
      const text = barLabel(nodeLabel(c.node), formatBytes(c.subtreeBytes), w);
      if (text.length > 1) {
        labels.push(
          `<text x="${fmt(x + 3)}" y="${y + rowHeight / 2 + 4}">${escapeXml(text)}</text>`,
        );
      }
    }
  }
  return `<g class="shapes">${out.join("")}</g><g class="labels">${labels.join("")}</g>`;
}

/** The legend entries for a colouring, as [label, colour] pairs. */
export function legendEntries(colorBy: ColorBy): [string, string][] {
  if (colorBy === "free") {
    return [0, 0.25, 0.5, 0.75, 1].map((r) => [`${r * 100}% free`, freeRatioColor(r)]);
  }
  return Object.entries(TYPE_COLORS);
}

/**
 * A stand-alone SVG icicle of a dump or tree: one `rect.ctx` per context, `<title>` tooltips.
 *
 * @example
 * ```ts
 * import { readDump, renderSvg } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const svg = renderSvg(readDump(text), { colorBy: "free" });
 * console.assert(svg.startsWith("<svg ") && svg.match(/<rect class="ctx"/g)!.length === 2);
 * console.assert(svg.includes("<title>ErrorContext\nAllocSet, level 1\n")); // hover tooltip
 * ```
 */
export function renderSvg(input: Dump | MemNode, options: SvgOptions = {}): string {
  const root = "root" in input ? input.root : input;
  const source = "root" in input ? input.source : undefined;
  const width = options.width ?? 1200;
  const rowHeight = options.rowHeight ?? 24;
  const colorBy = options.colorBy ?? "type";
  const layout = icicleLayout(root);
  const height = HEADER + (layout.maxDepth + 1) * rowHeight + 28;
  const rootCell = layout.cells[0];
  let freeBytes = 0;
  for (const c of layout.cells) freeBytes += c.node.freeBytes;
  const title = options.title ?? source ?? "memory contexts";
  const legendY = height - 14;
  const legend = legendEntries(colorBy).map(([name, color], i) =>
    `<rect x="${10 + i * 120}" y="${legendY - 10}" width="12" height="12" fill="${color}"/>` +
    `<text x="${26 + i * 120}" y="${legendY}">${escapeXml(name)}</text>`
  ).join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" `,
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<style>.labels text{pointer-events:none;fill:#fff}.ctx{stroke:#fff;stroke-width:.5}</style>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${width - 8}" y="20" text-anchor="end">${rootCell.subtreeContexts} contexts, `,
    `${escapeXml(formatBytes(rootCell.subtreeBytes))} total, `,
    `${escapeXml(formatBytes(freeBytes))} free</text>`,
    icicleShapes(
      layout,
      width,
      rowHeight,
      HEADER,
      colorBy,
      options.tooltips ?? layout.cells.length <= 20_000,
    ),
    `<g class="legend">${legend}</g></svg>\n`,
  ].join("");
}
