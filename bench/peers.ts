/**
 * What a TypeScript user would pick instead of palloc, driven by the same
 * compiled traces: a general-purpose allocator over an ArrayBuffer
 * (@thi.ng/malloc's MemPool) and plain JavaScript objects (a Uint8Array per
 * chunk, left to the garbage collector).
 *
 * Neither has contexts, so both get the same small emulation of the tree:
 * each context keeps the list of chunks it owns, and a reset or delete frees
 * them one by one (MemPool) or drops the references (plain JS). That is the
 * work a user would have to write by hand, and it is timed with the rest.
 */
import { type CompiledTrace, Op, opCode, operand } from "../src/trace/compile.ts";

/** The per-chunk operations a peer provides; handles are numbers. */
export interface PeerAllocator {
  /** Allocates `size` bytes for `slot`; returns a handle. */
  malloc(slot: number, size: number): number;
  /** Allocates `size` zeroed bytes. */
  calloc(slot: number, size: number): number;
  /** Frees a handle. */
  free(handle: number): void;
  /** Resizes; returns the new handle. */
  realloc(slot: number, handle: number, size: number): number;
  /** Bytes it holds from its backing store right now (best effort). */
  footprint(): number;
}

/** One emulated context: its parent, children and owned chunk slots. */
class PeerContext {
  parent: PeerContext | null;
  children: PeerContext[] = [];
  chunks: number[] = [];
  constructor(parent: PeerContext | null) {
    this.parent = parent;
    if (parent !== null) parent.children.push(this);
  }
}

/** Thrown when a peer runs past its time budget; `opsDone` says how far it got. */
export class PeerTimeout extends Error {
  /** Operations completed before the budget ran out. */
  readonly opsDone: number;
  /** Milliseconds spent on them. */
  readonly ms: number;
  constructor(opsDone: number, ms: number) {
    super(`peer stopped after ${opsDone} operations (${ms.toFixed(0)} ms)`);
    this.opsDone = opsDone;
    this.ms = ms;
  }
}

/**
 * Replays a compiled trace on a peer; returns the peak footprint seen. A
 * replay running longer than `budgetMs` stops with a `PeerTimeout`.
 */
