/**
 * What every context type shares: the `MemoryContext` node of the tree, the
 * one method table that mcxt dispatches through, the registry that turns a
 * context header in the heap back into its JS object, the heap the whole tree
 * lives in, and the size checks and failure paths every type calls.
 *
 * This file imports nothing from the types or from mcxt, so a type module can
 * depend on it without a cycle. The method table itself is listed once, in
 * `methods.ts` (PostgreSQL's `mcxt_methods[]`); `MemoryContextInit` installs
 * it here, where mcxt's dispatch reads it (see `memorychunk.ts` for the ids).
 *
 * Representation, drawn once:
 *
 * ```
 *  JS side                              heap (one linear memory)
 *  ┌──────────────────────┐             ┌──────────────┬──────────┬─────────┬──────┐
 *  │ MemoryContext object │◄─registry───│ ctx header   │ block hdr│ chunk hdr│ data │ …
 *  │ (tree links, counters│   [id]      │ word0 = id   │ owner ──►ctx header │      │
 *  │  type state)         │             └──────────────┴──────────┴─────────┴──────┘
 *  └──────────────────────┘                       chunk hdr ──(block offset)──► block hdr
 * ```
 *
 * Every byte PostgreSQL counts (context header, block headers, chunk headers)
 * is really allocated in the heap, so the counters are exact by construction.
 * Tree links, names and callbacks live on the JS object: contexts are few.
 */
