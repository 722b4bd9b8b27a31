/**
 * The heap map as SVG text: one bar per block, cut into the context header,
 * block header, chunk headers, chunks and free space, with a legend. The
 * same function draws the page's heap view and the pictures of
 * `docs/context-types.md` (screenshots of the page), so the docs show what
 * the explorer shows.
 *
 * Colours are the Okabe–Ito palette, safe for the common colour-vision
 * deficiencies, and every context type also has its own fill pattern and a
 * written label, so no information is carried by hue alone.
 */
import type { ContextLayout, Segment } from "./layout.ts";

/** Per-type colour, pattern id and short label. */
export const TYPE_STYLE: Record<string, { color: string; pattern: string; label: string }> = {
  AllocSetContext: { color: "#0072B2", pattern: "pat-aset", label: "AllocSet" },
  GenerationContext: { color: "#E69F00", pattern: "pat-gen", label: "Generation" },
  SlabContext: { color: "#009E73", pattern: "pat-slab", label: "Slab" },
  BumpContext: { color: "#CC79A7", pattern: "pat-bump", label: "Bump" },
};

let drawings = 0;

const FALLBACK = { color: "#777777", pattern: "pat-aset", label: "?" };

/** The SVG `<defs>` with the four type patterns and the free/dead hatches. */
export function patternDefs(): string {
  const p = (id: string, color: string, body: string) =>
    `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">` +
    `<rect width="8" height="8" fill="${color}"/>${body}</pattern>`;
  const s = TYPE_STYLE;
  return "<defs>" +
    p(s.AllocSetContext.pattern, s.AllocSetContext.color, "") +
    p(
      s.GenerationContext.pattern,
      s.GenerationContext.color,
      `<path d="M0 8 L8 0 M-2 2 L2 -2 M6 10 L10 6" stroke="#000" stroke-opacity=".35" stroke-width="1.6"/>`,
    ) +
    p(
      s.SlabContext.pattern,
      s.SlabContext.color,
      `<circle cx="4" cy="4" r="1.6" fill="#000" fill-opacity=".4"/>`,
    ) +
    p(
      s.BumpContext.pattern,
      s.BumpContext.color,
      `<path d="M0 4 H8 M4 0 V8" stroke="#000" stroke-opacity=".35" stroke-width="1.4"/>`,
    ) +
    p("pat-dead", "#d9d9d9", `<path d="M0 0 L8 8" stroke="#666" stroke-width="1"/>`) +
    p("pat-pad", "#F0E442", `<path d="M0 8 L8 0" stroke="#8a7f00" stroke-width="1"/>`) +
    "</defs>";
}

