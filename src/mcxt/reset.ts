/**
 * How memory goes away — `MemoryContextReset`, `…ResetOnly`,
 * `…ResetChildren`, `MemoryContextDelete`, `…DeleteChildren` and the reset
 * callbacks that run first (mcxt.c).
 *
 * The order is PostgreSQL's, and the README there says why: a reset deletes
 * the children before it frees the context's own chunks (a child's data is
 * assumed to live no longer than its parent's); a delete works leaves first, and each
 * context's callbacks run, newest first, before its memory is released. A
 * delete is refused for TopMemoryContext and for any subtree holding the
 * current context, which would leave `palloc` pointing at freed memory.
 */
import {
  heap,
  type MemoryContext,
  type MemoryContextCallback,
  MemoryContextListDamaged,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { checking } from "../checking/mod.ts";

import { CheckingBeforeRelease, CheckingReleaseContext } from "../checking/tree.ts";
import { CurrentMemoryContext, TopMemoryContext } from "./current.ts";
import { assertLive, assertReleasable, enterCallbacks, leaveCallbacks } from "./guard.ts";
import { MemoryContextTraverseNext, unlinkFromParent } from "./tree.ts";

/**
 * `MemoryContextReset`: deletes every descendant, then frees every chunk of `ctx`.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextIsEmpty,
 *   MemoryContextReset,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 1000);
 * MemoryContextReset(work); // frees the chunk (and would delete any child)
 * console.assert(MemoryContextIsEmpty(work));
 * ```
 */
export function MemoryContextReset(ctx: MemoryContext): void {
  assertLive(ctx);
  assertReleasable(ctx, "MemoryContextReset");
  if (ctx.firstchild === null && ctx.resetCbs === null && !checking) {
    // The common case, a leaf without callbacks: its own blocks are all a reset releases.
    if (ctx.isReset) return;
    if (ctx.methods.releasedBlocks(ctx, false, heap.usedBlocks) < 0) MemoryContextListDamaged(ctx);
    ctx.methods.reset(ctx);
    ctx.isReset = true;
    return;
  }
  MemoryContextResetWhole(ctx);
}

/**
 * `MemoryContextReset` of a context with children or callbacks (or in
 * checking mode): vets every block the reset releases, deletes the children,
 * then resets `ctx` itself. Apart, so the leaf case above stays small.
 */
function MemoryContextResetWhole(ctx: MemoryContext): void {
  for (let c = ctx.firstchild; c !== null; c = c.nextchild) assertNotCurrentWithin(c);
  if (checking) CheckingBeforeRelease(ctx, true);
  if (!ctx.isReset || ctx.firstchild !== null) {
    HeapCheckRelease(ctx, ctx.isReset ? NONE : RESET, DELETE);
  }
  while (ctx.firstchild !== null) deleteTree(ctx.firstchild);
  if (!ctx.isReset) MemoryContextResetOnlyVetted(ctx);
}

/**
 * `MemoryContextResetOnly`: frees every chunk of `ctx`; children are untouched.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextResetOnly,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const kid = AllocSetContextCreate(work, "kid", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 100);
 * MemoryContextResetOnly(work); // work's chunks are gone; kid lives on
 * console.assert(work.firstchild === kid);
 * ```
 */
export function MemoryContextResetOnly(ctx: MemoryContext): void {
  assertLive(ctx);
  assertReleasable(ctx, "MemoryContextResetOnly");
  if (!ctx.isReset) {
    HeapCheckRelease(ctx, RESET, NONE);
    MemoryContextResetOnlyVetted(ctx);
  }
}

/**
 * ResetOnly once the caller has vetted the release with the heap (a type's
 * delete that resets first: its blocks were checked as the delete's);
 * checking mode verifies here.
 */
export function MemoryContextResetOnlyVetted(ctx: MemoryContext): void {
  if (checking) CheckingBeforeRelease(ctx, false);
  if (ctx.resetCbs !== null) {
    MemoryContextCallResetCallbacks(ctx, false);
    HeapCheckRelease(ctx, RESET, NONE); // the callbacks may have changed the heap
  }
  if (checking) CheckingReleaseContext(ctx);
  ctx.methods.reset(ctx);
  ctx.isReset = true;
}

/**
 * `MemoryContextResetChildren`: resets (not deletes) every descendant of `ctx`.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextResetChildren,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 100);
 * MemoryContextResetChildren(TopMemoryContext); // every descendant emptied, none deleted
 * ```
 */
export function MemoryContextResetChildren(ctx: MemoryContext): void {
  assertLive(ctx);
  assertReleasable(ctx, "MemoryContextResetChildren");
  if (checking) CheckingBeforeRelease(ctx, true);
  HeapCheckRelease(ctx, NONE, RESET);
  for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
    if (!c.isReset) MemoryContextResetOnlyVetted(c);
  }
}

