/**
 * mcxt: the memory-context tree and the PostgreSQL-named API over it.
 *
 * Everything a caller does goes through here: allocation in a context
 * (`palloc`, `MemoryContextAlloc*`), chunk operations that find their
 * context from the pointer alone (`pfree`, `repalloc`, `GetMemoryChunk*`),
 * the tree's lifetime operations (reset, delete, set-parent, callbacks) and
 * the current context. mcxt never looks at a context's type: chunk
 * operations dispatch on the 4-bit method id in the chunk header, context
 * operations on `ctx.methods` — the one method table of `context.ts`.
 *
 * Sizes arrive as `number` or `bigint`; the edge (`requestSize`) turns them
 * into numbers, remembering the exact text of any value above 2^53 so the
 * error messages print it as PostgreSQL would. Statistics printing lives in
 * `stats.ts`.
 */
import {
  headerlessLookups,
  heap,
  installHeap,
  MaxAllocHugeSize,
  MaxAllocSize,
  MCXT_ALLOC_HUGE,
  MCXT_ALLOC_NO_OOM,
  MCXT_ALLOC_ZERO,
  mcxtMethods,
  type MemoryContext,
  type MemoryContextCallback,
  type MemoryContextCounters,
  setExactSizeText,
} from "./context.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "./elog.ts";
import { Heap, type HeapOptions } from "./heap/mod.ts";
import { AllocSetContextCreate } from "./aset.ts";
import { MEMORYCHUNK_SIZE } from "./memorychunk.ts";
import {
  checking,
  CheckingBeforeRelease,
  CheckingFree,
  CheckingInstall,
  CheckingNoteAlloc,
  CheckingRealloc,
  CheckingReleaseContext,
  CheckingVerify,
} from "./checking.ts";

/**
 * The root of the tree; never reset as a whole, never deleted.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * console.assert(TopMemoryContext.parent === null); // the root of the tree
 * ```
 */
export let TopMemoryContext: MemoryContext = undefined as unknown as MemoryContext;
/**
 * Error recovery's context; keeps an 8 KB keeper block as its reserve.
 *
 * @example
 * ```ts
 * import { ErrorContext, MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * console.assert(ErrorContext.parent === TopMemoryContext);
 * ```
 */
export let ErrorContext: MemoryContext = undefined as unknown as MemoryContext;
/**
 * Where `palloc` allocates. Change it with `MemoryContextSwitchTo`.
 *
 * @example
 * ```ts
 * import {
 *   CurrentMemoryContext,
 *   MemoryContextInit,
 *   palloc,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * console.assert(CurrentMemoryContext === TopMemoryContext);
 * const p = palloc(8); // allocated in CurrentMemoryContext
 * ```
 */
export let CurrentMemoryContext: MemoryContext = undefined as unknown as MemoryContext;

/**
 * What `MemoryContextInit` accepts: the heap's options, and `checking` to run
 * this heap in checking mode (records, sentinels, wiping; see `checking.ts`).
 *
 * @example
 * ```ts
 * import { MemoryContextInit, type MemoryContextInitOptions } from "./mcxt.ts";
 * const options: MemoryContextInitOptions = { initialBytes: 1 << 20, maxBytes: 64 << 20 };
 * MemoryContextInit(options);
 * ```
 */
export type MemoryContextInitOptions = HeapOptions & {
  /** Checking mode for this heap (default false): see `checking.ts`. */
  checking?: boolean;
};

/**
 * Starts the memory-context system on a fresh heap: creates
 * TopMemoryContext (default AllocSet sizes) and ErrorContext (8 KB min, init
 * and max block size, so its keeper block is a permanent reserve), and makes
 * TopMemoryContext current. Calling it again starts over on a new heap.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit({ maxBytes: 64 << 20 });
 * console.log(TopMemoryContext.name); // "TopMemoryContext"
 * ```
 */
export function MemoryContextInit(options?: MemoryContextInitOptions): void {
  installHeap(new Heap(options));
  CheckingInstall(options?.checking === true);
  TopMemoryContext = AllocSetContextCreate(null, "TopMemoryContext", 0, 8 * 1024, 8 * 1024 * 1024);
  CurrentMemoryContext = TopMemoryContext;
  ErrorContext = AllocSetContextCreate(TopMemoryContext, "ErrorContext", 8192, 8192, 8192);
}

