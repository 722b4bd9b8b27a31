/**
 * analyze.ts — the numbers people want from a dump: subtree sums, groups by name, the check
 * that the lines add up to the dump's own Grand total, and {@link analyze}, which gathers all
 * of them with the top-consumer rankings of `rank.ts`.
 *
 * Pure functions over {@link MemNode} trees, so they work the same on a parsed PostgreSQL dump
 * and on a tree built from palloc's own contexts. Nothing here reads or prints text.
 *
 * @module
 */

import { flatten, type FlatTree } from "./flat.ts";
import {
  addTotals,
  type Dump,
  emptyTotals,
  isSummary,
  type MemNode,
  type Totals,
  walk,
} from "./model.ts";
import { type Consumer, nodeLabel, rankFlat } from "./rank.ts";

/**
 * Sums over a subtree (the node and all below it).
 *
 * @example
 * ```ts
 * import { readDump, subtreeTotals, type SubtreeTotals } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 *   5 more child contexts containing 40960 total in 5 blocks; 39760 free (5 chunks); 1200 used
 * `;
 * const root = readDump(text).root;
 * const all: SubtreeTotals = subtreeTotals(root).get(root)!;
 * console.assert(all.contexts === 7 && all.totalBytes === 57344); // the summary stands for 5
 * ```
 */
export interface SubtreeTotals extends Totals {
  /** Contexts in the subtree; a summary node counts as the contexts it stands for. */
  contexts: number;
}

/**
 * Subtree sums (node plus all below) for every node of a tree.
 *
 * @example
 * ```ts
 * import { readDump, subtreeTotals } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   TopPortalContext: 8192 total in 1 blocks; 7936 free (0 chunks); 256 used
 *     PortalContext: 1024 total in 1 blocks; 592 free (0 chunks); 432 used: <unnamed>
 * `;
 * const root = readDump(text).root;
 * const sums = subtreeTotals(root);
 * console.assert(sums.get(root.children[0])!.totalBytes === 9216); // 8192 + 1024
 * console.assert(sums.get(root)!.totalBytes === 17408 && sums.get(root)!.contexts === 3);
 * ```
 */
export function subtreeTotals(root: MemNode): Map<MemNode, SubtreeTotals> {
  const f = flatten(root);
  const sums = new Map<MemNode, SubtreeTotals>();
  for (let i = 0; i < f.nodes.length; i++) sums.set(f.nodes[i], flatTotals(f, i));
  return sums;
}

/** The subtree sums of flat node `i` as an object. */
export function flatTotals(f: FlatTree, i: number): SubtreeTotals {
  return {
    totalBytes: f.subTotal[i],
    nblocks: f.subBlocks[i],
    freeBytes: f.subFree[i],
    freeChunks: f.subFreeChunks[i],
    usedBytes: f.subUsed[i],
    contexts: f.subContexts[i],
  };
}

/**
 * Contexts sharing one name, summed.
 *
 * @example
 * ```ts
 * import { groupByName, type NameGroup, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *     index info: 2048 total in 2 blocks; 768 free (3 chunks); 1280 used: big_pkey
 *     index info: 3072 total in 2 blocks; 1120 free (1 chunks); 1952 used: pg_class_oid_index
 * `;
 * const groups: NameGroup[] = groupByName(readDump(text).root);
 * const info = groups.find((g) => g.name === "index info")!;
 * console.assert(info.count === 2 && info.totalBytes === 5120 && info.largestBytes === 3072);
 * ```
 */
export interface NameGroup extends Totals {
  /** The shared name; summary nodes are grouped under `(more child contexts)`. */
  name: string;
  /** How many contexts have it. */
  count: number;
  /** The largest own total among them. */
  largestBytes: number;
}

/**
 * Contexts grouped by name, largest total first.
 *
 * @example
 * ```ts
 * import { groupByName, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ExprContext: 8192 total in 1 blocks; 7952 free (0 chunks); 240 used
 *   ExprContext: 16384 total in 2 blocks; 4096 free (1 chunks); 12288 used
 *   5 more child contexts containing 40960 total in 5 blocks; 39760 free (5 chunks); 1200 used
 * `;
 * const groups = groupByName(readDump(text).root).map((g) => `${g.count}x ${g.name}`);
 * console.assert(groups.join() === "5x (more child contexts),2x ExprContext,1x TopMemoryContext");
 * ```
 */
export function groupByName(root: MemNode): NameGroup[] {
  const groups = new Map<string, NameGroup>();
  walk(root, (n) => {
    const name = isSummary(n) ? "(more child contexts)" : n.name;
    let g = groups.get(name);
    if (g === undefined) {
      g = { name, count: 0, largestBytes: 0, ...emptyTotals() };
      groups.set(name, g);
    }
    g.count += n.summarizedCount ?? 1;
    g.largestBytes = Math.max(g.largestBytes, n.totalBytes);
    addTotals(g, n);
  });
  return [...groups.values()].sort((a, b) => b.totalBytes - a.totalBytes || b.count - a.count);
}

/**
 * A line whose own figures do not add up (`used != total - free`).
 *
 * @example
 * ```ts
 * import { type BadLine, checkGrandTotal, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 999 used
 * `;
 * const bad: BadLine[] = checkGrandTotal(readDump(text)).badLines; // 8192 - 7952 is not 999
 * console.assert(bad.length === 1 && bad[0].line === 2 && bad[0].label === "ErrorContext");
 * ```
 */
