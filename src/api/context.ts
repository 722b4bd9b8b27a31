/**
 * `Context`: the TypeScript face of a memory context — methods instead of
 * `MemoryContext*` functions, `run(fn)` instead of paired
 * `MemoryContextSwitchTo` calls, `using` instead of a `MemoryContextDelete`
 * at every exit, callbacks as plain functions.
 *
 * - No allocation logic here: every method is one call of the
 *   PostgreSQL-named API, so the faces cannot disagree (the same operations
 *   leave the same heap, byte for byte: `spec/api/faces_test.ts`).
 * - One `Context` per `MemoryContext` (cached in a `WeakMap`), so
 *   `ctx.parent`, `contextOf(p)` and `Context.current` return the objects
 *   the caller holds.
 * - A deleted context's `Context` is a dead handle, as a freed pointer is in
 *   C: its methods raise the underlying call's `PgError`; `alive` tells.
 *   It never comes back to life: a context PostgreSQL recycles returns as
 *   a new `MemoryContext`, hence a new `Context`.
 * - Heaps: a `Context` carries its heap (`ctx.heap`) and its methods refuse
 *   to run while another heap is current (the core's typed error names the
 *   fix) — nothing switches behind the caller's back, so the
 *   PostgreSQL-named calls around them never land in the wrong heap. Only
 *   `run(fn)` switches: to this context's heap and to this context, both
 *   restored when `fn` returns.
 * - `Symbol.dispose` is implemented, `using` never used here (Node 20
 *   cannot parse it); callers may write `using c = top.child.aset("x")`.
 */
import {
  contextAtHeaderOrNull,
  CurrentMemoryHeap,
  MCXT_ALLOC_ZERO,
  MemoryContext,
  type MemoryContextCounters,
  type MemoryHeap,
  MemoryHeapSwitchTo,
  typeName,
} from "../mcxt/context.ts";
import { notInitialized } from "../mcxt/guard.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { MemoryContextAllocAligned } from "../alignedalloc.ts";
import { MemoryContextGetLimit, MemoryContextSetLimit } from "../mcxt/limit.ts";
import {
  CurrentMemoryContext,
  MemoryContextAlloc,
  MemoryContextAllocZero,
  MemoryContextCountersOf,
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextInit,
  type MemoryContextInitOptions,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextResetOnly,
  MemoryContextSetIdentifier,
  MemoryContextSetParent,
  MemoryContextStatsLines,
  MemoryContextSwitchTo,
  MemoryContextUnregisterResetCallback,
  TopMemoryContext,
} from "../mcxt/mod.ts";
import {
  type AllocSetOptions,
  type BumpOptions,
  type ChildOptions,
  type ContextTypeName,
  contextTypeName,
  createChildMemoryContext,
  type GenerationOptions,
  type IdentOption,
  type SlabOptions,
} from "./children.ts";
import { type ContextStats, contextStats, type StatsTextOptions } from "./stats.ts";

const wrappers = new WeakMap<MemoryContext, Context>();

/**
 * A memory context with methods. Get one from `Context.init()`,
 * `Context.top`, `Context.current`, `Context.of(mc)` or a parent's `child`.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * const top = Context.init();
 * const req = top.child.aset("request");
 * const p = req.alloc(100); // a byte offset into the heap
 * req.reset(); // p and everything else in req are gone
 * req.delete();
 * ```
 */
export class Context implements Disposable {
  /** The PostgreSQL-face object this wraps. */
  readonly memoryContext: MemoryContext;
  #child?: ChildFactory;

  private constructor(mc: MemoryContext) {
    this.memoryContext = mc;
  }

  /**
   * The one `Context` of a `MemoryContext` (created on first use).
   *
   * @example
   * ```ts
   * import { Context, TopMemoryContext } from "@palloc/palloc";
   * Context.init();
   * console.assert(Context.of(TopMemoryContext) === Context.top);
   * ```
   */
  static of(mc: MemoryContext): Context {
    if (!(mc instanceof MemoryContext)) {
      if (CurrentMemoryHeap === null) throw notInitialized();
      throw new PgError(ERRCODE_INTERNAL_ERROR, `expected a MemoryContext, got ${typeName(mc)}`);
    }
    let ctx = wrappers.get(mc);
    if (ctx === undefined) {
      ctx = new Context(mc);
      wrappers.set(mc, ctx);
    }
    return ctx;
  }