/**
 * Makes `ctx` current and returns the context that was current before.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextInit,
 *   MemoryContextSwitchTo,
 *   palloc,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const old = MemoryContextSwitchTo(work);
 * const p = palloc(100); // in work
 * MemoryContextSwitchTo(old);
 * ```
 */
export function MemoryContextSwitchTo(ctx: MemoryContext): MemoryContext {
  assertLive(ctx);
  const old = CurrentMemoryContext;
  CurrentMemoryContext = ctx;
  return old;
}

// ---------------------------------------------------------------------------
// Validation at the edge
// ---------------------------------------------------------------------------

const TWO_53 = 2n ** 53n;
const MAX_HUGE_BIG = 2n ** 63n - 1n;

/** Turns a caller's size into the number the types work with (see file header). */
function requestSize(size: number | bigint): number {
  if (typeof size === "number") {
    if ((size >>> 0) === size) return size;
    if (size >= 0 && Number.isSafeInteger(size)) return size;
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid memory alloc request size ${size}`);
  }
  if (typeof size !== "bigint" || size < 0n) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `invalid memory alloc request size ${size}`);
  }
  if (size <= TWO_53) return Number(size);
  const n = size > MAX_HUGE_BIG ? Infinity : Number(size);
  setExactSizeText(n, size.toString());
  return n;
}

/** Raises a typed error unless `ctx` is a live context of the current heap. */
function assertLive(ctx: MemoryContext): void {
  if (ctx === null || ctx === undefined || ctx.id === 0) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `memory context "${ctx?.name ?? String(ctx)}" is not a live context`,
    );
  }
}

/** Raises a typed error unless `pointer` can be a chunk pointer of this heap. */
function assertPointerShape(pointer: number, what: string): void {
  if (
    typeof pointer !== "number" || (pointer & 7) !== 0 || pointer < 16 ||
    pointer >= heap.byteLength || !Number.isInteger(pointer)
  ) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `${what} called with invalid pointer ${pointer}`);
  }
}

/** The method table serving the chunk at `pointer`, or a typed error. */
function chunkMethods(pointer: number, what: string) {
  assertPointerShape(pointer, what);
  for (let i = 0; i < headerlessLookups.length; i++) {
    const owner = headerlessLookups[i](pointer);
    if (owner !== null) return owner.methods;
  }
  const m = heap.i32;
  const hdr = (pointer - MEMORYCHUNK_SIZE) >>> 2;
  const methods = mcxtMethods[m[hdr] & 0xf];
  if (methods === mcxtMethods[0]) {
    const hex = (m[hdr + 1] >>> 0).toString(16).padStart(8, "0") +
      (m[hdr] >>> 0).toString(16).padStart(8, "0");
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with invalid pointer ${pointer} (header 0x${hex})`,
    );
  }
  return methods;
}

// ---------------------------------------------------------------------------
// Allocation
// ---------------------------------------------------------------------------

/**
 * `MemoryContextAlloc`: `size` bytes in `ctx`; raises out of memory on failure.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import { MemoryContextAlloc, MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const p = MemoryContextAlloc(work, 100); // a byte offset into the heap
 * ```
 */
export function MemoryContextAlloc(ctx: MemoryContext, size: number | bigint): number {
  assertLive(ctx);
  const n = requestSize(size);
  ctx.isReset = false;
  const p = ctx.methods.alloc(ctx, n, 0);
  if (checking) CheckingNoteAlloc(p, n, ctx.methods);
  return p;
}

/**
 * `MemoryContextAllocZero`: like `MemoryContextAlloc`, the bytes zeroed.
 *
 * @example
 * ```ts
 * import { heap } from "./context.ts";
 * import {
 *   MemoryContextAllocZero,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const p = MemoryContextAllocZero(TopMemoryContext, 64);
 * console.assert(heap.u8.subarray(p, p + 64).every((b) => b === 0));
 * ```
 */
