/** The model's reset/delete verbs: what dies, what survives, and callback order. */
import assert from "node:assert/strict";
import * as M from "../../src/model/mod.ts";

function must<T extends object>(out: M.Outcome<T>): Extract<M.Outcome<T>, { ok: true }> {
  if (!out.ok) throw new assert.AssertionError({ message: `refused: ${out.refusal.message}` });
  return out as Extract<M.Outcome<T>, { ok: true }>;
}

/**
 * A - B - D, A - C, and E beside A under TopMemoryContext; one chunk and
 * two callbacks (`<name>0`, `<name>1`) in each.
 */
function forest(): {
  s: M.ModelState;
  ids: Record<string, M.CtxId>;
  chunk: Record<string, M.ChunkId>;
} {
  let s = M.initialState();
  const ids: Record<string, M.CtxId> = {};
  const chunk: Record<string, M.ChunkId> = {};
  const plan: Array<[string, string]> = [["A", "Top"], ["B", "A"], ["C", "A"], ["D", "B"], [
    "E",
    "Top",
  ]];
  for (const [name, parent] of plan) {
    const made = must(M.createGeneration(s, ids[parent] ?? M.TOP, name, 0, 8192, 8 << 20));
    ids[name] = made.ctx;
    const a = must(M.alloc(made.state, made.ctx, 16));
    chunk[name] = a.chunk as M.ChunkId;
    s = must(M.registerCallback(a.state, made.ctx, `${name}0`)).state;
    s = must(M.registerCallback(s, made.ctx, `${name}1`)).state;
  }
  return { s, ids, chunk };
}

function alive(s: M.ModelState, chunk: Record<string, M.ChunkId>): string {
  return Object.keys(chunk).filter((k) => s.chunks.has(chunk[k])).join("");
}

Deno.test("reset deletes the children bottom-up, then resets the context itself", () => {
  const { s, ids, chunk } = forest();
  const out = must(M.reset(s, ids.A));
  assert.deepEqual(out.fired, ["C1", "C0", "D1", "D0", "B1", "B0", "A1", "A0"]);
  assert.equal(alive(out.state, chunk), "E");
  assert.deepEqual(M.childrenOf(out.state, ids.A), []);
  assert.ok(out.state.contexts.has(ids.A));
  assert.deepEqual(M.modelViolations(out.state), []);
});

Deno.test("resetOnly frees the context's chunks and leaves its children alone", () => {
  const { s, ids, chunk } = forest();
  const out = must(M.resetOnly(s, ids.A));
  assert.deepEqual(out.fired, ["A1", "A0"]);
  assert.equal(alive(out.state, chunk), "BCDE");
  const again = must(M.resetOnly(out.state, ids.A));
  assert.deepEqual(again.fired, [], "a context that is already reset fires nothing");
});

Deno.test("resetChildren resets every descendant in pre-order, newest child first", () => {
  const { s, ids, chunk } = forest();
  const out = must(M.resetChildren(s, ids.A));
  assert.deepEqual(out.fired, ["C1", "C0", "B1", "B0", "D1", "D0"]);
  assert.equal(alive(out.state, chunk), "AE");
  assert.equal(out.state.contexts.size, s.contexts.size);
});

Deno.test("delete removes the whole subtree and nothing else", () => {
  const { s, ids, chunk } = forest();
  const out = must(M.deleteContext(s, ids.B));
  assert.deepEqual(out.fired, ["D1", "D0", "B1", "B0"]);
  assert.equal(alive(out.state, chunk), "ACE");
  assert.deepEqual(M.childrenOf(out.state, ids.A), [ids.C]);
  assert.equal(out.state.contexts.has(ids.D), false);
});

Deno.test("deleteChildren deletes each child's subtree, newest child first", () => {
  const { s, ids, chunk } = forest();
  const out = must(M.deleteChildren(s, ids.A));
  assert.deepEqual(out.fired, ["C1", "C0", "D1", "D0", "B1", "B0"]);
  assert.equal(alive(out.state, chunk), "AE");
});

Deno.test("TopMemoryContext cannot be deleted", () => {
  const s = M.initialState();
  const out = M.deleteContext(s, M.TOP);
  assert.equal(!out.ok && out.refusal.message, `cannot delete memory context "TopMemoryContext"`);
  assert.equal(out.state, s);
});

Deno.test("a subtree holding the current context cannot be deleted, nor reset from above", () => {
  const { s, ids } = forest();
  const inD = must(M.switchTo(s, ids.D)).state;
  for (const out of [M.deleteContext(inD, ids.B), M.deleteContext(inD, ids.D)]) {
    assert.equal(out.ok, false);
    assert.equal(out.state, inD);
  }
  const r = M.reset(inD, ids.A);
  assert.equal(
    !r.ok && r.refusal.message,
    `cannot delete memory context "B": it holds the current memory context`,
  );
  assert.ok(
    must(M.reset(inD, ids.D)).fired.length === 2,
    "resetting the current context itself is fine",
  );
  assert.ok(M.resetChildren(inD, ids.A).ok);
});
