/**
 * The hardening fuzzers' world: a palloc heap in checking mode and a tiny
 * model of it — the live contexts (type, parent, slab chunk size), the live
 * chunks (pointer, size, context, stamp seed), and recently dead pointers
 * and contexts to misuse later. Valid operations are performed here and the
 * model follows them; `verify` holds palloc to the model after each step.
 *
 * Every live chunk carries a stamp in its first and last 16 bytes; an
 * overlap, a chunk reused too early or a stray write shows up as a stamp
 * mismatch. `verify` also runs `MemoryContextCheck(TopMemoryContext)` and
 * `heap.check()`, which in checking mode test every header, freelist,
 * counter, record and sentinel.
 */
import { AllocSetContextCreate } from "../../../src/aset/mod.ts";
import { BumpContextCreate } from "../../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../../src/generation/mod.ts";
import { SlabContextCreate } from "../../../src/slab/mod.ts";
import { MemoryContextAllocAligned } from "../../../src/alignedalloc.ts";
import { heap, type MemoryContext } from "../../../src/mcxt/context.ts";
import { PgError } from "../../../src/elog.ts";
import * as mc from "../../../src/mcxt/mod.ts";
import {
  chunkGetBlock,
  MCTX_ALIGNED_REDIRECT_ID,
  MEMORYCHUNK_SIZE,
  pointerMethodId,
} from "../../../src/memorychunk.ts";
import { FuzzFailure, type Rng } from "./common.ts";

/** A context type the fuzzers create. */
export type Kind = "aset" | "generation" | "slab" | "bump";

/** A live context of the model. */
export interface Ctx {
  /** The palloc context. */
  ctx: MemoryContext;
  /** Its type. */
  kind: Kind;
  /** Slab's one chunk size (0 for other types). */
  slabSize: number;
}

/** A live chunk of the model. */
export interface Chunk {
  /** Its pointer. */
  p: number;
  /** Its requested size. */
  size: number;
  /** Its context. */
  owner: Ctx;
  /** Stamp seed. */
  seed: number;
  /** For an aligned chunk, the unaligned chunk it was cut from (a live chunk of palloc too). */
  inner: number;
  /** Its token in the log's trace text (`t1`, `t2`, …; never bound twice). */
  token: string;
}

/** The heap, the model, and the log of what was done (as trace text). */
export class World {
  /** Live contexts (TopMemoryContext first). */
  readonly ctxs: Ctx[] = [];
  /** Live chunks. */
  readonly chunks: Chunk[] = [];
  /** Recently freed or dropped pointers (for misuse). */
  readonly deadPointers: number[] = [];
  /** Recently deleted contexts (for misuse). */
  readonly deadContexts: MemoryContext[] = [];
  /**
   * What was done, as conformance-format trace text: one line per operation
   * (invalid ones as comments), each valid one followed by the lines palloc
   * printed for it while the log is comparable (see `oracle.ts`).
   */
  readonly log: string[] = [];
  #serial = 0;
  #tokens = 0;
  #comparableEnd = -1;

  /** A problem a reset callback found (checked after each step), or null. */
  callbackFailure: string | null = null;

  /**
   * A fresh heap of at most `maxBytes` above `base` (a high base puts every
   * offset past 2^31 without touching the pages below), in checking mode or not.
   */
  constructor(readonly rng: Rng, maxBytes = 16 << 20, readonly checking = true, base = 0) {
    mc.MemoryContextInit({ checking, maxBytes: base + maxBytes, base });
    this.ctxs.push({ ctx: mc.TopMemoryContext, kind: "aset", slabSize: 0 });
    this.ctxs.push({ ctx: mc.ErrorContext, kind: "aset", slabSize: 0 });
  }

