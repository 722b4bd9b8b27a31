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

/** A context's identity in the model. TopMemoryContext is 0, ErrorContext 1. */
export type CtxId = number;
/** A chunk's identity in the model; it survives `realloc`, even when the chunk moves. */
export type ChunkId = number;
/** The caller's name for a reset callback (need not be unique). */
export type CallbackId = string;

/** The four context types of PostgreSQL 18. */
export type ContextKind = "aset" | "generation" | "slab" | "bump";

/** Parameters of a context, as its creator takes them. */
export type ContextSpec =
  | {
    readonly kind: "aset" | "generation" | "bump";
    readonly minContextSize: number;
    readonly initBlockSize: number;
    readonly maxBlockSize: number;
  }
  | { readonly kind: "slab"; readonly blockSize: number; readonly chunkSize: number };

/** One live context. */
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

/** One live chunk. */
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

/** Whether the heap can still hand out new blocks. */
export type HeapCondition = "plenty" | "exhausted";

/** The whole model: the tree, the live chunks, the current context and the heap's condition. */
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

/** Why a call is refused. */
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

/** A refused call: what kind of refusal, and PostgreSQL's (or palloc's) primary message. */
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
 */
export type Outcome<T extends object = Record<never, never>> =
  | ({ readonly ok: true; readonly state: ModelState } & Readonly<T>)
  | { readonly ok: false; readonly state: ModelState; readonly refusal: Refusal };

/** What the heap's condition lets a request expect. */
export type MemoryVerdict = "succeeds" | "may-fail" | "fails";

/** A request that may need memory from the heap. */
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
