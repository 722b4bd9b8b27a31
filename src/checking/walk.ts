/**
 * The per-item checks the context types' own `check` methods call while
 * they walk their blocks: a walked chunk against its record and sentinel
 * (`CheckingChunkOk`, and `CheckingBumpChunks` for header-less bump chunks),
 * a block's chunk area against the side table (`CheckingRecordsOk`), and the
 * guards every walk applies before following a link (`CheckingBlockPointerOk`,
 * `CheckingWalkLimit`, `CheckingHeapBlockOk`). Part of the checking machinery
 * of `checking.ts`, which re-exports all of them; split off so that file holds
 * the chunk operations (allocation, pfree, repalloc, release) and this one
 * the walks' side.
 */
import { heap, mcxtMethods, type MemoryContext } from "../mcxt/context.ts";
import type {} from "../elog.ts";
import { elogDataCorrupted } from "../elog.ts";
import { MCTX_ALIGNED_REDIRECT_ID, MEMORYCHUNK_SIZE } from "../memorychunk.ts";
import {
  CheckingRecordedSize,
  headerHash,
  headerUnchanged,
  maxalign,
  NO_HEADER,
  recordsVisit,
} from "./records.ts";
import { capacityOf, checking, verifySentinel } from "./mod.ts";

/**
 * Called by the types' checks for every chunk they walk: in checking mode a
 * live chunk must have its record, an unchanged header and an intact
 * sentinel; a free chunk must have no record. Does nothing with the mode off.
 */
export function CheckingChunkOk(
  ctx: MemoryContext,
  p: number,
  capacity: number,
  isFree: boolean,
): void {
  if (!checking) return;
  const size = CheckingRecordedSize(p);
  if (isFree) {
    if (size >= 0) chunkProblem(ctx, p, "is free but recorded as live");
    return;
  }
  if (size < 0) chunkProblem(ctx, p, "is in use but has no record");
  if (size > capacity) chunkProblem(ctx, p, `holds ${capacity} bytes, ${size} were requested`);
  if (!headerUnchanged(p)) chunkProblem(ctx, p, "has an overwritten header");
  verifySentinel(p, size, capacity, ctx.name);
}

/**
 * Checking mode, for the chunk area [start, end] of a context's block: every
 * recorded chunk there keeps the header it had, and every aligned chunk
 * (whose redirect header no block walk visits) keeps its sentinel; and no
 * chunk is recorded past the free pointer, up to `blockEnd` (a free pointer
 * moved back over live chunks would otherwise go unseen).
 */
export function CheckingRecordsOk(
  ctx: MemoryContext,
  start: number,
  end: number,
  blockEnd: number,
): void {
  recordsVisit(end + 1, blockEnd, (p) => {
    elogDataCorrupted(`chunk ${p} of "${ctx.name}" lies past its block's free pointer ${end}`);
  });
  const aligned = mcxtMethods[MCTX_ALIGNED_REDIRECT_ID];
  recordsVisit(start, end, (p, size, hash) => {
    if (hash === NO_HEADER) return;
    if (hash !== headerHash(p)) {
      elogDataCorrupted(`the header of chunk ${p} in "${ctx.name}" was overwritten`);
    }
    if ((heap.i32[(p - MEMORYCHUNK_SIZE) >>> 2] & 0xf) === MCTX_ALIGNED_REDIRECT_ID) {
      verifySentinel(p, size, capacityOf(p, aligned, size), ctx.name);
    }
  });
}

function chunkProblem(ctx: MemoryContext, p: number, what: string): never {
  elogDataCorrupted(`problem in ${ctx.typeName} "${ctx.name}": chunk ${p} ${what}`);
}

/**
 * Walks the header-less chunks of one bump block through their records
 * (checking mode only): each must be recorded and keep its sentinel, and the
 * walk must end exactly at `freeptr`.
 */
export function CheckingBumpChunks(ctx: MemoryContext, start: number, freeptr: number): void {
  if (!checking) return;
  let p = start;
  while (p < freeptr) {
    const size = CheckingRecordedSize(p);
    if (size < 0) {
      elogDataCorrupted(`problem in BumpContext "${ctx.name}": chunk ${p} has no record`);
    }
    const capacity = maxalign(size);
    verifySentinel(p, size, capacity, ctx.name);
    if (capacity === 0) break; // a 0-byte chunk shares its pointer with the next one
    p += capacity;
  }
  if (p > freeptr) {
    elogDataCorrupted(`problem in BumpContext "${ctx.name}": chunks run past the free pointer`);
  }
}

/**
 * True when `p` can be the offset of a block or list node of this heap: 8-aligned and
 * inside the heap's blocks. The checks test every link with it before following it.
 */
export function CheckingBlockPointerOk(p: number): boolean {
  return (p >>> 0) === p && (p & 7) === 0 && p >= heap.start && p < heap.top;
}

/** The most links a list walk may follow before it is declared a cycle. */
export function CheckingWalkLimit(): number {
  return (heap.byteLength >>> 4) + 16;
}

/**
 * True when `block` is a live heap block of exactly `bytes` requested bytes:
 * the check that a block header's size agrees with the heap's own record.
 */
export function CheckingHeapBlockOk(block: number, bytes: number): boolean {
  return heap.isLive(block) && heap.sizeOf(block) === bytes;
}
