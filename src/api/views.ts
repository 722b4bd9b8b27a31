/**
 * Typed views over heap memory: a `Uint8Array`, a `DataView` or any typed
 * array over the bytes of a chunk, with the pointer's alignment, the heap's
 * bounds and the chunk's bounds checked once, when the view is made. After
 * that a view is a plain typed array: reading it costs what reading any
 * typed array costs.
 *
 * Bounded by the chunk: a view must lie inside the usable bytes of one live
 * chunk — its `chunk` argument, or the chunk starting at `pointer` when none
 * is given (give it for a window inside a chunk). What "usable" is:
 *
 * - checking mode: the requested size, which checking mode records. That is
 *   where PostgreSQL's checking build puts its sentinel, so a view reaching
 *   one byte further is a write past the chunk's end.
 * - otherwise: the chunk's space (`GetMemoryChunkSpace`) less its 8-byte
 *   header, i.e. up to the next chunk's header: the rounding slack a chunk
 *   has may be used, as in a build without MEMORY_CONTEXT_CHECKING. An
 *   aligned chunk's data runs to the end of the unaligned chunk it was cut
 *   from.
 * - a Bump chunk outside checking mode (no header, and nothing records its
 *   size): the window's first and last bytes must lie in live blocks of the
 *   chunk's Bump context (mcxt's header-less lookup, as for `pfree`). So it
 *   cannot end in another context's memory, a freed block or past the heap,
 *   but it may run over the chunks after it in its block, and (not caught) a
 *   window from one of the context's blocks into another of its blocks
 *   crosses the heap's tags between them. Checking mode bounds Bump chunks
 *   exactly, by their recorded size.
 *
 * The cost is the chunk lookup `GetMemoryChunkSpace` does (one header read;
 * in checking mode, its verification of the record, header and sentinel).
 *
 * The growth rule — when does a view survive the heap growing?
 *
 * - Default backing (a growable `SharedArrayBuffer`, or a resizable
 *   `ArrayBuffer` where there is none or with `shared: false`): always. Both
 *   grow in place at their end, so a view with a fixed offset and length
 *   (all views made here are) keeps pointing at the same bytes. Keep views
 *   as long as the chunk lives. Over the shared buffer a view is a view of
 *   shared memory: APIs that refuse those (`new Blob([v])`,
 *   `new Response(v)`) want a copy, `v.slice()`.
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
import { heap, mcxtMethods } from "../mcxt/context.ts";
import {
  GetMemoryChunkMethodID,
  MemoryChunkOwnerByAddress,
  MemoryChunkOwnerMethods,
  MemoryChunkRefused,
} from "../mcxt/guard.ts";
import { checking, CheckingRecordedSize, CheckingVerify } from "../checking/mod.ts";
import { chunkGetBlock, MCTX_ALIGNED_REDIRECT_ID, MEMORYCHUNK_SIZE } from "../memorychunk.ts";
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

/** The Bump context whose live block holds byte `p`, or null (mcxt's header-less lookup). */
/** The context owning `p` by address (a header-less type's block, i.e. Bump's), or null. */
function addressOwner(p: number): unknown {
  const id = MemoryChunkOwnerByAddress(p);
  return id < 0 ? null : mcxtMethods[id].ownerByAddress!(p);
}

/**
 * Raises `PgError` unless the `byteLength` bytes at `pointer` lie inside the
 * usable bytes of the live chunk `chunk` (see the file header for what is
 * usable in each mode and for a Bump chunk). `chunk` is refused as
 * `GetMemoryChunkSpace` refuses it (the same lookup: shape, header-less
 * types, the header, the type's validation; in checking mode the record).
 * Call after `checkRange`, which has checked `pointer` and `byteLength`.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { checkChunkRange } from "./views.ts";
 * const top = Context.init();
 * const p = top.alloc(64);
 * checkChunkRange(p + 8, 56, p, "my view"); // fine: bytes 8..64 of a 64-byte chunk
 * ```
 */
