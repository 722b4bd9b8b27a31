/**
 * walker.ts — builds the renderer's plain tree from any context hierarchy.
 *
 * memstats must not import palloc's core (the core stays small and dependency-free, and the
 * two evolve separately). Instead, anything that can list a context's children and report its
 * figures — palloc's live contexts, a test double, a JSON file — is described by a
 * {@link ContextWalker}, and {@link treeFromWalker} turns it into a {@link MemNode} tree that the
 * analysers and renderers accept like a parsed PostgreSQL dump.
 *
 * @module
 */

import { type Dump, makeNode, type MemNode } from "./model.ts";
import { flatTotals } from "./analyze.ts";
import { flatten } from "./flat.ts";

/**
 * The figures a walker reports for one context.
 *
 * @example
 * ```ts
 * import { type ContextStats, treeFromWalker } from "./mod.ts";
 * const stats: ContextStats = {
 *   name: "ExecutorState", ident: null, totalBytes: 8192, nblocks: 1, freeBytes: 4096,
 *   freeChunks: 2,
 * };
 * const node = treeFromWalker(stats, { stats: (s) => s, children: () => [] });
 * console.assert(node.usedBytes === 4096 && node.ident === undefined); // used = total - free
 * ```
 */
export interface ContextStats {
  /** Context name. */
  name: string;
  /** Optional identifier; `null` and `undefined` both mean none. */
  ident?: string | null;
  /** Allocator kind, e.g. `AllocSet`. */
  type?: string;
  /** Bytes in the context's own blocks. */
  totalBytes: number;
  /** Number of own blocks. */
  nblocks: number;
  /** Free bytes in own blocks. */
  freeBytes: number;
  /** Number of free chunks. */
  freeChunks: number;
  /** Used bytes; defaults to `totalBytes - freeBytes`. */
  usedBytes?: number;
}

/**
 * How to read a hierarchy of contexts of type `C`.
 *
 * @example
 * ```ts
 * import { type ContextWalker, countNodes, treeFromWalker } from "./mod.ts";
 * type Ctx = { name: string; size: number; kids: Ctx[] };
 * const walker: ContextWalker<Ctx> = {
 *   stats: (c) => ({ name: c.name, totalBytes: c.size, nblocks: 1, freeBytes: 0, freeChunks: 0 }),
 *   children: (c) => c.kids,
 * };
 * const top: Ctx = { name: "Top", size: 1024, kids: [{ name: "Child", size: 512, kids: [] }] };
 * const tree = treeFromWalker(top, walker);
 * console.assert(countNodes(tree) === 2 && tree.children[0].level === 1);
 * ```
 */
export interface ContextWalker<C> {
  /** The figures of one context (its own blocks only). */
  stats(ctx: C): ContextStats;
  /** Its children, in the order to show them (PostgreSQL shows newest first). */
  children(ctx: C): Iterable<C>;
}

/**
 * Builds the plain tree from any context hierarchy, given how to read stats and children. This
 * is how palloc's live contexts (or anything else) reach the analysers and renderers.
 *
 * @example
 * ```ts
 * import { dumpFromTree, renderHtml, treeFromWalker } from "./mod.ts";
 * type Ctx = { name: string; bytes: number; free: number; kids: Ctx[] };
 * const child: Ctx = { name: "Child", bytes: 1024, free: 0, kids: [] };
 * const top: Ctx = { name: "Top", bytes: 8192, free: 100, kids: [child] };
 * const tree = treeFromWalker(top, {
 *   stats: (c) => ({ name: c.name, totalBytes: c.bytes, nblocks: 1, freeBytes: c.free, freeChunks: 0 }),
 *   children: (c) => c.kids,
 * });
 * console.assert(tree.usedBytes === 8092 && tree.children[0].name === "Child");
 * const html = renderHtml(dumpFromTree(tree, { source: "palloc" }));
 * console.assert(html.includes("<title>memstats: palloc</title>"));
 * ```
 */
export function treeFromWalker<C>(root: C, walker: ContextWalker<C>): MemNode {
  const seen = new Set<C>();
  const make = (ctx: C, level: number): MemNode => {
    const s = walker.stats(ctx);
    const n = makeNode(s.name, {
      totalBytes: s.totalBytes,
      nblocks: s.nblocks,
      freeBytes: s.freeBytes,
      freeChunks: s.freeChunks,
      usedBytes: s.usedBytes ?? s.totalBytes - s.freeBytes,
    }, level);
    n.ident = s.ident ?? undefined;
    n.type = s.type;
    return n;
  };
  seen.add(root);
  const top = make(root, 0);
  const stack: [C, MemNode][] = [[root, top]];
  while (stack.length > 0) {
    const [ctx, node] = stack.pop()!;
    for (const child of walker.children(ctx)) {
      if (seen.has(child)) continue;
      seen.add(child);
      const cn = make(child, node.level + 1);
      node.children.push(cn);
      stack.push([child, cn]);
    }
  }
  return top;
}

