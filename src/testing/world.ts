/**
 * The real side of the model-based properties: a fresh palloc (heap, tree)
 * plus the bookkeeping needed to hold it against the model — which real
 * context each model context is, where each model chunk lives and what
 * bytes it must hold, which callbacks ran, and which heap block belongs to
 * which context.
 *
 * Heap attribution: the heap's `malloc`, `realloc` and `free` are wrapped on
 * this heap instance only (never on the class), so every block the contexts
 * take is recorded and, after each command, attributed to the context the
 * command acted on (the new context, for a create). A block whose owner was
 * deleted stays attributed to the dead context only while AllocSet keeps
 * that context on its context freelist. That is what lets the properties
 * say "every live chunk lies inside a block of its own context" and "the
 * heap holds exactly the sum over the tree plus the freelists" without
 * knowing any type's block layout.
 *
 * Chunk contents: every live chunk is filled with a pattern derived from its
 * model identity when it is allocated (after checking zeroed requests read
 * as zero); realloc must keep the first min(old, new) bytes, and the new tail
 * is filled with the same pattern, so the whole chunk always matches it.
 */
import assert from "node:assert/strict";
import { heap, type MemoryContext } from "../mcxt/context.ts";
import {
  CurrentMemoryContext,
  ErrorContext,
  MemoryContextInit,
  TopMemoryContext,
} from "../mcxt/mod.ts";
import type { ChunkId, ContextSpec, CtxId, ModelState } from "../model/mod.ts";
import { ERROR_CONTEXT, ERROR_SPEC, initialState, TOP, TOP_SPEC } from "../model/mod.ts";
import type { Expectation, Operation, TraceEntry } from "../trace/types.ts";

/** Bytes the heap may grow to: far beyond any valid request the generators make. */
export const WORLD_HEAP_BYTES = 256 << 20;

/** One real chunk the model knows. */
export interface RealChunk {
  /** Its pointer (heap offset). */
  ptr: number;
  /** Requested size. */
  size: number;
  /** True for callback structs: no trace token names them, so no command touches them. */
  anonymous: boolean;
}

/** The model, as fast-check's model-based runner wants it: one mutable box. */
export interface ModelBox {
  /** The current model state. */
  state: ModelState;
}

/** What ran in this process: commands, and calls by outcome (ok, null, refusal kinds). */
export const counters: { commands: number; outcomes: Record<string, number> } = {
  commands: 0,
  outcomes: {},
};

/** The pattern byte at offset `i` of the chunk with model identity `id`. */
export function patternByte(id: ChunkId, i: number): number {
  return (id * 97 + i * 31 + (i >>> 8)) & 0xff;
}

/** Fills `[from, to)` of chunk `id` at `ptr` with its pattern. */
export function fillPattern(id: ChunkId, ptr: number, from: number, to: number): void {
  const u8 = heap.u8;
  for (let i = from; i < to; i++) u8[ptr + i] = patternByte(id, i);
}

/**
 * The first offset in `[from, to)` (sampled: the first and last 32 bytes and
 * every 61st byte, or every byte when `full`) where chunk `id` does not hold
 * its pattern, or -1.
 */
export function patternMismatch(
  id: ChunkId,
  ptr: number,
  from: number,
  to: number,
  full = false,
): number {
  const u8 = heap.u8;
  for (let i = from; i < to; i++) {
    if (!full && i >= from + 32 && i < to - 32 && (i - from) % 61 !== 0) continue;
    if (u8[ptr + i] !== patternByte(id, i)) return i;
  }
  return -1;
}

/** The real palloc one property run drives, and what it knows about it. */
export class World {
  /** Live model contexts → real contexts. */
  readonly ctx: Map<CtxId, MemoryContext> = new Map();
  /** The spec each real context was created with (kept after its death). */
  readonly specOf: Map<MemoryContext, ContextSpec> = new Map();
  /** Live model chunks → real chunks. */
  readonly chunks: Map<ChunkId, RealChunk> = new Map();
  /** Model chunks → the trace token that names them. */
  readonly tokens: Map<ChunkId, string> = new Map();
  /** Live heap blocks → the context that took them. */
  readonly blocks: Map<number, MemoryContext> = new Map();
  /**
   * Header blocks of AllocSet contexts that user code (`UserCodeCmd`)
   * created and deleted and AllocSet keeps for reuse, with the context
   * freelist each is on (0 default sizes, 1 small sizes). The model counts
   * them on its freelists; no real context object is known for them.
   */
  readonly foreignCached: Map<number, 0 | 1> = new Map();
  /** Blocks taken during the current command, not yet attributed. */
  pending: number[] = [];
  /** Callback ids in the order their functions ran. */
  fired: string[] = [];
  /** The commands run so far, as trace entries (expectations from the model). */
  readonly trace: TraceEntry[] = [];
  /** Human-readable log of the commands run so far. */
  readonly log: string[] = [];

