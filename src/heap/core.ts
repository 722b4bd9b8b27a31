/**
 * The TLSF core under `Heap`: the views over the memory and the byte
 * operations over them (`zero` and `move`, the heap's memset and memmove),
 * the free lists and bitmaps, and the O(1) block operations every public call
 * is made of (find a fit, carve, release with coalescing, resize in place,
 * file and unfile a free block). Split from `heap.ts` so that the public API, growth and the
 * slow paths read on their own; `Heap` extends this class, so calls between
 * the two stay monomorphic. The block layout is drawn in `tlsf.ts`.
 */
import type { Backing } from "./backing.ts";
import type { BulkOps } from "./bulk.ts";
import { HeapCorruptionError, HeapPointerError } from "./errors.ts";
import { checkWord, classOf, lowBit } from "./tlsf.ts";
import * as tlsfModule from "./tlsf.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { CLASS_COUNT, FL_COUNT, FREE, MIN_BLOCK, SENTINEL } = tlsfModule;

/**
 * The allocator state and block operations; use `Heap`.
 *
 * @example
 * ```ts
 * import { Heap } from "@palloc/palloc";
 * import { HeapCore } from "@palloc/palloc/internal";
 * const heap = new Heap(); // HeapCore is never made on its own
 * console.assert(heap instanceof HeapCore);
 * const p = heap.malloc(16);
 * heap.f64[p >>> 3] = 1.5; // HeapCore's views over the memory
 * console.assert(heap.usedBlocks === 1 && heap.f64[p >>> 3] === 1.5);
 * ```
 */
export class HeapCore {
  /** Byte view over the whole memory (re-read it after any call that may allocate). */
  u8: Uint8Array;
  /** Int32 view over the whole memory. */
  i32: Int32Array;
  /** Uint32 view over the whole memory. */
  u32: Uint32Array;
  /** Float64 view over the whole memory. */
  f64: Float64Array;
  /** True when the memory is a `SharedArrayBuffer`, whose `fill` is a slow byte loop in V8. */
  private sharedMemory = false;
  /** The memory and its growth. */
  protected readonly backing: Backing;
  /** `backing.bulk`: WebAssembly's memset and memmove over the memory, or null. */
  private readonly bulk: BulkOps | null;
  /** Internal: offset of the first block. */
  readonly start: number;
  /** Internal: the first byte the heap owns (`base` rounded up to 8); [guard, start) stays zero. */
  readonly guard: number;
  /** Internal: offset of the end sentinel block (the last 16 bytes the heap manages). */
  top: number;
  /** Internal: head of each size class's free list (0 = empty). */
  readonly heads: Uint32Array = new Uint32Array(CLASS_COUNT);
  /** Internal: per first level, a bit per non-empty second-level class. */
  readonly slMap: Int32Array = new Int32Array(FL_COUNT);
  /** Internal: a bit per first level with any non-empty class. */
  flMap = 0;
  /** Number of live blocks. */
  usedBlocks = 0;
  /** Number of free blocks. */
  freeBlocks = 0;
  /** Bytes in free blocks, headers included. */
  freeBytes = 0;

  /** Lays out [start, end of memory) as one free block and the end sentinel. */
  constructor(backing: Backing, guard: number, start: number) {
    this.backing = backing;
    this.bulk = backing.bulk;
    this.guard = guard;
    this.start = start;
    this.u8 =
      this.i32 =
      this.u32 =
      this.f64 =
        undefined as never;
    this.makeViews(backing.buffer);
    this.top = backing.byteLength - SENTINEL;
    this.u8.fill(0, guard, start);
    this.setHeader(this.top, SENTINEL, 0);
    this.u32[(start + 12) >>> 2] = 0;
    this.addFree(start, this.top - start);
  }

