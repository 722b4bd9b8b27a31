/**
 * The one linear memory under a heap, and how it grows. Two kinds:
 *
 * - a fresh buffer (the default): a growable `SharedArrayBuffer` where the
 *   engine has one (Deno, Node, a cross-origin-isolated page), else a
 *   resizable `ArrayBuffer`. Either grows in place at its end, so a view with
 *   a fixed offset and length keeps its bytes. The shared one is preferred
 *   for speed: V8 compiles element access to a fixed-length view over it
 *   like any plain typed array, while every view over a resizable
 *   `ArrayBuffer` (length-tracking or not) takes a slower path — measured
 *   about 3–5x per load or store (`docs/performance.md`). The heap makes its
 *   own views over the shared buffer with an explicit length and re-makes
 *   them after each growth (`fixedViews`); over a resizable `ArrayBuffer`
 *   it keeps length-tracking views. It is deliberately not a shared
 *   `WebAssembly.Memory` (which would give it `bulk.ts`'s memset and
 *   memmove): V8 reserves address space for each such memory and gives its
 *   pages back late, so short-lived heaps piled up resident memory and ran
 *   up to 1.7x slower (`docs/performance.md`);
 * - a caller's `WebAssembly.Memory`: grown with `memory.grow(pages)`. Where
 *   `memory.toResizableBuffer()` exists and accepts the memory (it needs a
 *   maximum), its buffer becomes resizable and views track it as above;
 *   otherwise growing replaces the buffer and the heap must make new views.
 *   The heap's memset and memmove over it are WebAssembly's (`bulk.ts`).
 *
 * Growth failure of any kind (maximum reached, the engine refusing) is turned
 * into `false` here, so the allocator above never sees a RangeError.
 */
import { type BulkOps, bulkOps } from "./bulk.ts";
import { MAX_MEMORY, PAGE, pageRound } from "./tlsf.ts";

/**
 * What `Backing` needs to know to set up the memory.
 *
 * @example
 * ```ts
 * import { Backing, type BackingOptions } from "@palloc/palloc/internal";
 * const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 }); // 64 KiB pages
 * const options: BackingOptions = { initialBytes: 128 << 10, maxBytes: undefined, memory };
 * const backing = new Backing(options);
 * console.assert(backing.byteLength === 128 << 10 && backing.maxBytes === 16 << 16);
 * ```
 */
export interface BackingOptions {
  /** Bytes to start with (rounded up to 64 KiB). */
  initialBytes: number;
  /** Upper bound on the size of the memory, or undefined for the default. */
  maxBytes: number | undefined;
  /** Use this memory instead of a fresh ArrayBuffer. */
  memory: WebAssembly.Memory | undefined;
  /** For a fresh memory: a growable SharedArrayBuffer where possible (default true). */
  shared?: boolean;
}

interface ResizableMemory {
  toResizableBuffer?: () => ArrayBuffer;
}

interface GrowableSharedArrayBufferConstructor {
  new (length: number, options: { maxByteLength: number }): SharedArrayBuffer;
}

/**
 * A growable `SharedArrayBuffer` of `length` bytes (at most `max`), or null
 * where the engine has none (no `SharedArrayBuffer`, as on a page that is not
 * cross-origin isolated, or one that cannot grow). Typed as the
 * `ArrayBuffer` the heap's API names: it has the same byte-level behaviour.
 */
function growableShared(length: number, max: number): ArrayBuffer | null {
  const SAB = (globalThis as { SharedArrayBuffer?: GrowableSharedArrayBufferConstructor })
    .SharedArrayBuffer;
  if (typeof SAB !== "function" || typeof SAB.prototype.grow !== "function") return null;
  try {
    const buffer = new SAB(length, { maxByteLength: max });
    return buffer.growable === true ? buffer as unknown as ArrayBuffer : null;
  } catch {
    return null;
  }
}

/** Default upper bound for an ArrayBuffer-backed heap. */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/**
 * Owns the memory of a heap: its buffer, its bound and its growth.
 *
 * @example
 * ```ts
 * import { Backing } from "@palloc/palloc/internal";
 * const backing = new Backing({ initialBytes: 64 << 10, maxBytes: 1 << 20, memory: undefined });
 * console.assert(backing.grow(128 << 10) && backing.buffer.byteLength === 128 << 10);
 * console.assert(!backing.grow(2 << 20)); // past maxBytes: false, nothing changed
 * ```
 */