import type { Heap } from "../heap/mod.ts";
import { elogDataCorrupted, ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { MaxAllocHugeSize, MaxAllocSize, MCXT_ALLOC_HUGE, MCXT_ALLOC_NO_OOM } from "../memutils.ts";
import { MCTX_TYPE_NAMES } from "../memorychunk.ts";

export {
  MAXALIGN,
  MaxAllocHugeSize,
  MaxAllocSize,
  MCXT_ALLOC_HUGE,
  MCXT_ALLOC_NO_OOM,
  MCXT_ALLOC_ZERO,
} from "../memutils.ts";

/**
 * PostgreSQL's `MemoryContextCounters`: what a type's stats method adds up.
 *
 * @example
 * ```ts
 * import {
 *   type MemoryContextCounters,
 *   MemoryContextCountersOf,
 *   MemoryContextInit,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const k: MemoryContextCounters = MemoryContextCountersOf(TopMemoryContext);
 * console.log(`${k.totalspace - k.freespace} bytes used`);
 * ```
 */
export interface MemoryContextCounters {
  /** Number of blocks. */
  nblocks: number;
  /** Number of free chunks. */
  freechunks: number;
  /** Total bytes, headers included. */
  totalspace: number;
  /** Free bytes. */
  freespace: number;
}

/** A fresh all-zero counters record. */
export function newCounters(): MemoryContextCounters {
  return { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
}

/**
 * A reset/delete callback, as `MemoryContextRegisterResetCallback` takes it.
 *
 * @example
 * ```ts
 * import {
 *   type MemoryContextCallback,
 *   MemoryContextInit,
 *   MemoryContextRegisterResetCallback,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const cb: MemoryContextCallback = { func: (arg) => console.log("released", arg), arg: 42 };
 * MemoryContextRegisterResetCallback(TopMemoryContext, cb);
 * ```
 */
export interface MemoryContextCallback {
  /** Called once, with `arg`, when the context is reset or deleted. */
  func: (arg: unknown) => void;
  /** Passed to `func`. */
  arg: unknown;
  /** Link to the next (older) callback; managed by mcxt. */
  next?: MemoryContextCallback | null;
}

/**
 * The operations one context type provides (PostgreSQL's
 * `MemoryContextMethods`). Pointers are heap offsets; sizes are numbers
 * already validated for range by the caller where PostgreSQL does so.
 *
 * @example
 * ```ts
 * import { type ContextMethods, MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const methods: ContextMethods = TopMemoryContext.methods; // AllocSet's table
 * console.log(methods.isEmpty(TopMemoryContext));
 * ```
 */
export interface ContextMethods {
  /** Allocates `size` bytes; returns the pointer, or 0 under NO_OOM. */
  alloc(ctx: MemoryContext, size: number, flags: number): number;
  /** Frees one chunk. */
  free(pointer: number): void;
  /** Resizes one chunk; returns the (possibly moved) pointer, or 0 under NO_OOM. */
  realloc(pointer: number, size: number, flags: number): number;
  /** Frees every chunk; keeps what the type keeps (keeper block). */
  reset(ctx: MemoryContext): void;
  /** Frees everything, context header included. */
  delete(ctx: MemoryContext): void;
  /** The context owning a chunk. */
  getChunkContext(pointer: number): MemoryContext;
  /** Bytes a chunk occupies, header included. */
  getChunkSpace(pointer: number): number;
  /** True when the context holds no chunk (as the type defines it). */
  isEmpty(ctx: MemoryContext): boolean;
  /**
   * Adds the context's counters to `totals` (when given) and returns the
   * type's stats text (e.g. `8192 total in 1 blocks; …`) when `wantText`, else "".
   */
  stats(ctx: MemoryContext, totals: MemoryContextCounters | null, wantText: boolean): string;
  /**
   * Verifies the context's blocks and chunks (headers, freelists, counters
   * against a recount; records and sentinels in checking mode); raises a
   * PgError naming the first inconsistency.
   */
  check?(ctx: MemoryContext): void;
  /**
   * Calls `visit(start, end, blockEnd)` for each block with the byte range
   * its chunks were carved from (headers included): `end` is the block's
   * free pointer, `blockEnd` its end. For checking mode's wipe on reset and
   * delete and its scan of the records.
   */
  chunkAreas?(
    ctx: MemoryContext,
    visit: (start: number, end: number, blockEnd: number) => void,
  ): void;
  /**
   * Passes every heap block (the offset `heap.malloc` returned) that `reset`
   * — or, when `deleting`, `delete` — would give back to `heap.checkFree`,
   * and returns `budget` less one per block. mcxt calls it before a reset or
   * delete changes anything, so damage met halfway is refused whole. A walk
   * that would pass more blocks than `budget` (the heap's live block count,
   * shared by the whole subtree), or meets the keeper block twice, stops at
   * once and returns a negative number: the list is damaged (a cycle). It
   * makes no other call, so it costs a few loads when nothing is released.
   */
  releasedBlocks(ctx: MemoryContext, deleting: boolean, budget: number): number;
  /**
   * Only for a type that can tell its chunks by address (one whose chunks
   * carry no header): the context owning `pointer` when it is one of its
   * chunks, else null. mcxt asks it only when a chunk's header did not lead
   * to an owner (an unused method id, or the type the header names refused
   * the pointer), never on the common path (see `mcxt/guard.ts`).
   */
  ownerByAddress?(pointer: number): MemoryContext | null;
  /**
   * Only for a type whose chunks carry no header: the usable bytes of a
   * chunk of `size` requested bytes. Checking mode then neither records nor
   * verifies a header, and leaves pfree/repalloc to the type's own error.
   */
  chunkCapacity?(size: number): number;
  /**
   * Told by `MemoryContextAllocAligned` that `aligned` (with a redirect
   * header) was cut from one of `ctx`'s chunks; a type without headers needs
   * it to tell the two apart.
   */
  noteAlignedChunk?(ctx: MemoryContext, aligned: number): void;
}

/**
 * One node of the context tree. Every context is one of these objects (one
 * hidden class for all types); a type's class names the fields it uses.
 *
 * @example
 * ```ts
 * import { type MemoryContext, MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * const mc: MemoryContext = TopMemoryContext;
 * console.log(mc.name, mc.typeName); // "TopMemoryContext AllocSetContext"
 * ```
 */
export class MemoryContext {
  /** Which method table serves this context. */
  readonly methodId: number;
  /**
   * `methods.alloc`, kept on the context itself: `MemoryContextAlloc` and the
   * other allocation entries call it with one load from the context instead
   * of two (about 5 % of bump-sort's replay; `docs/performance.md`).
   */
  readonly allocMethod: ContextMethods["alloc"];
  /** The method table (the same object as `mcxtMethods[methodId]`). */
  readonly methods: ContextMethods;
  /** True when nothing was allocated since the last reset. */
  isReset = true;
  /** Bytes obtained from the heap for this context (`mem_allocated`). */
  memAllocated = 0;
  /** Parent, or null for TopMemoryContext. */
  parent: MemoryContext | null = null;
  /** Newest child. */
  firstchild: MemoryContext | null = null;
  /** Previous sibling (newer). */
  prevchild: MemoryContext | null = null;
  /** Next sibling (older). */
  nextchild: MemoryContext | null = null;
  /** The context's name. */
  name = "";
  /** The context's identifier, if any. */
  ident: string | null = null;
  /** Reset callbacks, newest first. */
  resetCbs: MemoryContextCallback | null = null;
  /** Heap offset of the context header (its first word holds `id`). */
  header = 0;
  /** Registry slot; 0 once the context is gone. */
  id = 0;
  /** The heap the context lives in (set when it is registered). */
  home: MemoryHeap = undefined as unknown as MemoryHeap;

  /** PostgreSQL's node tag, e.g. `AllocSetContext` (from the method id). */
  get typeName(): string {
    return MCTX_TYPE_NAMES[this.methodId] ?? "MemoryContext";
  }

  /**
   * Made by a type's create function only (`methodId` picks the method table
   * and the node tag); MemoryContextCreate links it. Every context, whatever
   * its type, is a `MemoryContext` object with the fields of all types
   * initialised here in one fixed order (`ContextTypeFields`), so V8 gives
   * the four types one hidden class and mcxt's loads of `id`, `home`,
   * `methods` and stores to `isReset` stay monomorphic. A type's class
   * (`AllocSetContext`, …) only declares the fields it uses and answers
   * `instanceof` by method id.
   *
   * The object is kept small, because every create makes one: each field
   * costs about 1.3 ns per create and delete (allocation, initialisation and
   * the collector's copying; `docs/performance.md`). So the fields are the
   * tree node's, AllocSet's, Generation's and Bump's block bookkeeping (which
   * they share by name), and one field `own` for what only one type keeps
   * (Slab's scalars in a record, Bump's aligned chunks); the node tag is a
   * getter. The method table's `alloc` is a field beside the table (one load
   * less on every allocation); making the table itself a getter to pay for
   * it cost context-tree 5 % in its resets and deletes.
   */
  constructor(methodId: number) {
    this.methodId = methodId;
    this.methods = mcxtMethods[methodId];
    this.allocMethod = this.methods.alloc;
    const t = this as unknown as ContextTypeFields;
    t.blocks = 0;
    t.block = 0;
    t.freeblock = 0;
    t.initBlockSize = 0;
    t.maxBlockSize = 0;
    t.nextBlockSize = 0;
    t.allocChunkLimit = 0;
    t.freeListIndex = -1;
    t.own = null;
  }
}

/**
 * The type-specific fields of every context type, in the one order the
 * `MemoryContext` constructor initialises them (AllocSet's, Generation's and
 * Bump's block bookkeeping, then Bump's, then Slab's). Each type's class
 * declares, with its own documentation, the ones it uses; the others stay at
 * their initial value.
 */
interface ContextTypeFields {
  blocks: number;
  block: number;
  freeblock: number;
  initBlockSize: number;
  maxBlockSize: number;
  nextBlockSize: number;
  allocChunkLimit: number;
  freeListIndex: number;
  own: object | null;
}

function unknownMethod(): never {
  throw new PgError(ERRCODE_INTERNAL_ERROR, "pfree called with invalid pointer");
}

const bogusMethods: ContextMethods = {
  alloc: unknownMethod,
  free: unknownMethod,
  realloc: unknownMethod,
  reset: unknownMethod,
  delete: unknownMethod,
  getChunkContext: unknownMethod,
  getChunkSpace: unknownMethod,
  isEmpty: unknownMethod,
  stats: unknownMethod,
  releasedBlocks: unknownMethod,
};

/**
 * The method table mcxt dispatches through, indexed by the 4-bit method id of
 * a chunk header; unused ids raise "invalid pointer". Its contents are
 * `mcxt_methods` of `methods.ts`, installed by `installMethods`.
 */
export const mcxtMethods: ContextMethods[] = new Array(16).fill(bogusMethods);

/** Makes `table` (id → methods, null for an unused id) the one mcxt dispatches through. */
export function installMethods(table: ReadonlyArray<ContextMethods | null>): void {
  for (let id = 0; id < mcxtMethods.length; id++) mcxtMethods[id] = table[id] ?? bogusMethods;
}

/**
 * The heap the current tree lives in (set by `MemoryContextInit`, changed by
 * `MemoryHeapSwitchTo`). Before init it is a placeholder of 0 bytes, so every
 * pointer fails the entry checks with a typed error instead of a TypeError.
 *
 * @example
 * ```ts
 * import { heap, MemoryContextInit, palloc } from "@palloc/palloc";
 * MemoryContextInit();
 * const p = palloc(4);
 * heap.u8.set([1, 2, 3, 4], p); // pointers index the heap's views
 * console.assert(heap.held > 0); // bytes held from the heap
 * ```
 */
export let heap: Heap = {
  byteLength: 0,
  u8: new Uint8Array(0),
  i32: new Int32Array(0),
} as unknown as Heap;

/**
 * One module's state that belongs to a heap (a type's caches, the current
 * context, checking mode's records): `fresh` sets it up for a new heap,
 * `save` returns it when its heap stops being current, `load` puts back what
 * `save` returned when that heap is current again.
 */
export interface HeapLocal {
  /** Sets the state up for a heap just made. */
  fresh(h: Heap): void;
  /** The state of the heap that stops being current. */
  save(): unknown;
  /** Restores what `save` returned. */
  load(state: unknown): void;
}

const heapLocals: HeapLocal[] = [];

/** Registers one module's per-heap state (see `HeapLocal`); called at module load. */
export function registerHeapLocal(local: HeapLocal): void {
  heapLocals.push(local);
}

let nextHeapId = 1;

/**
 * One palloc heap: a linear memory, the registry of its contexts and its own
 * context tree (its `TopMemoryContext`). A program may hold several; the
 * PostgreSQL-named functions work in the current one (`CurrentMemoryHeap`),
 * as `palloc` works in `CurrentMemoryContext`. A context of another heap is
 * refused with a typed error. Made by `MemoryContextInit`.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   MemoryHeapSwitchTo,
 *   palloc,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * const a = MemoryContextInit();
 * const b = MemoryContextInit(); // b is current now; a's contexts stay alive
 * console.assert(TopMemoryContext === b.top);
 * MemoryHeapSwitchTo(a);
 * console.assert(TopMemoryContext === a.top);
 * palloc(8); // in a's heap
 * ```
 */
export class MemoryHeap {
  /** A number naming this heap in messages (1 for the first heap made). */
  readonly id: number;
  /** The linear memory; pointers of this heap are offsets into `heap.u8.buffer`. */
  readonly heap: Heap;
  /** This heap's TopMemoryContext (set by `MemoryContextInit`). */
  top: MemoryContext = undefined as unknown as MemoryContext;
  /** Contexts by registry id (slot 0 is never used). */
  registry: Array<MemoryContext | undefined> = [undefined];
  /** Registry ids free for reuse. */
  freeIds: number[] = [];
  /** Per-heap module state while this heap is not current (see `HeapLocal`). */
  saved: unknown[] = [];

  /** Made by `MemoryContextInit` only. */
  constructor(h: Heap) {
    this.id = nextHeapId++;
    this.heap = h;
  }

  /** True while this heap is the current one. */
  get current(): boolean {
    return CurrentMemoryHeap === this;
  }

  /** `MemoryHeapSwitchTo(this)`: makes this heap current; returns the previous one. */
  switchTo(): MemoryHeap | null {
    return MemoryHeapSwitchTo(this);
  }

  /**
   * Runs `fn` with this heap current, and the previous heap current again
   * when `fn` returns or throws. Like `Context.run`, only the synchronous part.
   */
  run<T>(fn: () => T): T {
    const old = MemoryHeapSwitchTo(this);
    try {
      return fn();
    } finally {
      if (old !== null) MemoryHeapSwitchTo(old);
    }
  }

  /** `heap 2` — how messages name it. */
  toString(): string {
    return `heap ${this.id}`;
  }
}

/**
 * The heap the PostgreSQL-named functions work in; null before
 * `MemoryContextInit`. Change it with `MemoryHeapSwitchTo`.
 *
 * @example
 * ```ts
 * import { CurrentMemoryHeap, MemoryContextInit } from "@palloc/palloc";
 * const h = MemoryContextInit();
 * console.assert(CurrentMemoryHeap === h);
 * ```
 */
export let CurrentMemoryHeap: MemoryHeap | null = null;

let registry: Array<MemoryContext | undefined> = [undefined];
let freeIds: number[] = [];

function saveCurrent(): void {
  const cur = CurrentMemoryHeap;
  if (cur === null) return;
  cur.registry = registry;
  cur.freeIds = freeIds;
  for (let i = 0; i < heapLocals.length; i++) cur.saved[i] = heapLocals[i].save();
}

/**
 * Makes `h` the current heap (its contexts, its TopMemoryContext and its
 * CurrentMemoryContext) and returns the heap that was current before (null
 * before the first init). Costs a few assignments; nothing per allocation.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, MemoryHeapSwitchTo, palloc, pfree } from "@palloc/palloc";
 * const wasm = MemoryContextInit();
 * const scratch = MemoryContextInit();
 * const p = palloc(16); // in scratch
 * const old = MemoryHeapSwitchTo(wasm);
 * console.assert(old === scratch);
 * MemoryHeapSwitchTo(scratch);
 * pfree(p);
 * ```
 */
export function MemoryHeapSwitchTo(h: MemoryHeap): MemoryHeap | null {
  if (!(h instanceof MemoryHeap)) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `MemoryHeapSwitchTo expects a MemoryHeap (from MemoryContextInit), got ${typeName(h)}`,
    );
  }
  const old = CurrentMemoryHeap;
  if (old === h) return old;
  saveCurrent();
  CurrentMemoryHeap = h;
  heap = h.heap;
  registry = h.registry;
  freeIds = h.freeIds;
  for (let i = 0; i < heapLocals.length; i++) heapLocals[i].load(h.saved[i]);
  return old;
}

