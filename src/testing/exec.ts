/**
 * How one call runs on both sides (used by every command): the model's
 * outcome is computed first (it is pure), then palloc's call runs; the two
 * must agree — a refusal must be palloc's typed error with the model's
 * message, and a refused call must leave the counters as they were. For a
 * call that may need the heap, palloc's answer picks the model's branch,
 * within what the model's verdict allows.
 *
 * Also here: the live lists commands pick from, and `allocate`, the one
 * allocation path shared by the allocating commands.
 */
import { heap, MCXT_ALLOC_ZERO, type MemoryContext } from "../mcxt/context.ts";
import * as R from "../mcxt/mod.ts";
import * as M from "../model/mod.ts";
import type { Expectation, Operation } from "../trace/types.ts";
import { attempt, fail, snapshot, unchanged } from "./checks.ts";
import { counters, fillPattern, type ModelBox, type World } from "./world.ts";

/** What `attempt` returns. */
export type Real<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Live contexts in identity order, without those in `skip`. */
export function contexts(s: M.ModelState, skip: readonly M.CtxId[] = []): M.CtxId[] {
  return [...s.contexts.keys()].filter((id) => !skip.includes(id)).sort((a, b) => a - b);
}

/** Live chunks a command may name (callback structs excluded), in identity order. */
export function namedChunks(s: M.ModelState, w: World): M.ChunkId[] {
  return [...s.chunks.keys()].filter((id) => !w.chunks.get(id)?.anonymous).sort((a, b) => a - b);
}

/** `list[index % list.length]`. */
export function pick<T>(list: readonly T[], index: number): T {
  return list[index % list.length];
}

/** The model's expectation lines for an outcome: error, null, fired. */
export function expectations(out: M.Outcome<object>): Expectation[] {
  if (!out.ok) return [{ kind: "error", message: out.refusal.message }];
  const e: Expectation[] = [];
  if ("chunk" in out && out.chunk === null) e.push({ kind: "null" });
  const fired = "fired" in out ? out.fired as readonly string[] : [];
  if (fired.length > 0) e.push({ kind: "fired", ids: [...fired] });
  return e;
}

function settle<T>(
  m: ModelBox,
  w: World,
  label: string,
  out: M.Outcome<object>,
  real: Real<T>,
): void {
  if (!out.ok && real.ok) {
    fail(m, w, `${label}: palloc accepted, model refused "${out.refusal.message}"`);
  }
  if (out.ok && !real.ok) {
    fail(m, w, `${label}: palloc raised "${real.error.message}", model accepted`);
  }
  if (!out.ok && !real.ok && out.refusal.message !== real.error.message) {
    fail(m, w, `${label}: palloc raised "${real.error.message}", model "${out.refusal.message}"`);
  }
  m.state = out.state;
}

function heapOutcome(
  m: ModelBox,
  w: World,
  label: string,
  req: M.MemoryRequest,
  out: M.Outcome<object>,
  real: Real<unknown>,
): M.Outcome<object> {
  if (!out.ok && out.refusal.kind !== "out-of-memory") return out;
  const noOom = req.op !== "create" && ((req.flags ?? 0) & M.ALLOC_NO_OOM) !== 0;
  const refused = real.ok ? noOom && real.value === 0 : real.error.message === "out of memory";
  const verdict = M.memoryVerdict(m.state, req);
  if (refused && verdict === "succeeds") {
    fail(m, w, `${label}: out of memory, model says it succeeds`);
  }
  if (!refused && real.ok && verdict === "fails") {
    fail(m, w, `${label}: served, model says it fails`);
  }
  return refused ? M.outOfMemory(m.state, req) : out;
}

/**
 * Runs `real` against the model outcome `out` (for a heap-dependent call,
 * give `req`); settles the model and checks a refused call changed nothing
 * (an out-of-memory may only add free chunks).
 */
export function execute<T>(
  m: ModelBox,
  w: World,
  label: string,
  out: M.Outcome<object>,
  real: () => T,
  req?: M.MemoryRequest,
): { out: M.Outcome<object>; real: Real<T> } {
  const before = snapshot(m, w);
  const r: Real<T> = attempt(real);
  const o = req === undefined ? out : heapOutcome(m, w, label, req, out, r);
  settle(m, w, label, o, r);
  const kind = o.ok ? ("chunk" in o && o.chunk === null ? "null" : "ok") : o.refusal.kind;
  counters.outcomes[kind] = (counters.outcomes[kind] ?? 0) + 1;
  const failed = !o.ok || ("chunk" in o && o.chunk === null);
  if (failed && !unchanged(before, snapshot(m, w), req !== undefined)) {
    fail(m, w, `${label}: refused, but the counters changed`);
  }
  return { out: o, real: r };
}

/** How an allocation is asked for. */
export type AllocHow = "alloc" | "alloc0" | "palloc" | "ext";

/** What `allocate` did: the new model chunk (or null) and the expectation lines of its outcome. */
export interface Allocation {
  /** The new chunk, or null when none was made. */
  chunk: M.ChunkId | null;
  /** The model's expectation lines for it (error or null, or the chunk's space). */
  expect: Expectation[];
}

/**
 * One allocation in context `id` on both sides, with zero check, pattern and
 * bookkeeping; recorded as its own trace operation unless `anonymous` (a
 * callback struct, which the `callback` line stands for).
 */
export function allocate(
  m: ModelBox,
  w: World,
  id: M.CtxId,
  size: number | bigint,
  how: AllocHow,
  flags: number,
  label: string,
  anonymous = false,
): Allocation {
  const s = m.state;
  const c: MemoryContext = w.real(id);
  const out = how === "ext" ? M.allocExtended(s, id, size, flags) : M.alloc(s, id, size);
  const token = `p${w.trace.length}`;
  const ctx = M.nameOf(s, id);
  const op: Operation = how === "ext"
    ? { verb: "allocext", ptr: token, ctx, size, flags }
    : { verb: how === "alloc0" ? "alloc0" : "alloc", ptr: token, ctx, size };
  const entry = anonymous ? { expect: [] as Expectation[] } : w.record(op, expectations(out));
  const { out: o, real } = execute(m, w, label, out, () => {
    if (how === "alloc0") return R.MemoryContextAllocZero(c, size);
    if (how === "palloc") return R.palloc(size);
    if (how === "ext") return R.MemoryContextAllocExtended(c, size, flags);
    return R.MemoryContextAlloc(c, size);
  }, { op: "alloc", ctx: id, size, flags });
  w.attribute(c);
  const expect = entry.expect = expectations(o);
  if (!o.ok || !real.ok || !("chunk" in o) || o.chunk === null) return { chunk: null, expect };
  const chunk = o.chunk as M.ChunkId;
  const ptr = real.value;
  const n = Number(size);
  if (ptr === 0 || !(n < heap.byteLength)) {
    fail(m, w, `${label}: palloc returned ${ptr} for ${n} bytes`);
  }
  if (how === "alloc0" || (how === "ext" && (flags & MCXT_ALLOC_ZERO) !== 0)) {
    const z = heap.u8.subarray(ptr, ptr + n).findIndex((b) => b !== 0);
    if (z >= 0) fail(m, w, `${label}: byte ${z} of a zeroed chunk is not zero`);
  }
  fillPattern(chunk, ptr, 0, n);
  w.chunks.set(chunk, { ptr, size: n, anonymous });
  w.tokens.set(chunk, token);
  const space = M.space(m.state, chunk);
  if (space.ok) expect.push({ kind: "space", bytes: space.space });
  return { chunk, expect };
}