export class Backing {
  /** The WebAssembly memory, or null for a plain ArrayBuffer. */
  readonly memory: WebAssembly.Memory | null;
  /** The buffer views should be made over (replaced on growth unless `tracking`). */
  buffer: ArrayBuffer;
  /** True when views made without a length follow growth by themselves. */
  readonly tracking: boolean;
  /**
   * True when the heap's own views must be made with an explicit length and
   * re-made after growth: a growable `SharedArrayBuffer` (fast fixed-length
   * views) or a WebAssembly memory whose buffer growth replaces.
   */
  readonly fixedViews: boolean;
  /** The memory never grows past this many bytes. */
  readonly maxBytes: number;
  /**
   * WebAssembly's memset and memmove over this memory (`bulk.ts`), or null
   * when the memory is not a caller's `WebAssembly.Memory` or the engine
   * refused.
   */
  readonly bulk: BulkOps | null;

  /** Sets up the memory described by `o` (`initialBytes` capped at `maxBytes`); throws a
   * RangeError if the memory cannot be created or grown to that size. */
  constructor(o: BackingOptions) {
    let wanted = pageRound(Math.max(o.initialBytes, PAGE));
    if (o.memory === undefined) {
      const max = Math.floor(Math.min(o.maxBytes ?? DEFAULT_MAX_BYTES, MAX_MEMORY) / PAGE) * PAGE;
      if (max < PAGE) throw new RangeError(`maxBytes ${o.maxBytes} is below one 64 KiB page`);
      wanted = Math.min(wanted, max);
      this.memory = null;
      const shared = o.shared === false ? null : growableShared(wanted, max);
      this.buffer = shared ?? new ArrayBuffer(wanted, { maxByteLength: max });
      this.tracking = true;
      this.fixedViews = shared !== null;
      this.maxBytes = max;
      this.bulk = null;
      return;
    }
    const memory = o.memory;
    this.memory = memory;
    let buffer = memory.buffer as ArrayBuffer;
    let limit = MAX_MEMORY;
    const toResizable = (memory as unknown as ResizableMemory).toResizableBuffer;
    let tracking = false;
    if (typeof toResizable === "function") {
      try {
        buffer = toResizable.call(memory);
        limit = Math.min(limit, buffer.maxByteLength);
        tracking = true;
      } catch {
        // No maximum given: the memory keeps its fixed-length buffers.
      }
    }
    this.tracking = tracking;
    this.fixedViews = !tracking;
    this.buffer = buffer;
    this.bulk = bulkOps(memory);
    this.maxBytes = Math.floor(Math.min(o.maxBytes ?? limit, limit) / PAGE) * PAGE;
    wanted = Math.min(wanted, this.maxBytes);
    if (buffer.byteLength < wanted && !this.grow(wanted)) {
      throw new RangeError(`cannot grow the WebAssembly memory to ${wanted} bytes`);
    }
  }

  /** Current size of the memory in bytes (sees growth made by others too). */
  get byteLength(): number {
    return this.memory === null ? this.buffer.byteLength : this.memory.buffer.byteLength;
  }

  /**
   * Grows the memory to `newLength` bytes (a multiple of 64 KiB, at most
   * `maxBytes`). Returns false, changing nothing, when that is impossible.
   */
  grow(newLength: number): boolean {
    const old = this.byteLength;
    if (newLength <= old) return true;
    if (newLength > this.maxBytes || newLength % PAGE !== 0) return false;
    try {
      if (this.memory === null) {
        if (this.fixedViews) (this.buffer as unknown as SharedArrayBuffer).grow(newLength);
        else this.buffer.resize(newLength);
      } else {
        this.memory.grow((newLength - old) / PAGE);
        if (!this.tracking) this.buffer = this.memory.buffer as ArrayBuffer;
      }
    } catch {
      return false;
    }
    return this.byteLength >= newLength;
  }

  /** After foreign growth of a WebAssembly memory: picks up its new buffer. */
  refresh(): void {
    if (this.memory !== null && !this.tracking) this.buffer = this.memory.buffer as ArrayBuffer;
  }
}
