/**
 * AllocSet's read-only walks: its self-check (PostgreSQL's `AllocSetCheck`),
 * its statistics (`AllocSetStats`), the chunk areas checking mode wipes on
 * reset and delete, and the blocks a reset or delete gives back.
 *
 * The check trusts nothing it reads: every block link is tested (8-aligned,
 * inside the heap, not seen before, at most a heap's worth of blocks) before
 * it is followed, so a damaged header ends in a PgError naming the block,
 * never in a loop or a read outside the heap. What it verifies:
 *
 * - each block: owner is this set, `prev` mirrors the walk, free pointer
 *   between header and end, end pointer equal to what the heap itself
 *   recorded for the block, the keeper present;
 * - each chunk, walked header by header up to the free pointer: AllocSet's
 *   method id, a block offset leading back to its block, a valid freelist
 *   index (with or without the free mark), a size that stays inside the
 *   used part of the block; a dedicated block holds exactly one external
 *   chunk with the magic pattern;
 * - the freelists: every link is a free-marked chunk of this set found by
 *   the walk, in the list of its size class, listed once; every free-marked
 *   chunk is on a list (so the free-chunk counter equals a recount);
 * - `mem_allocated` equals the sum of the block sizes;
 * - in checking mode, each chunk's record and sentinel (`CheckingChunkOk`).
 *
 * Kept apart from `mod.ts` (the context) and `alloc.ts` (the chunk
 * operations); like the other types' inspect files it only reads.
 */
import {
  heap,
  type MemoryContext,
  type MemoryContextCounters,
  MemoryContextListDamaged,
} from "../mcxt/context.ts";
import type {} from "../elog.ts";
import { elogDataCorrupted } from "../elog.ts";
import type {} from "../checking/mod.ts";
import {
  CheckingBlockPointerOk,
  CheckingChunkOk,
  CheckingHeapBlockOk,
  CheckingWalkLimit,
} from "../checking/walk.ts";
import {
  chunkExternalMagicOk,
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
} from "../memorychunk.ts";
import { type AllocSetContext, AllocSetFreelistWord, KeeperBlock } from "./block.ts";
import * as memorychunkModule from "../memorychunk.ts";
import * as blockModule from "./block.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCTX_ASET_ID } = memorychunkModule;
const {
  ALLOCSET_NUM_FREELISTS,
  ALLOC_BLOCKHDRSZ,
  ALLOC_CHUNKHDRSZ,
  ASET_CONTEXT_SIZE,
  B_ENDPTR,
  B_FREEPTR,
  B_NEXT,
  B_OWNER,
  B_PREV,
  FREE_MARK,
} = blockModule;

function fail(set: MemoryContext, detail: string): never {
  elogDataCorrupted(`problem in alloc set ${set.name}: ${detail}`);
}

/**
 * `AllocSetCheck`: verifies every block, chunk and freelist of an AllocSet
 * context and its counters (see the file header); raises a PgError naming
 * the first problem.
 */
export function AllocSetCheck(ctx: MemoryContext): void {
  const set = ctx as AllocSetContext;
  const m = heap.u32;
  const limit = CheckingWalkLimit();
  const seen = new Set<number>();
  const free = new Map<number, number>();
  let total = 0;
  let prev = 0;
  let sawKeeper = false;
  for (let block = set.blocks >>> 0; block !== 0; block = m[(block >>> 2) + B_NEXT] >>> 0) {
    if (!CheckingBlockPointerOk(block) || seen.has(block) || seen.size > limit) {
      fail(set, `block list is broken at ${block} (after block ${prev})`);
    }
    seen.add(block);
    const b = block >>> 2;
    if (m[b + B_OWNER] !== set.header) fail(set, `block ${block} has a bogus owner`);
    if (m[b + B_PREV] !== prev) fail(set, `block ${block} has a bogus prev link`);
    const freeptr = m[b + B_FREEPTR];
    const endptr = m[b + B_ENDPTR];
    if (freeptr < block + ALLOC_BLOCKHDRSZ || freeptr > endptr) {
      fail(set, `block ${block} has a bogus free pointer ${freeptr}`);
    }
    const start = block === KeeperBlock(set) ? set.header : block;
    if (!CheckingHeapBlockOk(start, endptr - start)) {
      fail(set, `block ${block}: end pointer ${endptr} disagrees with the heap`);
    }
    if (block === KeeperBlock(set)) sawKeeper = true;
    total += endptr - start;
    AllocSetCheckChunks(set, block, freeptr, endptr, free);
    prev = block;
  }
  if (!sawKeeper) fail(set, `keeper block ${KeeperBlock(set)} is not on the block list`);
  if (total !== set.memAllocated) {
    fail(set, `blocks hold ${total} bytes, mem_allocated is ${set.memAllocated}`);
  }
  AllocSetCheckFreelists(set, free);
}

