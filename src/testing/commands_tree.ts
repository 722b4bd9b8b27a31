/**
 * The commands that act on contexts rather than chunks: the reset and
 * delete verbs (with the callbacks they fire), set-parent, callbacks,
 * switching the current context, exhausting and replenishing the heap,
 * and error recovery. Same rules as `commands_test.ts`.
 *
 * ErrorContext must outlive every run (the reserve properties need it), so
 * it is never deleted or moved, and TopMemoryContext is never the target of
 * `reset` or `deletechildren` (either would delete ErrorContext).
 * TopMemoryContext may be the target of `delete` and `setparent`: the
 * model refuses both, and palloc must too.
 */
import { heap } from "../mcxt/context.ts";
import * as R from "../mcxt/mod.ts";
import { MemoryContextSetLimit } from "../mcxt/limit.ts";
import { FlushErrorState } from "../postgres.ts";
import * as M from "../model/mod.ts";
import { fail } from "./checks.ts";
import { Base } from "./commands.ts";
import { allocate, contexts, execute, expectations, pick } from "./exec.ts";
import type { ModelBox, World } from "./world.ts";

/** The reset and delete verbs. */
export type LifetimeVerb = "reset" | "resetonly" | "resetchildren" | "delete" | "deletechildren";

const MODEL_VERB = {
  reset: M.reset,
  resetonly: M.resetOnly,
  resetchildren: M.resetChildren,
  delete: M.deleteContext,
  deletechildren: M.deleteChildren,
};

const REAL_VERB = {
  reset: R.MemoryContextReset,
  resetonly: R.MemoryContextResetOnly,
  resetchildren: R.MemoryContextResetChildren,
  delete: R.MemoryContextDelete,
  deletechildren: R.MemoryContextDeleteChildren,
};

function compareFired(m: ModelBox, w: World, label: string, out: M.Outcome<object>): void {
  const want = out.ok && "fired" in out ? (out.fired as string[]).join(" ") : "";
  if (w.fired.join(" ") !== want) {
    fail(m, w, `${label}: callbacks ran [${w.fired}], model [${want}]`);
  }
}

/** A reset or delete verb on the `ctx`-th eligible context. */
export class LifetimeCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly ctx: number, readonly verb: LifetimeVerb) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const s = m.state;
    const skip = this.verb === "delete"
      ? [M.ERROR_CONTEXT]
      : this.verb === "reset" || this.verb === "deletechildren"
      ? [M.TOP]
      : [];
    const id = pick(contexts(s, skip), this.ctx);
    const c = w.real(id);
    w.fired = [];
    const real = REAL_VERB[this.verb];
    const model = MODEL_VERB[this.verb](s, id);
    const entry = w.record({ verb: this.verb, ctx: M.nameOf(s, id) }, expectations(model));
    const { out } = execute(m, w, `${this}`, model, () => real(c));
    entry.expect = expectations(out);
    compareFired(m, w, `${this}`, out);
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `${this.verb}(ctx ${this.ctx})`;
  }
}

/** Moves the `ctx`-th context (never ErrorContext) under the `parent`-th. */
export class SetParentCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly ctx: number, readonly parent: number) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const s = m.state;
    const id = pick(contexts(s, [M.ERROR_CONTEXT]), this.ctx);
    const parent = pick(contexts(s), this.parent);
    const real = () => R.MemoryContextSetParent(w.real(id), w.real(parent));
    const model = M.setParent(s, id, parent);
    const entry = w.record(
      { verb: "setparent", ctx: M.nameOf(s, id), parent: M.nameOf(s, parent) },
      expectations(model),
    );
    entry.expect = expectations(execute(m, w, `${this}`, model, real).out);
    this.movesMemory = true;
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `setparent(ctx ${this.ctx}, parent ${this.parent})`;
  }
}

/**
 * The trace's `callback CTX ID`: a 24-byte callback struct is allocated in
 * the `ctx`-th context, then a callback recording its id is registered.
 */
