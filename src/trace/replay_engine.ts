/**
 * One replay step: runs an operation against palloc and returns the lines
 * PostgreSQL would have printed after it, in FORMAT.md's order — `= error`
 * or `= null`, `= fired`, the verb's own result, `= space`, `= stat` — plus
 * `!` lines for content checks that failed (zeroing, realloc keeping bytes,
 * chunk stamps at `check`). It keeps the name → context and token → chunk
 * maps of one trace. `replay.ts` drives it and compares.
 *
 * A `PgError` becomes `= error MESSAGE`; any other exception propagates (the
 * driver turns it into a failure naming the line); a step that cannot be
 * replayed at all (missing context type, unknown name) raises `ReplayFailure`.
 */
import type { MemoryContext } from "../mcxt/context.ts";
import { PgError } from "../elog.ts";
import type { PallocApi } from "./api.ts";
import {
  ChunkTable,
  firstNonZero,
  type LiveChunk,
  stamp,
  subtree,
  verify,
} from "./replay_chunks.ts";
import { FLAG_ZERO, type Operation, type TraceStep } from "./types.ts";

/** Raised inside the engine for a step that cannot be replayed; becomes `reason`. */
export class ReplayFailure extends Error {}

const BUMP = "BumpContext";

/** Replay state for one trace: run each step in order with `run`. */
export class ReplayEngine {
  private readonly api: PallocApi;
  private readonly contexts = new Map<string, MemoryContext>();
  private readonly chunks = new ChunkTable();
  private fired: string[] = [];
  /** Lines computed so far for the current step (reported when it throws). */
  partial: string[] = [];

  /** Starts on the palloc state `api` currently has (after `MemoryContextInit`). */
  constructor(api: PallocApi) {
    this.api = api;
    const m = api.mcxt;
    this.contexts.set("TopMemoryContext", m.TopMemoryContext);
    this.contexts.set("ErrorContext", m.ErrorContext);
  }

  /** The live context named `name`. */
  private ctx(name: string): MemoryContext {
    const c = this.contexts.get(name);
    if (c === undefined) throw new ReplayFailure(`context "${name}" does not exist in the replay`);
    return c;
  }

  /** The live chunk named `token`. */
  private chunk(token: string): LiveChunk {
    const c = this.chunks.get(token);
    if (c === undefined) throw new ReplayFailure(`chunk "${token}" is not live in the replay`);
    return c;
  }