/** Makes a heap just made current with fresh module state (`MemoryContextInit` only). */
export function installHeap(h: MemoryHeap): void {
  saveCurrent();
  CurrentMemoryHeap = h;
  heap = h.heap;
  registry = h.registry;
  freeIds = h.freeIds;
  for (let i = 0; i < heapLocals.length; i++) heapLocals[i].fresh(h.heap);
}

/**
 * The heap a context belongs to (null once the context is gone).
 *
 * @example
 * ```ts
 * import {
 *   ALLOCSET_DEFAULT_SIZES,
 *   AllocSetContextCreate,
 *   MemoryContextDelete,
 *   MemoryContextInit,
 *   MemoryHeapOf,
 * } from "@palloc/palloc";
 * const h = MemoryContextInit();
 * const work = AllocSetContextCreate(h.top, "work", ...ALLOCSET_DEFAULT_SIZES);
 * console.assert(MemoryHeapOf(work) === h);
 * MemoryContextDelete(work);
 * console.assert(MemoryHeapOf(work) === null);
 * ```
 */
export function MemoryHeapOf(ctx: MemoryContext): MemoryHeap | null {
  return ctx.id === 0 ? null : ctx.home;
}

/** How an error message names what it got instead: `string "10"`, `undefined`, `object Foo`. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "object" || typeof value === "function") {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `${typeof value} ${name}` : typeof value;
  }
  return `${typeof value} ${String(value)}`;
}

/** Gives `ctx` a registry slot and writes it into the header at `header`. */
export function registerContext(ctx: MemoryContext, header: number): void {
  let id = freeIds.pop();
  if (id === undefined) {
    id = registry.length;
    registry.push(ctx);
  } else {
    registry[id] = ctx;
  }
  ctx.id = id;
  ctx.header = header;
  ctx.home = CurrentMemoryHeap as MemoryHeap;
  heap.i32[header >>> 2] = id;
}

