/**
 * The replay loop, the only code that performs a trace's operations against
 * palloc: one `switch` over the opcodes of a compiled trace (`compile.ts`).
 * The benchmark runs a whole trace through it in slices of `REPLAY_SLICE`
 * operations (`replayCompiled`); the checked replay (`replay.ts`) runs it
 * one operation at a time and computes the expectation lines around each
 * call. All palloc functions are
 * fetched into locals once per call and the loop reads only typed arrays, so
 * what a benchmark times is palloc, not the harness.
 *
 * The loop returns the value of the last query it ran (`space`, `owner`,
 * `isempty`, `memallocated`, `consumed`, `stats`); pointers stay in the
 * state's pointer table. Exceptions propagate unchanged (a `PgError` is an
 * expectation for the checked replay), with `state.at` set to the index of
 * the operation that threw.
 */
import type { MemoryContext } from "../mcxt/context.ts";
import type { PallocApi } from "./api.ts";
import { type CompiledTrace, nOperand } from "./compile.ts";
import * as compileModule from "./compile.ts";
import { Op } from "./verbs.ts";

function noop(): void {}

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules"): with the
// layout's names read as imports in the loop, bump-sort's replay measured 15-20 % slower.
const { N_WIDE, OP_A, OP_B, OP_CODE, OP_N, OP_STRIDE } = compileModule;

/**
 * The contexts a delete of `ctx` may kill — those below it, and `ctx` itself
 * when `self` — with the table slot each was created in (from `slotOf`, by
 * registry id read before the delete; -1 when the trace did not make it),
 * written into `dying` and `slots` from index 0 in one iterative walk.
 * Returns how many. The arrays are reused from delete to delete (a count,
 * no `length = 0`).
 */
function collectDying(
  ctx: MemoryContext,
  self: boolean,
  slotOf: number[],
  dying: (MemoryContext | null)[],
  slots: number[],
): number {
  let k = 0;
  if (self) {
    const s = slotOf[ctx.id];
    dying[k] = ctx;
    slots[k++] = s === undefined ? -1 : s;
  }
  let node = ctx.firstchild;
  while (node !== null) {
    const s = slotOf[node.id];
    dying[k] = node;
    slots[k++] = s === undefined ? -1 : s;
    if (node.firstchild !== null) node = node.firstchild;
    else {
      while (node !== null && node !== ctx && node.nextchild === null) node = node.parent;
      node = node === null || node === ctx ? null : node.nextchild;
    }
  }
  return k;
}

/**
 * Clears the table slots of the first `count` contexts of `dying` that are
 * now dead (`id` 0), and drops `dying`'s references: integer indexing only,
 * no lookup by name on the replay's hot path.
 */
function releaseDead(
  dying: (MemoryContext | null)[],
  slots: number[],
  count: number,
  ctxs: MemoryContext[],
): void {
  for (let k = 0; k < count; k++) {
    const ctx = dying[k] as MemoryContext;
    dying[k] = null;
    if (ctx.id !== 0) continue;
    const slot = slots[k];
    if (slot >= 0 && ctxs[slot] === ctx) ctxs[slot] = undefined as unknown as MemoryContext;
  }
}

/** The palloc side of one replay: chunk pointers by slot, contexts by id. */
export interface ReplayState {
  /**
   * Chunk pointer per slot (grown to the trace's `slotCount` as needed). A pointer is a u32
   * offset (0 for NULL), so the table is a `Uint32Array`: the loop's loads are integers, which
   * V8 passes on and indexes with cheaper than the doubles of a `Float64Array`.
   */
  ptrs: Uint32Array;
  /** Context per id; 0 and 1 are TopMemoryContext and ErrorContext. */
  ctxs: MemoryContext[];
  /** The reset callback `callback` registers; called with the callback's ID. */
  onReset: (id: unknown) => void;
  /** Index of the operation that threw last (set only when one throws). */
  at: number;
  /**
   * Drop the table's references to contexts a delete killed (the fast replay
   * sets it), so dead contexts die young instead of surviving the whole run.
   */
  release: boolean;
  /** The table slot of each context the trace created, by its registry id (for `release`). */
  slotOf: number[];
}

/**
 * A fresh replay state on the palloc `api` currently has (after
 * `MemoryContextInit`).
 */