  /**
   * `memset(ptr, 0, n)`: zeroes bytes `[ptr, ptr + n)`. From 256 bytes on,
   * over a caller's WebAssembly memory, WebAssembly's `memory.fill`
   * (`bulk.ts`) does it. Otherwise: over a shared memory (the default) V8's
   * `fill` stores byte by byte, so this stores 8-byte words between a byte
   * head and tail (3–4× faster than `fill` at 1–64 KiB, measured); over an
   * unshared memory `fill` is a real memset and takes anything above 512
   * bytes. A range that is not whole bytes inside the memory is refused with
   * a `HeapPointerError`, nothing written.
   *
   * @example
   * ```ts
   * import { Heap } from "@palloc/palloc";
   * const heap = new Heap();
   * const p = heap.malloc(100);
   * heap.u8.fill(0xff, p, p + 100);
   * heap.zero(p + 3, 90);
   * console.assert(heap.u8[p + 2] === 0xff && heap.u8[p + 3] === 0);
   * console.assert(heap.u8[p + 92] === 0 && heap.u8[p + 93] === 0xff);
   * ```
   */
  zero(ptr: number, n: number): void {
    const end = ptr + n;
    if (!((ptr >>> 0) === ptr && (n >>> 0) === n && end <= this.u8.length)) {
      this.refuseRange(ptr, n, "zero");
    }
    if (n >= 256 && this.bulk !== null) {
      this.bulk.zero(ptr, n);
      return;
    }
    if (n > 512 && !this.sharedMemory) {
      this.u8.fill(0, ptr, end);
      return;
    }
    const u8 = this.u8;
    let p = ptr;
    while ((p & 7) !== 0 && p < end) u8[p++] = 0;
    const f64 = this.f64;
    const words = end >>> 3; // offsets are below 2^32 (they may pass 2^31: no signed shifts)
    for (let w = p >>> 3; w < words; w++) f64[w] = 0; // +0.0 is eight zero bytes
    for (let b = Math.max(p, words * 8); b < end; b++) u8[b] = 0;
  }

  /**
   * `memmove(dst, src, n)`: copies bytes `[src, src + n)` to `dst`; the two
   * ranges may overlap. From 128 bytes on, over a caller's WebAssembly
   * memory, WebAssembly's `memory.copy` (`bulk.ts`) does it. Otherwise, up
   * to 256 bytes between 4-aligned offsets it copies int32 words (exact for
   * any bit pattern; about twice as fast as `copyWithin` at 64 bytes,
   * measured), else `copyWithin`. Ranges that are not whole bytes inside
   * the memory are refused with a `HeapPointerError`, nothing written.
   *
   * @example
   * ```ts
   * import { Heap } from "@palloc/palloc";
   * const heap = new Heap();
   * const p = heap.malloc(64);
   * heap.u8.set([1, 2, 3, 4, 5, 6, 7], p);
   * heap.move(p + 4, p, 7); // overlapping, like memmove
   * console.assert(heap.u8.subarray(p, p + 11).join() === "1,2,3,4,1,2,3,4,5,6,7");
   * ```
   */
  move(dst: number, src: number, n: number): void {
    const len = this.u8.length;
    if (
      !((dst >>> 0) === dst && (src >>> 0) === src && (n >>> 0) === n && dst + n <= len &&
        src + n <= len)
    ) {
      this.refuseRange(dst + n > len || (dst >>> 0) !== dst ? dst : src, n, "move");
    }
    if (n >= 128 && this.bulk !== null) {
      this.bulk.move(dst, src, n);
      return;
    }
    if (n > 256 || ((dst | src) & 3) !== 0) {
      this.u8.copyWithin(dst, src, src + n);
      return;
    }
    const i32 = this.i32;
    const u8 = this.u8;
    const k = n >>> 2;
    const d = dst >>> 2;
    const s = src >>> 2;
    const tail = k * 4;
    if (dst <= src) {
      for (let i = 0; i < k; i++) i32[d + i] = i32[s + i];
      for (let i = tail; i < n; i++) u8[dst + i] = u8[src + i];
    } else {
      for (let i = n - 1; i >= tail; i--) u8[dst + i] = u8[src + i];
      for (let i = k - 1; i >= 0; i--) i32[d + i] = i32[s + i];
    }
  }