  /** Creates a context of a random type under a random live context. */
  create(): Ctx {
    const rng = this.rng;
    const parent = rng.pick(this.ctxs).ctx;
    const name = `c${++this.#serial}`;
    const kind = rng.pick(["aset", "generation", "slab", "bump"] as const);
    const init = 1024 << rng.int(4);
    const max = init << rng.int(8);
    let ctx: MemoryContext;
    let slabSize = 0;
    let slabBlock = 0;
    if (kind === "aset") ctx = AllocSetContextCreate(parent, name, 0, init, max);
    else if (kind === "generation") ctx = GenerationContextCreate(parent, name, 0, init, max);
    else if (kind === "bump") ctx = BumpContextCreate(parent, name, 0, init, max);
    else {
      slabSize = 8 + rng.int(300); // Slab raises smaller chunk sizes to 8
      slabBlock = rng.pick([1024, 8192, 65536]);
      ctx = SlabContextCreate(parent, name, slabBlock, slabSize);
    }
    const c = { ctx, kind, slabSize };
    this.ctxs.push(c);
    this.log.push(
      kind === "slab"
        ? `create ${name} slab ${parent.name} ${slabBlock} ${slabSize}`
        : `create ${name} ${kind} ${parent.name} 0 ${init} ${max}`,
    );
    this.expectStat(ctx);
    return c;
  }

  /** A size that `owner` accepts. */
  sizeFor(owner: Ctx): number {
    return owner.kind === "slab" ? owner.slabSize : this.rng.size();
  }