export function checkChunkRange(
  pointer: number,
  byteLength: number,
  chunk: number,
  what: string,
): void {
  if (chunk !== pointer && !(typeof chunk === "number" && chunk <= pointer)) {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `${what}: pointer ${pointer} lies before its chunk ${chunk}`,
    );
  }
  const end = pointer + byteLength;
  let methods = mcxtMethods[GetMemoryChunkMethodID(chunk, what)];
  let limit: number;
  if (checking) {
    methods = MemoryChunkOwnerMethods(chunk);
    // Exact: the requested size (the sentinel, when there is one, is the next byte).
    CheckingVerify(chunk, methods, what);
    limit = chunk + CheckingRecordedSize(chunk);
    if (end > limit) pastChunk(pointer, end, chunk, limit, "requested", what);
    return;
  }
  let headerless = methods.chunkCapacity !== undefined;
  let base = chunk;
  if (!headerless && methods === mcxtMethods[MCTX_ALIGNED_REDIRECT_ID]) {
    // An aligned chunk's data runs to the end of the unaligned chunk it was cut from.
    base = chunkGetBlock(heap.i32, chunk - MEMORYCHUNK_SIZE);
    headerless = addressOwner(base) !== null;
  }
  // The header's type validates the chunk as GetMemoryChunkSpace would; only when it refuses
  // is a type that knows its chunks by address asked (one lookup on the common path).
  let space = -1;
  if (!headerless) {
    try {
      space = methods.getChunkSpace(chunk);
    } catch (err) {
      methods = MemoryChunkRefused(chunk, methods, err);
      headerless = true; // a type known by address claims it: a plain header-less chunk
      base = chunk;
    }
  }
  if (headerless) {
    // No header, no size: the window's last byte must lie in a live block of the same context.
    const owner = addressOwner(base);
    if (end > pointer && (owner === null || addressOwner(end - 1) !== owner)) {
      throw new PgError(
        ERRCODE_INVALID_PARAMETER_VALUE,
        `${what}: bytes ${pointer}..${end} run past the live blocks of the bump context ` +
          `of chunk ${chunk}`,
      );
    }
    return;
  }
  limit = base + space - MEMORYCHUNK_SIZE;
  if (end > limit) pastChunk(pointer, end, chunk, limit, "usable", what);
}

function pastChunk(
  pointer: number,
  end: number,
  chunk: number,
  limit: number,
  kind: string,
  what: string,
): never {
  throw new PgError(
    ERRCODE_INVALID_PARAMETER_VALUE,
    `${what}: bytes ${pointer}..${end} run past the end of chunk ${chunk} ` +
      `(${limit - chunk} bytes ${kind})`,
    "A view must lie inside one chunk; for a window inside a chunk, pass the chunk's pointer.",
  );
}

/**
 * The `length` bytes at `pointer` as a `Uint8Array` (a window, not a copy),
 * inside the chunk `chunk` (by default the chunk starting at `pointer`);
 * raises `PgError` when they run past the chunk (see the file header).
 *
 * @example
 * ```ts
 * import { bytes, Context } from "@palloc/palloc";
 * const top = Context.init();
 * const p = top.alloc(4);
 * bytes(p, 4).set([1, 2, 3, 4]);
 * bytes(p + 2, 2, p).fill(0); // a window inside the chunk names the chunk
 * ```
 */
export function bytes(pointer: number, length: number, chunk = pointer): Uint8Array<ArrayBuffer> {
  const buffer = currentBuffer(); // first: the chunk header is read through the heap's views
  checkRange(pointer, length, 1, "bytes");
  checkChunkRange(pointer, length, chunk, "bytes");
  return new Uint8Array(buffer, pointer, length);
}

/**
 * A `DataView` over the `length` bytes at `pointer`, for mixed-type records
 * (the heap is little-endian as WebAssembly is: pass `true` for
 * `littleEndian` to match what a WASM module reads). Bounded by the chunk
 * `chunk` (by default the one starting at `pointer`), like `bytes`.
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
export function dataView(pointer: number, length: number, chunk = pointer): DataView<ArrayBuffer> {
  const buffer = currentBuffer(); // first: the chunk header is read through the heap's views
  checkRange(pointer, length, 1, "dataView");
  checkChunkRange(pointer, length, chunk, "dataView");
  return new DataView(buffer, pointer, length);
}

/**
 * A typed array of `count` elements at `pointer` — `view(Float64Array, p,
 * n)` — after checking that `pointer` is a multiple of the element size
 * (chunks are 8-aligned, so any chunk start fits every type) and that the
 * elements lie inside the chunk `chunk` (by default the one starting at
 * `pointer`; see the file header): 100 doubles over a 16-byte chunk are
 * refused with a `PgError`.
 *
 * @example
 * ```ts
 * import { Context, PgError, view } from "@palloc/palloc";
 * const top = Context.init();
 * const p = top.alloc(8 * 3);
 * const xs = view(Float64Array, p, 3);
 * xs.set([1.5, 2.5, 3]);
 * console.assert(xs[0] + xs[1] + xs[2] === 7);
 * console.assert(view(Float64Array, p + 8, 2, p)[1] === 3); // a window inside the chunk
 * try {
 *   view(Float64Array, top.alloc(16), 100); // runs past the 16-byte chunk
 * } catch (e) {
 *   console.assert(e instanceof PgError);
 * }
 * ```
 */
export function view<T extends TypedArray>(
  ctor: TypedArrayConstructor<T>,
  pointer: number,
  count: number,
  chunk: number = pointer,
): T {
  const size = ctor.BYTES_PER_ELEMENT;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `view(${ctor.name}): invalid count ${count}`,
    );
  }
  const buffer = currentBuffer(); // first: the chunk header is read through the heap's views
  checkRange(pointer, count * size, size, `view(${ctor.name})`);
  checkChunkRange(pointer, count * size, chunk, `view(${ctor.name})`);
  return new ctor(buffer, pointer, count);
}
