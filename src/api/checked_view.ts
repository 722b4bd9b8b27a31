/**
 * `CheckedView`: a typed view that refuses to be used once its context has
 * been reset or deleted, raising `StaleViewError` instead of reading or
 * writing memory that now belongs to someone else. A plain typed array over
 * a freed chunk keeps "working" — that is the use-after-free bug this view
 * turns into an error.
 *
 * How: each context watched by a checked view has an epoch, a counter kept
 * here (in a `WeakMap`, not in the context). A view captures the epoch when
 * it is made and compares it on every `get`/`set`/`array()`. To learn of a
 * reset or delete without touching mcxt, the first checked view of an epoch
 * registers one ordinary reset callback (`MemoryContextRegisterResetCallback`)
 * that bumps the epoch; as PostgreSQL runs callbacks before both reset and
 * delete, every view made before either goes stale at once. The next checked
 * view registers the next callback. Starting the heap over
 * (`MemoryContextInit`) is caught by comparing the heap object too.
 *
 * The view also re-creates its typed array when the heap's buffer was
 * replaced by growth (a WebAssembly memory that is not resizable, see
 * `views.ts`), so, unlike a plain view, it survives growth on every backing.
 *
 * Like any reset callback, the one a checked view registers marks the
 * context as not reset (`isReset = false`), so the next reset of a context
 * that holds nothing else still calls its type's reset method; the counters
 * and the heap come out the same.
 *
 * What it does not catch: `free` (pfree) of the one chunk while the context
 * lives on. Chunk-level tracking would cost a lookup per access; reset and
 * delete are how contexts free memory in bulk, and they are what is caught.
 *
 * Cost, measured by `spec/api/checked_view_bench.ts` (`deno bench`; Deno
 * 2.9.6, x86-64; summing 1024 doubles, two runs):
 *
 * | access                              | time        | vs plain  |
 * | ----------------------------------- | ----------- | --------- |
 * | plain `Float64Array`                | 1.6–2.1 µs  | 1×        |
 * | `array()` once, then a plain loop   | 1.0–1.2 µs  | ~1× (noise) |
 * | `get(i)` per element                | 5.3–5.6 µs  | ~3× (~4 ns per access) |
 * | a `Proxy` checking on each `v[i]`   | 150–210 µs  | ~100×     |
 *
 * So: `get`/`set` for scattered access, `array()` for loops (one check per
 * loop, then full speed), never a Proxy — which is why this view has
 * methods. Making a checked view costs ~110 ns against ~65 ns for a plain
 * `view()` (a `WeakMap` lookup; one callback object for the first view of
 * an epoch).
 */
import { heap, type MemoryContext } from "../mcxt/context.ts";
import { ERRCODE_INVALID_PARAMETER_VALUE, PgError } from "../elog.ts";
import type { Heap } from "../heap/mod.ts";
import { GetMemoryChunkContext, MemoryContextRegisterResetCallback } from "../mcxt/mod.ts";
import { Context, type ContextLike, memoryContextOf } from "./context.ts";
import { type TypedArray, type TypedArrayConstructor, view } from "./views.ts";

/**
 * SQLSTATE 55000 (object not in prerequisite state): the `sqlstate` of a
 * `StaleViewError` — the view's context moved on.
 *
 * @example
 * ```ts
 * import { ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, StaleViewError } from "@palloc/palloc";
 * console.assert(new StaleViewError("x").sqlstate === ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE);
 * ```
 */
export const ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";

/**
 * Raised by a `CheckedView` used after its context was reset or deleted (or
 * the heap was started over). A `PgError` with SQLSTATE 55000.
 *
 * @example
 * ```ts
 * import { checkedView, Context, StaleViewError } from "@palloc/palloc";
 * const top = Context.init();
 * const work = top.child.aset("work");
 * const v = checkedView(Int32Array, work.alloc(16), 4);
 * work.reset();
 * try {
 *   v.get(0);
 * } catch (e) {
 *   console.assert(e instanceof StaleViewError);
 * }
 * ```
 */
export class StaleViewError extends PgError {
  /**
   * Makes the error; `message` says which view and why.
   *
   * @example
   * ```ts
   * import { StaleViewError } from "@palloc/palloc";
   * const e = new StaleViewError("view used after reset");
   * console.assert(e.sqlstate === "55000");
   * ```
   */
  constructor(message: string) {
    super(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, message);
    this.name = "StaleViewError";
  }
}

interface Watch {
  epoch: number;
  armed: boolean;
}

const watches = new WeakMap<MemoryContext, Watch>();

function bumpEpoch(arg: unknown): void {
  const w = arg as Watch;
  w.epoch++;
  w.armed = false;
}

/** The watch of `mc`, with a callback registered for its current epoch. */
function armedWatch(mc: MemoryContext): Watch {
  let w = watches.get(mc);
  if (w === undefined) {
    w = { epoch: 0, armed: false };
    watches.set(mc, w);
  }
  if (!w.armed) {
    MemoryContextRegisterResetCallback(mc, { func: bumpEpoch, arg: w });
    w.armed = true;
  }
  return w;
}

