/** The model on an exhausted heap: what must fail, what ErrorContext's reserve guarantees, recovery. */
import assert from "node:assert/strict";
import * as M from "../../src/model/mod.ts";

function must<T extends object>(out: M.Outcome<T>): Extract<M.Outcome<T>, { ok: true }> {
  if (!out.ok) throw new assert.AssertionError({ message: `refused: ${out.refusal.message}` });
  return out as Extract<M.Outcome<T>, { ok: true }>;
}

Deno.test("on a plentiful heap every valid request succeeds", () => {
  const s = M.initialState();
  assert.equal(M.memoryVerdict(s, { op: "alloc", ctx: M.TOP, size: 1 << 20 }), "succeeds");
  assert.equal(
    M.memoryVerdict(s, { op: "alloc", ctx: M.TOP, size: 2 ** 31, flags: 1 }),
    "may-fail",
  );
});

Deno.test("an exhausted heap refuses requests that need a block of their own, anywhere", () => {
  const s = M.exhaustHeap(M.initialState());
  const top = M.alloc(s, M.TOP, 9000);
  assert.equal(!top.ok && top.refusal.message, "out of memory");
  assert.equal(M.isEmptyNow(top.state, M.TOP), false, "the refused alloc still cleared isReset");
  assert.equal(M.memoryVerdict(s, { op: "alloc", ctx: M.TOP, size: 100 }), "may-fail");
  const nul = must(M.allocExtended(s, M.TOP, 9000, M.ALLOC_NO_OOM));
  assert.equal(nul.chunk, null);
  const gen = M.createGeneration(s, M.TOP, "G", 0, 8192, 8192);
  assert.equal(!gen.ok && gen.refusal.kind, "out-of-memory");
  assert.equal(gen.state, s);
});

Deno.test("ErrorContext serves small chunks up to its reserve on an exhausted heap", () => {
  let s = M.exhaustHeap(M.initialState());
  let served = 0;
  while (M.memoryVerdict(s, { op: "alloc", ctx: M.ERROR_CONTEXT, size: 100 }) === "succeeds") {
    s = must(M.alloc(s, M.ERROR_CONTEXT, 100)).state;
    served++;
  }
  assert.equal(served, Math.floor(M.ERROR_RESERVE / 136));
  assert.equal(M.memoryVerdict(s, { op: "alloc", ctx: M.ERROR_CONTEXT, size: 2000 }), "fails");
  const full = M.outOfMemory(s, { op: "alloc", ctx: M.ERROR_CONTEXT, size: 100 });
  assert.equal(full.state.reserveUsed, Infinity, "a failed small request spends the reserve");
  const reset = must(M.reset(full.state, M.ERROR_CONTEXT));
  assert.equal(reset.state.reserveUsed, 0);
  assert.equal(
    M.memoryVerdict(reset.state, { op: "alloc", ctx: M.ERROR_CONTEXT, size: 100 }),
    "succeeds",
  );
});

Deno.test("a freed AllocSet can be recycled even on an exhausted heap", () => {
  let s = M.initialState();
  const a = must(M.createAllocSet(s, M.TOP, "A", 0, 1024, 8192));
  s = M.exhaustHeap(must(M.deleteContext(a.state, a.ctx)).state);
  assert.equal(M.createAllocSet(s, M.TOP, "B", 0, 8192, 8192).ok, false);
  const b = must(M.createAllocSet(s, M.TOP, "B", 0, 1024, 8192));
  assert.equal(M.createAllocSet(b.state, M.TOP, "C", 0, 1024, 8192).ok, false);
});

Deno.test("realloc in place needs nothing from the heap; growing a dedicated block does", () => {
  let s = M.initialState();
  const a = must(M.alloc(s, M.TOP, 20000));
  const p = a.chunk as M.ChunkId;
  const b = must(M.alloc(a.state, M.TOP, 100));
  s = M.exhaustHeap(b.state);
  assert.equal(M.memoryVerdict(s, { op: "realloc", chunk: p, size: 100 }), "succeeds");
  assert.equal(M.memoryVerdict(s, { op: "realloc", chunk: p, size: 30000 }), "fails");
  assert.equal(
    M.memoryVerdict(s, { op: "realloc", chunk: b.chunk as number, size: 128 }),
    "succeeds",
  );
  const grown = M.realloc(s, p, 30000);
  assert.equal(!grown.ok && grown.refusal.kind, "out-of-memory");
  assert.equal(
    grown.state.chunks.get(p)?.size,
    20000,
    "a failed realloc leaves the chunk as it was",
  );
});

Deno.test("error recovery switches to TopMemoryContext and resets ErrorContext", () => {
  let s = M.initialState();
  const kid = must(M.createAllocSet(s, M.ERROR_CONTEXT, "kid", 0, 1024, 8192));
  s = must(M.registerCallback(kid.state, kid.ctx, "k")).state;
  s = must(M.registerCallback(s, M.ERROR_CONTEXT, "e")).state;
  s = must(M.switchTo(s, kid.ctx)).state;
  const out = must(M.recoverFromError(s));
  assert.deepEqual(out.fired, ["k", "e"]);
  assert.equal(out.state.current, M.TOP);
  assert.deepEqual(M.childrenOf(out.state, M.ERROR_CONTEXT), []);
});