export function MemoryContextAllocZero(ctx: MemoryContext, size: number | bigint): number {
  assertLive(ctx);
  const n = requestSize(size);
  ctx.isReset = false;
  const p = ctx.methods.alloc(ctx, n, 0);
  heap.u8.fill(0, p, p + n);
  if (checking) CheckingNoteAlloc(p, n, ctx.methods);
  return p;
}

/**
 * `MemoryContextAllocExtended`: allocation with flags (`MCXT_ALLOC_HUGE`,
 * `MCXT_ALLOC_NO_OOM`, `MCXT_ALLOC_ZERO`). Returns 0 (NULL) only under NO_OOM.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_HUGE,
 *   MCXT_ALLOC_NO_OOM,
 *   MemoryContextAllocExtended,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const flags = MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM;
 * const p = MemoryContextAllocExtended(TopMemoryContext, 2 ** 31, flags);
 * console.assert(p === 0); // NULL: the default heap stops at 1 GB
 * ```
 */
export function MemoryContextAllocExtended(
  ctx: MemoryContext,
  size: number | bigint,
  flags: number,
): number {
  assertLive(ctx);
  const n = requestSize(size);
  if (!((flags & MCXT_ALLOC_HUGE) !== 0 ? n <= MaxAllocHugeSize : n <= MaxAllocSize)) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `invalid memory alloc request size ${sizeText(size)}`,
    );
  }
  ctx.isReset = false;
  const p = ctx.methods.alloc(ctx, n, flags);
  if (p === 0) return 0;
  if ((flags & MCXT_ALLOC_ZERO) !== 0) heap.u8.fill(0, p, p + n);
  if (checking) CheckingNoteAlloc(p, n, ctx.methods);
  return p;
}

function sizeText(size: number | bigint): string {
  return typeof size === "bigint" ? size.toString() : String(size);
}

/**
 * `MemoryContextAllocHuge`: allows sizes above MaxAllocSize.
 *
 * @example
 * ```ts
 * import { MemoryContextAllocHuge, MemoryContextInit, TopMemoryContext } from "./mcxt.ts";
 * import { MaxAllocSize } from "./context.ts";
 * import { PgError } from "./elog.ts";
 * MemoryContextInit({ maxBytes: 64 << 20 });
 * try {
 *   MemoryContextAllocHuge(TopMemoryContext, MaxAllocSize + 1); // allowed size, but…
 * } catch (e) {
 *   console.assert(e instanceof PgError && e.isOutOfMemory); // …more than this heap may hold
 * }
 * ```
 */
export function MemoryContextAllocHuge(ctx: MemoryContext, size: number | bigint): number {
  return MemoryContextAllocExtended(ctx, size, MCXT_ALLOC_HUGE);
}

/**
 * `palloc`: `size` bytes in the current context.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, pfree, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const p = palloc(100); // in CurrentMemoryContext
 * pfree(p);
 * ```
 */
export function palloc(size: number | bigint): number {
  return MemoryContextAlloc(CurrentMemoryContext, size);
}

/**
 * `palloc0`: `size` zeroed bytes in the current context.
 *
 * @example
 * ```ts
 * import { heap } from "./context.ts";
 * import { MemoryContextInit, palloc0, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const p = palloc0(16);
 * console.assert(heap.u8[p + 15] === 0);
 * ```
 */
export function palloc0(size: number | bigint): number {
  return MemoryContextAllocZero(CurrentMemoryContext, size);
}

/**
 * `palloc_extended`: `palloc` with flags.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_NO_OOM,
 *   MCXT_ALLOC_ZERO,
 *   MemoryContextInit,
 *   palloc_extended,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const p = palloc_extended(100, MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
 * if (p === 0) console.log("no memory, and no error either");
 * ```
 */
export function palloc_extended(size: number | bigint, flags: number): number {
  return MemoryContextAllocExtended(CurrentMemoryContext, size, flags);
}

/**
 * `pfree`: gives a chunk back to its context.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, pfree, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * const p = palloc(100);
 * pfree(p); // the chunk goes back to its context (AllocSet: a freelist)
 * ```
 */
export function pfree(pointer: number): void {
  const methods = chunkMethods(pointer, "pfree");
  if (checking) return CheckingFree(pointer, methods);
  methods.free(pointer);
}