/**
 * A typed view over a chunk that checks, on every access, that the chunk's
 * context has not been reset or deleted since the view was made. Make one
 * with `checkedView`.
 *
 * @example
 * ```ts
 * import { checkedView, Context } from "@palloc/palloc";
 * const top = Context.init();
 * const xs = checkedView(Float64Array, top.alloc(8 * 4), 4);
 * xs.set(0, 1.5);
 * console.assert(xs.get(0) === 1.5 && xs.valid);
 * ```
 */
export class CheckedView<T extends TypedArray> {
  /** The context whose reset or delete ends the view. */
  readonly context: Context;
  /** The heap offset of the first element. */
  readonly pointer: number;
  /** The number of elements. */
  readonly length: number;
  /** The chunk the view lies in (its bounds are the view's, see `view`). */
  readonly chunk: number;
  readonly #ctor: TypedArrayConstructor<T>;
  readonly #watch: Watch;
  readonly #epoch: number;
  readonly #heap: Heap;
  #array: T;

  /**
   * A view of `count` elements at `pointer`, ended by the next reset or
   * delete of `ctx` (`checkedView` finds `ctx` from the chunk for you),
   * inside the chunk `chunk` (by default the one starting at `pointer`):
   * elements past the chunk are refused as `view` refuses them.
   *
   * @example
   * ```ts
   * import { CheckedView, Context } from "@palloc/palloc";
   * const top = Context.init();
   * const v = new CheckedView(Int16Array, top.alloc(8), 4, top);
   * v.set(3, -1);
   * ```
   */
  constructor(
    ctor: TypedArrayConstructor<T>,
    pointer: number,
    count: number,
    ctx: ContextLike,
    chunk: number = pointer,
  ) {
    const mc = memoryContextOf(ctx);
    this.#array = view(ctor, pointer, count, chunk);
    this.#ctor = ctor;
    this.#watch = armedWatch(mc);
    this.#epoch = this.#watch.epoch;
    this.#heap = heap;
    this.context = Context.of(mc);
    this.pointer = pointer;
    this.length = count;
    this.chunk = chunk;
  }

  /** False once the context was reset or deleted (then every access throws). */
  get valid(): boolean {
    return this.#watch.epoch === this.#epoch && heap === this.#heap;
  }

  /** Element `index`; throws `StaleViewError` when stale, `PgError` when out of range. */
  get(index: number): T[number] {
    if (this.#watch.epoch !== this.#epoch || heap !== this.#heap) this.#stale();
    if ((index >>> 0) !== index || index >= this.length) this.#outOfRange(index);
    let a = this.#array;
    if (a.length !== this.length) a = this.#remake();
    return a[index];
  }

  /** Sets element `index`; throws like `get`. */
  set(index: number, value: T[number]): void {
    if (this.#watch.epoch !== this.#epoch || heap !== this.#heap) this.#stale();
    if ((index >>> 0) !== index || index >= this.length) this.#outOfRange(index);
    let a = this.#array;
    if (a.length !== this.length) a = this.#remake();
    (a as { [i: number]: T[number] })[index] = value;
  }

  /**
   * Checks once and returns the plain typed array, for loops: valid until
   * the context is reset or deleted or (on a non-resizable WebAssembly
   * memory) the heap grows — so do not allocate while holding it.
   */
  array(): T {
    if (this.#watch.epoch !== this.#epoch || heap !== this.#heap) this.#stale();
    let a = this.#array;
    if (a.length !== this.length) a = this.#remake();
    return a;
  }

  /** A copy of the elements in a fresh array of its own, independent of the heap. */
  copy(): T {
    return this.array().slice() as T;
  }

  #remake(): T {
    this.#array = view(this.#ctor, this.pointer, this.length, this.chunk);
    return this.#array;
  }

  #stale(): never {
    const why = heap !== this.#heap
      ? "the heap was started over"
      : this.context.alive
      ? `context "${this.context.name}" was reset`
      : `context "${this.context.name}" was deleted`;
    throw new StaleViewError(
      `checked ${this.#ctor.name} view of ${this.length} at ${this.pointer} used after ${why}`,
    );
  }

  #outOfRange(index: number): never {
    throw new PgError(
      ERRCODE_INVALID_PARAMETER_VALUE,
      `checked ${this.#ctor.name} view: index ${index} is outside 0..${this.length - 1}`,
    );
  }
}

/**
 * A `CheckedView` of `count` elements at `pointer`, inside the chunk `chunk`
 * (by default the one starting at `pointer`; pass it for a window inside a
 * chunk). Its context is the chunk's (`GetMemoryChunkContext`) unless `ctx`
 * is given — give it for a Bump chunk, which has no header.
 *
 * @example
 * ```ts
 * import { checkedView, Context } from "@palloc/palloc";
 * const top = Context.init();
 * const work = top.child.bump("work");
 * const v = checkedView(Uint32Array, work.alloc(40), 10, work);
 * v.set(9, 42);
 * work.reset();
 * console.assert(!v.valid); // v.get(9) would now throw StaleViewError
 * ```
 */
export function checkedView<T extends TypedArray>(
  ctor: TypedArrayConstructor<T>,
  pointer: number,
  count: number,
  ctx?: ContextLike,
  chunk: number = pointer,
): CheckedView<T> {
  return new CheckedView(ctor, pointer, count, ctx ?? GetMemoryChunkContext(chunk), chunk);
}