/** Releases the registry slot of a context whose header memory is given back. */
export function unregisterContext(ctx: MemoryContext): void {
  if (ctx.id !== 0) {
    heap.i32[ctx.header >>> 2] = 0;
    registry[ctx.id] = undefined;
    freeIds.push(ctx.id);
    ctx.id = 0;
  }
}

/** The context whose header is at heap offset `header`. */
export function contextAtHeader(header: number): MemoryContext {
  return registry[heap.i32[header >>> 2]] as MemoryContext;
}

/** The context whose header is at `header`, or undefined when none is (validation path). */
export function contextAtHeaderOrNull(header: number): MemoryContext | undefined {
  const id = heap.i32[header >>> 2];
  const ctx = id > 0 && id < registry.length ? registry[id] : undefined;
  return ctx !== undefined && ctx.header === header ? ctx : undefined;
}

// Exact decimal text of a request size too large for a double (set by the API edge).
let exactSizeText: string | null = null;
let exactSizeValue = 0;

/** Records the exact text of an over-2^53 request so messages print it byte for byte. */
export function setExactSizeText(value: number, text: string | null): void {
  exactSizeValue = value;
  exactSizeText = text;
}

/** Formats a size as PostgreSQL's `%zu` would. */
export function formatSize(size: number): string {
  if (exactSizeText !== null && size === exactSizeValue) return exactSizeText;
  return size === Infinity ? "18446744073709551615" : String(size);
}