export interface BadLine {
  /** Source line, when known. */
  line?: number;
  /** The context's label. */
  label: string;
}

/**
 * Result of {@link checkGrandTotal}.
 *
 * @example
 * ```ts
 * import { checkGrandTotal, type GrandTotalCheck, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * Grand total: 16384 bytes in 2 blocks; 8144 free (3 chunks); 8240 used
 * `;
 * const c: GrandTotalCheck = checkGrandTotal(readDump(text));
 * console.assert(c.status === "ok" && c.expected!.totalBytes === c.computed.totalBytes);
 * console.assert(c.mismatched.length === 0 && c.badLines.length === 0);
 * ```
 */
export interface GrandTotalCheck {
  /** `ok`: every field matches; `mismatch`: some differ; `absent`: the dump has no Grand total. */
  status: "ok" | "mismatch" | "absent";
  /** The dump's Grand total line. */
  expected?: Totals;
  /** The sum over all lines, summary lines included. */
  computed: Totals;
  /** Fields that differ. */
  mismatched: (keyof Totals)[];
  /** Lines whose used is not total minus free. */
  badLines: BadLine[];
}

/**
 * Checks the sum of all lines against the dump's `Grand total` line, field by field.
 *
 * @example
 * ```ts
 * import { checkGrandTotal, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * Grand total: 16384 bytes in 3 blocks; 8144 free (3 chunks); 8240 used
 * `;
 * const c = checkGrandTotal(readDump(text)); // the lines hold 2 blocks, the Grand total says 3
 * console.assert(c.status === "mismatch" && c.mismatched.join() === "nblocks");
 * ```
 */
export function checkGrandTotal(dump: Dump): GrandTotalCheck {
  const computed = emptyTotals();
  const badLines: BadLine[] = [];
  walk(dump.root, (n) => {
    addTotals(computed, n);
    if (n.usedBytes !== n.totalBytes - n.freeBytes) {
      const b: BadLine = { label: nodeLabel(n) };
      if (n.line !== undefined) b.line = n.line;
      badLines.push(b);
    }
  });
  const expected = dump.grandTotal;
  if (expected === undefined) return { status: "absent", computed, mismatched: [], badLines };
  const mismatched = (Object.keys(computed) as (keyof Totals)[])
    .filter((k) => computed[k] !== expected[k]);
  return {
    status: mismatched.length === 0 ? "ok" : "mismatch",
    expected,
    computed,
    mismatched,
    badLines,
  };
}

/**
 * Everything the CLI and the HTML report show about one dump.
 *
 * @example
 * ```ts
 * import { type Analysis, analyze, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *     index info: 2048 total in 2 blocks; 768 free (3 chunks); 1280 used: big_pkey
 * Grand total: 26624 bytes in 5 blocks; 5056 free (6 chunks); 21568 used
 * `;
 * const a: Analysis = analyze(readDump(text));
 * console.assert(a.contexts === 3 && a.maxDepth === 2 && a.check.status === "ok");
 * console.assert(a.totals.totalBytes === 26624 && a.groups[0].name === "CacheMemoryContext");
 * ```
 */
export interface Analysis {
  /** Number of nodes in the tree (summary nodes count once). */
  nodes: number;
  /** Contexts, with summary nodes counted as what they stand for. */
  contexts: number;
  /** Sum over the whole tree. */
  totals: SubtreeTotals;
  /** Grand total check. */
  check: GrandTotalCheck;
  /** Largest own total bytes. */
  topByTotal: Consumer[];
  /** Largest own used bytes. */
  topByUsed: Consumer[];
  /** Largest own free bytes (fragmentation). */
  topByFree: Consumer[];
  /** Largest subtrees. */
  topBySubtree: Consumer[];
  /** Name groups, largest first. */
  groups: NameGroup[];
  /** Deepest level in the tree (root = 0). */
  maxDepth: number;
}

/**
 * Runs every analysis: totals, Grand total check, four top-`top` rankings and name groups.
 *
 * @example
 * ```ts
 * import { analyze, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *     index info: 2048 total in 2 blocks; 768 free (3 chunks); 1280 used: big_pkey
 * `;
 * const a = analyze(readDump(text), 2);
 * console.assert(a.topByTotal.length === 2 && a.check.status === "absent"); // no Grand total line
 * console.assert(a.topByTotal[0].path === "TopMemoryContext > CacheMemoryContext");
 * ```
 */
export function analyze(dump: Dump, top = 20): Analysis {
  const f = flatten(dump.root);
  let maxDepth = 0;
  for (let i = 0; i < f.depth.length; i++) if (f.depth[i] > maxDepth) maxDepth = f.depth[i];
  const totals = flatTotals(f, 0);
  return {
    nodes: f.nodes.length,
    contexts: totals.contexts,
    totals,
    check: checkGrandTotal(dump),
    topByTotal: rankFlat(f, "total", top),
    topByUsed: rankFlat(f, "used", top),
    topByFree: rankFlat(f, "free", top),
    topBySubtree: rankFlat(f, "subtree", top),
    groups: groupByName(dump.root),
    maxDepth,
  };
}