  /** The error of `zero`/`move` for a range that is not whole integers inside the memory. */
  private refuseRange(ptr: number, n: number, what: string): never {
    throw new HeapPointerError(
      ptr,
      `${what} of ${n} bytes: not a range of whole bytes inside the memory [0, ${this.u8.length})`,
    );
  }

  /**
   * Re-reads the views: after the heap grew its memory, or when a WebAssembly
   * memory was grown by someone else. With `backing.fixedViews` the views
   * have an explicit length, so they are re-made when the buffer or its
   * length changed.
   */
  refreshViews(): void {
    this.backing.refresh();
    const buffer = this.backing.buffer;
    if (
      this.u8.buffer !== buffer || (this.backing.fixedViews && this.u8.length !== buffer.byteLength)
    ) {
      this.makeViews(buffer);
    }
  }

  /**
   * The four views over `buffer`: length-tracking over a resizable buffer,
   * else spanning its current length (plain typed arrays for V8).
   */
  private makeViews(buffer: ArrayBuffer): void {
    this.sharedMemory = typeof SharedArrayBuffer === "function" &&
      (buffer as unknown) instanceof SharedArrayBuffer;
    if (this.backing.fixedViews) {
      const length = buffer.byteLength;
      this.u8 = new Uint8Array(buffer, 0, length);
      this.i32 = new Int32Array(buffer, 0, length >>> 2);
      this.u32 = new Uint32Array(buffer, 0, length >>> 2);
      this.f64 = new Float64Array(buffer, 0, length >>> 3);
    } else {
      this.u8 = new Uint8Array(buffer);
      this.i32 = new Int32Array(buffer);
      this.u32 = new Uint32Array(buffer);
      this.f64 = new Float64Array(buffer);
    }
  }

  /** HOT. A free block of at least `bs` bytes from the lists, or 0. */
  protected findFit(bs: number): number {
    const idx = classOf(bs);
    const heads = this.heads;
    const h = heads[idx];
    if (h !== 0 && this.u32[h >>> 2] - FREE >= bs) return h;
    let fl = idx >>> 5;
    const sl = (idx & 31) + 1;
    let map = sl === 32 ? 0 : this.slMap[fl] & (-1 << sl);
    if (map === 0) {
      const flMap = this.flMap & (-1 << (fl + 1));
      if (flMap === 0) return 0;
      fl = lowBit(flMap);
      map = this.slMap[fl];
    }
    return heads[(fl << 5) | lowBit(map)];
  }

  /** HOT. Takes free block `b` off its list and makes its first `bs` bytes a live block. */
  protected carve(b: number, bs: number, req: number): void {
    const u32 = this.u32;
    const w = u32[b >>> 2];
    const size = w - FREE;
    if ((w & 7) !== FREE || this.i32[(b + 8) >>> 2] !== checkWord(w, b) || size < bs) {
      throw new HeapCorruptionError(b, "free-list entry has a bad header");
    }
    const rest = size - bs;
    if (rest >= MIN_BLOCK) {
      this.refile(b, size, b + bs, rest, bs);
      this.setHeader(b, bs, req);
    } else {
      this.unlink(b, size);
      this.setHeader(b, size, req);
    }
  }