/**
 * `repalloc`: resizes a chunk, keeping min(old, new) bytes; may move it.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc, repalloc, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * let p = palloc(16);
 * p = repalloc(p, 1000); // may move; the first 16 bytes come along
 * ```
 */
export function repalloc(pointer: number, size: number | bigint): number {
  const methods = chunkMethods(pointer, "repalloc");
  const n = requestSize(size);
  if (checking) return CheckingRealloc(pointer, n, 0, methods);
  return methods.realloc(pointer, n, 0);
}

/**
 * `repalloc_extended`: `repalloc` with HUGE / NO_OOM flags; 0 under NO_OOM failure.
 *
 * @example
 * ```ts
 * import {
 *   MCXT_ALLOC_NO_OOM,
 *   MemoryContextInit,
 *   palloc,
 *   repalloc_extended,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * let p = palloc(16);
 * const q = repalloc_extended(p, 4096, MCXT_ALLOC_NO_OOM);
 * if (q !== 0) p = q; // on failure p is untouched
 * ```
 */
export function repalloc_extended(pointer: number, size: number | bigint, flags: number): number {
  const methods = chunkMethods(pointer, "repalloc");
  const n = requestSize(size);
  if (checking) return CheckingRealloc(pointer, n, flags, methods);
  return methods.realloc(pointer, n, flags);
}

/**
 * `repalloc_huge`: `repalloc` allowing sizes above MaxAllocSize.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   palloc,
 *   repalloc_huge,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * let p = palloc(16);
 * p = repalloc_huge(p, 1 << 20);
 * ```
 */
export function repalloc_huge(pointer: number, size: number | bigint): number {
  return repalloc_extended(pointer, size, MCXT_ALLOC_HUGE);
}

/**
 * `repalloc0`: `repalloc` from `oldSize` to `size`, zeroing the added bytes.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, palloc0, repalloc0, TopMemoryContext } from "./mcxt.ts";
 * MemoryContextInit();
 * let p = palloc0(16);
 * p = repalloc0(p, 16, 64); // bytes 16..63 are zeroed as well
 * ```
 */
export function repalloc0(pointer: number, oldSize: number, size: number): number {
  // Both sizes are checked before anything is touched: a bad oldSize would zero foreign bytes.
  requestSize(oldSize);
  requestSize(size);
  if (oldSize > size) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `invalid repalloc0 call: oldsize ${oldSize}, new size ${size}`,
    );
  }
  const p = repalloc(pointer, size);
  heap.u8.fill(0, p + oldSize, p + size);
  return p;
}

/**
 * `GetMemoryChunkContext`: the context owning a chunk.
 *
 * @example
 * ```ts
 * import {
 *   ErrorContext,
 *   GetMemoryChunkContext,
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const p = MemoryContextAlloc(ErrorContext, 8);
 * console.assert(GetMemoryChunkContext(p) === ErrorContext);
 * ```
 */
export function GetMemoryChunkContext(pointer: number): MemoryContext {
  const methods = chunkMethods(pointer, "GetMemoryChunkContext");
  if (checking) CheckingVerify(pointer, methods, "GetMemoryChunkContext");
  return methods.getChunkContext(pointer);
}

/**
 * `GetMemoryChunkSpace`: bytes a chunk occupies, its header included.
 *
 * @example
 * ```ts
 * import {
 *   GetMemoryChunkSpace,
 *   MemoryContextInit,
 *   palloc,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * console.assert(GetMemoryChunkSpace(palloc(100)) === 136); // AllocSet: 128 + 8-byte header
 * ```
 */
export function GetMemoryChunkSpace(pointer: number): number {
  const methods = chunkMethods(pointer, "GetMemoryChunkSpace");
  if (checking) CheckingVerify(pointer, methods, "GetMemoryChunkSpace");
  return methods.getChunkSpace(pointer);
}

// ---------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------