export function newReplayState(api: PallocApi, onReset: (id: unknown) => void = noop): ReplayState {
  return {
    ptrs: new Uint32Array(16),
    ctxs: [api.mcxt.TopMemoryContext, api.mcxt.ErrorContext],
    onReset,
    at: -1,
    release: false,
    slotOf: [],
  };
}

/**
 * Performs operations `from` … `to - 1` of `c`; returns the value of the
 * last query among them (undefined when there is none).
 */
export function execute(
  c: CompiledTrace,
  st: ReplayState,
  api: PallocApi,
  from: number,
  to: number,
): unknown {
  const mc = api.mcxt;
  const alloc = mc.MemoryContextAlloc;
  const alloc0 = mc.MemoryContextAllocZero;
  const allocExt = mc.MemoryContextAllocExtended;
  const pfree = mc.pfree;
  const repalloc = mc.repalloc;
  const reset = mc.MemoryContextReset;
  const del = mc.MemoryContextDelete;
  const cr = api.creators;
  const unavailable = (type: string) => (): never => {
    throw new Error(`context type ${type} is not available: ${api.unavailable.get(type as never)}`);
  };
  const createAset = cr.aset ?? unavailable("aset");
  const createGeneration = cr.generation ?? unavailable("generation");
  const createBump = cr.bump ?? unavailable("bump");
  const createSlab = cr.slab ?? unavailable("slab");
  const aligned = api.allocAligned ?? unavailable("aligned");

  if (st.ptrs.length < c.slotCount) {
    const grown = new Uint32Array(Math.max(c.slotCount, st.ptrs.length * 2));
    grown.set(st.ptrs);
    st.ptrs = grown;
  }
  const { ops, m, createArgs, strings } = c;
  const ptrs = st.ptrs;
  const ctxs = st.ctxs;
  const names = c.contextNames;
  const onReset = st.onReset;
  const release = st.release;
  const dying: (MemoryContext | null)[] = [];
  const dyingSlots: number[] = [];
  const slotOf = st.slotOf; // registry id -> table slot, set at each create
  const sizes = [0, 0, 0];
  let out: unknown = undefined;

  let i = from;
  try {
    for (; i < to; i++) {
      const w = i * OP_STRIDE;
      switch (ops[w + OP_CODE]) {
        case Op.ALLOC: {
          const s = ops[w + OP_N];
          ptrs[ops[w + OP_A]] = alloc(ctxs[ops[w + OP_B]], s !== N_WIDE ? s : c.wide[i]);
          break;
        }
        case Op.FREE:
          pfree(ptrs[ops[w + OP_A]]);
          break;
        case Op.REALLOC: {
          const s = ops[w + OP_N];
          ptrs[ops[w + OP_A]] = repalloc(ptrs[ops[w + OP_A]], s !== N_WIDE ? s : c.wide[i]);
          break;
        }
        case Op.ALLOC0: {
          const s = ops[w + OP_N];
          ptrs[ops[w + OP_A]] = alloc0(ctxs[ops[w + OP_B]], s !== N_WIDE ? s : c.wide[i]);
          break;
        }
        case Op.RESET:
          reset(ctxs[ops[w + OP_B]]);
          break;
        case Op.DELETE: {
          const ctx = ctxs[ops[w + OP_B]];
          if (!release) {
            del(ctx);
            break;
          }
          const count = collectDying(ctx, true, slotOf, dying, dyingSlots);
          del(ctx);
          releaseDead(dying, dyingSlots, count, ctxs);
          break;
        }
        case Op.ALLOCEXT: {
          const s = ops[w + OP_N];
          ptrs[ops[w + OP_A]] = allocExt(ctxs[ops[w + OP_B]], s !== N_WIDE ? s : c.wide[i], m[i]);
          break;
        }
        case Op.ALIGNED: {
          const s = ops[w + OP_N];
          ptrs[ops[w + OP_A]] = aligned(ctxs[ops[w + OP_B]], s !== N_WIDE ? s : c.wide[i], m[i], 0);
          break;
        }
        case Op.CREATE_ASET:
        case Op.CREATE_GENERATION:
        case Op.CREATE_BUMP:
        case Op.CREATE_SLAB: {
          const k = ops[w + OP_N];
          sizes[0] = createArgs[k];
          sizes[1] = createArgs[k + 1];
          sizes[2] = createArgs[k + 2];
          const op = ops[w + OP_CODE];
          const create = op === Op.CREATE_ASET
            ? createAset
            : op === Op.CREATE_GENERATION
            ? createGeneration
            : op === Op.CREATE_BUMP
            ? createBump
            : createSlab;
          const made = create(ctxs[ops[w + OP_A]], names[ops[w + OP_B]], sizes);
          ctxs[ops[w + OP_B]] = made;
          slotOf[made.id] = ops[w + OP_B];
          break;
        }
        case Op.CALLBACK:
          alloc(ctxs[ops[w + OP_B]], 24);
          mc.MemoryContextRegisterResetCallback(ctxs[ops[w + OP_B]], {
            func: onReset,
            arg: strings[ops[w + OP_A]],
          });
          break;
        case Op.RESETONLY:
          mc.MemoryContextResetOnly(ctxs[ops[w + OP_B]]);
          break;
        case Op.RESETCHILDREN:
          mc.MemoryContextResetChildren(ctxs[ops[w + OP_B]]);
          break;
        case Op.DELETECHILDREN: {
          const ctx = ctxs[ops[w + OP_B]];
          const count = release ? collectDying(ctx, false, slotOf, dying, dyingSlots) : 0;
          mc.MemoryContextDeleteChildren(ctx);
          releaseDead(dying, dyingSlots, count, ctxs);
          break;
        }
        case Op.SETPARENT:
          mc.MemoryContextSetParent(ctxs[ops[w + OP_B]], ctxs[ops[w + OP_A]]);
          break;
        case Op.IDENT:
          mc.MemoryContextSetIdentifier(ctxs[ops[w + OP_B]], strings[ops[w + OP_A]]);
          break;
        case Op.LIMIT:
          api.heap().limit = Number(nOperand(c, i));
          break;
        case Op.SPACE:
          out = mc.GetMemoryChunkSpace(ptrs[ops[w + OP_A]]);
          break;
        case Op.OWNER:
          out = mc.GetMemoryChunkContext(ptrs[ops[w + OP_A]]);
          break;
        case Op.ISEMPTY:
          out = mc.MemoryContextIsEmpty(ctxs[ops[w + OP_B]]);
          break;
        case Op.MEMALLOCATED:
          out = mc.MemoryContextMemAllocated(ctxs[ops[w + OP_B]], ops[w + OP_A] === 1);
          break;
        case Op.CONSUMED: {
          const k = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
          mc.MemoryContextMemConsumed(ctxs[ops[w + OP_B]], k);
          out = k;
          break;
        }
        case Op.STATS:
          out = mc.MemoryContextStatsLines(
            ctxs[ops[w + OP_B]],
            ops[w + OP_A],
            Number(nOperand(c, i)),
          );
          break;
        case Op.CHECK:
          break;
        default:
          throw new Error(`unknown opcode ${ops[w + OP_CODE]}`);
      }
    }
  } catch (err) {
    st.at = i;
    throw err;
  }
  return out;
}

