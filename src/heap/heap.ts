/**
 * `Heap`: PostgreSQL's malloc/free/realloc for this world. The memory
 * contexts get their blocks here, so this file owns the allocator proper: a
 * TLSF (two-level segregated fit) allocator whose block headers live in the
 * linear memory itself (layout drawn in `tlsf.ts`), with O(1) malloc and
 * free, immediate coalescing, growth on demand and the held-bytes accounting
 * PostgreSQL reports.
 *
 * Only the free-list heads and the two bitmaps are JS typed arrays. The hot
 * paths (marked HOT) allocate no objects and touch memory through 32-bit views;
 * everything rare (growth, pointer diagnosis, the full check) is elsewhere.
 * The options, stats and grow-listener types live in `public_types.ts`.
 *
 * Users of the heap must read the views from the heap object after any call
 * that may allocate: with a non-resizable WebAssembly memory they are
 * replaced when the memory grows.
 */
import { Backing } from "./backing.ts";
import { HeapCore } from "./core.ts";
import { HeapCeilingError, HeapCorruptionError } from "./errors.ts";
import { blockSizeFor, checkWord, classOf, pageRound } from "./tlsf.ts";
import { checkHeap, diagnosePointer, largestFreeBlock } from "./verify.ts";
import type { GrowListener, HeapOptions, HeapStats } from "./public_types.ts";
import * as tlsfModule from "./tlsf.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { FREE, HDR, MIN_BLOCK, PAGE, SENTINEL } = tlsfModule;

export type { GrowListener, HeapOptions, HeapStats } from "./public_types.ts";

/**
 * PostgreSQL's malloc for one linear memory: TLSF with in-memory boundary tags.
 *
 * @example
 * ```ts
 * import { Heap } from "@palloc/palloc";
 * const heap = new Heap({ maxBytes: 16 << 20 }); // MemoryContextInit() makes one like this
 * const p = heap.malloc(100); // a byte offset, 8-aligned; 0 would mean no memory
 * heap.u8.fill(7, p, p + 100);
 * const q = heap.realloc(p, 200); // the first 100 bytes kept
 * console.assert(heap.u8[q + 99] === 7 && heap.held === 200);
 * heap.free(q);
 * ```
 */
export class Heap extends HeapCore {
  /** A malloc fails when it would take `held` past this. */
  limit: number;
  #held = 0;
  #peak = 0;
  #maxRequest: number;
  #listeners: GrowListener[] = [];

  /** Creates a heap over a fresh growable buffer (see `HeapOptions.shared`) or over `options.memory`. */
  constructor(options: HeapOptions = {}) {
    const base = options.base ?? 0;
    if (!Number.isSafeInteger(base) || base < 0) throw new RangeError(`bad base ${base}`);
    if (base >= 2 ** 32) throw new HeapCeilingError("base", base);
    if (options.maxBytes !== undefined && options.maxBytes > 2 ** 32) {
      throw new HeapCeilingError("maxBytes", options.maxBytes);
    }
    const guard = base + ((8 - (base % 8)) % 8); // no 32-bit arithmetic: bases reach 2^32
    const start = Math.max(guard, HDR);
    const initial = options.initialBytes ?? (options.memory === undefined ? 1 << 20 : 0);
    const backing = new Backing({
      initialBytes: Math.max(initial, start + MIN_BLOCK + SENTINEL),
      maxBytes: options.maxBytes,
      memory: options.memory,
      shared: options.shared,
    });
    if (backing.byteLength < start + MIN_BLOCK + SENTINEL) {
      throw new RangeError(`no room for a heap above base ${base} in ${backing.byteLength} bytes`);
    }
    super(backing, guard, start);
    this.limit = options.limit ?? Infinity;
    this.#maxRequest = backing.maxBytes - start - HDR - SENTINEL;
  }

  /** The memory's current buffer. */
  get buffer(): ArrayBuffer {
    return this.u8.buffer as ArrayBuffer;
  }

  /** Current size of the memory in bytes. */
  get byteLength(): number {
    return this.backing.byteLength;
  }

  /** The memory never grows past this many bytes. */
  get maxBytes(): number {
    return this.backing.maxBytes;
  }

  /** Sum of the requested sizes of live blocks ("bytes held from malloc"). */
  get held(): number {
    return this.#held;
  }

  /** Highest `held` since creation or the last `resetPeak()`. */
  get peakHeld(): number {
    return this.#peak;
  }

  /** Starts peak tracking over from the current `held`. */
  resetPeak(): void {
    this.#peak = this.#held;
  }