/**
 * Raises the XX001 error for a context whose block list (or a free list) is
 * damaged: a walk met more nodes than the heap could hold (`limit`), which only
 * a cycle explains. Every walk of a list in the heap is bounded this way, so a
 * damaged link is an error rather than a loop that never ends.
 */
export function MemoryContextListDamaged(ctx: MemoryContext, list = "block list"): never {
  const what = list === "block list" ? "blocks" : "chunks";
  elogDataCorrupted(
    `${list} of memory context "${ctx.name}" is damaged: it has more ${what} than the heap ` +
      `can hold or runs in a cycle`,
  );
}

/** `MemoryContextSizeFailure`: raises "invalid memory alloc request size N". */
export function MemoryContextSizeFailure(_ctx: MemoryContext, size: number, _flags: number): never {
  throw new PgError(
    ERRCODE_INTERNAL_ERROR,
    `invalid memory alloc request size ${formatSize(size)}`,
  );
}

/** `MemoryContextCheckSize`: refuses sizes above the limit the flags allow. */
export function MemoryContextCheckSize(ctx: MemoryContext, size: number, flags: number): void {
  if (size > MaxAllocSize) {
    if ((flags & MCXT_ALLOC_HUGE) === 0 || !(size <= MaxAllocHugeSize)) {
      MemoryContextSizeFailure(ctx, size, flags);
    }
  }
}

