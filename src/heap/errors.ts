/**
 * The two ways the heap refuses to go on. Kept apart from the allocator so
 * callers can import them (for `instanceof`) without pulling in the heap.
 *
 * - `HeapPointerError`: the caller handed in something that is not a live
 *   block (wrong range, misaligned, not a block start, already freed). The
 *   heap is left exactly as it was.
 * - `HeapCorruptionError`: the heap's own bookkeeping in memory is damaged
 *   (a stomped header, a broken free list). Nothing can be trusted after it.
 */

/** A block header, free list or counter in the heap is inconsistent. */
export class HeapCorruptionError extends Error {
  /** Byte offset where the inconsistency was found. */
  readonly offset: number;

  /** Reports damage found at `offset`. */
  constructor(offset: number, detail: string) {
    super(`heap corrupted at offset ${offset}: ${detail}`);
    this.name = "HeapCorruptionError";
    this.offset = offset;
  }
}

/** A pointer passed to free/realloc/sizeOf is not a live block; nothing was changed. */
export class HeapPointerError extends Error {
  /** The pointer that was refused. */
  readonly pointer: number;

  /** Refuses `pointer` for the reason given. */
  constructor(pointer: number, detail: string) {
    super(`invalid heap pointer ${pointer}: ${detail}`);
    this.name = "HeapPointerError";
    this.pointer = pointer;
  }
}
