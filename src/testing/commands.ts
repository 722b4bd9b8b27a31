/**
 * The commands of the model-based properties. Each one runs the same call
 * on the model and on palloc through `execute` (see `exec_test.ts`),
 * updates the bookkeeping, records itself as trace lines (expectations from
 * the model) and then `checkWorld` compares everything.
 *
 * Commands are immutable and valid by construction: they name contexts and
 * chunks by an index taken modulo the live list at the time they run, so a
 * command stays meaningful when shrinking removes the ones before it. They
 * describe themselves from their constructor arguments only.
 */
import type { Command } from "./fast_check.ts";
import { type AllocSetContext, AllocSetContextCreate } from "../aset/mod.ts";
import { heap } from "../mcxt/context.ts";
import { BumpContextCreate } from "../bump/mod.ts";
import { GenerationContextCreate } from "../generation/mod.ts";
import { SlabContextCreate } from "../slab/mod.ts";
import * as R from "../mcxt/mod.ts";
import * as M from "../model/mod.ts";
import type { Expectation, Operation } from "../trace/types.ts";
import { checkLimits, checkWorld, fail, limitedTotals } from "./checks.ts";
import {
  allocate,
  type AllocHow,
  contexts,
  execute,
  expectations,
  namedChunks,
  pick,
} from "./exec.ts";
import { counters, fillPattern, type ModelBox, patternMismatch, type World } from "./world.ts";

/** Shared shape: count, log, act, forget the dead, check everything. */
export abstract class Base implements Command<ModelBox, World> {
  /** Every command can run in any state (targets are picked modulo the live lists). */
  check(_m: Readonly<ModelBox>): boolean {
    return true;
  }
  /**
   * True while the command may move memory into a limited subtree without
   * asking the heap (set-parent, a recycled AllocSet): the limit check after
   * it takes the new totals as they are.
   */
  movesMemory = false;
  /** Counts, logs and runs the command, then checks the whole world. */
  run(m: ModelBox, w: World): void {
    counters.commands++;
    w.log.push(this.toString());
    const before = limitedTotals(m, w);
    this.act(m, w);
    w.sweep(m.state);
    checkWorld(m, w);
    if (!this.movesMemory) checkLimits(m, w, before, this.toString());
  }
  /** The command's own work, on the model and on palloc. */
  abstract act(m: ModelBox, w: World): void;
  /** The command, from its constructor arguments only. */
  abstract toString(): string;
}

/** Creates a context of any type under the `parent`-th live context. */
export class CreateCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly parent: number, readonly spec: M.ContextSpec) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const s = m.state;
    const parent = pick(contexts(s), this.parent);
    const nm = `c${s.nextCtx}`;
    const p = w.real(parent);
    const sp = this.spec;
    const create = () => {
      switch (sp.kind) {
        case "slab":
          return SlabContextCreate(p, nm, sp.blockSize, sp.chunkSize);
        case "aset":
          return AllocSetContextCreate(p, nm, sp.minContextSize, sp.initBlockSize, sp.maxBlockSize);
        case "generation":
          return GenerationContextCreate(
            p,
            nm,
            sp.minContextSize,
            sp.initBlockSize,
            sp.maxBlockSize,
          );
        case "bump":
          return BumpContextCreate(p, nm, sp.minContextSize, sp.initBlockSize, sp.maxBlockSize);
      }
    };
    const req = { op: "create", spec: sp, parent } as const;
    const model = M.createContext(s, parent, nm, sp);
    const entry = w.record(createOp(nm, M.nameOf(s, parent), sp), expectations(model));
    const { out, real } = execute(m, w, `${this}`, model, create, req);
    entry.expect = expectations(out);
    if (out.ok && real.ok && "ctx" in out) {
      this.movesMemory = w.pending.length === 0; // recycled from AllocSet's context freelist
      w.ctx.set(out.ctx as M.CtxId, real.value);
      w.specOf.set(real.value, sp);
      if (w.foreignCached.has(real.value.header)) {
        // Recycled a context user code left in AllocSet's cache: its chunk limit is the real one.
        const id = out.ctx as M.CtxId;
        const limit = (real.value as AllocSetContext).allocChunkLimit;
        const contexts = new Map(m.state.contexts);
        contexts.set(id, { ...M.mustContext(m.state, id), chunkLimit: limit });
        m.state = { ...m.state, contexts };
      }
      w.adopt(real.value);
      w.attribute(real.value);
    } else if (w.pending.length > 0) fail(m, w, `${this} failed but kept heap blocks`);
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `create(parent ${this.parent}, ${JSON.stringify(this.spec)})`;
  }
}

/** The trace's `create` line for a context of `spec`. */
function createOp(name: string, parent: string, sp: M.ContextSpec): Operation {
  if (sp.kind === "slab") {
    return {
      verb: "create",
      name,
      type: "slab",
      parent,
      blockSize: sp.blockSize,
      chunkSize: sp.chunkSize,
    };
  }
  const { minContextSize: min, initBlockSize: init, maxBlockSize: max } = sp;
  return { verb: "create", name, type: sp.kind, parent, min, init, max };
}