  /**
   * `MemoryContextInit`: makes a fresh heap, makes it current and returns
   * its TopMemoryContext (`top.heap` is the heap). Calling it again makes
   * another, independent heap; earlier heaps and their contexts stay alive.
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init({ initialBytes: 1 << 20, maxBytes: 64 << 20 });
   * console.assert(top.name === "TopMemoryContext");
   * ```
   */
  static init(options?: MemoryContextInitOptions): Context {
    MemoryContextInit(options);
    return Context.of(TopMemoryContext);
  }

  /** TopMemoryContext, the root of the tree. */
  static get top(): Context {
    return Context.of(TopMemoryContext);
  }

  /**
   * The current context (`CurrentMemoryContext`), where `palloc` allocates.
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init();
   * const work = top.child.aset("work");
   * work.run(() => console.assert(Context.current === work));
   * ```
   */
  static get current(): Context {
    return Context.of(CurrentMemoryContext);
  }

  /**
   * The heap this context lives in (`MemoryHeapOf`); `ctx.heap.switchTo()`
   * or `ctx.run(fn)` make it current.
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const a = Context.init();
   * const b = Context.init(); // a second, independent heap, now current
   * console.assert(a.heap !== b.heap && b.heap.current);
   * const p = a.run(() => a.alloc(8)); // run switches to a's heap and back
   * console.assert(b.heap.current && typeof p === "number");
   * ```
   */
  get heap(): MemoryHeap {
    return this.memoryContext.home;
  }

  /** The context's name. */
  get name(): string {
    return this.memoryContext.name;
  }

  /** The identifier shown after the name in stats, or null. */
  get ident(): string | null {
    return this.memoryContext.ident;
  }

  /** The context type. */
  get type(): ContextTypeName {
    return contextTypeName(this.memoryContext);
  }

  /** The parent context, or null for TopMemoryContext (and for a deleted context). */
  get parent(): Context | null {
    const p = this.memoryContext.parent;
    return p === null ? null : Context.of(p);
  }

  /** The children, newest first (PostgreSQL's order). */
  get children(): Context[] {
    const out: Context[] = [];
    for (let c = this.memoryContext.firstchild; c !== null; c = c.nextchild) {
      out.push(Context.of(c));
    }
    return out;
  }

  /** False once the context was deleted (or the heap was started over). */
  get alive(): boolean {
    const mc = this.memoryContext;
    return mc.id !== 0 && contextAtHeaderOrNull(mc.header) === mc;
  }

  /** `MemoryContextIsEmpty`: no children and no chunk. */
  get isEmpty(): boolean {
    return MemoryContextIsEmpty(this.memoryContext);
  }

  /**
   * The subtree's memory limit in bytes (`MemoryContextGetLimit` /
   * `MemoryContextSetLimit`), or null for none: a block that would take the
   * `mem_allocated` of this context and its descendants past it raises out of
   * memory (NULL under NO_OOM), in this subtree only.
   *
   * @example
   * ```ts
   * import { Context } from "./context.ts";
   * const top = Context.init();
   * const req = top.child.aset("request");
   * req.limit = 16 * 1024;
   * let refused = false;
   * try {
   *   req.alloc(20_000);
   * } catch {
   *   refused = true; // out of memory, in "request" only
   * }
   * console.assert(refused && top.alloc(20_000) > 0);
   * ```
   */
  get limit(): number | null {
    return MemoryContextGetLimit(this.memoryContext);
  }

  set limit(bytes: number | null) {
    MemoryContextSetLimit(this.memoryContext, bytes);
  }

  /** `MemoryContextAlloc`: `size` bytes; returns the pointer (a heap offset). */
  alloc(size: number | bigint): number {
    return MemoryContextAlloc(this.memoryContext, size);
  }

  /** `MemoryContextAllocZero`: `size` zeroed bytes. */
  allocZeroed(size: number | bigint): number {
    return MemoryContextAllocZero(this.memoryContext, size);
  }

  /**
   * `MemoryContextAllocAligned`: `size` bytes at a multiple of `alignTo` (a
   * power of two), zeroed when `zero`. Free it with `free` like any chunk.
   */
  allocAligned(size: number | bigint, alignTo: number, zero = false): number {
    const flags = zero ? MCXT_ALLOC_ZERO : 0;
    return MemoryContextAllocAligned(this.memoryContext, size, alignTo, flags);
  }

  /** `MemoryContextReset`: deletes every descendant, then frees every chunk. */
  reset(): void {
    MemoryContextReset(this.memoryContext);
  }

  /** `MemoryContextResetOnly`: frees every chunk; children are untouched. */
  resetOnly(): void {
    MemoryContextResetOnly(this.memoryContext);
  }

