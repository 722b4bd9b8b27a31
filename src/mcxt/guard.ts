/**
 * The checks every mcxt entry point makes before it touches
 * anything, so a bad argument ends in a typed PgError, never in corruption.
 *
 * - `requestSize`: a caller's size (`number` or `bigint`) becomes the number
 *   the context types work with; a value above 2^53 is remembered in its
 *   exact text (`setExactSizeText`) so error messages print it as PostgreSQL
 *   would. Negative, fractional or non-numeric sizes are refused here.
 * - `assertLive`: the context is a live context of the current heap.
 * - `GetMemoryChunkMethodID`: the pointer has a chunk pointer's shape, and the
 *   method id of the type owning it — asked of the header-less types first
 *   (Bump), then read from the 4 bits of the chunk header.
 *
 * Kept apart from `alloc.ts` and `reset.ts`, which both call them,
 * so the rules live in one place. These are plain functions with no closure
 * or allocation: they run on every palloc, pfree and repalloc.
 */
import {
  CurrentMemoryHeap,
  headerlessLookups,
  heap,
  mcxtMethods,
  MemoryContext,
  setExactSizeText,
  typeName,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { MEMORYCHUNK_SIZE } from "../memorychunk.ts";

const TWO_53 = 2n ** 53n;
const MAX_HUGE_BIG = 2n ** 63n - 1n;

/** Turns a caller's size into the number the types work with (see file header). */
export function requestSize(size: number | bigint): number {
  if (typeof size === "number") {
    if ((size >>> 0) === size) return size;
    if (size >= 0 && Number.isSafeInteger(size)) return size;
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid memory alloc request size ${size}`);
  }
  if (typeof size !== "bigint") {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `invalid memory alloc request size: expected a number or bigint, got ${typeName(size)}`,
    );
  }
  if (size < 0n) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid memory alloc request size ${size}`);
  }
  if (size <= TWO_53) return Number(size);
  const n = size > MAX_HUGE_BIG ? Infinity : Number(size);
  setExactSizeText(n, size.toString());
  return n;
}

/** Raises a typed error unless `ctx` is a live context of the current heap. */
export function assertLive(ctx: MemoryContext): void {
  if (ctx === null || ctx === undefined || ctx.id === 0 || ctx.home !== CurrentMemoryHeap) {
    notLive(ctx);
  }
}

/**
 * The one parent check of every create function, run before it takes any
 * memory (so a refusal leaks nothing): `parent` must be null (a new root) or a
 * live context of the current heap that is not being deleted by a running
 * callback (`assertParentOk`); otherwise a typed error naming `name`.
 */
export function assertParent(parent: MemoryContext | null, name: string): void {
  assertParentOk(parent, name);
  if (parent !== null || CurrentMemoryHeap === null) assertLive(parent as MemoryContext);
}

/** The error `assertLive` raises: before init, not a context, dead, or of another heap. */
function notLive(ctx: MemoryContext): never {
  if (CurrentMemoryHeap === null) throw notInitialized();
  if (!(ctx instanceof MemoryContext)) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `expected a MemoryContext, got ${typeName(ctx)}`,
      "Pass a context such as TopMemoryContext or one a *ContextCreate function returned.",
    );
  }
  if (ctx.id === 0) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `memory context "${ctx.name}" is not a live context`);
  }
  throw new PgError(
    ERRCODE_INTERNAL_ERROR,
    `memory context "${ctx.name}" belongs to ${ctx.home}, but the current heap is ${CurrentMemoryHeap}`,
    "Make its heap current first: MemoryHeapSwitchTo(heap), heap.run(fn) or ctx.run(fn).",
  );
}

/** The error for a call before `MemoryContextInit`: it says what to call. */
export function notInitialized(): PgError {
  return new PgError(
    ERRCODE_INTERNAL_ERROR,
    "palloc is not initialized: call MemoryContextInit() (or Context.init()) first",
    "No heap is current yet; MemoryContextInit() makes one and returns its MemoryHeap.",
  );
}

/** Raises a typed error unless `pointer` can be a chunk pointer of this heap. */
function assertPointerShape(pointer: number, what: string): void {
  // u32 arithmetic only (a fraction, NaN or anything ≥ 2^32 fails the first test), and the
  // bound from the byte view's length: no getter chain down to the buffer on every pfree
  // (the memory's own length is asked only past the view, e.g. after foreign growth).
  if (
    typeof pointer !== "number" || (pointer >>> 0) !== pointer || (pointer & 7) !== 0 ||
    pointer < 16 || (pointer >= heap.u8.length && pointer >= heap.byteLength)
  ) {
    if (CurrentMemoryHeap === null) throw notInitialized();
    if (typeof pointer !== "number") {
      throw new PgError(
        ERRCODE_INTERNAL_ERROR,
        `${what} called with invalid pointer: expected a number, got ${typeName(pointer)}`,
      );
    }
    throw new PgError(ERRCODE_INTERNAL_ERROR, `${what} called with invalid pointer ${pointer}`);
  }
}