/** Allocates in the `ctx`-th live context (or the current one for palloc). */
export class AllocCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(
    readonly ctx: number,
    readonly size: number | bigint,
    readonly how: AllocHow,
    readonly flags = 0,
    readonly slabExact = false,
  ) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const s = m.state;
    const id = this.how === "palloc" ? s.current : pick(contexts(s), this.ctx);
    const ctx = M.mustContext(s, id);
    const size = ctx.spec.kind === "slab" && this.slabExact ? ctx.chunkLimit : this.size;
    allocate(m, w, id, size, this.how, this.flags, this.toString());
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    const flags = this.how === "ext" ? `, flags ${this.flags}` : "";
    return `${this.how}(ctx ${this.ctx}, ${this.size}${
      this.slabExact ? " or slab size" : ""
    }${flags})`;
  }
}

/** Fills ErrorContext while the model guarantees its reserve serves `size` (at most 64 chunks). */
export class FillReserveCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly size: number) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const req = { op: "alloc", ctx: M.ERROR_CONTEXT, size: this.size } as const;
    for (let i = 0; i < 64 && M.memoryVerdict(m.state, req) === "succeeds"; i++) {
      allocate(m, w, M.ERROR_CONTEXT, this.size, "alloc", 0, this.toString());
    }
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `fillreserve(${this.size})`;
  }
}

/** `pfree` of the `chunk`-th live chunk. */
export class FreeCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly chunk: number) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const list = namedChunks(m.state, w);
    if (list.length === 0) return;
    const id = pick(list, this.chunk);
    const r = w.chunk(id);
    const model = M.free(m.state, id);
    const entry = w.record({ verb: "free", ptr: w.tokens.get(id) ?? "?" }, expectations(model));
    const { out } = execute(m, w, this.toString(), model, () => R.pfree(r.ptr));
    entry.expect = expectations(out);
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `free(chunk ${this.chunk})`;
  }
}

/** `GetMemoryChunkSpace` or `GetMemoryChunkContext` of the `chunk`-th live chunk. */
export class InspectCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly chunk: number, readonly what: "space" | "owner") {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const list = namedChunks(m.state, w);
    if (list.length === 0) return;
    const id = pick(list, this.chunk);
    const r = w.chunk(id);
    const s = m.state;
    const out = this.what === "space" ? M.space(s, id) : M.owner(s, id);
    const entry = w.record({ verb: this.what, ptr: w.tokens.get(id) ?? "?" }, inspected(s, out));
    const { out: o, real } = execute(
      m,
      w,
      this.toString(),
      out,
      () => this.what === "space" ? R.GetMemoryChunkSpace(r.ptr) : R.GetMemoryChunkContext(r.ptr),
    );
    entry.expect = inspected(s, o);
    if (o.ok && real.ok && "space" in o && real.value !== o.space) {
      fail(m, w, `${this}: ${real.value}, model ${o.space}`);
    }
    if (o.ok && real.ok && "ctx" in o && real.value !== w.real(o.ctx as M.CtxId)) {
      fail(m, w, `${this}: wrong context`);
    }
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `${this.what}(chunk ${this.chunk})`;
  }
}

/** The model's lines for `space` / `owner`. */
function inspected(s: M.ModelState, out: M.Outcome<object>): Expectation[] {
  const expect = expectations(out);
  if (out.ok && "space" in out) expect.push({ kind: "space", bytes: out.space as number });
  if (out.ok && "ctx" in out) expect.push({ kind: "owner", name: M.nameOf(s, out.ctx as M.CtxId) });
  return expect;
}

/** `repalloc` of the `chunk`-th live chunk to `size`. */
export class ReallocCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly chunk: number, readonly size: number | bigint) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const list = namedChunks(m.state, w);
    if (list.length === 0) return;
    const id = pick(list, this.chunk);
    const r = w.chunk(id);
    const owner = w.real(m.state.chunks.get(id)?.ctx ?? -1);
    const req = { op: "realloc", chunk: id, size: this.size } as const;
    const out = M.realloc(m.state, id, this.size);
    const op: Operation = { verb: "realloc", ptr: w.tokens.get(id) ?? "?", size: this.size };
    const entry = w.record(op, expectations(out));
    const { out: o, real } = execute(m, w, `${this}`, out, () => R.repalloc(r.ptr, this.size), req);
    w.attribute(owner);
    const expect = entry.expect = expectations(o);
    if (!o.ok || !real.ok) return;
    const n = Number(this.size);
    if (real.value === 0 || !(n < heap.byteLength)) {
      fail(m, w, `${this}: palloc returned ${real.value}`);
    }
    const kept = Math.min(n, r.size);
    const bad = patternMismatch(id, real.value, 0, kept, true);
    if (bad >= 0) fail(m, w, `${this}: byte ${bad} was not kept`);
    fillPattern(id, real.value, kept, n);
    w.chunks.set(id, { ptr: real.value, size: n, anonymous: false });
    const space = M.space(m.state, id);
    if (space.ok) expect.push({ kind: "space", bytes: space.space });
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `realloc(chunk ${this.chunk}, ${this.size})`;
  }
}