  /** `MemoryContextResetChildren`: resets (not deletes) every descendant. */
  resetChildren(): void {
    MemoryContextResetChildren(this.memoryContext);
  }

  /** `MemoryContextDelete`: deletes the context and its subtree. */
  delete(): void {
    MemoryContextDelete(this.memoryContext);
  }

  /** `MemoryContextDeleteChildren`: deletes every descendant; this context stays. */
  deleteChildren(): void {
    MemoryContextDeleteChildren(this.memoryContext);
  }

  /** `MemoryContextSetParent`: moves the context and its subtree under `parent`. */
  setParent(parent: ContextLike): void {
    MemoryContextSetParent(this.memoryContext, memoryContextOf(parent));
  }

  /** `MemoryContextSetIdentifier`: the text stats print after the name (null forgets it). */
  setIdentifier(ident: string | null): void {
    MemoryContextSetIdentifier(this.memoryContext, ident);
  }

  /**
   * Children of each type: `ctx.child.aset(name, options)`,
   * `.generation(…)`, `.slab(name, { chunkSize })`, `.bump(…)`.
   */
  get child(): ChildFactory {
    return this.#child ??= childFactory((o) => this.createChild(o));
  }

  /**
   * A child of any type, described by one options object.
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init();
   * const tuples = top.createChild({ type: "bump", name: "tuples", sizes: "small" });
   * console.assert(tuples.type === "Bump" && tuples.parent === top);
   * ```
   */
  createChild(options: ChildOptions): Context {
    return Context.of(createChildMemoryContext(this.memoryContext, options));
  }

  /**
   * Runs `fn` with this context current (so `palloc` allocates here) and
   * makes the previous context current again when `fn` returns or throws.
   * When the context lives in another heap than the current one, that heap
   * is made current for `fn` too, and the previous one restored after.
   *
   * Only the synchronous part of `fn` could run inside, so `fn` may not
   * return a promise (or any thenable): that is a typed error, raised after
   * the context was switched back. Switch explicitly around the `await`s
   * (`switchTo()`), or allocate before the first `await`.
   *
   * @example
   * ```ts
   * import { Context, GetMemoryChunkContext, palloc } from "@palloc/palloc";
   * const top = Context.init();
   * const work = top.child.aset("work");
   * const p = work.run(() => palloc(64));
   * console.assert(GetMemoryChunkContext(p) === work.memoryContext);
   * console.assert(Context.current === top);
   * ```
   */
  run<T>(fn: (ctx: Context) => T): T {
    const mc = this.memoryContext;
    const oldHeap = mc.id !== 0 && mc.home !== CurrentMemoryHeap
      ? MemoryHeapSwitchTo(mc.home)
      : null;
    try {
      const old = MemoryContextSwitchTo(mc);
      let result: T;
      try {
        result = fn(this);
      } finally {
        MemoryContextSwitchTo(old);
      }
      if (isThenable(result)) {
        (result as PromiseLike<unknown>).then(undefined, () => {}); // its rejection is reported here
        throw new PgError(
          ERRCODE_INTERNAL_ERROR,
          `Context.run: the function returned a promise; only its synchronous part ran in "${mc.name}"`,
          "After an await, allocations would land in whatever context is current then. " +
            "Allocate before the first await, or switch explicitly: " +
            "const old = ctx.switchTo(); try { … await … } finally { old.switchTo(); }",
        );
      }
      return result;
    } finally {
      if (oldHeap !== null) MemoryHeapSwitchTo(oldHeap);
    }
  }

  /** `MemoryContextSwitchTo`: makes this context current; returns the previous one. */
  switchTo(): Context {
    return Context.of(MemoryContextSwitchTo(this.memoryContext));
  }

  /**
   * `MemoryContextRegisterResetCallback` with a plain function: `fn` runs
   * once, before the next reset or delete of this context (newest
   * registration first). Returns a function that unregisters it; calling
   * that after `fn` ran does nothing.
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init();
   * const work = top.child.aset("work");
   * let closed = 0;
   * work.onReset(() => closed++);
   * work.reset();
   * console.assert(closed === 1);
   * ```
   */
  onReset(fn: () => void): () => void {
    const mc = this.memoryContext;
    let pending = true;
    const cb = {
      func: () => {
        pending = false;
        fn();
      },
      arg: null,
    };
    MemoryContextRegisterResetCallback(mc, cb);
    return () => {
      if (pending) {
        pending = false;
        MemoryContextUnregisterResetCallback(mc, cb);
      }
    };
  }