export class CallbackCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly ctx: number) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const id = pick(contexts(m.state), this.ctx);
    const cb = `cb${w.trace.length}`;
    const entry = w.record({ verb: "callback", ctx: M.nameOf(m.state, id), id: cb });
    const a = allocate(m, w, id, 24, "alloc", 0, `${this}`, true);
    entry.expect = a.expect.filter((e) => e.kind !== "space");
    if (a.chunk !== null) {
      m.state = M.registerCallback(m.state, id, cb).state;
      R.MemoryContextRegisterResetCallback(w.real(id), {
        func: (arg) => w.fired.push(arg as string),
        arg: cb,
      });
    }
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `callback(ctx ${this.ctx})`;
  }
}

/** `MemoryContextSwitchTo` the `ctx`-th context (no trace verb: written as nothing). */
export class SwitchCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly ctx: number) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const id = pick(contexts(m.state), this.ctx);
    const { out, real } = execute(
      m,
      w,
      `${this}`,
      M.switchTo(m.state, id),
      () => R.MemoryContextSwitchTo(w.real(id)),
    );
    if (out.ok && real.ok && "previous" in out && real.value !== w.real(out.previous as M.CtxId)) {
      fail(m, w, `${this}: returned the wrong previous context`);
    }
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `switch(ctx ${this.ctx})`;
  }
}

/** `MemoryContextIsEmpty` of the `ctx`-th context, as a trace line (checked anyway). */
export class IsEmptyCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly ctx: number) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const id = pick(contexts(m.state), this.ctx);
    const value = M.isEmptyNow(m.state, id);
    w.record({ verb: "isempty", ctx: M.nameOf(m.state, id) }, [{ kind: "bool", value }]);
    if (R.MemoryContextIsEmpty(w.real(id)) !== value) fail(m, w, `${this}: palloc says ${!value}`);
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `isempty(ctx ${this.ctx})`;
  }
}

/** The heap gives nothing more (`limit 0`), or everything again (`limit none`). */
export class LimitCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly exhausted: boolean) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    w.record({ verb: "limit", bytes: this.exhausted ? 0 : null });
    heap.limit = this.exhausted ? 0 : Infinity;
    m.state = this.exhausted ? M.exhaustHeap(m.state) : M.replenishHeap(m.state);
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return this.exhausted ? "limit(0)" : "limit(none)";
  }
}

/** Limits a context's subtree could get (null lifts one; -1 and 0.5 are refused). */
export const LIMITS: readonly (number | null)[] = [null, 0, 1024, 8192, 16384, 40000, 1 << 20];

/**
 * `MemoryContextSetLimit` of the `ctx`-th context to `bytes` (no trace verb:
 * written as nothing, so a counterexample trace replays without limits).
 */
export class MemLimitCmd extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly ctx: number, readonly bytes: number | null) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const id = pick(contexts(m.state), this.ctx);
    const model = M.setLimit(m.state, id, this.bytes);
    execute(m, w, `${this}`, model, () => MemoryContextSetLimit(w.real(id), this.bytes));
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `memlimit(ctx ${this.ctx}, ${this.bytes})`;
  }
}

/**
 * Error recovery: back to TopMemoryContext, then `FlushErrorState`
 * (`MemoryContextReset(ErrorContext)`); written as `reset ErrorContext`.
 */
export class RecoverCmd extends Base {
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    w.fired = [];
    const model = M.recoverFromError(m.state);
    const entry = w.record({ verb: "reset", ctx: "ErrorContext" }, expectations(model));
    const { out } = execute(m, w, `${this}`, model, () => {
      R.MemoryContextSwitchTo(R.TopMemoryContext);
      FlushErrorState();
    });
    entry.expect = expectations(out);
    compareFired(m, w, `${this}`, out);
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return "recover()";
  }
}
