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
 *   method id in the 4 low bits of the chunk header in front of it.
 * - `MemoryChunkRefused` / `MemoryChunkOwnerByAddress`: the rare path, when
 *   the header does not lead to an owner.
 *
 * ## Pointer → owner: the header, and the header only, on the common path
 *
 * A chunk operation (pfree, repalloc, GetMemoryChunkContext,
 * GetMemoryChunkSpace) reads the method id from the header and calls that
 * type's method once. Each type validates what the header leads to before it
 * changes anything: from the header's block offset to a block, from the block
 * to an owner that is a live context of that type (through the context
 * registry, whose entries are JS objects checked against their header
 * address), and the header inside the used part of that block (AllocSet and
 * Generation: between the block header and the free pointer, Slab: on the
 * chunk grid below the never-used chunks, an external chunk: the dedicated
 * block right before it, live in the heap — and for AllocSet full). A type
 * that refuses raises a typed error and changes nothing.
 *
 * Only then, or when the id is one no type uses, are the types that know
 * their chunks by address asked (`ownerByAddress` in the method table: Bump,
 * whose chunks carry no header, over its block index); a type that claims the
 * pointer gets the same operation, and raises its own error ("pfree is not
 * supported by the bump memory allocator", …). No other error is replaced.
 *
 * Why a bump chunk can never be taken for a chunk of another type through a
 * real block, whatever the 8 bytes in front of it hold (the tail of the
 * previous chunk's data, or the block header's end pointer): a bump pointer p
 * lies in the chunk area of a live bump block X, X + 32 <= p <= X's end, so
 * the header position p - 8 lies inside X's heap allocation (the bump
 * context's own malloc for the keeper block). Every validation above accepts
 * p - 8 only inside the used part of the block it names, and the used part of
 * a block of a live AllocSet, Generation or Slab lies inside that block's own
 * heap allocation (the context's malloc for a keeper). Two live heap
 * allocations are disjoint (and separated by the heap's 16-byte block
 * header), and a block of another type is never inside a bump block, so every
 * such validation fails and the bump index is asked. An aligned-chunk
 * redirect header is accepted only when its unaligned chunk's own type
 * measures a chunk reaching past p (the same disjointness applies to that
 * chunk), or when the unaligned chunk is one a type knows by address and
 * that type does not claim p itself as one of its plain chunks (Bump knows
 * the aligned chunks it was asked for, `noteAlignedChunk`); a redirect forged
 * in front of a plain bump chunk fails both. An unused id goes to the index
 * directly; Bump's own id reaches Bump's methods.
 *
 * What the header alone cannot exclude: bytes that forge a whole block (an
 * owner word naming a live context's header, a free pointer, for an external
 * chunk the heap's own block header with its check word) as well as the chunk
 * header, all inside the bump block. That is forgery of palloc's structures
 * rather than neighbouring data, and the same forgery in an AllocSet chunk's
 * data fools the AllocSet checks: the validations reject what a chunk's
 * neighbours can hold by accident or by pointing at real blocks, not a
 * deliberately built fake block.
 *
 * Kept apart from `alloc.ts` and `reset.ts`, which both call them,
 * so the rules live in one place. These are plain functions with no closure
 * or allocation: they run on every palloc, pfree and repalloc.
 */
import {
  type ContextMethods,
  CurrentMemoryHeap,
  heap,
  mcxtMethods,
  MemoryContext,
  setExactSizeText,
  typeName,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import * as memorychunkModule from "../memorychunk.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MEMORYCHUNK_SIZE } = memorychunkModule;

const TWO_53 = 2n ** 53n;
const MAX_HUGE_BIG = 2n ** 63n - 1n;

/** Turns a caller's size into the number the types work with (see file header). */
export function requestSize(size: number | bigint): number {
  if (typeof size === "number" && (size >>> 0) === size) return size;
  return requestSizeWide(size);
}

/** `requestSize` past the common case (a u32 number): a wider number, a bigint, or an error. */
function requestSizeWide(size: number | bigint): number {
  if (typeof size === "number") {
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
  ) badPointer(pointer, what);
}

/** The error `assertPointerShape` raises (apart, so the check itself stays small). */
function badPointer(pointer: unknown, what: string): never {
  if (CurrentMemoryHeap === null) throw notInitialized();
  if (typeof pointer !== "number") {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with invalid pointer: expected a number, got ${typeName(pointer)}`,
    );
  }
  throw new PgError(ERRCODE_INTERNAL_ERROR, `${what} called with invalid pointer ${pointer}`);
}

/**
 * `GetMemoryChunkMethodID`: the method id in the header in front of
 * `pointer` (mcxt then looks it up in `mcxtMethods`), or a typed error. An
 * id no type uses is given to the types that know their chunks by address
 * first (see the file header).
 */
export function GetMemoryChunkMethodID(pointer: number, what: string): number {
  assertPointerShape(pointer, what);
  const id = heap.i32[(pointer - MEMORYCHUNK_SIZE) >>> 2] & 0xf;
  if (mcxtMethods[id] === mcxtMethods[0]) return unusedMethodId(pointer, what);
  return id;
}

/** The header's id is unused: a type owning `pointer` by address, else "invalid pointer". */
function unusedMethodId(pointer: number, what: string): number {
  const owner = MemoryChunkOwnerByAddress(pointer);
  if (owner >= 0) return owner;
  const m = heap.i32;
  const hdr = (pointer - MEMORYCHUNK_SIZE) >>> 2;
  const hex = (m[hdr + 1] >>> 0).toString(16).padStart(8, "0") +
    (m[hdr] >>> 0).toString(16).padStart(8, "0");
  throw new PgError(
    ERRCODE_INTERNAL_ERROR,
    `${what} called with invalid pointer ${pointer} (header 0x${hex})`,
  );
}

/**
 * The method id of a type that owns `pointer` by address (its table entry's
 * `ownerByAddress` names a context), or -1. Only for the rare path: the
 * header did not lead to an owner.
 */
export function MemoryChunkOwnerByAddress(pointer: number): number {
  for (let id = 0; id < mcxtMethods.length; id++) {
    const byAddress = mcxtMethods[id].ownerByAddress;
    if (byAddress !== undefined && byAddress(pointer) !== null) return id;
  }
  return -1;
}

/**
 * A chunk operation on `pointer` through `refusedBy` (the type its header
 * names) raised `err`: the methods of a type that owns `pointer` by address
 * instead, which then gets the same operation; otherwise `err` is raised
 * again, unchanged. A type raises before it changes anything, so the retry
 * starts from the same state.
 */
export function MemoryChunkRefused(
  pointer: number,
  refusedBy: ContextMethods,
  err: unknown,
): ContextMethods {
  const id = MemoryChunkOwnerByAddress(pointer);
  if (id < 0 || mcxtMethods[id] === refusedBy) throw err;
  return mcxtMethods[id];
}

/**
 * The methods of the type owning the chunk at `pointer`, for checking mode's
 * walks and messages (not a hot path): the header's type when it accepts the
 * chunk, else a type owning it by address, else the header's.
 */
export function MemoryChunkOwnerMethods(pointer: number): ContextMethods {
  const methods = mcxtMethods[heap.i32[(pointer - MEMORYCHUNK_SIZE) >>> 2] & 0xf];
  if (methods !== mcxtMethods[0]) {
    try {
      methods.getChunkContext(pointer);
      return methods;
    } catch {
      // refused: asked by address below
    }
  }
  const id = MemoryChunkOwnerByAddress(pointer);
  return id >= 0 ? mcxtMethods[id] : methods;
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
  if (parent instanceof MemoryContext && parent.id === 0) parentNotLive(parent, name);
  for (let i = 0; i < releasing.length; i++) {
    if (releasing[i] === parent && releasingDeletes[i]) parentBeingDeleted(parent, name);
  }
}

/** The error of a create under a dead parent (apart, so `assertParentOk` stays small). */
function parentNotLive(parent: MemoryContext, name: string): never {
  throw new PgError(
    ERRCODE_INTERNAL_ERROR,
    `cannot create memory context "${name}": parent "${parent.name}" is not a live context`,
  );
}

/** The error of a create under a context whose delete is running its callbacks. */
function parentBeingDeleted(parent: MemoryContext, name: string): never {
  throw new MemoryContextReentryError(`creating "${name}" under "${parent.name}" (being deleted)`);
}
