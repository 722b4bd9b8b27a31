/**
 * The heap's slow, thorough side: the full consistency walk behind
 * `Heap.check()`, the diagnosis of a refused pointer (which needs a walk to
 * tell "not a block start" from "already freed" from "header stomped"), and
 * the largest-free-block search for stats. None of it is on a hot path, so it
 * lives apart from the allocator and reads the heap's state from outside.
 */
import { HeapCorruptionError, HeapPointerError } from "./errors.ts";
import type { HeapCore } from "./core.ts";

/** What the walks read: the core's maps plus `Heap`'s two totals (no import of heap.ts). */
type Heap = HeapCore & { readonly byteLength: number; readonly held: number };
import { checkWord, CLASS_COUNT, classOf, FREE, HDR, MIN_BLOCK, SENTINEL } from "./tlsf.ts";

/** Reads and validates the header at `b`, which should follow a block of `prevSize` bytes. */
function blockAt(heap: Heap, b: number, prevSize: number): number {
  const w = heap.u32[b >>> 2];
  const size = w - (w & 7);
  if (heap.i32[(b + 8) >>> 2] !== checkWord(w, b)) {
    throw new HeapCorruptionError(b, "block header check word does not match");
  }
  if ((w & 7) > FREE) throw new HeapCorruptionError(b, "unknown header flags");
  if (size < MIN_BLOCK || b + size > heap.top) {
    throw new HeapCorruptionError(b, `block size ${size} is impossible here`);
  }
  if (heap.u32[(b + 12) >>> 2] !== prevSize) {
    throw new HeapCorruptionError(b, `previous-size word is not ${prevSize}`);
  }
  if ((w & 7) === 0 && heap.u32[(b + 4) >>> 2] > size - HDR) {
    throw new HeapCorruptionError(b, "requested size exceeds the block");
  }
  return w;
}

/**
 * Explains why `ptr` is not a live block and throws: HeapPointerError when
 * the pointer is wrong, HeapCorruptionError when the walk meets damage first.
 */
export function diagnosePointer(heap: Heap, ptr: number): never {
  if (typeof ptr !== "number" || (ptr >>> 0) !== ptr) {
    throw new HeapPointerError(ptr, "not an offset in the heap");
  }
  if ((ptr & 7) !== 0) throw new HeapPointerError(ptr, "not 8-byte aligned");
  if (ptr < heap.start + HDR || ptr >= heap.top) {
    throw new HeapPointerError(ptr, `outside the heap's blocks [${heap.start + HDR}, ${heap.top})`);
  }
  let prevSize = 0;
  let prev = 0;
  for (let b = heap.start; b < heap.top;) {
    const w = blockAt(heap, b, prevSize);
    const size = w - (w & 7);
    if (b + HDR === ptr) {
      if ((w & 7) === FREE) throw new HeapPointerError(ptr, "already freed");
      throw new HeapCorruptionError(b, "live block disagrees with its neighbours");
    }
    if (b + HDR > ptr) {
      const state = (heap.u32[prev >>> 2] & 7) === FREE ? "free" : "live";
      throw new HeapPointerError(ptr, `not a block start (inside ${state} block at ${prev})`);
    }
    prev = b;
    prevSize = size;
    b += size;
  }
  const state = (heap.u32[prev >>> 2] & 7) === FREE ? "free" : "live";
  throw new HeapPointerError(ptr, `not a block start (inside ${state} block at ${prev})`);
}

/** Walks all blocks, the sentinel and every free list; throws at the first inconsistency. */
export function checkHeap(heap: Heap): void {
  const { u8, u32 } = heap;
  for (let i = heap.guard; i < heap.start; i++) {
    if (u8[i] !== 0) throw new HeapCorruptionError(i, "write below the first block (NULL guard)");
  }
  if (heap.top + SENTINEL > heap.byteLength) {
    throw new HeapCorruptionError(heap.top, "heap extends past the memory");
  }
  let prevSize = 0;
  let prevFree = false;
  let used = 0;
  let free = 0;
  let freeBytes = 0;
  let held = 0;
  let b = heap.start;
  while (b < heap.top) {
    const w = blockAt(heap, b, prevSize);
    const size = w - (w & 7);
    if ((w & 7) === FREE) {
      if (prevFree) throw new HeapCorruptionError(b, "two adjacent free blocks");
      free++;
      freeBytes += size;
    } else {
      used++;
      held += u32[(b + 4) >>> 2];
    }
    prevFree = (w & 7) === FREE;
    prevSize = size;
    b += size;
  }
  const top = heap.top;
  if (
    b !== top || u32[top >>> 2] !== SENTINEL || heap.i32[(top + 8) >>> 2] !== checkWord(16, top)
  ) {
    throw new HeapCorruptionError(top, "end sentinel is damaged");
  }
  if (u32[(top + 12) >>> 2] !== prevSize) {
    throw new HeapCorruptionError(top, `previous-size word is not ${prevSize}`);
  }
  if (held !== heap.held) {
    throw new HeapCorruptionError(0, `held is ${heap.held}, blocks say ${held}`);
  }
  if (used !== heap.usedBlocks || free !== heap.freeBlocks || freeBytes !== heap.freeBytes) {
    throw new HeapCorruptionError(0, "block counters disagree with the blocks");
  }
  checkFreeLists(heap, free);
}

/** Every class list: links, back links, class membership, bitmaps; `free` entries in all. */
function checkFreeLists(heap: Heap, free: number): void {
  const { u32, heads, slMap } = heap;
  let listed = 0;
  for (let idx = 0; idx < CLASS_COUNT; idx++) {
    const fl = idx >>> 5;
    const bit = (slMap[fl] >>> (idx & 31)) & 1;
    if (bit !== (heads[idx] === 0 ? 0 : 1)) {
      throw new HeapCorruptionError(0, `bitmap bit of size class ${idx} is wrong`);
    }
    let back = 0;
    for (let b = heads[idx]; b !== 0; b = u32[(b + 4) >>> 2]) {
      if (++listed > free) throw new HeapCorruptionError(b, "free lists hold too many entries");
      if (b < heap.start || b >= heap.top || (b & 7) !== 0) {
        throw new HeapCorruptionError(b, "free-list link points outside the heap");
      }
      const w = u32[b >>> 2];
      if ((w & 7) !== FREE || heap.i32[(b + 8) >>> 2] !== checkWord(w, b)) {
        throw new HeapCorruptionError(b, "free-list entry is not a free block");
      }
      if (classOf(w - FREE) !== idx) throw new HeapCorruptionError(b, "free block in wrong class");
      if (u32[(b + 16) >>> 2] !== back) throw new HeapCorruptionError(b, "free-list back link");
      back = b;
    }
  }
  for (let fl = 0; fl < slMap.length; fl++) {
    if (((heap.flMap >>> fl) & 1) !== (slMap[fl] === 0 ? 0 : 1)) {
      throw new HeapCorruptionError(0, `first-level bitmap bit ${fl} is wrong`);
    }
  }
  if (listed !== free) throw new HeapCorruptionError(0, `${free - listed} free blocks not listed`);
}

/** Size of the largest free block (0 if none), from the bitmaps and one class list. */
export function largestFreeBlock(heap: Heap): number {
  if (heap.flMap === 0) return 0;
  const fl = 31 - Math.clz32(heap.flMap);
  const sl = 31 - Math.clz32(heap.slMap[fl]);
  let best = 0;
  for (let b = heap.heads[(fl << 5) | sl]; b !== 0; b = heap.u32[(b + 4) >>> 2]) {
    best = Math.max(best, heap.u32[b >>> 2] - FREE);
  }
  return best;
}