/**
 * `MemoryContextDelete`: deletes `ctx` and every descendant, leaves first.
 * Refuses TopMemoryContext and any subtree holding the current context.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextAlloc,
 *   MemoryContextDelete,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 100);
 * MemoryContextDelete(work); // work, its chunks and its children are gone
 * ```
 */
export function MemoryContextDelete(ctx: MemoryContext): void {
  assertLive(ctx);
  assertReleasable(ctx, "MemoryContextDelete");
  if (ctx === TopMemoryContext || ctx.parent === null) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `cannot delete memory context "${ctx.name}"`);
  }
  assertNotCurrentWithin(ctx);
  HeapCheckRelease(ctx, DELETE, DELETE);
  deleteTree(ctx);
}

/** Deletes `ctx` and its subtree, deepest first, once the caller has vetted the release. */
function deleteTree(ctx: MemoryContext): void {
  if (checking) CheckingBeforeRelease(ctx, true);
  let curr = ctx;
  for (;;) {
    while (curr.firstchild !== null) curr = curr.firstchild;
    const parent = curr.parent as MemoryContext;
    MemoryContextDeleteOnly(curr);
    if (curr === ctx) break;
    curr = parent;
  }
}

const NONE = 0;
const RESET = 1;
const DELETE = 2;

/**
 * "Refused whole": before a reset or delete changes anything (before reset
 * callbacks run, children go or any block is given back), every heap block
 * it will release — `self`'s (NONE, RESET or DELETE) and its descendants'
 * (`below`) — must pass `heap.checkFree`, so heap damage found on the way is
 * reported with the tree, the counters and the heap as they were. The types
 * then give the blocks back with `heap.freeChecked`, which does not check
 * again; reset callbacks run user code in between, so a context whose
 * callbacks ran is checked once more after them. A damaged block list that
 * never ends is caught by a budget of the heap's live block count and by its
 * keeper met twice. A reset of the children skips those already reset, which
 * it leaves alone. In checking mode `CheckingBeforeRelease` verifies much
 * more besides.
 */
function HeapCheckRelease(ctx: MemoryContext, self: number, below: number): void {
  let budget = heap.usedBlocks;
  if (self !== NONE) {
    budget = ctx.methods.releasedBlocks(ctx, self === DELETE, budget);
    if (budget < 0) MemoryContextListDamaged(ctx);
  }
  if (below === NONE) return;
  const deleting = below === DELETE;
  for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
    if (!deleting && c.isReset) continue; // MemoryContextResetChildren leaves it alone
    budget = c.methods.releasedBlocks(c, deleting, budget);
    if (budget < 0) MemoryContextListDamaged(c);
  }
}

/**
 * `MemoryContextDeleteChildren`: deletes every descendant; `ctx` stays.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextDeleteChildren,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * AllocSetContextCreate(work, "kid", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextDeleteChildren(work);
 * console.assert(work.firstchild === null);
 * ```
 */