/**
 * `MemoryContextAllocationFailure`: the heap said no. Returns 0 under NO_OOM,
 * otherwise raises PostgreSQL's out-of-memory error naming size and context.
 */
export function MemoryContextAllocationFailure(
  ctx: MemoryContext,
  size: number,
  flags: number,
): number {
  if ((flags & MCXT_ALLOC_NO_OOM) !== 0) return 0;
  throw new PgError(
    "53200",
    "out of memory",
    `Failed on request of size ${formatSize(size)} in memory context "${ctx.name}".`,
  );
}

/** Raises the out-of-memory error PostgreSQL gives when a context cannot be created. */
export function MemoryContextCreateFailure(name: string): never {
  throw new PgError(
    "53200",
    "out of memory",
    `Failed while creating memory context "${name}".`,
  );
}

/**
 * `MemoryContextCreate`: the type-independent part of making a context. The
 * type has already obtained its header memory; this fills in the standard
 * fields and links `node` as the newest child of `parent`.
 */
export function MemoryContextCreate(
  node: MemoryContext,
  parent: MemoryContext | null,
  name: string,
): void {
  node.isReset = true;
  node.parent = parent;
  node.firstchild = null;
  node.memAllocated = 0;
  node.prevchild = null;
  node.name = name;
  node.ident = null;
  node.resetCbs = null;
  if (parent !== null) {
    node.nextchild = parent.firstchild;
    if (parent.firstchild !== null) parent.firstchild.prevchild = node;
    parent.firstchild = node;
  } else {
    node.nextchild = null;
  }
}