  /** `MemoryContextMemAllocated`: bytes obtained from the heap, with the subtree unless told. */
  memAllocated(recurse = true): number {
    return MemoryContextMemAllocated(this.memoryContext, recurse);
  }

  /** `MemoryContextCountersOf`: this context's own counters (no children). */
  counters(): MemoryContextCounters {
    return MemoryContextCountersOf(this.memoryContext);
  }

  /**
   * The statistics of this context and its whole subtree as data.
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init();
   * top.child.slab("nodes", { chunkSize: 64 });
   * const s = top.stats();
   * console.log(s.children.map((c) => `${c.name} ${c.type} ${c.totalBytes}`));
   * ```
   */
  stats(): ContextStats {
    return contextStats(this.memoryContext);
  }

  /**
   * The statistics in PostgreSQL's text, lines joined by `\n`, ending with
   * the `Grand total:` line (`MemoryContextStatsLines`).
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init();
   * console.log(top.statsText({ maxLevel: 1 }));
   * ```
   */
  statsText(options: StatsTextOptions = {}): string {
    const { maxLevel = 100, maxChildren = 100, logForm = false } = options;
    return MemoryContextStatsLines(this.memoryContext, maxLevel, maxChildren, logForm).join("\n");
  }

  /**
   * Deletes the context at the end of a `using` block; does nothing when it
   * is already gone (deleted directly or with its parent).
   *
   * @example
   * ```ts
   * import { Context } from "@palloc/palloc";
   * const top = Context.init();
   * {
   *   using scratch = top.child.aset("scratch");
   *   scratch.alloc(1000);
   * } // scratch is deleted here
   * console.assert(top.children.every((c) => c.name !== "scratch"));
   * ```
   */
  [Symbol.dispose](): void {
    if (this.alive) MemoryContextDelete(this.memoryContext);
  }

  /** `Name: ident (Type)`, for logs. */
  toString(): string {
    const ident = this.memoryContext.ident;
    return `${this.name}${ident !== null ? ": " + ident : ""} (${this.type})`;
  }
}

/**
 * Either face of a context: a `Context` or the `MemoryContext` it wraps.
 * Functions of this layer accept both.
 *
 * @example
 * ```ts
 * import { Context, type ContextLike } from "@palloc/palloc";
 * const top = Context.init();
 * const both: ContextLike[] = [top, top.memoryContext];
 * ```
 */
export type ContextLike = Context | MemoryContext;

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * The `MemoryContext` behind either face.
 *
 * @example
 * ```ts
 * import { Context, memoryContextOf } from "@palloc/palloc";
 * const top = Context.init();
 * console.assert(memoryContextOf(top) === memoryContextOf(top.memoryContext));
 * ```
 */
export function memoryContextOf(ctx: ContextLike): MemoryContext {
  return ctx instanceof Context ? ctx.memoryContext : ctx; // anything else: the core names its type
}

/**
 * Creates children of one parent, one method per context type, each with
 * that type's typed options. Reached as `ctx.child`.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * const top = Context.init();
 * const nodes = top.child.slab("nodes", { chunkSize: 64 });
 * const log = top.child.generation("log");
 * ```
 */
export interface ChildFactory {
  /** An AllocSet child (the general-purpose type); default sizes unless told. */
  aset(name: string, options?: AllocSetOptions & IdentOption): Context;
  /** A Generation child (chunks freed roughly in allocation order). */
  generation(name: string, options?: GenerationOptions & IdentOption): Context;
  /** A Slab child (chunks all of one size). */
  slab(name: string, options: SlabOptions & IdentOption): Context;
  /** A Bump child (no pfree, no chunk headers; reset or delete only). */
  bump(name: string, options?: BumpOptions & IdentOption): Context;
}

/**
 * The `ChildFactory` whose methods all go through `create` (what
 * `Context.child` returns).
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { childFactory } from "./context.ts";
 * const top = Context.init();
 * const kids = childFactory((o) => top.createChild(o));
 * console.assert(kids.bump("b").type === "Bump");
 * ```
 */
export function childFactory(create: (options: ChildOptions) => Context): ChildFactory {
  return {
    aset: (name, o) => create({ ...o, type: "aset", name }),
    generation: (name, o) => create({ ...o, type: "generation", name }),
    slab: (name, o) => create({ ...o, type: "slab", name }),
    bump: (name, o) => create({ ...o, type: "bump", name }),
  };
}