/**
 * `MemoryContextTraverseNext`: the context after `curr` in a pre-order walk
 * of `top`'s descendants, or null when the walk is over.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   MemoryContextTraverseNext,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const names: string[] = [];
 * const top = TopMemoryContext;
 * for (let c = top.firstchild; c !== null; c = MemoryContextTraverseNext(c, top)) {
 *   names.push(c.name);
 * }
 * console.log(names); // every context below TopMemoryContext, pre-order
 * ```
 */
export function MemoryContextTraverseNext(
  curr: MemoryContext,
  top: MemoryContext,
): MemoryContext | null {
  if (curr.firstchild !== null) return curr.firstchild;
  let c: MemoryContext = curr;
  while (c.nextchild === null) {
    c = c.parent as MemoryContext;
    if (c === top) return null;
  }
  return c.nextchild;
}

/**
 * `MemoryContextReset`: deletes every descendant, then frees every chunk of `ctx`.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextIsEmpty,
 *   MemoryContextReset,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 1000);
 * MemoryContextReset(work); // frees the chunk (and would delete any child)
 * console.assert(MemoryContextIsEmpty(work));
 * ```
 */
export function MemoryContextReset(ctx: MemoryContext): void {
  assertLive(ctx);
  if (checking) CheckingBeforeRelease(ctx, true);
  if (ctx.firstchild !== null) MemoryContextDeleteChildren(ctx);
  if (!ctx.isReset) MemoryContextResetOnly(ctx);
}

/**
 * `MemoryContextResetOnly`: frees every chunk of `ctx`; children are untouched.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextResetOnly,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const kid = AllocSetContextCreate(work, "kid", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 100);
 * MemoryContextResetOnly(work); // work's chunks are gone; kid lives on
 * console.assert(work.firstchild === kid);
 * ```
 */
export function MemoryContextResetOnly(ctx: MemoryContext): void {
  assertLive(ctx);
  if (!ctx.isReset) {
    if (checking) CheckingBeforeRelease(ctx, false);
    callResetCallbacks(ctx);
    if (checking) CheckingReleaseContext(ctx);
    ctx.methods.reset(ctx);
    ctx.isReset = true;
  }
}

/**
 * `MemoryContextResetChildren`: resets (not deletes) every descendant of `ctx`.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextResetChildren,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 100);
 * MemoryContextResetChildren(TopMemoryContext); // every descendant emptied, none deleted
 * ```
 */
export function MemoryContextResetChildren(ctx: MemoryContext): void {
  assertLive(ctx);
  if (checking) CheckingBeforeRelease(ctx, true);
  for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
    MemoryContextResetOnly(c);
  }
}

/**
 * `MemoryContextDelete`: deletes `ctx` and every descendant, leaves first.
 * Refuses TopMemoryContext and any subtree holding the current context.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextAlloc,
 *   MemoryContextDelete,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextAlloc(work, 100);
 * MemoryContextDelete(work); // work, its chunks and its children are gone
 * ```
 */
export function MemoryContextDelete(ctx: MemoryContext): void {
  assertLive(ctx);
  if (ctx === TopMemoryContext || ctx.parent === null) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `cannot delete memory context "${ctx.name}"`);
  }
  assertNotCurrentWithin(ctx);
  if (checking) CheckingBeforeRelease(ctx, true);
  let curr = ctx;
  for (;;) {
    while (curr.firstchild !== null) curr = curr.firstchild;
    const parent = curr.parent as MemoryContext;
    deleteOnly(curr);
    if (curr === ctx) break;
    curr = parent;
  }
}

/**
 * `MemoryContextDeleteChildren`: deletes every descendant; `ctx` stays.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextDeleteChildren,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * AllocSetContextCreate(work, "kid", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextDeleteChildren(work);
 * console.assert(work.firstchild === null);
 * ```
 */
export function MemoryContextDeleteChildren(ctx: MemoryContext): void {
  assertLive(ctx);
  for (let c = ctx.firstchild; c !== null; c = c.nextchild) assertNotCurrentWithin(c);
  if (checking) CheckingBeforeRelease(ctx, true);
  while (ctx.firstchild !== null) MemoryContextDelete(ctx.firstchild);
}