  /** Runs one step; returns its lines in FORMAT.md order. */
  run(step: TraceStep): string[] {
    const op = step.op;
    const m = this.api.mcxt;
    const head: string[] = []; // = error / = null and `!` findings
    const result: string[] = []; // the verb's own result lines
    let space: string | null = null;
    let statCtx: MemoryContext | null = null;
    let killed: Set<MemoryContext> | null = null;
    this.fired = [];
    this.partial = head;
    try {
      switch (op.verb) {
        case "create": {
          const create = this.api.creators[op.type];
          if (create === undefined) {
            const why = this.api.unavailable.get(op.type) ?? "not loaded";
            throw new ReplayFailure(`context type ${op.type} is not available: ${why}`);
          }
          const sizes = op.type === "slab"
            ? [Number(op.blockSize), Number(op.chunkSize)]
            : [Number(op.min), Number(op.init), Number(op.max)];
          const parent = this.ctx(op.parent);
          const c = create(parent, op.name, sizes);
          this.contexts.set(op.name, c);
          statCtx = c;
          break;
        }
        case "alloc":
        case "alloc0":
        case "allocext":
        case "aligned": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          const p = this.allocate(op, c);
          if (p === 0) {
            head.push("= null");
            break;
          }
          const size = Number(op.size);
          const u8 = this.api.heap().u8;
          const zero = op.verb === "alloc0" || (op.verb === "allocext" && (op.flags & FLAG_ZERO));
          const bad = zero ? firstNonZero(u8, p, size) : null;
          if (bad !== null) head.push(bad);
          this.chunks.bind(u8, op.ptr, p, c, size);
          if (c.typeName !== BUMP) space = `= space ${m.GetMemoryChunkSpace(p)}`;
          break;
        }
        case "free": {
          const chunk = this.chunk(op.ptr);
          statCtx = chunk.ctx;
          m.pfree(chunk.ptr);
          this.chunks.unbind(op.ptr);
          break;
        }
        case "realloc": {
          const chunk = this.chunk(op.ptr);
          statCtx = chunk.ctx;
          try {
            const p = m.repalloc(chunk.ptr, op.size);
            if (p === 0) {
              head.push("= null");
              break;
            }
            const size = Number(op.size);
            const keep = Math.min(chunk.size, size);
            chunk.ptr = p;
            const lost = verify(this.api.heap().u8, chunk, keep);
            if (lost !== null) head.push(lost);
            chunk.size = size;
            stamp(this.api.heap().u8, chunk);
            if (chunk.ctx.typeName !== BUMP) space = `= space ${m.GetMemoryChunkSpace(p)}`;
          } finally {
            // A failed realloc must leave the chunk and its contents as they were.
            const lost = verify(this.api.heap().u8, chunk, chunk.size);
            if (lost !== null) head.push(lost);
          }
          break;
        }
        case "space": {
          const chunk = this.chunk(op.ptr);
          statCtx = chunk.ctx;
          result.push(`= space ${m.GetMemoryChunkSpace(chunk.ptr)}`);
          break;
        }
        case "owner": {
          const chunk = this.chunk(op.ptr);
          statCtx = chunk.ctx;
          result.push(`= owner ${m.GetMemoryChunkContext(chunk.ptr).name}`);
          break;
        }
        case "reset":
        case "resetonly":
        case "resetchildren":
        case "delete":
        case "deletechildren": {
          const c = this.ctx(op.ctx);
          if (op.verb !== "delete") statCtx = c;
          const self = op.verb === "reset" || op.verb === "resetonly" || op.verb === "delete";
          killed = op.verb === "resetonly" ? new Set([c]) : subtree(c, self);
          if (op.verb === "reset") m.MemoryContextReset(c);
          else if (op.verb === "resetonly") m.MemoryContextResetOnly(c);
          else if (op.verb === "resetchildren") m.MemoryContextResetChildren(c);
          else if (op.verb === "delete") m.MemoryContextDelete(c);
          else m.MemoryContextDeleteChildren(c);
          break;
        }
        case "setparent": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          m.MemoryContextSetParent(c, this.ctx(op.parent));
          break;
        }
        case "ident": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          m.MemoryContextSetIdentifier(c, op.text);
          break;
        }
        case "callback": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          m.MemoryContextAlloc(c, 24);
          const id = op.id;
          const fired = (): void => {
            this.fired.push(id);
          };
          m.MemoryContextRegisterResetCallback(c, { func: fired, arg: null });
          break;
        }
        case "limit":
          this.api.heap().limit = op.bytes === null ? Infinity : Number(op.bytes);
          break;
        case "isempty": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          result.push(`= bool ${m.MemoryContextIsEmpty(c) ? 1 : 0}`);
          break;
        }
        case "memallocated": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          result.push(`= bytes ${m.MemoryContextMemAllocated(c, op.recurse)}`);
          break;
        }
        case "consumed": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          const k = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
          m.MemoryContextMemConsumed(c, k);
          result.push(`= counters ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace}`);
          break;
        }
        case "stats": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          for (const l of m.MemoryContextStatsLines(c, op.maxLevel, op.maxChildren)) {
            result.push(`= line ${l}`);
          }
          break;
        }
        case "check":
          this.check(result);
          break;
      }
    } catch (err) {
      if (!(err instanceof PgError)) throw err;
      head.unshift(`= error ${err.message}`);
    }
    if (killed !== null) this.forget(killed);
    const out = head;
    if (this.fired.length > 0) out.push(`= fired ${this.fired.join(" ")}`);
    for (const l of result) out.push(l);
    if (space !== null) out.push(space);
    if (statCtx !== null) out.push(this.stat(statCtx));
    return out;
  }

  /** Calls the allocation function of an allocating verb. */
  private allocate(op: Operation, c: MemoryContext): number {
    const m = this.api.mcxt;
    switch (op.verb) {
      case "alloc":
        return m.MemoryContextAlloc(c, op.size);
      case "alloc0":
        return m.MemoryContextAllocZero(c, op.size);
      case "allocext":
        return m.MemoryContextAllocExtended(c, op.size, op.flags);
      case "aligned": {
        const aligned = this.api.allocAligned;
        if (aligned === null) {
          const why = this.api.unavailable.get("aligned") ?? "not loaded";
          throw new ReplayFailure(`MemoryContextAllocAligned is not available: ${why}`);
        }
        return aligned(c, op.size, Number(op.alignto), 0);
      }
      default:
        throw new ReplayFailure(`${op.verb} is not an allocating verb`);
    }
  }

  /** Drops the names and chunks of contexts that were reset or deleted. */
  private forget(killed: Set<MemoryContext>): void {
    this.chunks.forgetContexts(killed);
    for (const c of killed) {
      if (c.id === 0 || isDetached(c, this.api.mcxt.TopMemoryContext)) {
        if (this.contexts.get(c.name) === c) this.contexts.delete(c.name);
      }
    }
  }

  /** The `= stat` line of `c`. */
  private stat(c: MemoryContext): string {
    const m = this.api.mcxt;
    const k = m.MemoryContextCountersOf(c);
    return `= stat ${c.name} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
      m.MemoryContextMemAllocated(c, false)
    }`;
  }

  /** `check`: one `= ctx` and one `= text` line per trace-made context, then chunk stamps. */
  private check(out: string[]): void {
    const m = this.api.mcxt;
    const top = m.TopMemoryContext;
    const err = m.ErrorContext;
    const walk = (parent: MemoryContext, level: number): void => {
      for (let c = parent.firstchild; c !== null; c = c.nextchild) {
        if (c !== err) {
          const k = m.MemoryContextCountersOf(c);
          out.push(
            `= ctx ${c.name} ${parent.name} ${level} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
              m.MemoryContextMemAllocated(c, false)
            } ${m.MemoryContextIsEmpty(c) ? 1 : 0}`,
          );
          out.push(`= text ${m.MemoryContextStatsLine(c)}`);
        }
        walk(c, level + 1);
      }
    };
    walk(top, 1);
    for (const bad of this.chunks.verifyAll(this.api.heap().u8)) out.push(bad);
  }
}

/** True when `c` is no longer below `top` (deleted, even if its header is kept for reuse). */
function isDetached(c: MemoryContext, top: MemoryContext): boolean {
  let p: MemoryContext | null = c;
  while (p !== null && p !== top) p = p.parent;
  return p === null;
}