export function MemoryContextDeleteChildren(ctx: MemoryContext): void {
  assertLive(ctx);
  assertReleasable(ctx, "MemoryContextDeleteChildren");
  for (let c = ctx.firstchild; c !== null; c = c.nextchild) assertNotCurrentWithin(c);
  if (checking) CheckingBeforeRelease(ctx, true);
  HeapCheckRelease(ctx, NONE, DELETE);
  while (ctx.firstchild !== null) deleteTree(ctx.firstchild);
}

function assertNotCurrentWithin(ctx: MemoryContext): void {
  for (let c: MemoryContext | null = CurrentMemoryContext; c !== null; c = c.parent) {
    if (c === ctx) {
      throw new PgError(
        ERRCODE_INTERNAL_ERROR,
        `cannot delete memory context "${ctx.name}": it holds the current memory context`,
      );
    }
  }
}

function MemoryContextDeleteOnly(ctx: MemoryContext): void {
  if (ctx.resetCbs !== null) {
    MemoryContextCallResetCallbacks(ctx, true);
    HeapCheckRelease(ctx, DELETE, NONE); // the callbacks may have changed the heap
  }
  unlinkFromParent(ctx);
  ctx.parent = null;
  ctx.ident = null;
  if (checking) CheckingReleaseContext(ctx);
  ctx.methods.delete(ctx);
}

/**
 * Runs `ctx`'s callbacks, newest first, each taken off the list before it
 * runs (so it runs once, even if it throws). A callback that throws aborts
 * the reset or delete there, as an ERROR does in PostgreSQL: the error
 * propagates, `ctx` keeps its memory and its remaining callbacks, and the
 * tree stays consistent (a later reset or delete carries on). While they run,
 * `guard.ts` refuses the calls that would pull the walk's ground away.
 */
function MemoryContextCallResetCallbacks(ctx: MemoryContext, deleting: boolean): void {
  let cb: MemoryContextCallback | null;
  enterCallbacks(ctx, deleting);
  try {
    while ((cb = ctx.resetCbs) !== null) {
      ctx.resetCbs = cb.next ?? null;
      cb.func(cb.arg);
    }
  } finally {
    leaveCallbacks();
  }
}

/**
 * `MemoryContextRegisterResetCallback`: `cb.func(cb.arg)` runs once, before
 * the next reset or delete of `ctx`; callbacks run newest first.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   MemoryContextRegisterResetCallback,
 *   MemoryContextReset,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const cb = { func: (arg: unknown) => console.log("closing", arg), arg: "file 7" };
 * MemoryContextRegisterResetCallback(work, cb);
 * MemoryContextReset(work); // logs "closing file 7"
 * ```
 */
export function MemoryContextRegisterResetCallback(
  ctx: MemoryContext,
  cb: MemoryContextCallback,
): void {
  assertLive(ctx);
  cb.next = ctx.resetCbs;
  ctx.resetCbs = cb;
  ctx.isReset = false;
}

/**
 * `MemoryContextUnregisterResetCallback`: forgets a registered callback.
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextInit,
 *   MemoryContextRegisterResetCallback,
 *   MemoryContextUnregisterResetCallback,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const cb = { func: () => console.log("never"), arg: null };
 * MemoryContextRegisterResetCallback(work, cb);
 * MemoryContextUnregisterResetCallback(work, cb);
 * ```
 */
export function MemoryContextUnregisterResetCallback(
  ctx: MemoryContext,
  cb: MemoryContextCallback,
): void {
  let prev: MemoryContextCallback | null = null;
  for (let cur = ctx.resetCbs; cur !== null; prev = cur, cur = cur.next ?? null) {
    if (cur !== cb) continue;
    if (prev !== null) prev.next = cur.next;
    else ctx.resetCbs = cur.next ?? null;
    return;
  }
  throw new PgError(ERRCODE_INTERNAL_ERROR, "reset callback is not registered in this context");
}
