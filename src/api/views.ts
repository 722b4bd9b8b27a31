/**
 * Typed views over heap memory: a `Uint8Array`, a `DataView` or any typed
 * array over the bytes of a chunk, with the pointer's alignment and the
 * heap's bounds checked once, when the view is made. After that a view is a
 * plain typed array: reading it costs what reading any typed array costs.
 *
 * The growth rule — when does a view survive the heap growing?
 *
 * - Default backing (a growable `SharedArrayBuffer`, or a resizable
 *   `ArrayBuffer` where there is none or with `shared: false`): always. Both
 *   grow in place at their end, so a view with a fixed offset and length
 *   (all views made here are) keeps pointing at the same bytes. Keep views
 *   as long as the chunk lives.
 * - A `WebAssembly.Memory` with a `maximum`, where the engine has
 *   `memory.toResizableBuffer()` (Deno, Chromium): the heap turns the memory
 *   into a resizable buffer, so the same holds.
 * - A `WebAssembly.Memory` without a maximum, or any memory on an engine
 *   without `toResizableBuffer` (Node 20): growing replaces the buffer and
 *   every view over the old one is detached (length 0, reads `undefined`).
 *   Rule: re-create views after any call that may allocate, or read through
 *   `heap.u8` each time, or use a `CheckedView` (`checked_view.ts`), which
 *   re-creates its array by itself.
 *
 * No view survives its chunk: after `free`, reset or delete the bytes belong
 * to whoever is allocated there next. `CheckedView` turns that into an error.
 */
import { heap } from "../mcxt/context.ts";
import { ERRCODE_INVALID_PARAMETER_VALUE, PgError } from "../elog.ts";

/**
 * Every typed array kind `view` can make.
 *
 * @example
 * ```ts
 * import type { TypedArray } from "@palloc/palloc";
 * const a: TypedArray = new Float64Array(4);
 * ```
 */
export type TypedArray =
  | Int8Array<ArrayBuffer>
  | Uint8Array<ArrayBuffer>
  | Uint8ClampedArray<ArrayBuffer>
  | Int16Array<ArrayBuffer>
  | Uint16Array<ArrayBuffer>
  | Int32Array<ArrayBuffer>
  | Uint32Array<ArrayBuffer>
  | Float32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>
  | BigInt64Array<ArrayBuffer>
  | BigUint64Array<ArrayBuffer>;

/**
 * A typed array constructor (`Float64Array`, `Int32Array`, …) as `view`
 * uses it: over a buffer, at a byte offset, with a length.
 *
 * @example
 * ```ts
 * import type { TypedArrayConstructor } from "@palloc/palloc";
 * const F: TypedArrayConstructor<Float64Array<ArrayBuffer>> = Float64Array;
 * ```
 */
export interface TypedArrayConstructor<T extends TypedArray> {
  /** Makes a view of `length` elements at `byteOffset`. */
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  /** Bytes per element; also the alignment the pointer must have. */
  readonly BYTES_PER_ELEMENT: number;
  /** The constructor's name, for messages. */
  readonly name: string;
}

/** The heap's current buffer, after picking up growth a WebAssembly module did itself. */
function currentBuffer(): ArrayBuffer {
  heap.refreshViews();
  return heap.buffer;
}

/**
 * Raises `PgError` 22023 unless [pointer, pointer + byteLength) lies in the
 * heap and `pointer` is a multiple of `align`.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { checkRange } from "./views.ts";
 * const top = Context.init();
 * checkRange(top.alloc(64), 64, 8, "my view"); // fine
 * ```
 */
export function checkRange(pointer: number, byteLength: number, align: number, what: string): void {
  if (!Number.isSafeInteger(pointer) || pointer <= 0) {
    throw new PgError(ERRCODE_INVALID_PARAMETER_VALUE, `${what}: invalid pointer ${pointer}`);
  }
  if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
    throw new PgError(ERRCODE_INVALID_PARAMETER_VALUE, `${what}: invalid length ${byteLength}`);
  }
  if (pointer % align !== 0) {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `${what}: pointer ${pointer} is not aligned to ${align} bytes`,
    );
  }
  if (pointer + byteLength > heap.byteLength) {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `${what}: bytes ${pointer}..${
        pointer + byteLength
      } lie outside the heap (${heap.byteLength} bytes)`,
    );
  }
}

/**
 * The `length` bytes at `pointer` as a `Uint8Array` (a window, not a copy).
 *
 * @example
 * ```ts
 * import { bytes, Context } from "@palloc/palloc";
 * const top = Context.init();
 * const p = top.alloc(4);
 * bytes(p, 4).set([1, 2, 3, 4]);
 * ```
 */
export function bytes(pointer: number, length: number): Uint8Array<ArrayBuffer> {
  checkRange(pointer, length, 1, "bytes");
  return new Uint8Array(currentBuffer(), pointer, length);
}

/**
 * A `DataView` over the `length` bytes at `pointer`, for mixed-type records
 * (the heap is little-endian as WebAssembly is: pass `true` for
 * `littleEndian` to match what a WASM module reads).
 *
 * @example
 * ```ts
 * import { Context, dataView } from "@palloc/palloc";
 * const top = Context.init();
 * const rec = dataView(top.alloc(12), 12);
 * rec.setUint32(0, 7, true);
 * rec.setFloat64(4, 2.5, true); // unaligned fields are fine in a DataView
 * ```
 */
export function dataView(pointer: number, length: number): DataView<ArrayBuffer> {
  checkRange(pointer, length, 1, "dataView");
  return new DataView(currentBuffer(), pointer, length);
}

/**
 * A typed array of `count` elements at `pointer` — `view(Float64Array, p,
 * n)` — after checking that `pointer` is a multiple of the element size
 * (chunks are 8-aligned, so any chunk start fits every type).
 *
 * @example
 * ```ts
 * import { Context, view } from "@palloc/palloc";
 * const top = Context.init();
 * const xs = view(Float64Array, top.alloc(8 * 3), 3);
 * xs.set([1.5, 2.5, 3]);
 * console.assert(xs[0] + xs[1] + xs[2] === 7);
 * ```
 */
export function view<T extends TypedArray>(
  ctor: TypedArrayConstructor<T>,
  pointer: number,
  count: number,
): T {
  const size = ctor.BYTES_PER_ELEMENT;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `view(${ctor.name}): invalid count ${count}`,
    );
  }
  checkRange(pointer, count * size, size, `view(${ctor.name})`);
  return new ctor(currentBuffer(), pointer, count);
}
