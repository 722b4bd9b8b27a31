/**
 * layout.ts — the icicle layout both renderers draw.
 *
 * An icicle gives each tree level one row and each context a bar whose width is its subtree's
 * bytes, placed under its parent's bar. A parent's own bytes are the part of its bar that no
 * child covers. Kept apart from the SVG and HTML writers so that both draw the same geometry and
 * so that the HTML page's zoom can reuse the normalised coordinates (0..1) computed here.
 *
 * @module
 */

import { flatten } from "./flat.ts";
import type { MemNode } from "./model.ts";

/**
 * One placed context.
 *
 * @example
 * ```ts
 * import { type Cell, icicleLayout, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const [top, error]: Cell[] = icicleLayout(readDump(text).root).cells;
 * console.assert(top.x0 === 0 && top.x1 === 1 && top.subtreeBytes === 16384);
 * console.assert(error.parent === 0 && error.depth === 1 && error.x1 - error.x0 === 0.5);
 * ```
 */
export interface Cell {
  /** The context. */
  node: MemNode;
  /** Index of the parent cell, -1 for the root. */
  parent: number;
  /** Row (root = 0). */
  depth: number;
  /** Left edge, 0..1 of the full width. */
  x0: number;
  /** Right edge, 0..1. */
  x1: number;
  /** Bytes of the context's whole subtree (the width's measure). */
  subtreeBytes: number;
  /** Contexts in the subtree (a summary node counts as what it stands for). */
  subtreeContexts: number;
}

/**
 * A laid-out tree: cells in depth-first pre-order (parents before children).
 *
 * @example
 * ```ts
 * import { icicleLayout, type IcicleLayout, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   TopPortalContext: 8192 total in 1 blocks; 7936 free (0 chunks); 256 used
 *     PortalContext: 1024 total in 1 blocks; 592 free (0 chunks); 432 used: <unnamed>
 * `;
 * const l: IcicleLayout = icicleLayout(readDump(text).root);
 * console.assert(l.cells.length === 3 && l.maxDepth === 2 && l.cells[2].parent === 1);
 * ```
 */
export interface IcicleLayout {
  /** All cells; index 0 is the root. */
  cells: Cell[];
  /** Deepest row. */
  maxDepth: number;
}

/**
 * Options of {@link icicleLayout}.
 *
 * @example
 * ```ts
 * import { icicleLayout, type LayoutOptions, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 * `;
 * const root = readDump(text).root;
 * const cache = (opts: LayoutOptions) => icicleLayout(root, opts).cells[2]; // dump order
 * console.assert(cache({ order: "size" }).x0 === 0); // the biggest subtree goes leftmost
 * console.assert(cache({ order: "dump" }).x0 > 0); // after MessageContext, as in the dump
 * ```
 */
export interface LayoutOptions {
  /** `size` (default): biggest subtree first, left to right. `dump`: the dump's order. */
  order?: "size" | "dump";
}

/**
 * Lays a tree out as an icicle (normalised 0..1 coordinates, widths by subtree bytes).
 *
 * @example
 * ```ts
 * import { icicleLayout, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const { cells, maxDepth } = icicleLayout(readDump(text).root);
 * console.assert(cells.length === 3 && maxDepth === 1);
 * console.assert(cells[1].node.name === "CacheMemoryContext" && cells[1].x1 - cells[1].x0 === 0.5);
 * ```
 */
export function icicleLayout(root: MemNode, options: LayoutOptions = {}): IcicleLayout {
  const f = flatten(root);
  const count = f.nodes.length;
  const bySize = (options.order ?? "size") === "size";
  // Children of every node as index ranges (CSR), in dump order.
  const start = new Int32Array(count + 1);
  for (let i = 1; i < count; i++) start[f.parent[i] + 1]++;
  for (let i = 0; i < count; i++) start[i + 1] += start[i];
  const fill = start.slice(0, count);
  const kids = new Int32Array(Math.max(0, count - 1));
  for (let i = 1; i < count; i++) kids[fill[f.parent[i]]++] = i;

  const x0 = new Float64Array(count);
  const x1 = new Float64Array(count);
  x1[0] = 1;
  const rank = (i: number) => (f.nodes[i].summarizedCount !== undefined ? -1 : f.subTotal[i]);
  // Parents come before children in pre-order, so one forward pass places everything.
  for (let i = 0; i < count; i++) {
    const a = start[i];
    const b = start[i + 1];
    if (a === b) continue;
    let order: ArrayLike<number> = kids.subarray(a, b);
    if (bySize && b - a > 1) order = Array.from(order).sort((p, q) => rank(q) - rank(p) || p - q);
    const scale = f.subTotal[i] > 0 ? (x1[i] - x0[i]) / f.subTotal[i] : 0;
    let x = x0[i];
    for (let j = 0; j < order.length; j++) {
      const c = order[j];
      x0[c] = x;
      x += f.subTotal[c] * scale;
      x1[c] = x;
    }
  }
  const cells: Cell[] = new Array(count);
  let maxDepth = 0;
  for (let i = 0; i < count; i++) {
    const depth = f.depth[i];
    if (depth > maxDepth) maxDepth = depth;
    cells[i] = {
      node: f.nodes[i],
      parent: f.parent[i],
      depth,
      x0: x0[i],
      x1: x1[i],
      subtreeBytes: f.subTotal[i],
      subtreeContexts: f.subContexts[i],
    };
  }
  return { cells, maxDepth };
}
