/**
 * The whole-tree side of palloc's checking machinery (`checking.ts`):
 * `MemoryContextCheck`, which users and the property tests call, and the
 * verification mcxt runs in checking mode before a reset or delete changes
 * anything, so that damage found then is refused with nothing changed.
 *
 * The walk trusts nothing: the tree is followed with a budget (a cycle ends
 * in an error, not a hang), every context must be live and own its header,
 * every child must point back to its parent, and each type's own check
 * (`ContextMethods.check`) verifies blocks, chunks, freelists and counters.
 * In checking mode each context's chunk areas are also scanned for records:
 * every recorded header must match its record, and aligned chunks (whose
 * redirect headers no block walk visits) must keep their sentinels.
 */
import type { MemoryContext } from "../mcxt/context.ts";
import { heap } from "../mcxt/context.ts";
import type {} from "../elog.ts";
import { elogDataCorrupted } from "../elog.ts";
import {
  checking,
  CheckingJustReleased,
  CheckingMarkVerified,
  CheckingNoteReleased,
  CheckingWasVerified,
  CheckingWipe,
} from "./mod.ts";

import { CheckingRecordsOk, CheckingWalkLimit } from "./walk.ts";
import { recordsClearRange } from "./records.ts";

/**
 * `MemoryContextCheck`: verifies `ctx` and every descendant — tree links,
 * then each type's check (block and chunk headers, freelists, counters
 * against a recount; records and sentinels too in checking mode). Raises a
 * PgError naming the first problem; returns quietly when all is well.
 *
 * @example
 * ```ts
 * import { MemoryContextCheck } from "./tree.ts";
 * import { MemoryContextInit, palloc, TopMemoryContext } from "../mcxt/mod.ts";
 * import { heap } from "../mcxt/context.ts";
 * MemoryContextInit({ checking: true });
 * const p = palloc(10);
 * heap.u8[p + 10] = 0; // one byte past the end: the sentinel
 * try {
 *   MemoryContextCheck(TopMemoryContext);
 * } catch (e) {
 *   console.log((e as Error).message); // detected write past chunk end in "TopMemoryContext" …
 * }
 * ```
 */
export function MemoryContextCheck(ctx: MemoryContext): void {
  let budget = CheckingWalkLimit();
  let c: MemoryContext | null = ctx;
  while (c !== null) {
    if (--budget < 0) elogDataCorrupted(`the tree below "${ctx.name}" has a cycle`);
    CheckingVerifyContext(c);
    c = nextInTree(c, ctx);
  }
}

/**
 * Checking mode, before a reset or delete of `ctx` (and of its subtree when
 * `subtree`): the same verification as `MemoryContextCheck`, so damage is
 * refused before anything changes.
 */
export function CheckingBeforeRelease(ctx: MemoryContext, subtree: boolean): void {
  if (CheckingJustReleased(ctx)) return; // a delete resetting itself: already verified and wiped
  if (subtree) MemoryContextCheck(ctx);
  else CheckingVerifyContext(ctx);
}

/**
 * Verifies one context (its links, its type's check, its records in checking
 * mode) and notes it as verified until the next chunk operation.
 */
export function CheckingVerifyContext(c: MemoryContext): void {
  if (c.id === 0) elogDataCorrupted(`memory context "${c.name}" in the tree is not live`);
  if (heap.i32[c.header >>> 2] !== c.id) {
    elogDataCorrupted(`memory context "${c.name}": its header no longer holds its id`);
  }
  let budget = CheckingWalkLimit();
  for (let k = c.firstchild, prev: MemoryContext | null = null; k !== null; k = k.nextchild) {
    if (k.parent !== c || k.prevchild !== prev || --budget < 0) {
      elogDataCorrupted(`memory context "${c.name}": child "${k.name}" has bogus links`);
    }
    prev = k;
  }
  c.methods.check?.(c);
  if (checking) {
    c.methods.chunkAreas?.(c, (s, e, blockEnd) => CheckingRecordsOk(c, s, e, blockEnd));
    // Reset callbacks run user code between this check and the wipe: check again after them.
    if (c.resetCbs === null) CheckingMarkVerified(c);
  }
}

function nextInTree(curr: MemoryContext, top: MemoryContext): MemoryContext | null {
  if (curr.firstchild !== null) return curr.firstchild;
  for (let c: MemoryContext = curr; c !== top; c = c.parent as MemoryContext) {
    if (c.nextchild !== null) return c.nextchild;
  }
  return null;
}

/**
 * Before a reset or delete gives a context's memory up: run its check (every
 * sentinel included), then wipe what its blocks held and forget its records.
 */
export function CheckingReleaseContext(ctx: MemoryContext): void {
  if (CheckingJustReleased(ctx)) return;
  if (!CheckingWasVerified(ctx)) CheckingVerifyContext(ctx); // callbacks may have changed something
  CheckingNoteReleased(ctx);
  ctx.methods.chunkAreas?.(ctx, (start, end) => {
    CheckingWipe(start, end - start);
    recordsClearRange(start, end);
  });
}