export function replayOnPeer(c: CompiledTrace, peer: PeerAllocator, budgetMs = Infinity): number {
  const start = performance.now();
  const code = (i: number) => opCode(c, i);
  const a = (i: number) => operand(c, "a", i);
  const b = (i: number) => operand(c, "b", i);
  const n = (i: number) => operand(c, "n", i);
  const handles = new Float64Array(c.slotCount);
  const owner: Array<PeerContext | null> = new Array(c.slotCount).fill(null);
  const pos = new Int32Array(c.slotCount);
  const ctxs: PeerContext[] = new Array(c.contextNames.length);
  ctxs[0] = new PeerContext(null);
  ctxs[1] = new PeerContext(ctxs[0]);
  let peak = 0;
  let extra = c.slotCount; // slots for callback structs, past the trace's own

  const own = (ctx: PeerContext, slot: number) => {
    owner[slot] = ctx;
    pos[slot] = ctx.chunks.length;
    ctx.chunks.push(slot);
  };
  const disown = (slot: number) => {
    const ctx = owner[slot] as PeerContext;
    const last = ctx.chunks.pop() as number;
    if (last !== slot) {
      ctx.chunks[pos[slot]] = last;
      pos[last] = pos[slot];
    }
    owner[slot] = null;
  };
  const freeOwn = (ctx: PeerContext) => {
    for (const slot of ctx.chunks) {
      if (slot < handles.length) {
        peer.free(handles[slot]);
        owner[slot] = null;
      }
    }
    ctx.chunks.length = 0;
  };
  const deleteTree = (ctx: PeerContext) => {
    for (const ch of ctx.children) deleteTree(ch);
    ctx.children.length = 0;
    freeOwn(ctx);
  };
  const unlink = (ctx: PeerContext) => {
    const p = ctx.parent;
    if (p !== null) p.children.splice(p.children.indexOf(ctx), 1);
    ctx.parent = null;
  };

  for (let i = 0; i < c.length; i++) {
    switch (code(i)) {
      case Op.ALLOC:
      case Op.ALLOCEXT:
      case Op.ALIGNED:
        handles[a(i)] = peer.malloc(a(i), n(i));
        own(ctxs[b(i)], a(i));
        break;
      case Op.ALLOC0:
        handles[a(i)] = peer.calloc(a(i), n(i));
        own(ctxs[b(i)], a(i));
        break;
      case Op.FREE:
        peer.free(handles[a(i)]);
        disown(a(i));
        break;
      case Op.REALLOC:
        handles[a(i)] = peer.realloc(a(i), handles[a(i)], n(i));
        break;
      case Op.CREATE_ASET:
      case Op.CREATE_GENERATION:
      case Op.CREATE_BUMP:
      case Op.CREATE_SLAB:
        ctxs[b(i)] = new PeerContext(ctxs[a(i)]);
        break;
      case Op.RESET: {
        const ctx = ctxs[b(i)];
        for (const ch of ctx.children) deleteTree(ch);
        ctx.children.length = 0;
        freeOwn(ctx);
        break;
      }
      case Op.RESETONLY:
        freeOwn(ctxs[b(i)]);
        break;
      case Op.DELETE: {
        const ctx = ctxs[b(i)];
        unlink(ctx);
        deleteTree(ctx);
        break;
      }
      case Op.DELETECHILDREN: {
        const ctx = ctxs[b(i)];
        for (const ch of ctx.children) deleteTree(ch);
        ctx.children.length = 0;
        break;
      }
      case Op.RESETCHILDREN: {
        const walk = (ctx: PeerContext) => {
          for (const ch of ctx.children) {
            freeOwn(ch);
            walk(ch);
          }
        };
        walk(ctxs[b(i)]);
        break;
      }
      case Op.SETPARENT: {
        const ctx = ctxs[b(i)];
        unlink(ctx);
        ctx.parent = ctxs[a(i)];
        ctx.parent.children.push(ctx);
        break;
      }
      case Op.CALLBACK: {
        // the 24-byte callback struct; never freed explicitly
        const slot = extra++;
        peer.malloc(slot, 24);
        break;
      }
      default:
        break;
    }
    if ((i & 1023) === 0) {
      peak = Math.max(peak, peer.footprint());
      const ms = performance.now() - start;
      if (ms > budgetMs) throw new PeerTimeout(i + 1, ms);
    }
  }
  return Math.max(peak, peer.footprint());
}

/** A @thi.ng/malloc MemPool as a peer. */
export function thingPeer(
  pool: {
    malloc(n: number): number;
    calloc(n: number): number;
    free(p: number): boolean;
    realloc(p: number, n: number): number;
    stats(): { top: number };
  },
): PeerAllocator {
  return {
    malloc: (_slot, size) => pool.malloc(size),
    calloc: (_slot, size) => pool.calloc(size),
    free: (h) => {
      pool.free(h);
    },
    realloc: (_slot, h, size) => pool.realloc(h, size),
    footprint: () => pool.stats().top,
  };
}

/** Plain JavaScript: a Uint8Array per chunk, references dropped on free. */
export function plainJsPeer(slots: number): PeerAllocator {
  let objs: Array<Uint8Array | undefined> = new Array(slots * 2);
  let live = 0;
  return {
    malloc(slot, size) {
      if (slot >= objs.length) objs = objs.concat(new Array(objs.length));
      objs[slot] = new Uint8Array(size);
      live += size;
      return slot;
    },
    calloc(slot, size) {
      return this.malloc(slot, size);
    },
    free(h) {
      const o = objs[h];
      if (o !== undefined) live -= o.length;
      objs[h] = undefined;
    },
    realloc(slot, h, size) {
      const old = objs[h] as Uint8Array;
      const next = new Uint8Array(size);
      next.set(old.length <= size ? old : old.subarray(0, size));
      live += size - old.length;
      objs[slot] = next;
      return slot;
    },
    footprint: () => live,
  };
}