function assertNotCurrentWithin(ctx: MemoryContext): void {
  for (let c: MemoryContext | null = CurrentMemoryContext; c !== null; c = c.parent) {
    if (c === ctx) {
      throw new PgError(
        ERRCODE_INTERNAL_ERROR,
        `cannot delete memory context "${ctx.name}": it holds the current memory context`,
      );
    }
  }
}

function deleteOnly(ctx: MemoryContext): void {
  callResetCallbacks(ctx);
  unlink(ctx);
  ctx.parent = null;
  ctx.ident = null;
  if (checking) CheckingReleaseContext(ctx);
  ctx.methods.delete(ctx);
}

function callResetCallbacks(ctx: MemoryContext): void {
  let cb: MemoryContextCallback | null;
  while ((cb = ctx.resetCbs) !== null) {
    ctx.resetCbs = cb.next ?? null;
    cb.func(cb.arg);
  }
}

function unlink(ctx: MemoryContext): void {
  const parent = ctx.parent;
  if (parent === null) return;
  if (ctx.prevchild !== null) ctx.prevchild.nextchild = ctx.nextchild;
  else parent.firstchild = ctx.nextchild;
  if (ctx.nextchild !== null) ctx.nextchild.prevchild = ctx.prevchild;
  ctx.prevchild = null;
  ctx.nextchild = null;
}

/**
 * `MemoryContextSetParent`: moves `ctx` (and its subtree) under `newParent`.
 * Refuses to re-parent TopMemoryContext and to make a cycle.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextGetParent,
 *   MemoryContextInit,
 *   MemoryContextSetParent,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const other = AllocSetContextCreate(TopMemoryContext, "other", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextSetParent(other, work); // other now lives (and dies) with work
 * console.assert(MemoryContextGetParent(other) === work);
 * ```
 */
export function MemoryContextSetParent(ctx: MemoryContext, newParent: MemoryContext): void {
  assertLive(ctx);
  assertLive(newParent);
  if (newParent === ctx.parent) return;
  if (ctx === TopMemoryContext || ctx.parent === null) {
    throw new PgError(ERRCODE_INTERNAL_ERROR, `cannot change the parent of "${ctx.name}"`);
  }
  for (let c: MemoryContext | null = newParent; c !== null; c = c.parent) {
    if (c === ctx) {
      throw new PgError(
        ERRCODE_INTERNAL_ERROR,
        `cannot make "${newParent.name}" the parent of "${ctx.name}": that would form a cycle`,
      );
    }
  }
  unlink(ctx);
  ctx.parent = newParent;
  ctx.nextchild = newParent.firstchild;
  if (newParent.firstchild !== null) newParent.firstchild.prevchild = ctx;
  newParent.firstchild = ctx;
}

/**
 * `MemoryContextGetParent`.
 *
 * @example
 * ```ts
 * import {
 *   ErrorContext,
 *   MemoryContextGetParent,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * console.assert(MemoryContextGetParent(ErrorContext) === TopMemoryContext);
 * ```
 */
export function MemoryContextGetParent(ctx: MemoryContext): MemoryContext | null {
  return ctx.parent;
}

/**
 * `MemoryContextSetIdentifier`: the text shown after the name in stats (null forgets it).
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextInit,
 *   MemoryContextSetIdentifier,
 *   MemoryContextStatsLine,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * MemoryContextSetIdentifier(work, "SELECT 1");
 * console.log(MemoryContextStatsLine(work)); // "work: 8192 total in 1 blocks; …: SELECT 1"
 * ```
 */
export function MemoryContextSetIdentifier(ctx: MemoryContext, ident: string | null): void {
  assertLive(ctx);
  ctx.ident = ident;
}

/**
 * `MemoryContextRegisterResetCallback`: `cb.func(cb.arg)` runs once, before
 * the next reset or delete of `ctx`; callbacks run newest first.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextInit,
 *   MemoryContextRegisterResetCallback,
 *   MemoryContextReset,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const cb = { func: (arg: unknown) => console.log("closing", arg), arg: "file 7" };
 * MemoryContextRegisterResetCallback(work, cb);
 * MemoryContextReset(work); // logs "closing file 7"
 * ```
 */
