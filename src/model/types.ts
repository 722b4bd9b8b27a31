/**
 * The values the model is made of. Every type here is read-only: a model
 * state is never changed, an operation returns a new one. Nothing here
 * refers to bytes of a heap; a context is a node with a type and a few flags,
 * a chunk is a requested size and the context it lives in.
 *
 * Identities are small numbers handed out in order (contexts and chunks
 * separately), never reused, so "dead" (issued, then freed, reset or deleted)
 * and "foreign" (never issued) can be told apart. Callback identities are
 * the caller's own tokens.
 */

/**
 * A context's identity in the model. TopMemoryContext is 0, ErrorContext 1.
 *
 * @example
 * ```ts
 * import { type CtxId, TOP } from "@palloc/palloc/model";
 * const id: CtxId = TOP;
 * console.assert(id === 0);
 * ```
 */
export type CtxId = number;
/**
 * A chunk's identity in the model; it survives `realloc`, even when the chunk moves.
 *
 * @example
 * ```ts
 * import { alloc, type ChunkId, initialState, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 1);
 * const id: ChunkId | null = a.ok ? a.chunk : null;
 * console.assert(id === 1);
 * ```
 */
export type ChunkId = number;
/**
 * The caller's name for a reset callback (need not be unique).
 *
 * @example
 * ```ts
 * import { type CallbackId, registerCallback, initialState, TOP } from "@palloc/palloc/model";
 * const cb: CallbackId = "flush";
 * console.assert(registerCallback(initialState(), TOP, cb).ok);
 * ```
 */
export type CallbackId = string;

/**
 * The four context types of PostgreSQL 18.
 *
 * @example
 * ```ts
 * import { type ContextKind, initialState, TOP } from "@palloc/palloc/model";
 * const kind: ContextKind = initialState().contexts.get(TOP)!.spec.kind;
 * console.assert(kind === "aset");
 * ```
 */
export type ContextKind = "aset" | "generation" | "slab" | "bump";

/**
 * Parameters of a context, as its creator takes them.
 *
 * @example
 * ```ts
 * import { type ContextSpec, createContext, initialState, TOP } from "@palloc/palloc/model";
 * const spec: ContextSpec = { kind: "bump", minContextSize: 0, initBlockSize: 8192, maxBlockSize: 8192 };
 * console.assert(createContext(initialState(), TOP, "b", spec).ok);
 * ```
 */
export type ContextSpec =
  | {
    readonly kind: "aset" | "generation" | "bump";
    readonly minContextSize: number;
    readonly initBlockSize: number;
    readonly maxBlockSize: number;
  }
  | { readonly kind: "slab"; readonly blockSize: number; readonly chunkSize: number };

/**
 * One live context.
 *
 * @example
 * ```ts
 * import { type ModelContext, initialState, TOP } from "@palloc/palloc/model";
 * const top: ModelContext = initialState().contexts.get(TOP)!;
 * console.assert(top.isReset && top.limit === null);
 * ```
 */
export interface ModelContext {
  /** Its identity. */
  readonly id: CtxId;
  /** Its name (not necessarily unique). */
  readonly name: string;
  /** How it was created. */
  readonly spec: ContextSpec;
  /** Its parent; null only for TopMemoryContext. */
  readonly parent: CtxId | null;
  /** Its children, newest first (the order PostgreSQL links and walks them). */
  readonly children: readonly CtxId[];
  /** PostgreSQL's `isReset`: nothing asked of the context since creation or its last reset. */
  readonly isReset: boolean;
  /** Registered reset callbacks, newest first (the order they will run). */
  readonly callbacks: readonly CallbackId[];
  /**
   * Slab: a block has been obtained since the last reset (slab keeps emptied
   * blocks). Bump: a non-empty chunk was carved since the last reset.
   * Unused by the other types.
   */
  readonly holdsMemory: boolean;
  /**
   * The largest request served from a shared block; anything larger gets a
   * block of its own from the heap (aset, generation, bump). For slab: the
   * one size it accepts.
   */
  readonly chunkLimit: number;
  /**
   * `MemoryContextSetLimit`: the most bytes of `mem_allocated` this context's
   * subtree may take from the heap, or null for no limit of its own.
   */
  readonly limit: number | null;
}

/**
 * One live chunk.
 *
 * @example
 * ```ts
 * import { alloc, type ModelChunk, initialState, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 100_000);
 * if (!a.ok || a.chunk === null) throw new Error("no chunk");
 * const c: ModelChunk = a.state.chunks.get(a.chunk)!;
 * console.assert(c.dedicated); // above TopMemoryContext's chunk limit
 * ```
 */
export interface ModelChunk {
  /** Its identity. */
  readonly id: ChunkId;
  /** The context it lives in. */
  readonly ctx: CtxId;
  /** The size last requested for it (by alloc or realloc). */
  readonly size: number;
  /** `GetMemoryChunkSpace`, or null for bump chunks (which have no header). */
  readonly space: number | null;
  /** True when the chunk has a block of its own (a "large" or external chunk). */
  readonly dedicated: boolean;
}

