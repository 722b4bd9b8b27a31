/**
 * flat.ts — an index-based copy of a tree's structure, with subtree sums, for big trees.
 *
 * Analysis and layout need parents, children and subtree sums for every node. Keeping those in
 * `Map<MemNode, …>` costs more than the work itself on 100,000 contexts, so this builds them
 * once as typed arrays indexed by depth-first pre-order position. Internal to memstats.
 *
 * @module
 */

import type { MemNode } from "./model.ts";

/** A tree in depth-first pre-order with typed-array links and subtree sums. */
export interface FlatTree {
  /** Nodes in pre-order; index 0 is the root. */
  nodes: MemNode[];
  /** Parent index, -1 for the root. */
  parent: Int32Array;
  /** Depth (root = 0). */
  depth: Int32Array;
  /** Subtree total bytes. */
  subTotal: Float64Array;
  /** Subtree blocks. */
  subBlocks: Float64Array;
  /** Subtree free bytes. */
  subFree: Float64Array;
  /** Subtree free chunks. */
  subFreeChunks: Float64Array;
  /** Subtree used bytes. */
  subUsed: Float64Array;
  /** Contexts in the subtree (a summary node counts as what it stands for). */
  subContexts: Float64Array;
}

/** Flattens a tree (iteratively) and computes every subtree sum in one backward pass. */
export function flatten(root: MemNode): FlatTree {
  const nodes: MemNode[] = [];
  const parents: number[] = [];
  const stackN: MemNode[] = [root];
  const stackP: number[] = [-1];
  while (stackN.length > 0) {
    const n = stackN.pop()!;
    const index = nodes.length;
    nodes.push(n);
    parents.push(stackP.pop()!);
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      stackN.push(kids[i]);
      stackP.push(index);
    }
  }
  const count = nodes.length;
  const parent = Int32Array.from(parents);
  const depth = new Int32Array(count);
  for (let i = 1; i < count; i++) depth[i] = depth[parent[i]] + 1;
  const f: FlatTree = {
    nodes,
    parent,
    depth,
    subTotal: new Float64Array(count),
    subBlocks: new Float64Array(count),
    subFree: new Float64Array(count),
    subFreeChunks: new Float64Array(count),
    subUsed: new Float64Array(count),
    subContexts: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const n = nodes[i];
    f.subTotal[i] = n.totalBytes;
    f.subBlocks[i] = n.nblocks;
    f.subFree[i] = n.freeBytes;
    f.subFreeChunks[i] = n.freeChunks;
    f.subUsed[i] = n.usedBytes;
    f.subContexts[i] = n.summarizedCount ?? 1;
  }
  for (let i = count - 1; i > 0; i--) {
    const p = parent[i];
    f.subTotal[p] += f.subTotal[i];
    f.subBlocks[p] += f.subBlocks[i];
    f.subFree[p] += f.subFree[i];
    f.subFreeChunks[p] += f.subFreeChunks[i];
    f.subUsed[p] += f.subUsed[i];
    f.subContexts[p] += f.subContexts[i];
  }
  return f;
}

/**
 * Indices of the `k` largest keys, largest first; ties keep the lower index first. Runs in
 * O(n) for small `k` on typical data (a candidate is compared only when it beats the k-th).
 */
export function topIndices(count: number, k: number, key: (i: number) => number): number[] {
  const top: number[] = [];
  const vals: number[] = [];
  if (k <= 0) return top;
  for (let i = 0; i < count; i++) {
    const v = key(i);
    if (top.length === k && v <= vals[k - 1]) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && vals[at - 1] < v) at--;
    top.splice(at, 0, i);
    vals.splice(at, 0, v);
    if (top.length > k) {
      top.pop();
      vals.pop();
    }
  }
  return top;
}