/** Walks one block's chunks; records free-marked ones in `free` (chunk → freelist index). */
function AllocSetCheckChunks(
  set: AllocSetContext,
  block: number,
  freeptr: number,
  endptr: number,
  free: Map<number, number>,
): void {
  let chunk = block + ALLOC_BLOCKHDRSZ;
  if (chunk < freeptr && chunkIsExternal(heap.i32, chunk)) {
    if (!chunkExternalMagicOk(heap.i32, chunk) || (heap.i32[chunk >>> 2] & 0xf) !== MCTX_ASET_ID) {
      fail(set, `dedicated block ${block} has a bogus chunk header`);
    }
    if (freeptr !== endptr) fail(set, `dedicated block ${block} is not full`);
    CheckingChunkOk(set, chunk + ALLOC_CHUNKHDRSZ, endptr - chunk - ALLOC_CHUNKHDRSZ, false);
    return;
  }
  while (chunk < freeptr) {
    if ((heap.i32[chunk >>> 2] & 0xf) !== MCTX_ASET_ID || chunkIsExternal(heap.i32, chunk)) {
      fail(set, `chunk ${chunk + ALLOC_CHUNKHDRSZ} in block ${block} has a bogus header`);
    }
    if (chunkGetBlock(heap.i32, chunk) !== block) {
      fail(set, `chunk ${chunk + ALLOC_CHUNKHDRSZ} in block ${block} has a bogus block link`);
    }
    const value = chunkGetValue(heap.i32, chunk);
    const fidx = value & ~FREE_MARK;
    if (fidx >= ALLOCSET_NUM_FREELISTS) {
      fail(
        set,
        `chunk ${chunk + ALLOC_CHUNKHDRSZ} in block ${block} has a bogus size class ${value}`,
      );
    }
    const size = 8 << fidx;
    if (chunk + ALLOC_CHUNKHDRSZ + size > freeptr) {
      fail(set, `chunk ${chunk + ALLOC_CHUNKHDRSZ} in block ${block} runs past the free pointer`);
    }
    const isFree = (value & FREE_MARK) !== 0;
    if (isFree) free.set(chunk, fidx);
    CheckingChunkOk(set, chunk + ALLOC_CHUNKHDRSZ, size, isFree);
    chunk += ALLOC_CHUNKHDRSZ + size;
  }
}

/** Every freelist link must be a free chunk of this set, of the list's class, listed once. */
function AllocSetCheckFreelists(set: AllocSetContext, free: Map<number, number>): void {
  const m = heap.u32;
  let listed = 0;
  for (let fidx = 0; fidx < ALLOCSET_NUM_FREELISTS; fidx++) {
    for (
      let chunk = m[AllocSetFreelistWord(set) + 2 * fidx] >>> 0;
      chunk !== 0;
      chunk = m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2] >>> 0
    ) {
      const f = free.get(chunk);
      if (f === undefined) {
        fail(set, `freelist ${fidx} links to ${chunk}, which is no free chunk of this set`);
      }
      if (f !== fidx) {
        fail(set, f < 0 ? `chunk ${chunk} is listed twice` : `freelist ${fidx} holds class ${f}`);
      }
      free.set(chunk, -1);
      listed++;
    }
  }
  if (listed !== free.size) fail(set, `${free.size - listed} free chunks are on no freelist`);
}

