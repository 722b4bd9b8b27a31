/**
 * The benchmark replay loop: performs a compiled trace's operations against
 * palloc as fast as possible, with no expectation checking. All palloc
 * functions are fetched into locals once, and the loop reads only typed
 * arrays (see `compile.ts`), so what is timed is palloc, not the harness.
 *
 * Benchmark workloads never fail; should an operation throw anyway, the
 * error is re-raised naming the trace file and line.
 */
import type { MemoryContext } from "../mcxt/context.ts";
import type { PallocApi } from "./api.ts";
import { type CompiledTrace, Op } from "./compile.ts";

function noop(): void {}

/**
 * Replays `c` against palloc and returns the number of operations done. The
 * caller sets up palloc first (`MemoryContextInit`); contexts 0 and 1 are the
 * TopMemoryContext and ErrorContext current at the call.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * import { compileTrace } from "./compile.ts";
 * import { parseTrace } from "./parse.ts";
 * import { replayCompiled } from "./replay_fast.ts";
 * const api = await loadPallocApi();
 * const c = compileTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 10\n"));
 * api.mcxt.MemoryContextInit();
 * console.assert(replayCompiled(c, api) === 2);
 * ```
 */
export function replayCompiled(c: CompiledTrace, api: PallocApi): number {
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

  const { code, a, b, n, m, createArgs, strings } = c;
  const len = c.length;
  const ptrs = new Float64Array(c.slotCount);
  const ctxs: MemoryContext[] = new Array(c.contextNames.length);
  ctxs[0] = mc.TopMemoryContext;
  ctxs[1] = mc.ErrorContext;
  const names = c.contextNames;
  const sizes = [0, 0, 0];

  let i = 0;
  try {
    for (; i < len; i++) {
      switch (code[i]) {
        case Op.ALLOC:
          ptrs[a[i]] = alloc(ctxs[b[i]], n[i]);
          break;
        case Op.FREE:
          pfree(ptrs[a[i]]);
          break;
        case Op.REALLOC:
          ptrs[a[i]] = repalloc(ptrs[a[i]], n[i]);
          break;
        case Op.ALLOC0:
          ptrs[a[i]] = alloc0(ctxs[b[i]], n[i]);
          break;
        case Op.RESET:
          reset(ctxs[b[i]]);
          break;
        case Op.DELETE:
          del(ctxs[b[i]]);
          break;
        case Op.ALLOCEXT:
          ptrs[a[i]] = allocExt(ctxs[b[i]], n[i], m[i]);
          break;
        case Op.ALIGNED:
          ptrs[a[i]] = aligned(ctxs[b[i]], n[i], m[i], 0);
          break;
        case Op.CREATE_ASET:
        case Op.CREATE_GENERATION:
        case Op.CREATE_BUMP:
        case Op.CREATE_SLAB: {
          const k = n[i];
          sizes[0] = createArgs[k];
          sizes[1] = createArgs[k + 1];
          sizes[2] = createArgs[k + 2];
          const op = code[i];
          const create = op === Op.CREATE_ASET
            ? createAset
            : op === Op.CREATE_GENERATION
            ? createGeneration
            : op === Op.CREATE_BUMP
            ? createBump
            : createSlab;
          ctxs[b[i]] = create(ctxs[a[i]], names[b[i]], sizes);
          break;
        }
        case Op.CALLBACK:
          alloc(ctxs[b[i]], 24);
          mc.MemoryContextRegisterResetCallback(ctxs[b[i]], { func: noop, arg: null });
          break;
        case Op.RESETONLY:
          mc.MemoryContextResetOnly(ctxs[b[i]]);
          break;
        case Op.RESETCHILDREN:
          mc.MemoryContextResetChildren(ctxs[b[i]]);
          break;
        case Op.DELETECHILDREN:
          mc.MemoryContextDeleteChildren(ctxs[b[i]]);
          break;
        case Op.SETPARENT:
          mc.MemoryContextSetParent(ctxs[b[i]], ctxs[a[i]]);
          break;
        case Op.IDENT:
          mc.MemoryContextSetIdentifier(ctxs[b[i]], strings[a[i]]);
          break;
        case Op.LIMIT:
          api.heap().limit = n[i];
          break;
        case Op.SPACE:
          mc.GetMemoryChunkSpace(ptrs[a[i]]);
          break;
        case Op.OWNER:
          mc.GetMemoryChunkContext(ptrs[a[i]]);
          break;
        case Op.ISEMPTY:
          mc.MemoryContextIsEmpty(ctxs[b[i]]);
          break;
        case Op.MEMALLOCATED:
          mc.MemoryContextMemAllocated(ctxs[b[i]], a[i] === 1);
          break;
        case Op.CONSUMED:
          mc.MemoryContextMemConsumed(ctxs[b[i]], {
            nblocks: 0,
            freechunks: 0,
            totalspace: 0,
            freespace: 0,
          });
          break;
        case Op.STATS:
          mc.MemoryContextStatsLines(ctxs[b[i]], a[i], n[i]);
          break;
        case Op.CHECK:
          break;
        default:
          throw new Error(`unknown opcode ${code[i]}`);
      }
    }
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    throw new Error(`${c.file}:${c.lines[i]}: operation failed during fast replay: ${what}`, {
      cause: err,
    });
  }
  return len;
}