/**
 * How many operations `replayCompiled` hands to one `execute` call. One call
 * for a whole trace runs only in the code V8 compiles on entry to the loop
 * (on-stack replacement, `--trace-osr`): a function called once per replay
 * never gets called often enough to be optimized for a normal call, and that
 * OSR code ran context-tree ~9 % slower than the normal optimized code
 * slices of 8192 operations get (docs/performance.md). A slice costs one
 * call and `execute`'s few setup lines.
 */
export const REPLAY_SLICE = 8192;

/**
 * Replays all of `c` against palloc with no expectation checking (the
 * benchmark path), in slices of `REPLAY_SLICE` operations, and returns the
 * number of operations done. The caller sets up palloc first
 * (`MemoryContextInit`). Benchmark workloads never fail;
 * should an operation throw anyway, the error is re-raised naming the trace
 * file and line.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * import { compileTrace } from "./compile.ts";
 * import { replayCompiled } from "./execute.ts";
 * import { parseTrace } from "./parse.ts";
 * const api = await loadPallocApi();
 * const c = compileTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 10\n"));
 * api.mcxt.MemoryContextInit();
 * console.assert(replayCompiled(c, api) === 2);
 * ```
 */
export function replayCompiled(c: CompiledTrace, api: PallocApi): number {
  const st = newReplayState(api);
  st.release = true;
  try {
    for (let from = 0; from < c.length; from += REPLAY_SLICE) {
      execute(c, st, api, from, Math.min(c.length, from + REPLAY_SLICE));
    }
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    throw new Error(`${c.file}:${c.lines[st.at]}: operation failed during fast replay: ${what}`, {
      cause: err,
    });
  }
  return c.length;
}
