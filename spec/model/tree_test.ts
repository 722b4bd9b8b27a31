/** The model's tree: creation order, levels, set-parent, walks and refusals. */
import assert from "node:assert/strict";
import * as M from "../../src/model/mod.ts";

/** Unwraps an outcome that must succeed. */
function must<T extends object>(out: M.Outcome<T>): Extract<M.Outcome<T>, { ok: true }> {
  if (!out.ok) throw new assert.AssertionError({ message: `refused: ${out.refusal.message}` });
  return out as Extract<M.Outcome<T>, { ok: true }>;
}

/** Creates an AllocSet with default sizes; returns the state and its id. */
function aset(s: M.ModelState, parent: M.CtxId, name: string): [M.ModelState, M.CtxId] {
  const out = must(M.createAllocSet(s, parent, name, 0, 8192, 8 << 20));
  return [out.state, out.ctx];
}

Deno.test("the initial state holds TopMemoryContext with ErrorContext as its only child", () => {
  const s = M.initialState();
  assert.deepEqual(M.allContexts(s), [M.TOP, M.ERROR_CONTEXT]);
  assert.equal(M.parentOf(s, M.ERROR_CONTEXT), M.TOP);
  assert.equal(M.levelOf(s, M.ERROR_CONTEXT), 1);
  assert.equal(s.current, M.TOP);
  assert.deepEqual(M.modelViolations(s), []);
});

Deno.test("a new context becomes its parent's newest child", () => {
  let s = M.initialState();
  let a, b;
  [s, a] = aset(s, M.TOP, "A");
  [s, b] = aset(s, M.TOP, "B");
  assert.deepEqual(M.childrenOf(s, M.TOP), [b, a, M.ERROR_CONTEXT]);
  assert.equal(M.levelOf(s, b), 1);
});

Deno.test("walks visit a parent before its children and children newest first", () => {
  let s = M.initialState();
  let a, b, c, d;
  [s, a] = aset(s, M.TOP, "A");
  [s, b] = aset(s, a, "B");
  [s, c] = aset(s, a, "C");
  [s, d] = aset(s, b, "D");
  assert.deepEqual(M.subtree(s, a), [a, c, b, d]);
  assert.deepEqual(M.deletionOrder(s, a), [c, d, b, a]);
  assert.equal(M.levelOf(s, d), 3);
});

Deno.test("setParent moves a context to the front of its new parent's children", () => {
  let s = M.initialState();
  let a, b, c;
  [s, a] = aset(s, M.TOP, "A");
  [s, b] = aset(s, M.TOP, "B");
  [s, c] = aset(s, a, "C");
  s = must(M.setParent(s, b, a)).state;
  assert.deepEqual(M.childrenOf(s, a), [b, c]);
  assert.deepEqual(M.childrenOf(s, M.TOP), [a, M.ERROR_CONTEXT]);
  assert.equal(M.levelOf(s, b), 2);
  assert.deepEqual(M.modelViolations(s), []);
});

Deno.test("setParent to the current parent keeps the context's place", () => {
  let s = M.initialState();
  let a;
  [s, a] = aset(s, M.TOP, "A");
  [s] = aset(s, M.TOP, "B");
  const out = must(M.setParent(s, a, M.TOP));
  assert.equal(out.state, s);
});

Deno.test("setParent refuses cycles and TopMemoryContext, changing nothing", () => {
  let s = M.initialState();
  let a, b;
  [s, a] = aset(s, M.TOP, "A");
  [s, b] = aset(s, a, "B");
  const cyc = M.setParent(s, a, b);
  assert.equal(cyc.ok, false);
  assert.equal(!cyc.ok && cyc.refusal.kind, "cycle");
  assert.equal(cyc.state, s);
  const self = M.setParent(s, b, b);
  assert.equal(
    !self.ok && self.refusal.message,
    `cannot make "B" the parent of "B": that would form a cycle`,
  );
  const top = M.setParent(s, M.TOP, a);
  assert.equal(!top.ok && top.refusal.message, `cannot change the parent of "TopMemoryContext"`);
});

Deno.test("operations on a deleted context are refused by name", () => {
  let s = M.initialState();
  let a;
  [s, a] = aset(s, M.TOP, "A");
  s = must(M.deleteContext(s, a)).state;
  for (const out of [M.alloc(s, a, 8), M.reset(s, a), M.isEmpty(s, a), M.switchTo(s, a)]) {
    assert.equal(!out.ok && out.refusal.message, `memory context "A" is not a live context`);
  }
});

Deno.test("creation refuses parameters PostgreSQL only asserts on, and small slab blocks", () => {
  const s = M.initialState();
  const bad = M.createAllocSet(s, M.TOP, "X", 0, 100, 8192);
  assert.equal(!bad.ok && bad.refusal.kind, "bad-parameters");
  const slab = M.createSlab(s, M.TOP, "S", 64, 20);
  assert.equal(
    !slab.ok && slab.refusal.message,
    "block size 64 for slab is too small for 20-byte chunks",
  );
  const tiny = M.createSlab(s, M.TOP, "S", 48, 1);
  assert.equal(
    !tiny.ok && tiny.refusal.message,
    "block size 48 for slab is too small for 8-byte chunks",
  );
  assert.ok(M.createSlab(s, M.TOP, "S", 72, 16).ok);
});