  /**
   * Everything `release(b, size)` relies on, read and verified before it
   * writes anything: both neighbours' headers, and the free-list links of a
   * neighbour it will merge with. Throws HeapCorruptionError, changing
   * nothing, when `release` could not finish. Returns the previous block's
   * header word (0 when `b` is the first block).
   */
  protected releaseCheck(b: number, size: number): number {
    const u32 = this.u32;
    const i32 = this.i32;
    const n = b + size;
    const nw = u32[n >>> 2];
    if (i32[(n + 8) >>> 2] !== checkWord(nw, n) || u32[(n + 12) >>> 2] !== size) {
      throw new HeapCorruptionError(n, "header after a freed block is damaged");
    }
    const ps = u32[(b + 12) >>> 2];
    const p = b - ps;
    let pw = 0;
    if (ps !== 0) {
      pw = p >= this.start ? u32[p >>> 2] : 0;
      if (i32[(p + 8) >>> 2] !== checkWord(pw, p) || pw - (pw & 7) !== ps) {
        throw new HeapCorruptionError(p, "header before a freed block is damaged");
      }
      if ((pw & 7) === FREE && !this.linksOk(p, ps)) {
        throw new HeapCorruptionError(p, "free-list links are broken");
      }
    }
    if ((nw & 7) === FREE && !this.linksOk(n, nw - FREE)) {
      throw new HeapCorruptionError(n, "free-list links are broken");
    }
    return pw;
  }

  /** True when free block `b` of `size` bytes is where its list's links say it is. */
  private linksOk(b: number, size: number): boolean {
    const u32 = this.u32;
    const next = u32[(b + 4) >>> 2];
    const prev = u32[(b + 16) >>> 2];
    return (prev === 0 ? this.heads[classOf(size)] === b : u32[(prev + 4) >>> 2] === b) &&
      (next === 0 || u32[(next + 16) >>> 2] === b);
  }

  /** HOT. Frees block `b` of `size` bytes, merging it with free neighbours; all or nothing. */
  protected release(b: number, size: number): void {
    this.releaseCheck(b, size);
    this.releaseChecked(b, size);
  }

  /**
   * HOT. `release` once `releaseCheck` has passed: the writes only. Between
   * the check and this call the heap may only have changed by other checked
   * releases (a freed neighbour merges into a free block with sound links).
   */
  protected releaseChecked(b: number, size: number): void {
    const u32 = this.u32;
    const ps = u32[(b + 12) >>> 2];
    const pw = ps !== 0 ? u32[(b - ps) >>> 2] : 0;
    const i32 = this.i32;
    const n = b + size;
    const nw = u32[n >>> 2];
    const p = b - ps;
    if ((nw & 7) === FREE) {
      const ns = nw - FREE;
      i32[(n + 8) >>> 2] = 0;
      if ((pw & 7) === FREE) {
        this.unlink(n, ns);
        i32[(b + 8) >>> 2] = 0;
        this.refile(p, ps, p, ps + size + ns, u32[(p + 12) >>> 2]);
      } else {
        this.refile(n, ns, b, size + ns, ps);
      }
    } else if ((pw & 7) === FREE) {
      i32[(b + 8) >>> 2] = 0;
      this.refile(p, ps, p, ps + size, u32[(p + 12) >>> 2]);
    } else {
      this.addFree(b, size);
    }
  }

  /** HOT. Resizes live block `b` (`size` bytes) to `bs` bytes without moving it, if it can. */
  protected resizeInPlace(b: number, size: number, bs: number): boolean {
    const u32 = this.u32;
    const n = b + size;
    const nw = u32[n >>> 2];
    if (this.i32[(n + 8) >>> 2] !== checkWord(nw, n) || u32[(n + 12) >>> 2] !== size) {
      throw new HeapCorruptionError(n, "header after a resized block is damaged");
    }
    const req = u32[(b + 4) >>> 2];
    if ((nw & 7) !== FREE) {
      if (size - bs < MIN_BLOCK) return size >= bs;
      u32[(b + bs + 12) >>> 2] = bs;
      this.addFree(b + bs, size - bs);
      this.setHeader(b, bs, req);
      return true;
    }
    const ns = nw - FREE;
    const total = size + ns;
    if (total < bs) return false;
    this.i32[(n + 8) >>> 2] = 0;
    if (total - bs >= MIN_BLOCK) {
      this.refile(n, ns, b + bs, total - bs, bs);
      this.setHeader(b, bs, req);
    } else {
      this.unlink(n, ns);
      this.setHeader(b, total, req);
      u32[(b + total + 12) >>> 2] = total;
    }
    return true;
  }