/** Fill of one segment kind. */
function fill(kind: Segment["kind"], type: string): string {
  const st = TYPE_STYLE[type] ?? FALLBACK;
  switch (kind) {
    case "ctxheader":
      return "#1b1b1b";
    case "blockheader":
      return "#4d4d4d";
    case "chunkheader":
      return "#000000";
    case "used":
      return `url(#${st.pattern})`;
    case "free":
      return "#ffffff";
    case "dead":
      return "url(#pat-dead)";
    case "padding":
      return "url(#pat-pad)";
    case "unused":
      return "#eeeeee";
  }
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Options of `heapSvg`. */
export interface HeapSvgOptions {
  /** Width in CSS pixels. */
  width: number;
  /** Trace token of the chunk the current step touched (outlined). */
  highlight?: string | null;
  /** Context the current step acts on (its title is marked). */
  acting?: string | null;
  /** Only these contexts (by name), in this order; all when absent. */
  only?: string[];
  /** Draw the legend (default true). */
  legend?: boolean;
}

/** A chunk's hover text. */
export function chunkTitle(ctx: ContextLayout, seg: Segment): string {
  const c = seg.chunk;
  if (c === undefined) {
    const what: Record<Segment["kind"], string> = {
      ctxheader: "context header (the context's own struct, in its keeper block)",
      blockheader: "block header",
      chunkheader: "chunk header",
      used: "used (no token: an aligned chunk's slack or data the trace did not name)",
      free: "free",
      dead: "freed",
      unused: "free space never carved into chunks",
      padding: "alignment padding and redirect header",
    };
    return `${ctx.name}: ${what[seg.kind]}, ${seg.bytes} bytes at 0x${seg.start.toString(16)}`;
  }
  const parts = [
    `${ctx.name} (${(TYPE_STYLE[ctx.type] ?? FALLBACK).label})`,
    c.state === "used"
      ? `chunk ${c.token ?? "(unnamed)"} at 0x${c.ptr.toString(16)}`
      : c.state === "free"
      ? `free chunk at 0x${c.ptr.toString(16)}`
      : `freed chunk at 0x${c.ptr.toString(16)} (not reusable until its block empties)`,
    c.requested !== null ? `requested ${c.requested} bytes` : "",
    `occupies ${c.space} bytes${c.header > 0 ? ` (${c.header}-byte header)` : " (no header)"}`,
    c.state === "used"
      ? `PostgreSQL counts ${c.space} bytes used`
      : `PostgreSQL counts ${c.space} bytes free`,
    c.freelist !== null
      ? `on freelist ${c.freelist} (${8 << c.freelist}-byte chunks), next ${
        c.next === 0 || c.next === null ? "none" : "0x" + c.next.toString(16)
      }`
      : "",
    c.aligned !== null ? `aligned pointer 0x${c.aligned.toString(16)}` : "",
  ];
  return parts.filter((s) => s !== "").join("\n");
}

/**
 * Draws the heap map of `contexts`. Each chunk rect carries `data-ctx` and
 * `data-seg` (indices into `contexts` and the block's segments) for hover.
 */
export function heapSvg(contexts: ContextLayout[], o: HeapSvgOptions): string {
  const W = Math.max(320, o.width);
  const left = 8;
  const barW = W - 2 * left;
  const list = o.only === undefined
    ? contexts
    : o.only.map((n) => contexts.find((c) => c.name === n)).filter((c) => c !== undefined);
  let maxB = 1024;
  let minB = Infinity;
  for (const c of list) {
    for (const b of c.blocks) {
      maxB = Math.max(maxB, b.bytes);
      minB = Math.min(minB, b.bytes);
    }
  }
  if (!Number.isFinite(minB)) minB = maxB;
  const span = Math.log(maxB) - Math.log(Math.min(minB, maxB / 8));
  const len = (bytes: number) =>
    span <= 0 ? barW : barW * (0.35 + 0.65 * (Math.log(bytes) - Math.log(maxB) + span) / span);
  const out: string[] = [];
  let y = 4;
  const BAR = 22;
  for (let ci = 0; ci < list.length; ci++) {
    const c = list[ci];
    const st = TYPE_STYLE[c.type] ?? FALLBACK;
    const idx = contexts.indexOf(c);
    const acting = o.acting === c.name;
    y += 14;
    out.push(
      `<rect x="${left}" y="${
        y - 11
      }" width="12" height="12" fill="url(#${st.pattern})" stroke="#000" stroke-width=".6"/>` +
        `<text x="${left + 17}" y="${y}" class="ctxname${acting ? " acting" : ""}">${
          acting ? "▶ " : ""
        }${esc(c.name)} <tspan class="ctxtype">${st.label}${
          c.separateHeader > 0 ? ` · context header ${c.separateHeader} B apart` : ""
        }${c.blocks.length === 0 ? " · no blocks" : ""}</tspan></text>`,
    );
    y += 4;
    for (let bi = 0; bi < c.blocks.length; bi++) {
      const b = c.blocks[bi];
      const w = len(b.bytes);
      y += 13;
      const note = [
        `${b.bytes.toLocaleString("en-US")} B`,
        b.role === "keeper"
          ? "keeper block (with context header)"
          : b.role === "dedicated"
          ? ""
          : "block",
        b.note,
      ].filter((s) => s !== "").join(" · ");
      out.push(`<text x="${left}" y="${y}" class="blocknote">${esc(note)}</text>`);
      y += 3;
      out.push(`<g class="block" data-ctx="${idx}" data-block="${bi}">`);
      out.push(
        `<rect x="${left}" y="${y}" width="${
          w.toFixed(2)
        }" height="${BAR}" fill="#fff" stroke="#000" stroke-width="1"/>`,
      );
      const scale = w / b.bytes;
      for (let si = 0; si < b.segments.length; si++) {
        const s = b.segments[si];
        const x = left + (s.start - b.start) * scale;
        const sw = Math.max(s.kind === "chunkheader" ? 0.8 : 0.5, s.bytes * scale);
        const hit = o.highlight != null && s.chunk?.token === o.highlight &&
          s.kind !== "chunkheader";
        const stroke = s.kind === "free"
          ? ` stroke="${st.color}" stroke-width="1.2"`
          : hit
          ? ` stroke="#000" stroke-width="2.5"`
          : "";
        const h = s.kind === "chunkheader" || s.kind === "blockheader" || s.kind === "ctxheader"
          ? BAR
          : BAR - 4;
        const yy = h === BAR ? y : y + 2;
        out.push(
          `<rect class="seg ${s.kind}${
            hit ? " hit" : ""
          }" data-ctx="${idx}" data-block="${bi}" data-seg="${si}" x="${
            x.toFixed(2)
          }" y="${yy}" width="${sw.toFixed(2)}" height="${h}" fill="${
            fill(s.kind, c.type)
          }"${stroke}>` +
            `<title>${esc(chunkTitle(c, s))}</title></rect>`,
        );
        if (s.kind === "free" && s.chunk?.freelist != null && sw > 14) {
          out.push(
            `<text x="${(x + sw / 2).toFixed(1)}" y="${
              y + 15
            }" class="fl">${s.chunk.freelist}</text>`,
          );
        }
      }
      if (b.fill !== null) {
        const fw = w * b.fill.used / b.fill.total;
        out.push(
          `<rect x="${left}" y="${y + BAR + 1}" width="${fw.toFixed(2)}" height="3" fill="#000"/>`,
        );
      }
      out.push("</g>");
      y += BAR + (b.fill !== null ? 5 : 1);
    }
    for (const f of c.freelists) {
      y += 13;
      const text = `freelist ${f.index} (${f.size}-byte chunks), ${f.chunks.length} free: head → ` +
        f.chunks.slice(0, 3).map((p) => "0x" + p.toString(16)).join(" → ") +
        (f.chunks.length > 3 ? " → …" : " → end");
      out.push(`<text x="${left}" y="${y}" class="freelists">${esc(text)}</text>`);
    }
    y += 8;
  }
  if (o.legend !== false) {
    y += 10;
    const items: [string, string, string][] = [
      ["#1b1b1b", "", "context header"],
      ["#4d4d4d", "", "block header"],
      ["#000000", "", "chunk header (8 B)"],
      ["url(#pat-aset)", "", "used chunk (type's colour)"],
      ["#ffffff", "#0072B2", "free chunk on a freelist (number = list)"],
      ["url(#pat-dead)", "", "freed, not reusable (Generation)"],
      ["url(#pat-pad)", "", "alignment padding"],
      ["#eeeeee", "", "never carved"],
    ];
    let x = left;
    for (const [f, stroke, label] of items) {
      const wText = label.length * 6.2 + 26;
      if (x + wText > W) {
        x = left;
        y += 18;
      }
      out.push(
        `<rect x="${x}" y="${y - 10}" width="14" height="12" fill="${f}" stroke="${
          stroke || "#000"
        }" stroke-width="${stroke ? 1.5 : 0.5}"/><text x="${x + 18}" y="${y}" class="legend">${
          esc(label)
        }</text>`,
      );
      x += wText;
    }
    y += 18;
    x = left;
    for (const t of Object.values(TYPE_STYLE)) {
      out.push(
        `<rect x="${x}" y="${
          y - 10
        }" width="14" height="12" fill="url(#${t.pattern})" stroke="#000" stroke-width=".5"/><text x="${
          x + 18
        }" y="${y}" class="legend">${t.label}</text>`,
      );
      x += t.label.length * 6.2 + 34;
    }
    y += 16;
    out.push(
      `<text x="${left}" y="${y}" class="legend">Bar length: log of the block size (exact bytes in the labels).</text>`,
    );
    y += 8;
  }
  // Pattern ids unique per drawing: a page holds several maps, some hidden, and a url(#id)
  // resolved into a hidden one would draw nothing.
  const pfx = `m${++drawings}-`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="heapmap" width="${W}" height="${
    y + 6
  }" viewBox="0 0 ${W} ${y + 6}" role="img" aria-label="heap map">${patternDefs()}${
    out.join("")
  }</svg>`;
  return svg.replaceAll('id="pat-', `id="${pfx}pat-`).replaceAll("url(#pat-", `url(#${pfx}pat-`);
}