/**
 * A nested stats tree as palloc's `Context.stats()` returns it (`ident: string | null`, levels
 * from 1, extra fields such as `memAllocated`), or any tree of that shape.
 *
 * @example
 * ```ts
 * import { dumpFromTree, type StatsTree } from "./mod.ts";
 * const stats: StatsTree = {
 *   name: "TopMemoryContext", ident: null, type: "AllocSet", level: 1, totalBytes: 8192,
 *   nblocks: 1, freeBytes: 192, freeChunks: 0, usedBytes: 8000,
 *   children: [{ name: "ErrorContext", ident: null, type: "AllocSet", level: 2, totalBytes: 8192,
 *     nblocks: 1, freeBytes: 7952, freeChunks: 3, usedBytes: 240, children: [] }],
 * };
 * const dump = dumpFromTree(stats);
 * console.assert(dump.root.children[0].level === 1 && dump.root.children[0].ident === undefined);
 * console.assert(dump.grandTotal!.totalBytes === 16384);
 * ```
 */
export interface StatsTree extends ContextStats {
  /** Depth as the source numbered it (ignored: recomputed from the nesting). */
  level?: number;
  /** Children, same shape. */
  children: StatsTree[];
}

/** The tree as memstats nodes: returned as is when it already is one, else copied (iteratively). */
function asMemTree(input: MemNode | StatsTree): MemNode {
  let ok = true;
  const check: (MemNode | StatsTree)[] = [input];
  while (ok && check.length > 0) {
    const n = check.pop()!;
    if (n.ident === null || typeof n.usedBytes !== "number" || typeof n.level !== "number") {
      ok = false;
    } else for (const c of n.children) check.push(c);
  }
  if (ok) return input as MemNode;
  const make = (s: StatsTree, level: number): MemNode => {
    const n = makeNode(s.name, {
      totalBytes: s.totalBytes,
      nblocks: s.nblocks,
      freeBytes: s.freeBytes,
      freeChunks: s.freeChunks,
      usedBytes: s.usedBytes ?? s.totalBytes - s.freeBytes,
    }, level);
    n.ident = s.ident ?? undefined;
    n.type = s.type;
    const m = s as Partial<MemNode>;
    if (m.summarizedCount !== undefined) n.summarizedCount = m.summarizedCount;
    return n;
  };
  const top = make(input as StatsTree, 0);
  const stack: [StatsTree, MemNode][] = [[input as StatsTree, top]];
  while (stack.length > 0) {
    const [s, n] = stack.pop()!;
    for (const c of s.children) {
      const cn = make(c, n.level + 1);
      n.children.push(cn);
      stack.push([c, cn]);
    }
  }
  return top;
}

/**
 * Options of {@link dumpFromTree}.
 *
 * @example
 * ```ts
 * import { dumpFromTree, type DumpFromTreeOptions, readDump } from "./mod.ts";
 * const text = "TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used\n";
 * const opts: DumpFromTreeOptions = { source: "palloc", levelBase: 0, withGrandTotal: false };
 * const dump = dumpFromTree(readDump(text).root, opts);
 * console.assert(dump.format === "tree" && dump.levelBase === 0 && dump.grandTotal === undefined);
 * ```
 */
export interface DumpFromTreeOptions {
  /** Label for reports. */
  source?: string;
  /** Level number to give the root when written out (default 1, as PG 18 does). */
  levelBase?: number;
  /** Set `grandTotal` to the tree's sum, so text writers print a Grand total (default true). */
  withGrandTotal?: boolean;
}

/**
 * Wraps a plain tree in a {@link Dump} (with a computed Grand total unless told otherwise). A
 * {@link StatsTree} such as palloc's `Context.stats()` (null idents, levels from 1) is accepted
 * too and copied into memstats nodes.
 *
 * @example
 * ```ts
 * import { dumpFromTree, type MemNode, writeLog } from "./mod.ts";
 * const root: MemNode = {
 *   name: "Top", level: 0, totalBytes: 1024, nblocks: 1, freeBytes: 24, freeChunks: 0,
 *   usedBytes: 1000, children: [],
 * };
 * const dump = dumpFromTree(root);
 * console.assert(dump.grandTotal!.usedBytes === 1000 && dump.levelBase === 1);
 * console.assert(writeLog(dump).includes("LOG:  level: 1; Top: 1024 total in 1 blocks;"));
 * ```
 */
export function dumpFromTree(
  input: MemNode | StatsTree,
  options: DumpFromTreeOptions = {},
): Dump {
  const root = asMemTree(input);
  const dump: Dump = {
    format: "tree",
    levelBase: options.levelBase ?? 1,
    root,
    complete: true,
    skipped: [],
    startLine: 0,
    endLine: 0,
  };
  if (options.withGrandTotal ?? true) {
    const { contexts: _contexts, ...totals } = flatTotals(flatten(root), 0);
    dump.grandTotal = totals;
  }
  if (options.source !== undefined) dump.source = options.source;
  return dump;
}