  /** Writes a used block header at `b` (its prevSize word is left alone). */
  protected setHeader(b: number, size: number, req: number): void {
    this.u32[b >>> 2] = size;
    this.u32[(b + 4) >>> 2] = req;
    this.i32[(b + 8) >>> 2] = checkWord(size, b);
  }

  /** HOT. Marks [b, b + size) free (prevSize word kept), tells its successor, files it. */
  protected addFree(b: number, size: number): void {
    const u32 = this.u32;
    u32[b >>> 2] = size + FREE;
    this.i32[(b + 8) >>> 2] = checkWord(size + FREE, b);
    u32[(b + size + 12) >>> 2] = size;
    const idx = classOf(size);
    const h = this.heads[idx];
    u32[(b + 4) >>> 2] = h;
    u32[(b + 16) >>> 2] = 0;
    if (h !== 0) {
      u32[(h + 16) >>> 2] = b;
    } else {
      this.slMap[idx >>> 5] |= 1 << (idx & 31);
      this.flMap |= 1 << (idx >>> 5);
    }
    this.heads[idx] = b;
    this.freeBlocks++;
    this.freeBytes += size;
  }

  /**
   * HOT. Listed free block `from` (`oldSize`) becomes free block `to` (`newSize`, after a
   * block of `prevSize`). `to` may overlap `from`: its links are read before anything is
   * written. Keeps its place in its list when the class is unchanged.
   */
  protected refile(
    from: number,
    oldSize: number,
    to: number,
    newSize: number,
    prevSize: number,
  ): void {
    const idx = classOf(oldSize);
    const u32 = this.u32;
    if (classOf(newSize) !== idx) {
      this.unlink(from, oldSize);
      u32[(to + 12) >>> 2] = prevSize;
      this.addFree(to, newSize);
      return;
    }
    const next = u32[(from + 4) >>> 2];
    const prev = u32[(from + 16) >>> 2];
    if (
      (prev === 0 ? this.heads[idx] !== from : u32[(prev + 4) >>> 2] !== from) ||
      (next !== 0 && u32[(next + 16) >>> 2] !== from)
    ) {
      throw new HeapCorruptionError(from, "free-list links are broken");
    }
    if (to !== from) {
      if (next !== 0) u32[(next + 16) >>> 2] = to;
      if (prev !== 0) u32[(prev + 4) >>> 2] = to;
      else this.heads[idx] = to;
      u32[(to + 4) >>> 2] = next;
      u32[(to + 16) >>> 2] = prev;
    }
    u32[to >>> 2] = newSize + FREE;
    this.i32[(to + 8) >>> 2] = checkWord(newSize + FREE, to);
    u32[(to + 12) >>> 2] = prevSize;
    u32[(to + newSize + 12) >>> 2] = newSize;
    this.freeBytes += newSize - oldSize;
  }

  /** HOT. Takes free block `b` of `size` bytes off its list, checking both links first. */
  protected unlink(b: number, size: number): void {
    const u32 = this.u32;
    const idx = classOf(size);
    const next = u32[(b + 4) >>> 2];
    const prev = u32[(b + 16) >>> 2];
    if (
      (prev === 0 ? this.heads[idx] !== b : u32[(prev + 4) >>> 2] !== b) ||
      (next !== 0 && u32[(next + 16) >>> 2] !== b)
    ) {
      throw new HeapCorruptionError(b, "free-list links are broken");
    }
    if (next !== 0) u32[(next + 16) >>> 2] = prev;
    if (prev !== 0) {
      u32[(prev + 4) >>> 2] = next;
    } else if ((this.heads[idx] = next) === 0) {
      const fl = idx >>> 5;
      if ((this.slMap[fl] &= ~(1 << (idx & 31))) === 0) this.flMap &= ~(1 << fl);
    }
    this.freeBlocks--;
    this.freeBytes -= size;
  }
}