/**
 * `GetMemoryChunkMethodID`: the method id of the type owning the chunk at
 * `pointer` (mcxt then looks it up in `mcxtMethods`), or a typed error.
 */
export function GetMemoryChunkMethodID(pointer: number, what: string): number {
  assertPointerShape(pointer, what);
  for (let i = 0; i < headerlessLookups.length; i++) {
    const owner = headerlessLookups[i](pointer);
    if (owner !== null) return owner.methodId;
  }
  const m = heap.i32;
  const hdr = (pointer - MEMORYCHUNK_SIZE) >>> 2;
  const id = m[hdr] & 0xf;
  if (mcxtMethods[id] === mcxtMethods[0]) {
    const hex = (m[hdr + 1] >>> 0).toString(16).padStart(8, "0") +
      (m[hdr] >>> 0).toString(16).padStart(8, "0");
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with invalid pointer ${pointer} (header 0x${hex})`,
    );
  }
  return id;
}

/**
 * A call a reset or delete callback may not make (see docs/safety.md,
 * "Reset callbacks"): resetting, deleting or moving the context whose
 * callbacks are running or one of its ancestors, creating a child under a
 * context being deleted, or `MemoryContextInit`. Nothing was changed.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "../aset/mod.ts";
 * import {
 *   MemoryContextDelete,
 *   MemoryContextInit,
 *   MemoryContextReentryError,
 *   MemoryContextRegisterResetCallback,
 *   TopMemoryContext,
 * } from "./mod.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * let refused = false;
 * MemoryContextRegisterResetCallback(work, {
 *   func: () => {
 *     try {
 *       MemoryContextDelete(work); // its own context, mid-delete: refused
 *     } catch (e) {
 *       refused = e instanceof MemoryContextReentryError;
 *     }
 *   },
 *   arg: null,
 * });
 * MemoryContextDelete(work);
 * console.assert(refused);
 * ```
 */
export class MemoryContextReentryError extends PgError {
  /** Refuses `what` from inside a reset callback. */
  constructor(what: string) {
    super(ERRCODE_INTERNAL_ERROR, `${what} is not allowed inside a memory context reset callback`);
    this.name = "MemoryContextReentryError";
  }
}

// The contexts whose reset callbacks are running, innermost last, and whether each is
// being deleted (a delete's callbacks) or only reset.
const releasing: MemoryContext[] = [];
const releasingDeletes: boolean[] = [];

/** Marks `ctx`'s callbacks as running (paired with `leaveCallbacks`, in a finally). */
export function enterCallbacks(ctx: MemoryContext, deleting: boolean): void {
  releasing.push(ctx);
  releasingDeletes.push(deleting);
}

/** Ends the innermost `enterCallbacks`. */
export function leaveCallbacks(): void {
  releasing.pop();
  releasingDeletes.pop();
}

/** Refuses `what` (MemoryContextInit) while any reset callback runs. */
export function assertNoCallbacks(what: string): void {
  if (releasing.length !== 0) throw new MemoryContextReentryError(what);
}

/**
 * Refuses resetting, deleting or moving `ctx` while a callback of `ctx` or of
 * one of its descendants runs (the walk that called the callback still needs
 * `ctx` and its links as they are). Costs nothing outside callbacks.
 */
export function assertReleasable(ctx: MemoryContext, what: string): void {
  for (let i = 0; i < releasing.length; i++) {
    for (let c: MemoryContext | null = releasing[i]; c !== null; c = c.parent) {
      if (c === ctx) throw new MemoryContextReentryError(`${what} of "${ctx.name}"`);
    }
  }
}

/**
 * What every create function checks before it allocates: the parent (null
 * only for a root) is a live context of this heap and not one whose delete
 * is running its callbacks (the new child would outlive its parent).
 */
export function assertParentOk(parent: MemoryContext | null, name: string): void {
  if (parent === null) return;
  if (parent instanceof MemoryContext && parent.id === 0) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `cannot create memory context "${name}": parent "${
        (parent as MemoryContext | undefined)?.name ?? String(parent)
      }" is not a live context`,
    );
  }
  for (let i = 0; i < releasing.length; i++) {
    if (releasing[i] === parent && releasingDeletes[i]) {
      throw new MemoryContextReentryError(
        `creating "${name}" under "${parent.name}" (being deleted)`,
      );
    }
  }
}
