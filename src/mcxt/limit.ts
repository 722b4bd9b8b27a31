/**
 * mcxt_limit: per-subtree memory limits (beyond PostgreSQL; talloc has
 * `talloc_set_memlimit`). `MemoryContextSetLimit(ctx, bytes)` caps the sum of
 * `mem_allocated` over `ctx` and everything below it. A context type asks
 * `MemoryContextBlockMalloc` / `MemoryContextBlockRealloc` instead of the
 * heap whenever it wants a block (a new block, a dedicated block, a resized
 * dedicated block, a new context's header and keeper block); when the block
 * would take some limited ancestor's subtree past its limit, the answer is 0
 * — exactly what an exhausted heap answers — so the type's own failure path
 * raises PostgreSQL's out-of-memory error naming the context (or returns
 * NULL under `MCXT_ALLOC_NO_OOM`), before anything changed, and the caller
 * recovers as from any out-of-memory.
 *
 * Cost: with no limit set, one comparison on the block-allocation slow path
 * and nothing on the per-palloc fast path. With limits set, each block
 * request walks its context's ancestors and, for each limited one, sums
 * `mem_allocated` over its subtree (blocks are rare; contexts are few).
 *
 * A limit is not retroactive: a subtree already past its new limit keeps
 * what it holds and gets no new block until it is back under. Moving a
 * context under a limited one (`MemoryContextSetParent`) is not refused.
 * Limits live in a map beside the tree, not in the context objects: a
 * deleted context's entry is dropped, and a limit dies with its context.
 * Each heap has its own map (a `HeapLocal`, saved and restored with the
 * heap), so a limit set in one heap never makes another heap's block
 * requests walk their ancestors, and the map never keeps a heap alive that
 * its program has let go of.
 */
import { heap, type MemoryContext, registerHeapLocal } from "./context.ts";
import { ERRCODE_INVALID_PARAMETER_VALUE, PgError } from "../elog.ts";
import { assertLive } from "./guard.ts";

let limits = new Map<MemoryContext, number>();
registerHeapLocal({
  fresh() {
    limits = new Map();
  },
  save: () => limits,
  load(state) {
    limits = state as Map<MemoryContext, number>;
  },
});

/**
 * Caps `ctx`'s subtree at `bytes` of `mem_allocated` (null lifts the cap).
 * Raises a typed error for a dead context or a limit that is not a
 * non-negative safe integer, changing nothing.
 *
 * @example
 * ```ts
 * import {
 *   AllocSetContextCreate, MemoryContextAlloc, MemoryContextGetLimit, MemoryContextInit,
 *   MemoryContextSetLimit, TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const req = AllocSetContextCreate(TopMemoryContext, "request", 0, 8192, 8 << 20);
 * MemoryContextSetLimit(req, 64 * 1024);
 * try {
 *   MemoryContextAlloc(req, 100_000); // needs a 100 KB block: past the limit
 * } catch (e) {
 *   console.assert((e as Error).message === "out of memory");
 * }
 * console.assert(MemoryContextGetLimit(req) === 65536);
 * ```
 */
export function MemoryContextSetLimit(ctx: MemoryContext, bytes: number | null): void {
  assertLive(ctx);
  if (bytes !== null && !(Number.isSafeInteger(bytes) && bytes >= 0)) {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `invalid memory limit ${bytes} for memory context "${ctx.name}"`,
    );
  }
  for (const c of limits.keys()) if (c.id === 0) limits.delete(c);
  if (bytes === null) limits.delete(ctx);
  else limits.set(ctx, bytes);
}

/**
 * `ctx`'s own limit in bytes, or null when it has none (ancestors' limits
 * apply to it all the same).
 *
 * @example
 * ```ts
 * import { MemoryContextGetLimit, MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * console.assert(MemoryContextGetLimit(TopMemoryContext) === null);
 * ```
 */
export function MemoryContextGetLimit(ctx: MemoryContext): number | null {
  assertLive(ctx);
  return limits.get(ctx) ?? null;
}

/** True when `bytes` more in `ctx` keep every limited ancestor's subtree within its limit. */
function LimitAllows(ctx: MemoryContext | null, bytes: number): boolean {
  for (let a = ctx; a !== null; a = a.parent) {
    const limit = limits.get(a);
    if (limit === undefined) continue;
    let total = a.memAllocated;
    // Pre-order walk of a's subtree (iterative: no recursion on the tree's depth).
    for (let c = a.firstchild; c !== null;) {
      total += c.memAllocated;
      if (c.firstchild !== null) c = c.firstchild;
      else {
        while (c !== a && c.nextchild === null) c = c.parent!;
        c = c === a ? null : c.nextchild;
      }
    }
    if (total + bytes > limit) return false;
  }
  return true;
}

/**
 * The heap's `malloc` for a block `ctx` is to own (for a context being
 * created: its parent), or 0 when the block would take a limited subtree past
 * its limit.
 */
export function MemoryContextBlockMalloc(ctx: MemoryContext | null, size: number): number {
  if (limits.size !== 0 && !LimitAllows(ctx, size)) return 0;
  return heap.malloc(size);
}

/**
 * The heap's `realloc` of `ctx`'s dedicated block from `oldSize` to `size`
 * bytes, or 0 when growing it would take a limited subtree past its limit.
 */
export function MemoryContextBlockRealloc(
  ctx: MemoryContext,
  block: number,
  oldSize: number,
  size: number,
): number {
  if (limits.size !== 0 && size > oldSize && !LimitAllows(ctx, size - oldSize)) return 0;
  return heap.realloc(block, size);
}