/**
 * Whether the heap can still hand out new blocks.
 *
 * @example
 * ```ts
 * import { exhaustHeap, type HeapCondition, initialState } from "@palloc/palloc/model";
 * const h: HeapCondition = exhaustHeap(initialState()).heap;
 * console.assert(h === "exhausted");
 * ```
 */
export type HeapCondition = "plenty" | "exhausted";

/**
 * The whole model: the tree, the live chunks, the current context and the heap's condition.
 *
 * @example
 * ```ts
 * import { initialState, type ModelState } from "@palloc/palloc/model";
 * const s: ModelState = initialState();
 * console.assert(s.nextCtx === 2 && s.nextChunk === 1);
 * ```
 */
export interface ModelState {
  /** Live contexts by identity. */
  readonly contexts: ReadonlyMap<CtxId, ModelContext>;
  /** The name of every context ever created, live or dead (for messages about dead ones). */
  readonly names: ReadonlyMap<CtxId, string>;
  /** Live chunks by identity. */
  readonly chunks: ReadonlyMap<ChunkId, ModelChunk>;
  /** `CurrentMemoryContext`. */
  readonly current: CtxId;
  /** Identity the next created context gets. */
  readonly nextCtx: CtxId;
  /** Identity the next allocated chunk gets. */
  readonly nextChunk: ChunkId;
  /** "plenty": every ordinary request can be served; "exhausted": the heap gives nothing more. */
  readonly heap: HeapCondition;
  /**
   * Bytes of ErrorContext's keeper block that chunks may have taken since its
   * last reset (an upper bound; Infinity once a failed request may have cut
   * the block's tail into free-list pieces).
   */
  readonly reserveUsed: number;
  /**
   * Deleted AllocSet contexts kept for reuse, per freelist (default sizes,
   * small sizes), newest first; each entry is the chunk limit the context
   * was created with, which a recycled context keeps.
   */
  readonly asetFreelists: readonly [readonly number[], readonly number[]];
}

/**
 * Why a call is refused.
 *
 * @example
 * ```ts
 * import { free, initialState, type RefusalKind } from "@palloc/palloc/model";
 * const r = free(initialState(), 3);
 * const kind: RefusalKind | null = r.ok ? null : r.refusal.kind;
 * console.assert(kind === "foreign-pointer");
 * ```
 */
export type RefusalKind =
  | "dead-context"
  | "dead-pointer"
  | "foreign-pointer"
  | "invalid-size"
  | "out-of-memory"
  | "slab-chunk-size"
  | "slab-realloc"
  | "slab-block-too-small"
  | "bump-unsupported"
  | "top-context"
  | "cycle"
  | "holds-current"
  | "bad-parameters"
  | "bad-limit";

/**
 * A refused call: what kind of refusal, and PostgreSQL's (or palloc's) primary message.
 *
 * @example
 * ```ts
 * import { alloc, initialState, type Refusal, TOP } from "@palloc/palloc/model";
 * const a = alloc(initialState(), TOP, 2 ** 31);
 * const why: Refusal | null = a.ok ? null : a.refusal;
 * console.assert(why?.message === "invalid memory alloc request size 2147483648");
 * ```
 */
export interface Refusal {
  /** The kind, for programs. */
  readonly kind: RefusalKind;
  /** The error's primary message, for people and for comparison with the real error. */
  readonly message: string;
}

/**
 * What an operation returns: the next state and the operation's result, or a
 * refusal. A refusal carries the state after the failed call too: it equals
 * the state before except where PostgreSQL changes something before it
 * refuses (documented per operation).
 *
 * @example
 * ```ts
 * import { initialState, type Outcome, switchTo, TOP } from "@palloc/palloc/model";
 * const o: Outcome<{ previous: number }> = switchTo(initialState(), TOP);
 * console.assert(o.ok);
 * ```
 */
export type Outcome<T extends object = Record<never, never>> =
  | ({ readonly ok: true; readonly state: ModelState } & Readonly<T>)
  | { readonly ok: false; readonly state: ModelState; readonly refusal: Refusal };

/**
 * What the heap's condition lets a request expect.
 *
 * @example
 * ```ts
 * import { initialState, memoryVerdict, type MemoryVerdict, TOP } from "@palloc/palloc/model";
 * const v: MemoryVerdict = memoryVerdict(initialState(), { op: "alloc", ctx: TOP, size: 10 });
 * console.assert(v === "succeeds");
 * ```
 */
export type MemoryVerdict = "succeeds" | "may-fail" | "fails";

/**
 * A request that may need memory from the heap.
 *
 * @example
 * ```ts
 * import { initialState, memoryVerdict, type MemoryRequest, TOP_SPEC } from "@palloc/palloc/model";
 * const req: MemoryRequest = { op: "create", spec: TOP_SPEC };
 * console.assert(memoryVerdict(initialState(), req) === "succeeds");
 * ```
 */
export type MemoryRequest =
  | {
    readonly op: "alloc";
    readonly ctx: CtxId;
    readonly size: number | bigint;
    readonly flags?: number;
  }
  | {
    readonly op: "realloc";
    readonly chunk: ChunkId;
    readonly size: number | bigint;
    readonly flags?: number;
  }
  | { readonly op: "create"; readonly spec: ContextSpec; readonly parent?: CtxId };