export function MemoryContextRegisterResetCallback(
  ctx: MemoryContext,
  cb: MemoryContextCallback,
): void {
  assertLive(ctx);
  cb.next = ctx.resetCbs;
  ctx.resetCbs = cb;
  ctx.isReset = false;
}

/**
 * `MemoryContextUnregisterResetCallback`: forgets a registered callback.
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextInit,
 *   MemoryContextRegisterResetCallback,
 *   MemoryContextUnregisterResetCallback,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * const cb = { func: () => console.log("never"), arg: null };
 * MemoryContextRegisterResetCallback(work, cb);
 * MemoryContextUnregisterResetCallback(work, cb);
 * ```
 */
export function MemoryContextUnregisterResetCallback(
  ctx: MemoryContext,
  cb: MemoryContextCallback,
): void {
  let prev: MemoryContextCallback | null = null;
  for (let cur = ctx.resetCbs; cur !== null; prev = cur, cur = cur.next ?? null) {
    if (cur !== cb) continue;
    if (prev !== null) prev.next = cur.next;
    else ctx.resetCbs = cur.next ?? null;
    return;
  }
  throw new PgError(ERRCODE_INTERNAL_ERROR, "reset callback is not registered in this context");
}

/**
 * `MemoryContextIsEmpty`: no children and no chunk (as the type judges it).
 *
 * @example
 * ```ts
 * import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "./aset.ts";
 * import {
 *   MemoryContextAlloc,
 *   MemoryContextInit,
 *   MemoryContextIsEmpty,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const work = AllocSetContextCreate(TopMemoryContext, "work", ...ALLOCSET_DEFAULT_SIZES);
 * console.assert(MemoryContextIsEmpty(work));
 * MemoryContextAlloc(work, 8);
 * console.assert(!MemoryContextIsEmpty(work));
 * ```
 */
export function MemoryContextIsEmpty(ctx: MemoryContext): boolean {
  assertLive(ctx);
  if (ctx.firstchild !== null) return false;
  return ctx.methods.isEmpty(ctx);
}

/**
 * `MemoryContextMemAllocated`: bytes obtained for `ctx` (and its subtree when `recurse`).
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   MemoryContextMemAllocated,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * // The bytes the whole tree took from the heap:
 * console.log(MemoryContextMemAllocated(TopMemoryContext, true));
 * ```
 */
export function MemoryContextMemAllocated(ctx: MemoryContext, recurse: boolean): number {
  assertLive(ctx);
  let total = ctx.memAllocated;
  if (recurse) {
    for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
      total += c.memAllocated;
    }
  }
  return total;
}

/**
 * `MemoryContextMemConsumed`: the counters of `ctx` and its subtree, into `consumed`.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   MemoryContextMemConsumed,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const c = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
 * MemoryContextMemConsumed(TopMemoryContext, c);
 * console.log(`${c.totalspace - c.freespace} bytes used in the whole tree`);
 * ```
 */
export function MemoryContextMemConsumed(
  ctx: MemoryContext,
  consumed: MemoryContextCounters,
): void {
  assertLive(ctx);
  consumed.nblocks =
    consumed.freechunks =
    consumed.totalspace =
    consumed.freespace =
      0;
  ctx.methods.stats(ctx, consumed, false);
  for (let c = ctx.firstchild; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
    c.methods.stats(c, consumed, false);
  }
}

/**
 * The counters of `ctx` alone, as its type's stats method computes them.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextCountersOf,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "./mcxt.ts";
 * MemoryContextInit();
 * const k = MemoryContextCountersOf(TopMemoryContext);
 * console.log(`${k.totalspace} total in ${k.nblocks} blocks; ${k.freespace} free`);
 * ```
 */
export function MemoryContextCountersOf(ctx: MemoryContext): MemoryContextCounters {
  assertLive(ctx);
  const totals = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
  ctx.methods.stats(ctx, totals, false);
  return totals;
}

export { MCXT_ALLOC_HUGE, MCXT_ALLOC_NO_OOM, MCXT_ALLOC_ZERO };
export { MemoryContextCheck } from "./checking.ts";
export {
  MemoryContextStats,
  MemoryContextStatsDetail,
  MemoryContextStatsLine,
  MemoryContextStatsLines,
} from "./stats.ts";
