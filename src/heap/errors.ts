/**
 * The two ways the heap refuses to go on. Kept apart from the allocator so
 * callers can import them (for `instanceof`) without pulling in the heap.
 *
 * - `HeapPointerError`: the caller handed in something that is not a live
 *   block (wrong range, misaligned, not a block start, already freed). The
 *   heap is left exactly as it was.
 * - `HeapCorruptionError`: the heap's own bookkeeping in memory is damaged
 *   (a stomped header, a broken free list). Nothing can be trusted after it.
 *
 * Both are `PgError`s (SQLSTATE XX000 and XX001, `data_corrupted`), so when
 * one reaches palloc's API through a context type it is the same typed error
 * every other refusal is; the heap itself still needs nothing else of palloc.
 */
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";

/**
 * A block header, free list or counter in the heap is inconsistent.
 *
 * @example
 * ```ts
 * import { Heap, HeapCorruptionError } from "@palloc/palloc";
 * const heap = new Heap();
 * const p = heap.malloc(16);
 * heap.u8.fill(0xff, p - 16, p); // a stray write over the block header
 * try {
 *   heap.check();
 *   console.assert(false, "check() should have thrown");
 * } catch (e) {
 *   console.assert(e instanceof HeapCorruptionError && e.offset === p - 16); // the block's start
 * }
 * ```
 */
export class HeapCorruptionError extends PgError {
  /** Byte offset where the inconsistency was found. */
  readonly offset: number;

  /** Reports damage found at `offset`. */
  constructor(offset: number, detail: string) {
    super("XX001", `heap corrupted at offset ${offset}: ${detail}`);
    this.name = "HeapCorruptionError";
    this.offset = offset;
  }
}

/**
 * A pointer passed to free/realloc/sizeOf is not a live block; nothing was changed.
 *
 * @example
 * ```ts
 * import { Heap, HeapPointerError } from "@palloc/palloc";
 * const heap = new Heap();
 * const p = heap.malloc(16);
 * try {
 *   heap.free(p + 8); // not the start of a block: refused, nothing changed
 *   console.assert(false, "free() should have thrown");
 * } catch (e) {
 *   console.assert(e instanceof HeapPointerError && e.pointer === p + 8);
 * }
 * ```
 */
export class HeapPointerError extends PgError {
  /** The pointer that was refused. */
  readonly pointer: number;

  /** Refuses `pointer` for the reason given. */
  constructor(pointer: number, detail: string) {
    super(ERRCODE_INTERNAL_ERROR, `invalid heap pointer ${pointer}: ${detail}`);
    this.name = "HeapPointerError";
    this.pointer = pointer;
  }
}

/**
 * A heap was asked to reach past the 4 GiB ceiling: offsets are unsigned
 * 32-bit numbers (as in a wasm32 memory), so `base` and `maxBytes` must stay
 * at or below 2^32 (a memory is capped at 2^32 - 64 KiB). There is no
 * Memory64 path; nothing was created.
 *
 * @example
 * ```ts
 * import { HeapCeilingError } from "./errors.ts";
 * import { Heap } from "./heap.ts";
 * try {
 *   new Heap({ maxBytes: 2 ** 33 });
 *   console.assert(false, "a heap past 4 GiB should be refused");
 * } catch (e) {
 *   console.assert(e instanceof HeapCeilingError && e instanceof RangeError);
 * }
 * ```
 */
export class HeapCeilingError extends RangeError {
  /** The bytes asked for (the option's value). */
  readonly requested: number;

  /** Refuses `option` = `requested`. */
  constructor(option: string, requested: number) {
    super(`${option} ${requested} is past the 4 GiB ceiling of 32-bit heap offsets (2^32)`);
    this.name = "HeapCeilingError";
    this.requested = requested;
  }
}
