/**
 * verdict.ts — the one sentence at the top of a report: where most of a dump's memory is.
 *
 * Starting at the root, it follows the child whose subtree is largest for as long as that
 * subtree still holds at least half of all bytes; the context where that stops is named with
 * its parent (`ExecutorState › ExprContext`), its share of the whole, the portal it runs under
 * when there is one (a `PortalContext` ancestor's ident) and its largest child when that child
 * holds a quarter of it or more. When no child holds half, the sentence says the memory is spread and names
 * the largest subtree instead.
 *
 * @module
 */

import { flatten } from "./flat.ts";
import { formatBytes } from "./format.ts";
import { type Dump, isSummary, type MemNode } from "./model.ts";

function label(n: MemNode): string {
  if (isSummary(n)) return `${n.summarizedCount} unprinted contexts`;
  if (n.ident === undefined || n.ident === "" || n.name === "PortalContext") return n.name;
  const id = n.ident.replace(/\s+/g, " ");
  return `${n.name} (${id.length > 40 ? id.slice(0, 37) + "..." : id})`;
}

function pct(part: number, whole: number): string {
  if (whole <= 0) return "0 %";
  const p = (part / whole) * 100;
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)} %`;
}

/**
 * One sentence saying where most of a dump's memory is.
 *
 * @example
 * ```ts
 * import { readDump, verdict } from "./mod.ts";
 * const d = readDump(`TopMemoryContext: 65536 total in 4 blocks; 1024 free (0 chunks); 64512 used
 *   TopPortalContext: 8192 total in 1 blocks; 7936 free (0 chunks); 256 used
 *     PortalContext: 1024 total in 1 blocks; 592 free (0 chunks); 432 used: h
 *       ExecutorState: 1048576 total in 8 blocks; 4096 free (0 chunks); 1044480 used
 *         ExprContext: 8388608 total in 10 blocks; 1024 free (0 chunks); 8387584 used
 * `);
 * console.assert(verdict(d) ===
 *   "8.00 MiB of 9.07 MiB (88 %) is in ExecutorState › ExprContext under portal h");
 * ```
 */
export function verdict(input: Dump | MemNode): string {
  const root = "root" in input ? input.root : input;
  const f = flatten(root);
  const n = f.nodes.length;
  const all = f.subTotal[0];
  if (all <= 0) return `The dump holds no memory (${n} contexts, 0 bytes).`;
  const firstChild = new Int32Array(n).fill(-1);
  const nextSibling = new Int32Array(n).fill(-1);
  for (let i = n - 1; i >= 1; i--) {
    const p = f.parent[i];
    nextSibling[i] = firstChild[p];
    firstChild[p] = i;
  }
  const biggestChild = (i: number) => {
    let best = -1;
    for (let c = firstChild[i]; c >= 0; c = nextSibling[c]) {
      if (best < 0 || f.subTotal[c] > f.subTotal[best]) best = c;
    }
    return best;
  };
  let at = 0;
  for (;;) {
    const c = biggestChild(at);
    if (c < 0 || f.subTotal[c] * 2 < all) break;
    at = c;
  }
  const total = formatBytes(all);
  if (at === 0) {
    const c = biggestChild(0);
    if (f.nodes[0].totalBytes * 2 >= all) {
      return `${formatBytes(f.nodes[0].totalBytes)} of ${total} (${
        pct(f.nodes[0].totalBytes, all)
      }) is in ${label(f.nodes[0])} itself; no child subtree holds half.`;
    }
    return c < 0 ? `All ${total} is in ${label(f.nodes[0])}.` : `Memory is spread out: the ` +
      `largest subtree, ${label(f.nodes[c])}, holds ${formatBytes(f.subTotal[c])} of ${total} (${
        pct(f.subTotal[c], all)
      }).`;
  }
  const node = f.nodes[at];
  const parent = f.parent[at] > 0 ? `${label(f.nodes[f.parent[at]])} › ` : "";
  let portal = "";
  for (let p = f.parent[at]; p >= 0; p = f.parent[p]) {
    const pn = f.nodes[p];
    if (pn.name === "PortalContext" && pn.ident !== undefined && pn.ident !== "") {
      portal = ` under portal ${pn.ident}`;
      break;
    }
  }
  let inside = "";
  const c = biggestChild(at);
  if (c >= 0 && f.subTotal[c] * 2 >= f.subTotal[at] && node.totalBytes * 2 < f.subTotal[at]) {
    inside = ` (mostly ${label(f.nodes[c])})`;
  } else if (c >= 0 && f.subTotal[c] * 4 >= f.subTotal[at]) {
    inside = `; largest inside: ${label(f.nodes[c])}, ${formatBytes(f.subTotal[c])}`;
  }
  return `${formatBytes(f.subTotal[at])} of ${total} (${pct(f.subTotal[at], all)}) is in ${parent}${
    label(node)
  }${portal}${inside}`;
}
