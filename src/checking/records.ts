/**
 * Checking mode's side table: for every live chunk handed out through mcxt,
 * its requested size and a hash of its 8-byte header, indexed by the chunk's
 * offset / 8. Part of the checking machinery of `mod.ts` (the only
 * module that writes records); kept in its own file so the representation
 * is written down once.
 *
 * ```
 *  pages[p >>> 16]  → Uint32Array(16384), made on first use (64 KiB of heap each)
 *  slot (p & 0xffff) >>> 3, two words:  [size + 1 (0 = no record)] [header hash]
 * ```
 *
 * A page exists only where a chunk was recorded, so checking mode costs one
 * byte of table per byte of heap that holds chunks, and nothing at all with
 * the mode off. There is never a JS object per chunk. Offsets may reach
 * 4 GB, so nothing here uses 32-bit `<<` or `&` on an offset's high bits.
 */
import { heap, registerHeapLocal } from "../mcxt/context.ts";
import { MEMORYCHUNK_SIZE } from "../memorychunk.ts";

const PAGE_SHIFT = 16;
const PAGE_BYTES = 1 << PAGE_SHIFT;
const SLOT_MASK = PAGE_BYTES - 1;
let pages: Array<Uint32Array | undefined> = [];

registerHeapLocal({
  fresh() {
    pages = [];
  },
  save: () => pages,
  load(state) {
    pages = state as Array<Uint32Array | undefined>;
  },
});

/** The hash recorded for a header-less (bump) chunk: there is no header to compare. */
export const NO_HEADER = 0;

/** Forgets every record (a new heap, or checking mode switched on). */
export function recordsClear(): void {
  pages = [];
}

/** Word index of `p`'s size word inside its page. */
function slotOf(p: number): number {
  return ((p & SLOT_MASK) >>> 3) << 1;
}

/** The requested size recorded for the chunk at `p`, or -1 when it has no record. */
export function CheckingRecordedSize(p: number): number {
  const page = pages[p >>> PAGE_SHIFT];
  if (page === undefined || (p & 7) !== 0) return -1;
  return page[slotOf(p)] - 1;
}

/** Records `size` and `hash` for the chunk at `p`. */
export function recordSet(p: number, size: number, hash: number): void {
  const i = p >>> PAGE_SHIFT;
  let page = pages[i];
  if (page === undefined) pages[i] = page = new Uint32Array(2 << (PAGE_SHIFT - 3));
  const s = slotOf(p);
  page[s] = size + 1;
  page[s + 1] = hash;
}

/** Forgets the record of the chunk at `p`. */
export function recordClear(p: number): void {
  const page = pages[p >>> PAGE_SHIFT];
  if (page !== undefined) page[slotOf(p)] = 0;
}

/** Forgets every record of a chunk starting in [start, end] (end included: 0-byte chunks). */
export function recordsClearRange(start: number, end: number): void {
  for (let p = maxalign(start); p <= end;) {
    const i = p >>> PAGE_SHIFT;
    const pageEnd = (i + 1) * PAGE_BYTES;
    const last = Math.min(end, pageEnd - 8);
    pages[i]?.fill(0, slotOf(p), slotOf(last) + 2);
    p = pageEnd;
  }
}

/** Rounds up to a multiple of 8 without 32-bit wraparound (offsets reach 4 GB). */
export function maxalign(n: number): number {
  return n + ((-n) & 7);
}

/** A hash of the 8-byte header before `p` that changes whenever either word does; never 0. */
export function headerHash(p: number): number {
  const i = (p - MEMORYCHUNK_SIZE) >>> 2;
  const m = heap.i32;
  return ((m[i] ^ Math.imul(m[i + 1], 0x9e3779b1)) >>> 0) || 1;
}

/** True unless the chunk at `p` (which has a record) has a header its hash no longer matches. */
export function headerUnchanged(p: number): boolean {
  const recorded = (pages[p >>> PAGE_SHIFT] as Uint32Array)[slotOf(p) + 1];
  return recorded === NO_HEADER || recorded === headerHash(p);
}

/**
 * Calls `visit(p, size, hash)` for every recorded chunk starting in
 * [start, end], in address order (pages that were never made are skipped).
 */
export function recordsVisit(
  start: number,
  end: number,
  visit: (p: number, size: number, hash: number) => void,
): void {
  const last = Math.min(pages.length - 1, Math.floor(end / PAGE_BYTES));
  for (let i = Math.floor(start / PAGE_BYTES); i <= last; i++) {
    const page = pages[i];
    if (page === undefined) continue;
    const base = i * PAGE_BYTES;
    const from = maxalign(Math.max(start, base));
    const to = Math.min(end, base + PAGE_BYTES - 8);
    if (from > to) continue;
    for (let s = (from - base) >>> 2; s <= (to - base) >>> 2; s += 2) {
      if (page[s] !== 0) visit(base + (s << 2), page[s] - 1, page[s + 1]);
    }
  }
}