  /** Allocates in `owner` (plain, zeroed, extended or aligned) and stamps the chunk. */
  alloc(owner: Ctx, size = this.sizeFor(owner)): Chunk | null {
    const rng = this.rng;
    const how = rng.int(owner.kind === "slab" ? 3 : 4);
    this.noteReset(owner); // the allocation clears `isReset`: read it first
    let p: number;
    const flags = how === 2 ? rng.int(8) : 0;
    const alignto = how === 3 ? rng.pick([16, 64, 256, 4096]) : 0;
    const token = `t${++this.#tokens}`;
    const name = owner.ctx.name;
    const line = how === 0
      ? `alloc ${token} ${name} ${size}`
      : how === 1
      ? `alloc0 ${token} ${name} ${size}`
      : how === 2
      ? `allocext ${token} ${name} ${size} ${flagsText(flags)}`
      : `aligned ${token} ${name} ${size} ${alignto}`;
    try {
      if (how === 0) p = mc.MemoryContextAlloc(owner.ctx, size);
      else if (how === 1) p = mc.MemoryContextAllocZero(owner.ctx, size);
      else if (how === 2) p = mc.MemoryContextAllocExtended(owner.ctx, size, flags);
      else p = MemoryContextAllocAligned(owner.ctx, size, alignto, 0);
    } catch (e) {
      if (e instanceof PgError && e.isOutOfMemory) { // the small heap is full
        this.stopComparing(`${line}: out of memory`);
        return null;
      }
      throw e;
    }
    if (p === 0) { // NO_OOM
      this.stopComparing(`${line}: NULL`);
      return null;
    }
    const chunk = { p, size, owner, seed: ++this.#serial & 0xff, inner: 0, token };
    placeChunk(chunk, p);
    stamp(chunk);
    this.chunks.push(chunk);
    this.log.push(line);
    this.expectSpace(chunk);
    this.expectStat(owner.ctx);
    return chunk;
  }

  /** Frees a live chunk (not bump). */
  free(chunk: Chunk): void {
    mc.pfree(chunk.p);
    this.forgetChunk(chunk, true);
    this.log.push(`free ${chunk.token}`);
    this.expectStat(chunk.owner.ctx);
  }

  /** Resizes a live chunk of an AllocSet or Generation context; the stamp's prefix must survive. */
  realloc(chunk: Chunk, size: number): void {
    let q: number;
    try {
      q = mc.repalloc(chunk.p, size);
    } catch (e) {
      if (e instanceof PgError && e.isOutOfMemory) {
        this.stopComparing(`realloc ${chunk.token} ${size}: out of memory`);
        return;
      }
      throw e;
    }
    const keep = Math.min(chunk.size, size);
    for (let i = 0; i < keep; i++) {
      if (heap.u8[q + i] !== ((chunk.seed + i) & 0xff)) {
        throw new FuzzFailure(`repalloc of ${chunk.p} to ${size} lost byte ${i}`);
      }
    }
    this.log.push(`realloc ${chunk.token} ${size}`);
    if (q !== chunk.p && this.checking) this.deadPointers.push(chunk.p); // may be a heap block
    chunk.size = size;
    placeChunk(chunk, q);
    stamp(chunk);
    this.expectSpace(chunk);
    this.expectStat(chunk.owner.ctx);
  }

  /**
   * Resets `c` (deleting its descendants) or deletes it, as `verb` says.
   *
   * Reset callbacks may act during the call (allocate, reset or delete other
   * contexts, throw), so which chunks survive is read from palloc's tree, not
   * from the verb: `resync` and `noteReset` (see there). What the verb
   * promises is then checked against it: every context it deletes is dead,
   * and every chunk that lived before the call in a context it deletes or
   * empties is gone (a chunk a callback made there during the call, after
   * the walk had passed that context, lives on, as in PostgreSQL).
   */
  lifetime(c: Ctx, verb: "reset" | "resetonly" | "resetchildren" | "delete" | "deletechildren") {
    const ctx = c.ctx;
    const below = this.ctxs.filter((d) => d !== c && isBelow(d.ctx, ctx));
    const before = [...this.chunks];
    if (verb === "reset") mc.MemoryContextReset(ctx);
    else if (verb === "resetonly") mc.MemoryContextResetOnly(ctx);
    else if (verb === "resetchildren") mc.MemoryContextResetChildren(ctx);
    else if (verb === "delete") mc.MemoryContextDelete(ctx);
    else mc.MemoryContextDeleteChildren(ctx);
    this.log.push(`${verb} ${ctx.name}`);
    if (verb !== "delete") this.expectStat(ctx);
    this.resync();
    const deleted = verb === "delete"
      ? [c, ...below]
      : verb === "reset" || verb === "deletechildren"
      ? below
      : [];
    const emptied = verb === "reset" || verb === "resetonly"
      ? [c]
      : verb === "resetchildren"
      ? below
      : [];
    for (const d of deleted) {
      if (d.ctx.id !== 0) throw new FuzzFailure(`${verb} ${ctx.name} left ${d.ctx.name} alive`);
    }
    const gone = new Set([...deleted, ...emptied]);
    const live = new Set(this.chunks);
    for (const k of before) {
      if (gone.has(k.owner) && live.has(k)) {
        throw new FuzzFailure(
          `${verb} ${ctx.name} left chunk ${k.p} of ${k.owner.ctx.name} live (not marked reset)`,
        );
      }
    }
  }

  /**
   * Brings the model to palloc after a reset or delete, done or stopped part
   * way by a callback that threw: a context whose id is 0 is dead; a context
   * that says it is reset holds none of the chunks the model gave it.
   *
   * `isReset` alone is not enough: a callback that allocates in a context the
   * same call has already reset clears the flag again, and the chunks from
   * before that reset would look live (the five "byte 0 of live chunk
   * changed" failures). So the model also reads the flag just before every
   * allocation it makes (`noteReset`), while it still tells.
   */
  resync(): void {
    for (const d of this.ctxs) this.noteReset(d);
    for (const k of [...this.chunks]) if (k.owner.ctx.id === 0) this.forgetChunk(k);
    for (const d of [...this.ctxs]) {
      if (d.ctx.id !== 0) continue;
      this.ctxs.splice(this.ctxs.indexOf(d), 1);
      this.deadContexts.push(d.ctx);
    }
    while (this.deadContexts.length > 20) this.deadContexts.shift();
  }

  /**
   * Forgets the chunks of `c` when palloc says it was reset since they were
   * made; called before anything that clears the flag (an allocation, a
   * callback registered) and by `resync`.
   */
  noteReset(c: Ctx): void {
    if (!c.ctx.isReset || c.ctx.id === 0) return;
    for (const k of [...this.chunks]) if (k.owner === c) this.forgetChunk(k);
  }

  /** Moves `c` under `parent` (no cycle: `parent` is not below `c`). */
  setParent(c: Ctx, parent: Ctx): void {
    mc.MemoryContextSetParent(c.ctx, parent.ctx);
    this.log.push(`setparent ${c.ctx.name} ${parent.ctx.name}`);
    this.expectStat(c.ctx);
  }

  /** True while the log still says everything that happened (see `oracle.ts`). */
  get comparable(): boolean {
    return this.#comparableEnd < 0;
  }

  /** How many lines of the log the oracles compare: all of them while comparable. */
  comparableEnd(): number {
    return this.#comparableEnd < 0 ? this.log.length : this.#comparableEnd;
  }

  /**
   * Ends the compared prefix of the log: what follows (an out-of-memory, a
   * callback that acts) is something the trace text cannot replay.
   */
  stopComparing(why: string): void {
    if (this.#comparableEnd >= 0) return;
    this.#comparableEnd = this.log.length;
    this.log.push(`# not compared from here: ${why}`);
  }

  /** `= stat` of `ctx` after the line just logged, as palloc reports it now. */
  expectStat(ctx: MemoryContext): void {
    if (!this.comparable) return;
    const k = mc.MemoryContextCountersOf(ctx);
    this.log.push(
      `= stat ${ctx.name} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ` +
        `${mc.MemoryContextMemAllocated(ctx, false)}`,
    );
  }

  /** `= space` of `chunk` (outside Bump, whose chunks have no header). */
  expectSpace(chunk: Chunk): void {
    if (this.comparable && chunk.owner.kind !== "bump") {
      this.log.push(`= space ${mc.GetMemoryChunkSpace(chunk.p)}`);
    }
  }

  /**
   * A checkpoint of the compared log: every live context's subtree total
   * (`memallocated CTX 1`) and counters, and the space and owner of up to
   * `chunks` live chunks (outside Bump).
   */
  checkpoint(chunks: number): void {
    if (!this.comparable) return;
    for (const c of this.ctxs) {
      this.log.push(`memallocated ${c.ctx.name} 1`);
      this.log.push(`= bytes ${mc.MemoryContextMemAllocated(c.ctx, true)}`);
      this.expectStat(c.ctx);
    }
    const some = this.chunks.filter((k) => k.owner.kind !== "bump");
    for (let i = 0; i < chunks && some.length > 0; i++) {
      const k = some.splice(this.rng.int(some.length), 1)[0];
      this.log.push(`space ${k.token}`, `= space ${mc.GetMemoryChunkSpace(k.p)}`);
      this.expectStat(k.owner.ctx);
      this.log.push(`owner ${k.token}`, `= owner ${k.owner.ctx.name}`);
      this.expectStat(k.owner.ctx);
    }
  }

  /**
   * Drops `chunk` from the model and remembers its pointer as dead, for the
   * invalid calls to misuse. With checking off only a `pfree`d pointer is
   * remembered: its header carries the free mark (or Slab's cleared word).
   * The header of a chunk that went with a reset or delete stays as it was,
   * and once new chunks are carved past it (or its block is handed out again)
   * it may lie in bytes nobody wrote since — a freed neighbour, a chunk's
   * slack — where no structural check can tell it from a live one, in
   * PostgreSQL neither; checking mode's records can.
   */
  forgetChunk(chunk: Chunk, freed = false): void {
    const i = this.chunks.indexOf(chunk);
    if (i >= 0) this.chunks.splice(i, 1);
    if (!freed && !this.checking) {
      // An older death at the same address is superseded: the header there is this chunk's.
      for (let j = this.deadPointers.length - 1; j >= 0; j--) {
        const d = this.deadPointers[j];
        if (d === chunk.p || d === chunk.inner) this.deadPointers.splice(j, 1);
      }
      return;
    }
    this.deadPointers.push(chunk.p);
    if (chunk.inner !== 0) this.deadPointers.push(chunk.inner);
    while (this.deadPointers.length > 64) this.deadPointers.shift();
  }

  /**
   * True when `p` is the pointer of a live chunk (a dead pointer may have been
   * reused), or lies in the padding of a live aligned chunk: that padding is
   * the unaligned chunk's data, never wiped, so stale bytes there may read as a
   * valid redirect header (in PostgreSQL too) and a call may accept `p`.
   */
  isLive(p: number): boolean {
    return this.chunks.some((c) => c.p === p || c.inner === p || (c.inner < p && p < c.p));
  }

  /** Holds palloc to the model: stamps, owners, spaces, the whole-tree and heap checks. */
  verify(full: boolean): void {
    for (const c of this.chunks) {
      if (c.owner.ctx.isReset) {
        throw new FuzzFailure(`chunk ${c.p} is live, but ${c.owner.ctx.name} says it is reset`);
      }
      checkStamp(c, full);
      if (full && c.owner.kind !== "bump") {
        if (mc.GetMemoryChunkContext(c.p) !== c.owner.ctx) {
          throw new FuzzFailure(`chunk ${c.p} is not owned by ${c.owner.ctx.name} any more`);
        }
        if (mc.GetMemoryChunkSpace(c.p) < c.size) {
          throw new FuzzFailure(`chunk ${c.p} holds fewer than its ${c.size} bytes`);
        }
      }
    }
    mc.MemoryContextCheck(mc.TopMemoryContext);
    heap.check();
  }

  /** Everything a refused call must leave as it was, as one string. */
  fingerprint(): string {
    const k = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
    mc.MemoryContextMemConsumed(mc.TopMemoryContext, k);
    return `${heap.held} ${heap.usedBlocks} ${k.nblocks} ${k.freechunks} ${k.totalspace} ` +
      `${k.freespace} ${this.ctxs.length}`;
  }
}

/** `allocext` FLAGS as trace text: `0` or `HUGE|NO_OOM|ZERO` in part. */
function flagsText(flags: number): string {
  const names = ["HUGE", "NO_OOM", "ZERO"].filter((_, i) => (flags & (1 << i)) !== 0);
  return names.length === 0 ? "0" : names.join("|");
}

/** Sets `chunk`'s pointer to `p`, and the unaligned chunk it has there. */
function placeChunk(chunk: Chunk, p: number): void {
  chunk.p = p;
  chunk.inner = innerOf(p);
}

/** The unaligned chunk behind an aligned chunk `p`, or 0 when `p` is a plain chunk. */
function innerOf(p: number): number {
  if (pointerMethodId(heap.i32, p) !== MCTX_ALIGNED_REDIRECT_ID) return 0;
  return chunkGetBlock(heap.i32, p - MEMORYCHUNK_SIZE);
}

/** True when `ctx` is strictly below `top`. */
export function isBelow(ctx: MemoryContext, top: MemoryContext): boolean {
  for (let c = ctx.parent; c !== null; c = c.parent) if (c === top) return true;
  return false;
}

function stampByte(chunk: Chunk, i: number): number {
  return (chunk.seed + i) & 0xff;
}

/** Writes the stamp over the whole chunk (a stray write anywhere in it shows). */
function stamp(chunk: Chunk): void {
  const u8 = heap.u8;
  const n = chunk.size;
  for (let i = 0; i < n; i++) u8[chunk.p + i] = stampByte(chunk, i);
}

/**
 * Raises a FuzzFailure when the chunk's stamp changed: every byte when `whole`
 * (every 16th step), else the first and last 16 (what a neighbour's overrun hits).
 */
function checkStamp(chunk: Chunk, whole: boolean): void {
  const u8 = heap.u8;
  const n = chunk.size;
  const bad = (i: number) => u8[chunk.p + i] !== stampByte(chunk, i);
  const edge = whole ? n : Math.min(16, n);
  for (let i = 0; i < edge; i++) {
    if (bad(i)) throw new FuzzFailure(`byte ${i} of live chunk ${chunk.p} changed`);
  }
  for (let i = Math.max(edge, n - 16); i < n; i++) {
    if (bad(i)) throw new FuzzFailure(`byte ${i} of live chunk ${chunk.p} changed`);
  }
}
