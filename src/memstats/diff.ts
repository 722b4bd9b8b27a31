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
export type DiffStatus =
  | "added"
  | "removed"
  | "summarised" // printed in the first dump, inside a "N more child contexts" line in the second
  | "unsummarised" // inside a summary line in the first dump, printed in the second
  | "grew"
  | "shrank"
  | "changed"
  | "same";

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
    summarised: 0,
    unsummarised: 0,
    grew: 0,
    shrank: 0,
    changed: 0,
    same: 0,
  };
  type Item = {
    x?: MemNode;
    y?: MemNode;
    px?: MemNode;
    py?: MemNode;
    path: string;
    depth: number;
  };
  const hasSummary = (p: MemNode | undefined) => p !== undefined && p.children.some(isSummary);
  const stack: Item[] = [{ x: a, y: b, path: label(a, 1, 1), depth: 0 }];
  if (matchKey(a) !== matchKey(b)) {
    stack.pop();
    stack.push({ y: b, path: label(b, 1, 1), depth: 0 }, { x: a, path: label(a, 1, 1), depth: 0 });
  }
  while (stack.length > 0) {
    const { x, y, px, py, path, depth } = stack.pop()!;
    const ox = x === undefined ? emptyTotals() : ownTotals(x);
    const oy = y === undefined ? emptyTotals() : ownTotals(y);
    // A context that is missing on one side while its parent there has a summary line may be
    // inside that summary: PostgreSQL did not print it, which is not the same as freed.
    const status: DiffStatus = x === undefined
      ? (!isSummary(y!) && hasSummary(px) ? "unsummarised" : "added")
      : y === undefined
      ? (!isSummary(x) && hasSummary(py) ? "summarised" : "removed")
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
          px: x,
          py: y,
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
 * The changes of a diff summed by context name.
 *
 * @example
 * ```ts
 * import { diffDumps, groupChanges, type NameChange, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   CacheMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *     index info: 2048 total in 2 blocks; 912 free (0 chunks); 1136 used: a_idx
 *     index info: 2048 total in 2 blocks; 912 free (0 chunks); 1136 used: b_idx
 * `);
 * const [g]: NameChange[] = groupChanges(diffDumps(a, b));
 * console.assert(g.name === "index info" && g.added === 2 && g.deltaBytes === 4096);
 * ```
 */
export interface NameChange {
  /** The context name (summary lines are grouped as `(more child contexts)`). */
  name: string;
  /** Contexts of this name that appeared. */
  added: number;
  /** Contexts of this name that vanished (not into a summary). */
  removed: number;
  /** Contexts that moved into a "more child contexts" line (not freed, just not printed). */
  summarised: number;
  /** Contexts that came out of a summary line. */
  unsummarised: number;
  /** Contexts present in both whose own figures changed. */
  changed: number;
  /** Sum of own total bytes after minus before, over all of them. */
  deltaBytes: number;
}

/**
 * Groups a diff's changes by context name, largest absolute byte change first: `+304 index
 * info, +1.2 MiB` rather than 304 lines.
 *
 * @example
 * ```ts
 * import { diffDumps, groupChanges, readDump } from "./mod.ts";
 * const a = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ExprContext: 8192 total in 1 blocks; 7952 free (0 chunks); 240 used
 *   ExprContext: 8192 total in 1 blocks; 7952 free (0 chunks); 240 used
 * `);
 * const b = readDump(`TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ExprContext: 8192 total in 1 blocks; 7952 free (0 chunks); 240 used
 * `);
 * const groups = groupChanges(diffDumps(a, b));
 * console.assert(groups.length === 1 && groups[0].removed === 1 && groups[0].deltaBytes === -8192);
 * ```
 */
export function groupChanges(diff: DumpDiff): NameChange[] {
  const m = new Map<string, NameChange>();
  for (const e of diff.entries) {
    if (e.status === "same") continue;
    const n = (e.after ?? e.before)!;
    const name = isSummary(n) ? "(more child contexts)" : n.name;
    let g = m.get(name);
    if (g === undefined) {
      g = { name, added: 0, removed: 0, summarised: 0, unsummarised: 0, changed: 0, deltaBytes: 0 };
      m.set(name, g);
    }
    if (e.status === "added") g.added++;
    else if (e.status === "removed") g.removed++;
    else if (e.status === "summarised") g.summarised++;
    else if (e.status === "unsummarised") g.unsummarised++;
    else g.changed++;
    g.deltaBytes += e.deltaBytes;
  }
  return [...m.values()].sort((p, q) =>
    Math.abs(q.deltaBytes) - Math.abs(p.deltaBytes) || p.name.localeCompare(q.name)
  );
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
