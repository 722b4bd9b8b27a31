/**
 * Statistics as structured data: the numbers `MemoryContextStats` prints,
 * one object per context, children nested, so programs can read them
 * without parsing text.
 *
 * Each context's numbers come from `MemoryContextCountersOf` (its type's
 * stats method, the same call that produces the text) and
 * `MemoryContextMemAllocated`; this file only arranges them. Unlike the
 * text, nothing is summarised: every child appears.
 */
import type { MemoryContext } from "../mcxt/context.ts";
import { MemoryContextCountersOf, MemoryContextMemAllocated } from "../mcxt/mod.ts";
import { type ContextTypeName, contextTypeName } from "./children.ts";

/**
 * One context's statistics and, nested, its children's (newest first, the
 * order PostgreSQL prints them in).
 *
 * @example
 * ```ts
 * import { Context, type ContextStats } from "@palloc/palloc";
 * const top = Context.init();
 * const s: ContextStats = top.stats();
 * console.assert(s.usedBytes === s.totalBytes - s.freeBytes);
 * ```
 */
export interface ContextStats {
  /** The context's name. */
  name: string;
  /** Its identifier, or null. */
  ident: string | null;
  /** Its type. */
  type: ContextTypeName;
  /** Depth below the context `stats()` was called on, which is level 1 (as in the log form). */
  level: number;
  /** Bytes in the context's blocks, headers included (`totalspace`). */
  totalBytes: number;
  /** Number of blocks. */
  nblocks: number;
  /** Free bytes (`freespace`). */
  freeBytes: number;
  /** Number of free chunks. */
  freeChunks: number;
  /** `totalBytes - freeBytes`, what the text calls "used". */
  usedBytes: number;
  /** Bytes obtained from the heap for this context alone (`mem_allocated`). */
  memAllocated: number;
  /** The children's statistics, newest child first. */
  children: ContextStats[];
}

/**
 * The statistics of `mc` and its whole subtree.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * import { contextStats } from "./stats.ts";
 * MemoryContextInit();
 * console.log(contextStats(TopMemoryContext).children.map((c) => c.name));
 * ```
 */
export function contextStats(mc: MemoryContext, level = 1): ContextStats {
  // Iterative (no recursion on a user-chosen depth): each node is made when first seen
  // and pushed onto its parent's list, in the parent's child order.
  const root = statsNode(mc, level);
  const nodes: ContextStats[] = [root];
  const contexts: MemoryContext[] = [mc];
  while (nodes.length !== 0) {
    const node = nodes.pop() as ContextStats;
    const ctx = contexts.pop() as MemoryContext;
    for (let c = ctx.firstchild; c !== null; c = c.nextchild) {
      const child = statsNode(c, node.level + 1);
      node.children.push(child);
      nodes.push(child);
      contexts.push(c);
    }
  }
  return root;
}

/** One context's own statistics, its children still to be filled in. */
function statsNode(mc: MemoryContext, level: number): ContextStats {
  const k = MemoryContextCountersOf(mc);
  return {
    name: mc.name,
    ident: mc.ident,
    type: contextTypeName(mc),
    level,
    totalBytes: k.totalspace,
    nblocks: k.nblocks,
    freeBytes: k.freespace,
    freeChunks: k.freechunks,
    usedBytes: k.totalspace - k.freespace,
    memAllocated: MemoryContextMemAllocated(mc, false),
    children: [],
  };
}

/**
 * The sums of a stats tree, as PostgreSQL's "Grand total" line shows them.
 *
 * @example
 * ```ts
 * import type { StatsTotals } from "@palloc/palloc";
 * const none: StatsTotals = {
 *   totalBytes: 0,
 *   nblocks: 0,
 *   freeBytes: 0,
 *   freeChunks: 0,
 *   usedBytes: 0,
 * };
 * ```
 */
export interface StatsTotals {
  /** Bytes in all blocks. */
  totalBytes: number;
  /** Number of blocks. */
  nblocks: number;
  /** Free bytes. */
  freeBytes: number;
  /** Free chunks. */
  freeChunks: number;
  /** Used bytes. */
  usedBytes: number;
}

/**
 * Sums a stats tree the way "Grand total" does.
 *
 * @example
 * ```ts
 * import { Context, statsTotal } from "@palloc/palloc";
 * const top = Context.init();
 * console.log(statsTotal(top.stats()).totalBytes); // all blocks of the tree
 * ```
 */
export function statsTotal(s: ContextStats): StatsTotals {
  const t: StatsTotals = {
    totalBytes: s.totalBytes,
    nblocks: s.nblocks,
    freeBytes: s.freeBytes,
    freeChunks: s.freeChunks,
    usedBytes: s.usedBytes,
  };
  const todo: ContextStats[] = [...s.children]; // iterative: trees may be deep
  while (todo.length !== 0) {
    const c = todo.pop() as ContextStats;
    t.totalBytes += c.totalBytes;
    t.nblocks += c.nblocks;
    t.freeBytes += c.freeBytes;
    t.freeChunks += c.freeChunks;
    t.usedBytes += c.usedBytes;
    for (const g of c.children) todo.push(g);
  }
  return t;
}

/**
 * How `statsText` prints: PostgreSQL's limits and its two forms.
 *
 * @example
 * ```ts
 * import type { StatsTextOptions } from "@palloc/palloc";
 * const brief: StatsTextOptions = { maxLevel: 1, maxChildren: 10 };
 * ```
 */
export interface StatsTextOptions {
  /** Deepest level printed in full (default 100, as `MemoryContextStats`). */
  maxLevel?: number;
  /** Children printed per context before the rest are summarised (default 100). */
  maxChildren?: number;
  /** The server-log form (`level: N; …`) instead of the indented stderr form. */
  logForm?: boolean;
}