  /** A fresh palloc (`MemoryContextInit`) with its heap wrapped. */
  constructor() {
    MemoryContextInit({ maxBytes: WORLD_HEAP_BYTES });
    this.ctx.set(TOP, TopMemoryContext);
    this.ctx.set(ERROR_CONTEXT, ErrorContext);
    this.specOf.set(TopMemoryContext, TOP_SPEC);
    this.specOf.set(ErrorContext, ERROR_SPEC);
    this.blocks.set(TopMemoryContext.header, TopMemoryContext);
    this.blocks.set(ErrorContext.header, ErrorContext);
    assert.equal(heap.stats().usedBlocks, 2, "MemoryContextInit took more than two blocks");
    this.wrapHeap();
  }

  /** A fresh model box for this world. */
  static model(): ModelBox {
    return { state: initialState() };
  }

  /** Wraps this heap's malloc, realloc, free and freeChecked to record the blocks they hand out. */
  private wrapHeap(): void {
    const h = heap;
    const malloc = h.malloc.bind(h);
    const realloc = h.realloc.bind(h);
    const free = h.free.bind(h);
    h.malloc = (size: number): number => {
      const p = malloc(size);
      if (p !== 0) this.pending.push(p);
      return p;
    };
    h.realloc = (ptr: number, size: number): number => {
      const owner = this.blocks.get(ptr);
      const q = realloc(ptr, size);
      if (q !== 0 && q !== ptr) {
        this.blocks.delete(ptr);
        const i = this.pending.indexOf(ptr);
        if (i >= 0) this.pending[i] = q;
        else if (owner !== undefined) this.blocks.set(q, owner);
      }
      return q;
    };
    const freeChecked = h.freeChecked.bind(h);
    const forget = (ptr: number): void => {
      this.blocks.delete(ptr);
      this.foreignCached.delete(ptr);
      const i = this.pending.indexOf(ptr);
      if (i >= 0) this.pending.splice(i, 1);
    };
    h.free = (ptr: number): void => {
      free(ptr);
      forget(ptr);
    };
    h.freeChecked = (ptr: number): void => {
      freeChecked(ptr);
      forget(ptr);
    };
  }

  /** Attributes the blocks taken during this command to `owner`. */
  attribute(owner: MemoryContext): void {
    for (const p of this.pending) this.blocks.set(p, owner);
    this.pending = [];
  }

  /**
   * Adds `op` to the recorded trace before it runs, with the model's
   * predicted lines; the caller replaces `expect` with the settled outcome's
   * lines. Recording first keeps the failing operation in a counterexample.
   */
  record(op: Operation, expect: Expectation[] = []): TraceEntry {
    const entry = { op, expect };
    this.trace.push(entry);
    return entry;
  }

  /** A recycled AllocSet reuses a dead context's header block: it now belongs to `ctx`. */
  adopt(ctx: MemoryContext): void {
    if (this.blocks.has(ctx.header)) this.blocks.set(ctx.header, ctx);
    if (this.foreignCached.delete(ctx.header)) this.blocks.set(ctx.header, ctx);
  }

  /** The real context of live model context `id`. */
  real(id: CtxId): MemoryContext {
    const c = this.ctx.get(id);
    if (c === undefined) throw new Error(`world: no real context for #${id}`);
    return c;
  }

  /** The real chunk of live model chunk `id`. */
  chunk(id: ChunkId): RealChunk {
    const c = this.chunks.get(id);
    if (c === undefined) throw new Error(`world: no real chunk for ${id}`);
    return c;
  }

  /** Forgets real contexts and chunks the model no longer has. */
  sweep(state: ModelState): void {
    for (const id of [...this.ctx.keys()]) if (!state.contexts.has(id)) this.ctx.delete(id);
    for (const id of [...this.chunks.keys()]) if (!state.chunks.has(id)) this.chunks.delete(id);
  }

  /** The current context as the real side sees it. */
  get current(): MemoryContext {
    return CurrentMemoryContext;
  }
}
