/**
 * rank.ts — who uses the memory: the top consumers of a dump by own total, used or free
 * bytes or by subtree, and the labels and root paths that name each context in those rows.
 *
 * Pure functions over {@link MemNode} trees, like the rest of the analysis (`analyze.ts`,
 * which puts the rankings into its `Analysis`). Nothing here reads or prints text.
 *
 * @module
 */

import { flatten, type FlatTree, topIndices } from "./flat.ts";
import type { MemNode } from "./model.ts";

/**
 * A short label for a node: its name, plus its ident in brackets (cut to 60 characters).
 *
 * @example
 * ```ts
 * import { nodeLabel, readDump } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   index info: 2048 total in 2 blocks; 768 free (3 chunks); 1280 used: big_pkey
 * `;
 * const root = readDump(text).root;
 * console.assert(nodeLabel(root) === "TopMemoryContext");
 * console.assert(nodeLabel(root.children[0]) === "index info [big_pkey]");
 * ```
 */
export function nodeLabel(n: MemNode): string {
  if (n.ident === undefined || n.ident === "") return n.name;
  const id = n.ident.replace(/\s+/g, " ");
  return `${n.name} [${id.length > 60 ? id.slice(0, 57) + "..." : id}]`;
}

/**
 * The labels from the root down to `n`, joined with ` > `.
 *
 * @example
 * ```ts
 * import { type MemNode, nodePath, readDump, walk } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   TopPortalContext: 8192 total in 1 blocks; 7936 free (0 chunks); 256 used
 *     PortalContext: 1024 total in 1 blocks; 592 free (0 chunks); 432 used: <unnamed>
 * `;
 * const root = readDump(text).root;
 * const parents = new Map<MemNode, MemNode>();
 * walk(root, (n, p) => p && parents.set(n, p));
 * const path = nodePath(root.children[0].children[0], parents);
 * console.assert(path === "TopMemoryContext > TopPortalContext > PortalContext [<unnamed>]");
 * ```
 */
export function nodePath(n: MemNode, parents: Map<MemNode, MemNode>): string {
  const parts: string[] = [];
  for (let c: MemNode | undefined = n; c !== undefined; c = parents.get(c)) {
    parts.push(nodeLabel(c));
  }
  return parts.reverse().join(" > ");
}

/**
 * What to rank consumers by: own total, own used, own free bytes, or whole-subtree total.
 *
 * @example
 * ```ts
 * import { type RankBy, readDump, topConsumers } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const root = readDump(text).root;
 * const first = (by: RankBy) => topConsumers(root, by, 1)[0].node.name;
 * console.assert(first("total") === "CacheMemoryContext" && first("free") === "ErrorContext");
 * console.assert(first("subtree") === "TopMemoryContext");
 * ```
 */
export type RankBy = "total" | "used" | "free" | "subtree";

/**
 * One row of a top-consumer list.
 *
 * @example
 * ```ts
 * import { type Consumer, readDump, topConsumers } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const [top]: Consumer[] = topConsumers(readDump(text).root, "free", 1);
 * console.assert(top.path === "TopMemoryContext > ErrorContext" && top.freeBytes === 7952);
 * console.assert(top.freeRatio > 0.97 && top.subtreeBytes === 8192);
 * ```
 */
export interface Consumer {
  /** The context. */
  node: MemNode;
  /** Its path from the root (see {@link nodePath}). */
  path: string;
  /** Own bytes. */
  totalBytes: number;
  /** Own used bytes. */
  usedBytes: number;
  /** Own free bytes. */
  freeBytes: number;
  /** `freeBytes / totalBytes` (0 when empty): high means fragmentation or over-allocation. */
  freeRatio: number;
  /** Bytes of the whole subtree. */
  subtreeBytes: number;
}

/**
 * The `n` contexts with the most own total, used or free bytes, or the largest subtrees.
 *
 * @example
 * ```ts
 * import { readDump, topConsumers } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 16384 total in 2 blocks; 4096 free (3 chunks); 12288 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const top = topConsumers(readDump(text).root, "used", 2);
 * console.assert(top.map((c) => c.node.name).join() === "CacheMemoryContext,TopMemoryContext");
 * ```
 */
export function topConsumers(root: MemNode, by: RankBy, n: number): Consumer[] {
  return rankFlat(flatten(root), by, n);
}

/** {@link topConsumers} on an already flattened tree. */
export function rankFlat(f: FlatTree, by: RankBy, n: number): Consumer[] {
  const nodes = f.nodes;
  const key = by === "total"
    ? (i: number) => nodes[i].totalBytes
    : by === "used"
    ? (i: number) => nodes[i].usedBytes
    : by === "free"
    ? (i: number) => nodes[i].freeBytes
    : (i: number) => f.subTotal[i];
  return topIndices(nodes.length, n, key).map((i) => {
    const m = nodes[i];
    const parts: string[] = [];
    for (let p = i; p >= 0; p = f.parent[p]) parts.push(nodeLabel(nodes[p]));
    return {
      node: m,
      path: parts.reverse().join(" > "),
      totalBytes: m.totalBytes,
      usedBytes: m.usedBytes,
      freeBytes: m.freeBytes,
      freeRatio: m.totalBytes > 0 ? m.freeBytes / m.totalBytes : 0,
      subtreeBytes: f.subTotal[i],
    };
  });
}
