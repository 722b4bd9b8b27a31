/**
 * The address → bump block index: how palloc recognises a Bump chunk.
 *
 * Why it exists: Bump chunks have no header (PostgreSQL's non-checking
 * build), so the 8 bytes in front of a bump pointer are whatever precedes it
 * — the tail of the previous chunk or the block header. mcxt cannot dispatch
 * `pfree`/`repalloc`/`GetMemoryChunkSpace`/`GetMemoryChunkContext` from
 * them, yet PostgreSQL's reference (a checking build) raises Bump's own
 * "… is not supported by the bump memory allocator" error. To raise it
 * reliably, whatever the neighbouring bytes look like, every live bump
 * block's data range is recorded here, per heap, and looked up by address.
 *
 * Representation: three parallel arrays sorted by start address —
 *
 * ```
 *  starts  [ s0 < s1 < s2 … ]   first data byte (block + block header size)
 *  ends    [ e0 , e1 , e2 … ]   endptr of the block (inclusive: a 0-byte chunk
 *                               carved from a full block points exactly there)
 *  owners  [ c0 , c1 , c2 … ]   the BumpContext owning the block
 * ```
 *
 * A lookup is a binary search for the last start ≤ p, then one compare with
 * its end: O(log n) and allocation-free. Ranges never overlap (blocks are
 * distinct heap allocations, each behind the heap's own 16-byte header), so
 * the inclusive end cannot capture another block's chunk.
 *
 * Trade-offs: inserting or removing one entry shifts the tail (a memmove);
 * heap addresses mostly grow, so inserts usually append. A reset or delete
 * removes all of a context's blocks in one compacting pass instead of one
 * shift per block. The cost is paid only when bump blocks are made or given
 * back, never by bump's allocation fast path; the lookup runs only on the
 * rare path of chunk operations (pfree & co.), when a chunk header did not
 * lead to an owner (`mcxt/guard.ts`), and returns at once when no bump block
 * exists.
 */
import { type MemoryContext, registerHeapLocal } from "../mcxt/context.ts";

let starts = new Uint32Array(64);
let ends = new Uint32Array(64);
let owners: Array<MemoryContext | null> = new Array(64).fill(null);
let count = 0;

interface BumpIndexState {
  starts: Uint32Array<ArrayBuffer>;
  ends: Uint32Array<ArrayBuffer>;
  owners: Array<MemoryContext | null>;
  count: number;
}

registerHeapLocal({
  fresh() {
    starts = new Uint32Array(64);
    ends = new Uint32Array(64);
    owners = new Array(64).fill(null);
    count = 0;
  },
  save: (): BumpIndexState => ({ starts, ends, owners, count }),
  load(state) {
    ({ starts, ends, owners, count } = state as BumpIndexState);
  },
});

/** Number of bump blocks currently indexed (0 means no bump context is alive). */
export function BumpIndexSize(): number {
  return count;
}

/** Index of the last entry whose start is ≤ `p`, or -1. */
function BumpIndexSearch(p: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= p) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}

function BumpIndexGrow(): void {
  const n = starts.length * 2;
  const s = new Uint32Array(n);
  const e = new Uint32Array(n);
  s.set(starts);
  e.set(ends);
  starts = s;
  ends = e;
  const o: Array<MemoryContext | null> = new Array(n).fill(null);
  for (let i = 0; i < count; i++) o[i] = owners[i];
  owners = o;
}

/**
 * Records a bump block whose chunks lie in [`start`, `end`] (end inclusive),
 * owned by `owner`.
 */
export function BumpIndexInsert(start: number, end: number, owner: MemoryContext): void {
  if (count === starts.length) BumpIndexGrow();
  const at = BumpIndexSearch(start) + 1;
  if (at < count) {
    starts.copyWithin(at + 1, at, count);
    ends.copyWithin(at + 1, at, count);
    owners.copyWithin(at + 1, at, count);
  }
  starts[at] = start;
  ends[at] = end;
  owners[at] = owner;
  count++;
}

/** Forgets the block whose data range starts at `start` (no-op when absent). */
export function BumpIndexRemove(start: number): void {
  const at = BumpIndexSearch(start);
  if (at < 0 || starts[at] !== start) return;
  starts.copyWithin(at, at + 1, count);
  ends.copyWithin(at, at + 1, count);
  owners.copyWithin(at, at + 1, count);
  count--;
  owners[count] = null;
}

/**
 * Forgets every block of `owner` except the one starting at `keepStart`
 * (pass -1 to forget them all), in one pass.
 */
export function BumpIndexRemoveOwner(owner: MemoryContext, keepStart: number): void {
  let j = 0;
  for (let i = 0; i < count; i++) {
    if (owners[i] === owner && starts[i] !== keepStart) continue;
    if (i !== j) {
      starts[j] = starts[i];
      ends[j] = ends[i];
      owners[j] = owners[i];
    }
    j++;
  }
  owners.fill(null, j, count);
  count = j;
}

/** The context owning the bump block whose chunk area contains `p`, or null. */
export function BumpIndexLookup(p: number): MemoryContext | null {
  if (count === 0) return null;
  const at = BumpIndexSearch(p);
  if (at < 0 || p > ends[at]) return null;
  return owners[at];
}