/** The chunk areas of every block: header to free pointer (checking mode wipes them). */
export function AllocSetChunkAreas(
  ctx: MemoryContext,
  visit: (start: number, end: number, blockEnd: number) => void,
): void {
  const set = ctx as AllocSetContext;
  const m = heap.u32;
  const limit = CheckingWalkLimit();
  let n = 0;
  for (
    let block = set.blocks >>> 0;
    block !== 0 && n++ < limit;
    block = m[(block >>> 2) + B_NEXT]
  ) {
    visit(block + ALLOC_BLOCKHDRSZ, m[(block >>> 2) + B_FREEPTR], m[(block >>> 2) + B_ENDPTR]);
  }
}

/**
 * Has the heap check (`heap.checkFree`) every block a reset gives back (every
 * block but the keeper) and, for a delete of a context that does not go to a
 * context freelist, its header; returns `budget` less one per block, or a
 * negative number as soon as the list is longer than that or meets the keeper
 * twice (a cycle).
 */
export function AllocSetReleasedBlocks(
  ctx: MemoryContext,
  deleting: boolean,
  budget: number,
): number {
  const set = ctx as AllocSetContext;
  const m = heap.u32;
  const keeper = KeeperBlock(set);
  let keepers = 0;
  for (let block = set.blocks >>> 0; block !== 0; block = m[(block >>> 2) + B_NEXT] >>> 0) {
    if (block === keeper) {
      if (++keepers > 1) return -1;
    } else {
      if (--budget < 0) return budget;
      heap.checkFree(block);
    }
  }
  if (deleting && set.freeListIndex < 0) {
    if (--budget < 0) return budget;
    heap.checkFree(set.header);
  }
  return budget;
}

/**
 * `AllocSetStats`: blocks, free chunks, total and free bytes (the context
 * header included in the total, as PostgreSQL counts it), added to `totals`
 * and, when `wantText`, as PostgreSQL's one-line summary.
 */
export function AllocSetStats(
  ctx: MemoryContext,
  totals: MemoryContextCounters | null,
  wantText: boolean,
): string {
  const set = ctx as AllocSetContext;
  const m = heap.i32;
  let nblocks = 0;
  let freechunks = 0;
  let totalspace = ASET_CONTEXT_SIZE;
  let freespace = 0;
  const maxBlocks = heap.usedBlocks + 1;
  for (let block = set.blocks; block !== 0; block = m[(block >>> 2) + B_NEXT] >>> 0) {
    const b = block >>> 2;
    if (++nblocks > maxBlocks) MemoryContextListDamaged(ctx);
    totalspace += (m[b + B_ENDPTR] >>> 0) - block;
    freespace += (m[b + B_ENDPTR] >>> 0) - (m[b + B_FREEPTR] >>> 0);
  }
  const maxChunks = heap.u8.length >>> 4; // a free chunk takes at least 16 bytes
  for (let fidx = 0; fidx < ALLOCSET_NUM_FREELISTS; fidx++) {
    const chksz = 8 << fidx;
    for (
      let chunk = m[AllocSetFreelistWord(set) + 2 * fidx] >>> 0;
      chunk !== 0;
      chunk = m[(chunk + ALLOC_CHUNKHDRSZ) >>> 2] >>> 0
    ) {
      if (++freechunks > maxChunks) MemoryContextListDamaged(ctx, "free list");
      freespace += chksz + ALLOC_CHUNKHDRSZ;
    }
  }
  if (totals !== null) {
    totals.nblocks += nblocks;
    totals.freechunks += freechunks;
    totals.totalspace += totalspace;
    totals.freespace += freespace;
  }
  return wantText
    ? `${totalspace} total in ${nblocks} blocks; ${freespace} free (${freechunks} chunks); ${
      totalspace - freespace
    } used`
    : "";
}
