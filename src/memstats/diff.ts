/**
 * diff.ts — what grew, shrank, appeared or vanished between two dumps, path by path.
 *
 * Two dumps of one backend share most of their tree, but context names repeat (142 `index
 * info`, several `ExprContext`) and ids are not stable, so contexts are matched by position in
 * the tree: same parent, same name, same ident (compared as the text forms print it, so a CSV
 * dump can be compared with a log dump), and among siblings that share all of that, by
 * order counted from the *oldest* (PostgreSQL puts new children first, so old ones keep their
 * place from the end of the list). Summary ("more child contexts") nodes match each other.
 *
 * @module
 */

import { subtreeTotals } from "./analyze.ts";
import {
  addTotals,
  type Dump,
  emptyTotals,
  isSummary,
  type MemNode,
  ownTotals,
  type Totals,
  walk,
} from "./model.ts";
import { clipIdent } from "./text_grammar.ts";

/**
 * How one path changed.
 *
 * @example
 * ```ts
 * import { diffDumps, type DiffStatus, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CachedPlan: 4096 total in 3 blocks; 1024 free (0 chunks); 3072 used: SELECT 1
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `);
 * const statuses: DiffStatus[] = diffDumps(a, b).entries.map((e) => e.status);
 * console.assert(statuses.join() === "same,added,grew,removed");
 * ```
 */
export type DiffStatus = "added" | "removed" | "grew" | "shrank" | "changed" | "same";

/**
 * One path in the union of the two trees.
 *
 * @example
 * ```ts
 * import { diffDumps, type DiffEntry, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CachedPlan: 4096 total in 3 blocks; 1024 free (0 chunks); 3072 used: SELECT 1
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `);
 * const grew: DiffEntry[] = diffDumps(a, b).entries.filter((e) => e.status === "grew");
 * console.assert(grew.length === 1 && grew[0].path === "TopMemoryContext > MessageContext");
 * console.assert(grew[0].deltaBytes === 8192 && grew[0].before!.nblocks === 1);
 * ```
 */
export interface DiffEntry {
  /** Labels from the root, ` > `-joined; `#k` marks the k-th oldest of same-named siblings. */
  path: string;
  /** Depth (root = 0). */
  depth: number;
  /** Grew/shrank compare own total bytes; `changed` means same total, other figures moved. */
  status: DiffStatus;
  /** The context in the first dump. */
  before?: MemNode;
  /** The context in the second dump. */
  after?: MemNode;
  /** Own total bytes after minus before (a missing side counts as 0). */
  deltaBytes: number;
  /** Own used bytes after minus before. */
  deltaUsed: number;
  /** Own free bytes after minus before. */
  deltaFree: number;
  /** Whole-subtree total bytes after minus before. */
  deltaSubtree: number;
}

/**
 * The comparison of two trees.
 *
 * @example
 * ```ts
 * import { diffDumps, type DumpDiff, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CachedPlan: 4096 total in 3 blocks; 1024 free (0 chunks); 3072 used: SELECT 1
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `);
 * const d: DumpDiff = diffDumps(a, b);
 * console.assert(d.counts.added === 1 && d.counts.removed === 1 && d.counts.grew === 1);
 * console.assert(d.after.totalBytes - d.before.totalBytes === 4096);
 * ```
 */
export interface DumpDiff {
  /** Every path of both trees, in pre-order (each parent before its children). */
  entries: DiffEntry[];
  /** Sum over the first tree. */
  before: Totals;
  /** Sum over the second tree. */
  after: Totals;
  /** How many paths have each status. */
  counts: Record<DiffStatus, number>;
}

function matchKey(n: MemNode): string {
  if (isSummary(n)) return "\u0001more";
  return n.ident === undefined ? n.name : `${n.name}\u0000${clipIdent(n.ident)}`;
}

function label(n: MemNode, nth: number, of: number): string {
  let s = n.name;
  if (isSummary(n)) s = "(more child contexts)";
  else if (n.ident !== undefined) {
    const id = clipIdent(n.ident);
    s += ` [${id.length > 60 ? id.slice(0, 57) + "..." : id}]`;
  }
  return of > 1 ? `${s}#${nth}` : s;
}

/** Children grouped by key; each group lists oldest first. */
function groupChildren(n: MemNode | undefined): Map<string, MemNode[]> {
  const m = new Map<string, MemNode[]>();
  if (n === undefined) return m;
  for (let i = n.children.length - 1; i >= 0; i--) {
    const c = n.children[i];
    const k = matchKey(c);
    const g = m.get(k);
    if (g === undefined) m.set(k, [c]);
    else g.push(c);
  }
  return m;
}