  /** HOT. Allocates `size` bytes, 8-aligned; 0 when impossible (nothing changed). */
  malloc(size: number): number {
    if ((size >>> 0) !== size || size > this.#maxRequest) return 0;
    const held = this.#held + size;
    if (held > this.limit) return 0;
    const bs = blockSizeFor(size);
    let b = this.findFit(bs);
    if (b === 0 && (b = this.findSlow(bs)) === 0) return 0;
    this.carve(b, bs, size);
    this.#held = held;
    if (held > this.#peak) this.#peak = held;
    this.usedBlocks++;
    return b + HDR;
  }

  /** Like `malloc`, with the `size` bytes zeroed. */
  calloc(size: number): number {
    const p = this.malloc(size);
    if (p !== 0) this.zero(p, size);
    return p;
  }

  /** HOT. Gives back a block; 0 is a no-op. Throws HeapPointerError for a non-block. */
  free(ptr: number): void {
    if (ptr === 0) return;
    const b = this.validate(ptr);
    const size = this.u32[b >>> 2];
    const req = this.u32[(b + 4) >>> 2];
    this.release(b, size);
    this.#held -= req;
    this.usedBlocks--;
  }

  /**
   * Resizes a block to `size` bytes: in place when it shrinks or the next
   * block is free and big enough, else moved (the first min(old, new) bytes
   * copied). Returns 0 with the old block untouched on failure.
   */
  realloc(ptr: number, size: number): number {
    if (ptr === 0) return this.malloc(size);
    const b = this.validate(ptr);
    if ((size >>> 0) !== size || size > this.#maxRequest) return 0;
    const u32 = this.u32;
    const old = u32[(b + 4) >>> 2];
    if (size > old && this.#held - old + size > this.limit) return 0;
    const bs = blockSizeFor(size);
    const bsize = u32[b >>> 2];
    let p = ptr;
    if (!this.resizeInPlace(b, bsize, bs)) {
      p = this.reallocSlow(b, bsize, bs, old, size);
      if (p === 0) return 0;
    }
    this.u32[(p - 12) >>> 2] = size;
    const held = this.#held - old + size;
    this.#held = held;
    if (held > this.#peak) this.#peak = held;
    return p;
  }

  /** The size requested for the block at `ptr`. */
  sizeOf(ptr: number): number {
    return this.u32[(this.validate(ptr) + 4) >>> 2];
  }

  /** Bytes the block at `ptr` can hold without moving (at least `sizeOf(ptr)`). */
  usableSize(ptr: number): number {
    return this.u32[this.validate(ptr) >>> 2] - HDR;
  }

  /**
   * Verifies, changing nothing, that `free(ptr)` would succeed: `ptr` is a
   * live block and every header and free-list link freeing it would follow
   * is sound. Throws the HeapPointerError or HeapCorruptionError `free`
   * would. A context type calls it for each block before giving back any,
   * so that a reset or delete that meets damage is refused whole.
   *
   * @example
   * ```ts
   * import { Heap } from "@palloc/palloc";
   * const heap = new Heap();
   * const p = heap.malloc(100);
   * heap.checkFree(p); // nothing changes
   * heap.free(p);
   * ```
   */
  checkFree(ptr: number): void {
    if (ptr === 0) return;
    const b = this.validate(ptr);
    this.releaseCheck(b, this.u32[b >>> 2]);
  }

  /**
   * `free` for a block that `checkFree` has just accepted, without checking
   * again: a context type checks every block a reset or delete gives back
   * first, then frees them all this way. Between the check and this call
   * the heap may have changed only by other such frees; anything else must
   * use `free`.
   *
   * @example
   * ```ts
   * import { Heap } from "@palloc/palloc";
   * const heap = new Heap();
   * const blocks = [heap.malloc(100), heap.malloc(200)];
   * for (const b of blocks) heap.checkFree(b); // all or none
   * for (const b of blocks) heap.freeChecked(b);
   * console.assert(heap.held === 0);
   * ```
   */
  freeChecked(ptr: number): void {
    const b = ptr - HDR;
    const size = this.u32[b >>> 2];
    const req = this.u32[(b + 4) >>> 2];
    this.releaseChecked(b, size);
    this.#held -= req;
    this.usedBlocks--;
  }

  /** True when `ptr` is a live block of this heap (never throws). */
  isLive(ptr: number): boolean {
    if ((ptr >>> 0) !== ptr || (ptr & 7) !== 0 || ptr < this.start + HDR || ptr >= this.top) {
      return false;
    }
    const b = ptr - HDR;
    const w = this.u32[b >>> 2];
    return (w & 7) === 0 && this.i32[(b + 8) >>> 2] === checkWord(w, b) &&
      this.u32[(b + 4) >>> 2] <= w - HDR && b + w <= this.top;
  }

  /** Walks every block and free list; throws HeapCorruptionError at the first inconsistency. */
  check(): void {
    checkHeap(this);
  }

  /** The counters in one object. */
  stats(): HeapStats {
    return {
      byteLength: this.byteLength,
      held: this.#held,
      peakHeld: this.#peak,
      usedBlocks: this.usedBlocks,
      freeBlocks: this.freeBlocks,
      freeBytes: this.freeBytes,
      largestFree: Math.max(0, largestFreeBlock(this) - HDR),
    };
  }

  /** Calls `listener` after each growth of the memory; returns a function that removes it. */
  onGrow(listener: GrowListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  // ---- internals -------------------------------------------------------------------------

  /** HOT. The block of a live `ptr`, or a thrown HeapPointerError. */
  private validate(ptr: number): number {
    const b = ptr - HDR;
    if ((ptr >>> 0) === ptr && (ptr & 7) === 0 && b >= this.start && b < this.top) {
      const w = this.u32[b >>> 2];
      if ((w & 7) === 0 && this.i32[(b + 8) >>> 2] === checkWord(w, b)) {
        if (this.u32[(b + 4) >>> 2] <= w - HDR && b + w <= this.top) return b;
      }
    }
    return diagnosePointer(this, ptr);
  }

  /** Before growing: first fit in `bs`'s own class; then grow the memory and search again. */
  private findSlow(bs: number): number {
    const u32 = this.u32;
    let n = this.freeBlocks;
    for (let b = this.heads[classOf(bs)]; b !== 0 && n-- > 0; b = u32[(b + 4) >>> 2]) {
      if (u32[b >>> 2] - FREE >= bs) return b;
    }
    const last = this.top - u32[(this.top + 12) >>> 2];
    const lastFree = last < this.top && (u32[last >>> 2] & 7) === FREE ? this.top - last : 0;
    return this.growMemory(bs - lastFree) ? this.findFit(bs) : 0;
  }

  /** Growing realloc that cannot stay in place: slide down into a free predecessor, grow the
   * memory under a last block, or move. Returns the new pointer (requested size not yet set). */
  private reallocSlow(b: number, size: number, bs: number, old: number, req: number): number {
    const u32 = this.u32;
    const ps = u32[(b + 12) >>> 2];
    const p = b - ps;
    const n = b + size;
    const nw = u32[n >>> 2];
    const nsize = (nw & 7) === FREE ? nw - FREE : 0;
    if (ps !== 0 && (u32[p >>> 2] & 7) === FREE && ps + size + nsize >= bs) {
      if (this.i32[(p + 8) >>> 2] !== checkWord(u32[p >>> 2], p) || u32[p >>> 2] - FREE !== ps) {
        throw new HeapCorruptionError(p, "header before a resized block is damaged");
      }
      this.unlink(p, ps);
      this.setHeader(p, ps + size, old);
      this.i32[(b + 8) >>> 2] = 0;
      u32[(n + 12) >>> 2] = ps + size;
      this.u8.copyWithin(p + HDR, b + HDR, b + HDR + old);
      this.resizeInPlace(p, ps + size, bs);
      return p + HDR;
    }
    if (n + nsize === this.top && this.growMemory(bs - size - nsize)) {
      if (this.resizeInPlace(b, size, bs)) return b + HDR;
    }
    let nb = this.findFit(bs);
    if (nb === 0 && (nb = this.findSlow(bs)) === 0) return 0;
    this.carve(nb, bs, req);
    this.u8.copyWithin(nb + HDR, b + HDR, b + HDR + old);
    this.release(b, size);
    return nb + HDR;
  }

  /** Grows the memory so at least `extra` bytes join the heap's last block. False if impossible. */
  private growMemory(extra: number): boolean {
    const oldTop = this.top;
    const oldEnd = oldTop + SENTINEL;
    const have = this.backing.byteLength;
    if (this.i32[(oldTop + 8) >>> 2] !== checkWord(SENTINEL, oldTop)) {
      throw new HeapCorruptionError(oldTop, "end sentinel is damaged");
    }
    let end = have;
    if (oldEnd + extra > have) {
      const least = pageRound(oldEnd + extra);
      if (least > this.backing.maxBytes) return false;
      const step = Math.max(least, pageRound(have + Math.max(have >>> 4, PAGE)));
      const wanted = Math.min(step, this.backing.maxBytes);
      if (!this.backing.grow(wanted) && !this.backing.grow(least)) return false;
      end = this.backing.byteLength;
    }
    if (end <= oldEnd) return false;
    this.refreshViews();
    const u32 = this.u32;
    const top = end - SENTINEL;
    const ps = u32[(oldTop + 12) >>> 2];
    const last = oldTop - ps;
    if (ps !== 0 && (u32[last >>> 2] & 7) === FREE) {
      if (this.i32[(last + 8) >>> 2] !== checkWord(u32[last >>> 2], last)) {
        throw new HeapCorruptionError(last, "last free block is damaged");
      }
      this.unlink(last, ps);
      this.i32[(oldTop + 8) >>> 2] = 0;
      this.addFree(last, top - last);
    } else {
      this.addFree(oldTop, top - oldTop);
    }
    this.top = top;
    this.setHeader(top, SENTINEL, 0);
    for (const listener of this.#listeners) listener(end, have);
    return true;
  }
}
