/**
 * User code as a command of the model-based runs (`checkAgainstModel`'s
 * `extraCommands`): `UserCodeCmd` runs a caller's function on a fresh
 * context, among the kit's random commands, and checks after it what the kit
 * checks after every command, plus the rules user code must keep:
 *
 * - **Confinement.** The code gets a fresh AllocSet context `ctx` (also
 *   CurrentMemoryContext while it runs) under a random live context. It may
 *   allocate, free, reset, create and delete child contexts inside `ctx`;
 *   every context outside `ctx`'s subtree must keep its counters exactly, and
 *   no context may appear outside it.
 * - **No leak (with `leavesEmpty`).** When it returns, `ctx`'s subtree holds
 *   no more bytes in chunks than the fresh context did, and no child
 *   context. (Code aborted by an error need not clean up: deleting `ctx` does,
 *   as error recovery does in PostgreSQL.)
 * - **Out of memory is fine.** Under an exhausted heap or a memory limit,
 *   the code may raise palloc's out-of-memory error (SQLSTATE 53200): it is
 *   caught, as error recovery would, and the run goes on. Any other error
 *   fails the run.
 *
 * Afterwards the kit deletes `ctx` on both sides. AllocSet contexts the
 * code created that AllocSet keeps for reuse (PostgreSQL's context
 * freelists) are taken into the model's freelists by counting their header
 * blocks, so later commands that recycle them stay checked.
 */
import { AllocSetContextCreate } from "../aset/mod.ts";
import { heap, type MemoryContext } from "../mcxt/context.ts";
import { ERRCODE_OUT_OF_MEMORY, PgError } from "../elog.ts";
import * as R from "../mcxt/mod.ts";
import { MemoryContextCountersOf } from "../mcxt/tree.ts";
import * as M from "../model/mod.ts";
import { fail } from "./checks.ts";
import { Base } from "./commands.ts";
import { contexts, execute, pick } from "./exec.ts";
import { diffTrees, isCachedAllocSetHeader, snapshotTree } from "./leaks.ts";
import type { ModelBox, World } from "./world.ts";

/** The fresh context user code runs in: an AllocSet AllocSet never caches (init 2 KB). */
export const USER_CONTEXT_SPEC: M.ContextSpec = {
  kind: "aset",
  minContextSize: 0,
  initBlockSize: 2048,
  maxBlockSize: 8 << 20,
};

/**
 * What a user command runs, and what it promises.
 *
 * @example
 * ```ts
 * import { propertyKit, type UserCode } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * import { MemoryContextAlloc } from "@palloc/palloc";
 * const leaky: UserCode<number> = {
 *   name: "leaky",
 *   leavesEmpty: true,
 *   run: (ctx, n) => void MemoryContextAlloc(ctx, n), // never freed
 * };
 * const kit = propertyKit(fc);
 * let report = "";
 * try {
 *   kit.checkAgainstModel(kit.commands("chunks"), {
 *     extraCommands: kit.userCommand(leaky, fc.nat(100)),
 *     outDir: null,
 *   });
 * } catch (e) {
 *   report = (e as Error).message;
 * }
 * console.assert(report.includes("the user code leaked"));
 * ```
 */
export interface UserCode<T> {
  /** Names the command in reports and the context it runs in. */
  readonly name: string;
  /** The code under test: `ctx` is its fresh context, `input` the generated value. */
  readonly run: (ctx: MemoryContext, input: T) => void;
  /** The code frees everything it allocates: its context must be as fresh when it returns. */
  readonly leavesEmpty?: boolean;
}

/** Counters of every context the model knows but `skip`, one line each. */
function outside(m: ModelBox, w: World, skip: M.CtxId): string[] {
  const out: string[] = [];
  for (const id of M.allContexts(m.state)) {
    if (id === skip) continue;
    const c = w.real(id);
    const k = MemoryContextCountersOf(c);
    let kids = 0;
    for (let d = c.firstchild; d !== null; d = d.nextchild) kids++;
    out.push(
      `${c.name}: ${k.totalspace} total in ${k.nblocks} blocks; ${k.freespace} free ` +
        `(${k.freechunks} chunks); ${c.memAllocated} allocated; ${kids} children`,
    );
  }
  return out;
}

/**
 * Runs `code` with a generated `input` in a fresh context under the
 * `parent`-th live context (see the file header for what it checks).
 */
