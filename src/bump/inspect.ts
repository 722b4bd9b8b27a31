/**
 * What can be learnt about a Bump context without changing it: emptiness,
 * the statistics PostgreSQL prints and reports (`BumpStats`), and a
 * self-check of the block list against `mem_allocated` and the block index.
 *
 * Bump keeps no per-chunk bookkeeping, so everything here walks the block
 * list: O(blocks). Nothing here is on an allocation path.
 */
import type {} from "../checking/mod.ts";
import {
  CheckingBlockPointerOk,
  CheckingBumpChunks,
  CheckingHeapBlockOk,
  CheckingWalkLimit,
} from "../checking/walk.ts";
import type {} from "../elog.ts";
import { elogDataCorrupted } from "../elog.ts";
import {
  heap,
  type MemoryContext,
  type MemoryContextCounters,
  MemoryContextListDamaged,
} from "../mcxt/context.ts";
import {
  BLOCKS_HEAD,
  BUMP_BLOCKHDRSZ,
  type BumpContext,
  KeeperBlock,
  W_ENDPTR,
  W_FREEPTR,
  W_NEXT,
  W_PREV,
} from "./block.ts";
import { BumpIndexLookup } from "./index.ts";

/**
 * `BumpStats`: blocks, total and free bytes (Bump has no free chunks), and
 * the text `T total in B blocks; F free; U used`.
 */
export function BumpStats(
  context: MemoryContext,
  totals: MemoryContextCounters | null,
  wantText: boolean,
): string {
  const u = heap.u32;
  const head = context.header + BLOCKS_HEAD;
  let nblocks = 0;
  let totalspace = 0;
  let freespace = 0;
  const maxBlocks = heap.usedBlocks + 1;
  for (let block = u[(head >>> 2) + W_NEXT]; block !== head; block = u[(block >>> 2) + W_NEXT]) {
    const end = u[(block >>> 2) + W_ENDPTR];
    if (++nblocks > maxBlocks) MemoryContextListDamaged(context);
    totalspace += end - block;
    freespace += end - u[(block >>> 2) + W_FREEPTR];
  }
  if (totals !== null) {
    totals.nblocks += nblocks;
    totals.totalspace += totalspace;
    totals.freespace += freespace;
  }
  return wantText
    ? `${totalspace} total in ${nblocks} blocks; ${freespace} free; ${totalspace - freespace} used`
    : "";
}

/**
 * `BumpCheck`: list links, free and end pointers (against the heap's own
 * block sizes), the block index and `mem_allocated` agree; in checking mode
 * every chunk's record and sentinel too. Each link is tested before it is
 * followed. Raises a PgError naming the first problem.
 */
export function BumpCheck(context: MemoryContext): void {
  const set = context as BumpContext;
  const u = heap.u32;
  const head = set.header + BLOCKS_HEAD;
  const limit = CheckingWalkLimit();
  const seen = new Set<number>();
  let total = 0;
  let prev = head;
  let sawKeeper = false;
  for (let block = u[(head >>> 2) + W_NEXT]; block !== head; block = u[(block >>> 2) + W_NEXT]) {
    if (!CheckingBlockPointerOk(block) || seen.has(block) || seen.size > limit) {
      elogDataCorrupted(`problem in Bump ${set.name}: block list is broken at ${block}`);
    }
    seen.add(block);
    const b = block >>> 2;
    const where = `problem in Bump ${set.name}: block ${block}`;
    if (u[b + W_PREV] !== prev) elogDataCorrupted(`${where} has a bogus prev link`);
    const free = u[b + W_FREEPTR];
    const end = u[b + W_ENDPTR];
    if (free < block + BUMP_BLOCKHDRSZ || free > end) {
      elogDataCorrupted(`${where} has a bogus freeptr`);
    }
    const start = block === KeeperBlock(set) ? set.header : block;
    if (!CheckingHeapBlockOk(start, end - start)) {
      elogDataCorrupted(`${where} has an end pointer that disagrees with the heap`);
    }
    if (BumpIndexLookup(block + BUMP_BLOCKHDRSZ) !== set) {
      elogDataCorrupted(`${where} is not indexed`);
    }
    if (block === KeeperBlock(set)) sawKeeper = true;
    total += end - start;
    CheckingBumpChunks(set, block + BUMP_BLOCKHDRSZ, free);
    prev = block;
  }
  if (u[(head >>> 2) + W_PREV] !== prev) {
    elogDataCorrupted(`problem in Bump ${set.name}: the block list head's prev link is bogus`);
  }
  if (!sawKeeper) elogDataCorrupted(`problem in Bump ${set.name}: keeper block missing`);
  if (u[(head >>> 2) + W_NEXT] !== set.block) {
    elogDataCorrupted(`problem in Bump ${set.name}: the current block is not the list's head`);
  }
  if (total !== set.memAllocated) {
    elogDataCorrupted(
      `problem in Bump ${set.name}: ${total} bytes in blocks, mem_allocated ${set.memAllocated}`,
    );
  }
}

/** The chunk area of every block, header to free pointer (checking mode wipes them). */
export function BumpChunkAreas(
  context: MemoryContext,
  visit: (start: number, end: number, blockEnd: number) => void,
): void {
  const u = heap.u32;
  const head = context.header + BLOCKS_HEAD;
  let n = CheckingWalkLimit();
  for (let block = u[(head >>> 2) + W_NEXT]; block !== head && n-- > 0;) {
    visit(block + BUMP_BLOCKHDRSZ, u[(block >>> 2) + W_FREEPTR], u[(block >>> 2) + W_ENDPTR]);
    block = u[(block >>> 2) + W_NEXT];
  }
}

/** The heap blocks a reset gives back (all but the keeper), and the header on delete. */
export function BumpReleasedBlocks(
  context: MemoryContext,
  deleting: boolean,
  budget: number,
): number {
  const keeper = KeeperBlock(context);
  const head = context.header + BLOCKS_HEAD;
  let keepers = 0;
  for (let block = heap.u32[(head >>> 2) + W_NEXT]; block !== head;) {
    if (block === keeper) {
      if (++keepers > 1) return -1;
    } else {
      if (--budget < 0) return budget;
      heap.checkFree(block);
    }
    block = heap.u32[(block >>> 2) + W_NEXT];
  }
  if (deleting) {
    if (--budget < 0) return budget;
    heap.checkFree(context.header);
  }
  return budget;
}

/** A self-check's finding: the data is damaged (SQLSTATE XX001, like the other types' checks). */
