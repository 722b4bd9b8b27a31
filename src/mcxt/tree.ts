/**
 * The shape of the context tree and what can be asked of it —
 * the pre-order walk (`MemoryContextTraverseNext`), moving a subtree
 * (`MemoryContextSetParent`), the parent and identifier, emptiness, and the
 * memory totals of a context or a subtree.
 *
 * The tree is PostgreSQL's: each context points to its parent, its first
 * child and its two siblings (newest child first), and a walk needs no stack
 * or allocation. Resetting and deleting, which also change the tree, are in
 * `reset.ts`; it unlinks a deleted context with `unlinkFromParent`.
 */
import type { MemoryContext, MemoryContextCounters } from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { TopMemoryContext } from "./current.ts";
import { assertLive, assertParentOk, assertReleasable } from "./guard.ts";

/**
 * `MemoryContextTraverseNext`: the context after `curr` in a pre-order walk
 * of `top`'s descendants, or null when the walk is over.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * import { MemoryContextTraverseNext } from "@palloc/palloc/internal";
 * MemoryContextInit();
 * const names: string[] = [];
 * const top = TopMemoryContext;
 * for (let c = top.firstchild; c !== null; c = MemoryContextTraverseNext(c, top)) {
 *   names.push(c.name);
 * }
 * console.log(names); // every context below TopMemoryContext, pre-order
 * ```
 */
export function MemoryContextTraverseNext(
  curr: MemoryContext,
  top: MemoryContext,
): MemoryContext | null {
  if (curr.firstchild !== null) return curr.firstchild;
  let c: MemoryContext = curr;
  while (c.nextchild === null) {
    c = c.parent as MemoryContext;
    if (c === top) return null;
  }
  return c.nextchild;
}

/** Takes `ctx` out of its parent's child list; its own subtree stays attached. */
export function unlinkFromParent(ctx: MemoryContext): void {
  const parent = ctx.parent;
  if (parent === null) return;
  if (ctx.prevchild !== null) ctx.prevchild.nextchild = ctx.nextchild;
  else parent.firstchild = ctx.nextchild;
  if (ctx.nextchild !== null) ctx.nextchild.prevchild = ctx.prevchild;
  ctx.prevchild = null;
  ctx.nextchild = null;
}

/**
 * `MemoryContextSetParent`: moves `ctx` (and its subtree) under `newParent`.
 * Refuses to re-parent TopMemoryContext and to make a cycle.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextGetParent,
 *   MemoryContextInit,
 *   MemoryContextSetParent,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const other = AllocSetContextCreate(TopMemoryContext, "other", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextSetParent(other, work); // other now lives (and dies) with work
 * console.assert(MemoryContextGetParent(other) === work);
 * ```
 */
export function MemoryContextSetParent(ctx: MemoryContext, newParent: MemoryContext): void {
  assertLive(ctx);
  assertLive(newParent);
  if (newParent === ctx.parent) return;
  assertReleasable(ctx, "MemoryContextSetParent");
  assertParentOk(newParent, ctx.name);
  if (ctx === TopMemoryContext || ctx.parent === null) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `cannot change the parent of "${ctx.name}"`);
  }
  for (let c: MemoryContext | null = newParent; c !== null; c = c.parent) {
    if (c === ctx) {
      throw new PgError(
        ERRCODE_INTERNAL_ERROR,
        `cannot make "${newParent.name}" the parent of "${ctx.name}": that would form a cycle`,
      );
    }
  }
  unlinkFromParent(ctx);
  ctx.parent = newParent;
  ctx.nextchild = newParent.firstchild;
  if (newParent.firstchild !== null) newParent.firstchild.prevchild = ctx;
  newParent.firstchild = ctx;
}

/**
 * `MemoryContextGetParent`.
 *
 * @example
 * ```ts
 * import {
 *   ErrorContext,
 *   MemoryContextGetParent,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * console.assert(MemoryContextGetParent(ErrorContext) === TopMemoryContext);
 * ```
 */
export function MemoryContextGetParent(ctx: MemoryContext): MemoryContext | null {
  return ctx.parent;
}

/**
 * `MemoryContextSetIdentifier`: the text shown after the name in stats (null forgets it).
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   MemoryContextSetIdentifier,
 *   MemoryContextStatsLine,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextSetIdentifier(work, "SELECT 1");
 * console.log(MemoryContextStatsLine(work)); // "work: 8192 total in 1 blocks; …: SELECT 1"
 * ```
 */
export function MemoryContextSetIdentifier(ctx: MemoryContext, ident: string | null): void {
  assertLive(ctx);
  ctx.ident = ident;
}

/**
 * `MemoryContextIsEmpty`: no children and no chunk (as the type judges it).
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextIsEmpty,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * console.assert(MemoryContextIsEmpty(work));
 * MemoryContextAlloc(work, 8);
 * console.assert(!MemoryContextIsEmpty(work));
 * ```
 */
export function MemoryContextIsEmpty(ctx: MemoryContext): boolean {
  assertLive(ctx);
  if (ctx.firstchild !== null) return false;
  return ctx.methods.isEmpty(ctx);
}

/**
 * `MemoryContextMemAllocated`: bytes obtained for `ctx` (and its subtree when `recurse`).
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   MemoryContextMemAllocated,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * // The bytes the whole tree took from the heap:
 * console.log(MemoryContextMemAllocated(TopMemoryContext, true));
 * ```
 */
export function MemoryContextMemAllocated(ctx: MemoryContext, recurse: boolean): number {
  assertLive(ctx);
  let total = ctx.memAllocated;
  if (recurse) {
    for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
      total += c.memAllocated;
    }
  }
  return total;
}

/**
 * `MemoryContextMemConsumed`: the counters of `ctx` and its subtree, into `consumed`.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, MemoryContextMemConsumed, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const c = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
 * MemoryContextMemConsumed(TopMemoryContext, c);
 * console.log(`${c.totalspace - c.freespace} bytes used in the whole tree`);
 * ```
 */
export function MemoryContextMemConsumed(
  ctx: MemoryContext,
  consumed: MemoryContextCounters,
): void {
  assertLive(ctx);
  consumed.nblocks =
    consumed.freechunks =
    consumed.totalspace =
    consumed.freespace =
      0;
  ctx.methods.stats(ctx, consumed, false);
  for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
    c.methods.stats(c, consumed, false);
  }
}

/**
 * The counters of `ctx` alone, as its type's stats method computes them.
 *
 * @example
 * ```ts
 * import { MemoryContextCountersOf, MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const k = MemoryContextCountersOf(TopMemoryContext);
 * console.log(`${k.totalspace} total in ${k.nblocks} blocks; ${k.freespace} free`);
 * ```
 */
export function MemoryContextCountersOf(ctx: MemoryContext): MemoryContextCounters {
  assertLive(ctx);
  const totals = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
  ctx.methods.stats(ctx, totals, false);
  return totals;
}