export class UserCodeCmd<T> extends Base {
  /** Keeps the arguments; the command picks its targets when it runs. */
  constructor(readonly code: UserCode<T>, readonly parent: number, readonly input: T) {
    super();
  }
  /** Runs the command on the model and on palloc. */
  act(m: ModelBox, w: World): void {
    const s = m.state;
    const parent = pick(contexts(s), this.parent);
    const nm = `${this.code.name}${s.nextCtx}`;
    const sp = USER_CONTEXT_SPEC as M.ContextSpec & { kind: "aset" };
    const model = M.createContext(s, parent, nm, sp);
    const { out, real } = execute(
      m,
      w,
      `${this}`,
      model,
      () =>
        AllocSetContextCreate(
          w.real(parent),
          nm,
          sp.minContextSize,
          sp.initBlockSize,
          sp.maxBlockSize,
        ),
      { op: "create", spec: sp, parent },
    );
    if (!out.ok || !real.ok || !("ctx" in out)) return; // out of memory: nothing ran
    const id = out.ctx as M.CtxId;
    const ctx = real.value;
    w.ctx.set(id, ctx);
    w.specOf.set(ctx, sp);
    w.attribute(ctx);
    const fresh = snapshotTree(ctx);
    const before = outside(m, w, id);
    const previous = R.MemoryContextSwitchTo(ctx);
    let aborted = false;
    try {
      this.code.run(ctx, this.input);
    } catch (e) {
      aborted = true;
      if (!(e instanceof PgError && e.sqlstate === ERRCODE_OUT_OF_MEMORY)) {
        fail(m, w, `${this}: the user code raised ${e instanceof Error ? e.stack : e}`);
      }
    } finally {
      R.MemoryContextSwitchTo(previous.id !== 0 ? previous : R.TopMemoryContext);
    }
    w.attribute(ctx);
    if (ctx.id === 0) fail(m, w, `${this}: the user code deleted its own context`);
    const after = outside(m, w, id);
    const changed = after.filter((line, i) => line !== before[i]);
    if (after.length !== before.length || changed.length > 0) {
      fail(m, w, `${this}: the user code changed contexts outside its own: ${changed.join("; ")}`);
    }
    if (this.code.leavesEmpty && !aborted) {
      const grew = diffTrees(fresh, snapshotTree(ctx));
      if (grew.length > 0) {
        fail(m, w, `${this}: the user code leaked:\n  ${grew.join("\n  ")}`);
      }
    }
    this.deleteUserContext(m, w, id, ctx);
  }

  /** Deletes the user's context on both sides and takes AllocSet's cache into the model. */
  private deleteUserContext(m: ModelBox, w: World, id: M.CtxId, ctx: MemoryContext): void {
    const model = M.deleteContext(m.state, id);
    w.fired = [];
    execute(m, w, `${this} (delete)`, model, () => R.MemoryContextDelete(ctx));
    for (const [p, owner] of [...w.blocks]) {
      if (owner !== ctx) continue;
      w.blocks.delete(p);
      const size = heap.sizeOf(p);
      if (!isCachedAllocSetHeader(p) || (size !== 8192 && size !== 1024)) {
        fail(m, w, `${this}: the user code left a ${size}-byte heap block behind`);
      }
      w.foreignCached.set(p, size === 8192 ? 0 : 1);
    }
    // The real freelists now hold the model's survivors and the user's contexts, newest first.
    const real = [0, 0];
    const live = new Set(w.ctx.values());
    for (const [p, owner] of w.blocks) {
      if (live.has(owner) || p !== owner.header) continue;
      const list = M.asetFreelistOf(w.specOf.get(owner)!);
      if (list !== null) real[list]++;
    }
    for (const list of w.foreignCached.values()) real[list]++;
    const lists = m.state.asetFreelists.map((entries, list) => {
      const added = Math.max(0, real[list] - entries.length);
      // A guess (ALLOCSET_DEFAULT_SIZES / ALLOCSET_SMALL_SIZES); recycling corrects it.
      const guess = M.chunkLimitOf({
        kind: "aset",
        minContextSize: 0,
        initBlockSize: list === 0 ? 8192 : 1024,
        maxBlockSize: list === 0 ? 8 << 20 : 8192,
      });
      return [...Array(added).fill(guess), ...entries].slice(0, real[list]);
    }) as unknown as [readonly number[], readonly number[]];
    m.state = { ...m.state, asetFreelists: lists };
  }
  /** The command, from its constructor arguments only. */
  toString(): string {
    return `${this.code.name}(parent ${this.parent}, ${JSON.stringify(this.input)})`;
  }
}