/** Compares two context trees path by path. */
export function diffTrees(a: MemNode, b: MemNode): DumpDiff {
  const sumA = subtreeTotals(a);
  const sumB = subtreeTotals(b);
  const entries: DiffEntry[] = [];
  const counts: Record<DiffStatus, number> = {
    added: 0,
    removed: 0,
    grew: 0,
    shrank: 0,
    changed: 0,
    same: 0,
  };
  type Item = { x?: MemNode; y?: MemNode; path: string; depth: number };
  const stack: Item[] = [{ x: a, y: b, path: label(a, 1, 1), depth: 0 }];
  if (matchKey(a) !== matchKey(b)) {
    stack.pop();
    stack.push({ y: b, path: label(b, 1, 1), depth: 0 }, { x: a, path: label(a, 1, 1), depth: 0 });
  }
  while (stack.length > 0) {
    const { x, y, path, depth } = stack.pop()!;
    const ox = x === undefined ? emptyTotals() : ownTotals(x);
    const oy = y === undefined ? emptyTotals() : ownTotals(y);
    const status: DiffStatus = x === undefined
      ? "added"
      : y === undefined
      ? "removed"
      : oy.totalBytes > ox.totalBytes
      ? "grew"
      : oy.totalBytes < ox.totalBytes
      ? "shrank"
      : oy.usedBytes !== ox.usedBytes || oy.nblocks !== ox.nblocks ||
          oy.freeChunks !== ox.freeChunks
      ? "changed"
      : "same";
    counts[status]++;
    const e: DiffEntry = {
      path,
      depth,
      status,
      deltaBytes: oy.totalBytes - ox.totalBytes,
      deltaUsed: oy.usedBytes - ox.usedBytes,
      deltaFree: oy.freeBytes - ox.freeBytes,
      deltaSubtree: (y === undefined ? 0 : sumB.get(y)!.totalBytes) -
        (x === undefined ? 0 : sumA.get(x)!.totalBytes),
    };
    if (x !== undefined) e.before = x;
    if (y !== undefined) e.after = y;
    entries.push(e);
    // Pair the children, then push them in reverse so they pop in display order.
    const gx = groupChildren(x);
    const gy = groupChildren(y);
    const pairs: Item[] = [];
    const order = [...(y?.children ?? []), ...(x?.children ?? [])];
    const done = new Set<string>();
    for (const c of order) {
      const k = matchKey(c);
      if (done.has(k)) continue;
      done.add(k);
      const xs = gx.get(k) ?? [];
      const ys = gy.get(k) ?? [];
      const n = Math.max(xs.length, ys.length);
      for (let i = n - 1; i >= 0; i--) {
        const cx = xs[i];
        const cy = ys[i];
        pairs.push({
          x: cx,
          y: cy,
          path: `${path} > ${label((cy ?? cx)!, i + 1, n)}`,
          depth: depth + 1,
        });
      }
    }
    for (let i = pairs.length - 1; i >= 0; i--) stack.push(pairs[i]);
  }
  const before = emptyTotals();
  const after = emptyTotals();
  walk(a, (n) => addTotals(before, n));
  walk(b, (n) => addTotals(after, n));
  return { entries, before, after, counts };
}

/**
 * The `n` changed paths that moved most (own bytes, then subtree bytes).
 *
 * @example
 * ```ts
 * import { diffDumps, largestChanges, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CachedPlan: 4096 total in 3 blocks; 1024 free (0 chunks); 3072 used: SELECT 1
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `);
 * const changes = largestChanges(diffDumps(a, b), 2).map((e) => `${e.status} ${e.deltaBytes}`);
 * console.assert(changes.join() === "grew 8192,removed -8192");
 * ```
 */
export function largestChanges(diff: DumpDiff, n: number): DiffEntry[] {
  return diff.entries
    .filter((e) => e.status !== "same")
    .map((e, i) => ({ e, i }))
    .sort((p, q) =>
      Math.abs(q.e.deltaBytes) - Math.abs(p.e.deltaBytes) ||
      Math.abs(q.e.deltaSubtree) - Math.abs(p.e.deltaSubtree) || p.i - q.i
    )
    .slice(0, Math.max(0, n))
    .map((p) => p.e);
}

/**
 * Compares two dumps (or trees) path by path: added, removed, grew, shrank.
 *
 * @example
 * ```ts
 * import { diffDumps, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   MessageContext: 8192 total in 1 blocks; 4096 free (0 chunks); 4096 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CachedPlan: 4096 total in 3 blocks; 1024 free (0 chunks); 3072 used: SELECT 1
 *   MessageContext: 16384 total in 2 blocks; 4096 free (0 chunks); 12288 used
 * `);
 * const d = diffDumps(a.root, b.root); // plain trees work too
 * const added = d.entries.find((e) => e.status === "added")!;
 * console.assert(added.path === "TopMemoryContext > CachedPlan [SELECT 1]");
 * console.assert(added.deltaBytes === 4096 && added.before === undefined);
 * ```
 */
export function diffDumps(a: Dump | MemNode, b: Dump | MemNode): DumpDiff {
  return diffTrees("root" in a ? a.root : a, "root" in b ? b.root : b);
}
