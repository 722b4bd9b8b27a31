/**
 * The plain-data shapes of `Heap`'s API: what a caller configures
 * (`HeapOptions`), what it reads back (`HeapStats`) and what it is told when
 * the memory grows (`GrowListener`). Kept apart from `heap.ts` so that file
 * holds only the allocator's code; `heap.ts` re-exports all three, so they
 * are imported from there as before (as the examples below do).
 */

/**
 * How to set up a heap.
 *
 * @example
 * ```ts
 * import { Heap, type HeapOptions } from "@palloc/palloc";
 * const options: HeapOptions = { initialBytes: 64 << 10, maxBytes: 1 << 20, limit: 4096 };
 * const heap = new Heap(options); // MemoryContextInit(options) passes them on the same way
 * console.assert(heap.byteLength === 64 << 10);
 * console.assert(heap.malloc(8192) === 0); // past `limit`: refused, nothing changed
 * ```
 */
export interface HeapOptions {
  /** Bytes the memory starts with (default 1 MiB, rounded up to 64 KiB). */
  initialBytes?: number;
  /** Upper bound on the memory (default 1 GiB; for a WebAssembly memory its maximum or 4 GiB - 64 KiB). */
  maxBytes?: number;
  /**
   * For a fresh memory (no `memory`): a growable `SharedArrayBuffer` when true
   * (the default where the engine has one: V8 reads and writes the heap's
   * views over it like plain typed arrays, several times faster than views
   * over a resizable buffer); a resizable `ArrayBuffer` when false or where
   * there is no growable `SharedArrayBuffer`. Both grow in place, so views
   * with a fixed window survive growth either way; the heap's own `u8`/`i32`/
   * `u32`/`f64` over a shared buffer are re-made on growth (read them from
   * the heap after any call that may allocate).
   */
  shared?: boolean;
  /** Manage this WebAssembly memory instead of a fresh ArrayBuffer. */
  memory?: WebAssembly.Memory;
  /** First byte the heap may use (default 0, rounded up to 8); bytes below it are never touched. */
  base?: number;
  /** Most bytes that may be held at once (default Infinity). */
  limit?: number;
}

/**
 * A snapshot of the heap's counters.
 *
 * @example
 * ```ts
 * import { Heap, type HeapStats } from "@palloc/palloc";
 * const heap = new Heap();
 * heap.free(heap.malloc(1000));
 * heap.malloc(100);
 * const stats: HeapStats = heap.stats();
 * console.assert(stats.held === 100 && stats.peakHeld === 1000 && stats.usedBlocks === 1);
 * ```
 */
export interface HeapStats {
  /** Current size of the memory in bytes. */
  byteLength: number;
  /** Sum of the requested sizes of live blocks. */
  held: number;
  /** Highest `held` since creation or the last `resetPeak()`. */
  peakHeld: number;
  /** Live blocks. */
  usedBlocks: number;
  /** Free blocks. */
  freeBlocks: number;
  /** Bytes in free blocks, their headers included. */
  freeBytes: number;
  /** Largest request that can be served without growing the memory. */
  largestFree: number;
}

/**
 * Called after the memory grew, with its new and old size in bytes.
 *
 * @example
 * ```ts
 * import { type GrowListener, Heap } from "@palloc/palloc";
 * const heap = new Heap({ initialBytes: 64 << 10 });
 * const sizes: number[] = [];
 * const listener: GrowListener = (newByteLength) => sizes.push(newByteLength);
 * const stop = heap.onGrow(listener); // e.g. to re-make views over a WebAssembly memory
 * heap.malloc(100_000); // more than the memory holds: it grows
 * stop();
 * console.assert(sizes.length === 1 && sizes[0] === heap.byteLength);
 * ```
 */
export type GrowListener = (newByteLength: number, oldByteLength: number) => void;
