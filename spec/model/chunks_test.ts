/** The model's chunks: allocation checks, space, realloc, free, owner, emptiness per type. */
import assert from "node:assert/strict";
import * as M from "../../src/model/mod.ts";

function must<T extends object>(out: M.Outcome<T>): Extract<M.Outcome<T>, { ok: true }> {
  if (!out.ok) throw new assert.AssertionError({ message: `refused: ${out.refusal.message}` });
  return out as Extract<M.Outcome<T>, { ok: true }>;
}

function make(spec: M.ContextSpec): [M.ModelState, M.CtxId] {
  const out = must(M.createContext(M.initialState(), M.TOP, "C", spec));
  return [out.state, out.ctx];
}

const ASET: M.ContextSpec = {
  kind: "aset",
  minContextSize: 0,
  initBlockSize: 8192,
  maxBlockSize: 8 << 20,
};
const GEN: M.ContextSpec = { ...ASET, kind: "generation" };
const BUMP: M.ContextSpec = { ...ASET, kind: "bump" };
const SLAB: M.ContextSpec = { kind: "slab", blockSize: 8192, chunkSize: 20 };

function allocated(out: M.Allocated): [M.ModelState, M.ChunkId] {
  const ok = must(out);
  assert.notEqual(ok.chunk, null);
  return [ok.state, ok.chunk as M.ChunkId];
}

Deno.test("GetMemoryChunkSpace follows each type's rounding", () => {
  const cases: Array<[M.ContextSpec, number, number]> = [
    [ASET, 100, 136],
    [ASET, 1, 16],
    [ASET, 8192, 8200],
    [ASET, 8193, 8208],
    [GEN, 100, 112],
    [GEN, 0, 8],
    [SLAB, 20, 32],
  ];
  for (const [spec, size, want] of cases) {
    const [s, c] = make(spec);
    const [s2, p] = allocated(M.alloc(s, c, size));
    assert.deepEqual(M.space(s2, p), { ok: true, state: s2, space: want }, `${spec.kind} ${size}`);
    assert.equal(must(M.owner(s2, p)).ctx, c);
  }
});

Deno.test("invalid sizes are refused, and MemoryContextAlloc still clears isReset", () => {
  const [s, c] = make(ASET);
  const plain = M.alloc(s, c, 0x40000000);
  assert.equal(!plain.ok && plain.refusal.message, "invalid memory alloc request size 1073741824");
  assert.equal(M.isEmptyNow(plain.state, c), false);
  const ext = M.allocExtended(s, c, 0x40000000, M.ALLOC_NO_OOM);
  assert.equal(!ext.ok && ext.refusal.kind, "invalid-size");
  assert.equal(ext.state, s);
  const huge = M.allocExtended(s, c, 2n ** 63n, M.ALLOC_HUGE);
  assert.equal(
    !huge.ok && huge.refusal.message,
    "invalid memory alloc request size 9223372036854775808",
  );
  assert.ok(M.allocExtended(s, c, 0x40000000, M.ALLOC_HUGE).ok);
  const neg = M.alloc(s, c, -1);
  assert.equal(!neg.ok && neg.state, s);
});

Deno.test("slab accepts only its chunk size, and realloc only to that size", () => {
  const [s, c] = make(SLAB);
  const wrong = M.alloc(s, c, 24);
  assert.equal(!wrong.ok && wrong.refusal.message, "unexpected alloc chunk size 24 (expected 20)");
  const big = M.allocExtended(s, c, 0x40000000, 0);
  assert.equal(!big.ok && big.refusal.kind, "invalid-size");
  const [s2, p] = allocated(M.alloc(s, c, 20));
  assert.equal(must(M.realloc(s2, p, 20)).chunk, p);
  const grow = M.realloc(s2, p, 0x40000000);
  assert.equal(!grow.ok && grow.refusal.message, "slab allocator does not support realloc()");
});

Deno.test("bump chunks can be neither freed, resized, measured nor traced to their context", () => {
  const [s, c] = make(BUMP);
  const [s2, p] = allocated(M.alloc(s, c, 10));
  const verbs: Array<[M.Outcome<object>, string]> = [
    [M.free(s2, p), "pfree"],
    [M.realloc(s2, p, 20), "realloc"],
    [M.space(s2, p), "GetMemoryChunkSpace"],
    [M.owner(s2, p), "GetMemoryChunkContext"],
  ];
  for (const [out, what] of verbs) {
    assert.equal(
      !out.ok && out.refusal.message,
      `${what} is not supported by the bump memory allocator`,
    );
    assert.equal(out.state, s2);
  }
});

Deno.test("realloc keeps the chunk's identity and context, in place or moved", () => {
  const [s, c] = make(ASET);
  const [s2, p] = allocated(M.alloc(s, c, 100));
  const inPlace = must(M.realloc(s2, p, 120));
  assert.equal(M.space(inPlace.state, p).ok && must(M.space(inPlace.state, p)).space, 136);
  const moved = must(M.realloc(inPlace.state, p, 200));
  assert.equal(must(M.space(moved.state, p)).space, 264);
  assert.equal(moved.state.chunks.get(p)?.size, 200);
  const large = must(M.realloc(moved.state, p, 20000));
  assert.equal(must(M.space(large.state, p)).space, 20008);
  const shrunk = must(M.realloc(large.state, p, 10));
  assert.equal(must(M.space(shrunk.state, p)).space, 24, "a dedicated block shrinks with realloc");
  const bad = M.realloc(shrunk.state, p, 0x40000000);
  assert.equal(!bad.ok && bad.refusal.kind, "invalid-size");
  assert.equal(bad.state, shrunk.state);
});

Deno.test("freed chunks are dead, never-issued ones foreign", () => {
  const [s, c] = make(GEN);
  const [s2, p] = allocated(M.alloc(s, c, 10));
  const s3 = must(M.free(s2, p)).state;
  const again = M.free(s3, p);
  assert.equal(!again.ok && again.refusal.kind, "dead-pointer");
  const foreign = M.space(s3, 999);
  assert.equal(!foreign.ok && foreign.refusal.kind, "foreign-pointer");
});

Deno.test("emptiness follows each type's own rule", () => {
  // AllocSet: non-empty from the first request until the next reset
  let [s, c] = make(ASET);
  let p: M.ChunkId;
  [s, p] = allocated(M.alloc(s, c, 10));
  s = must(M.free(s, p)).state;
  assert.equal(M.isEmptyNow(s, c), false);
  s = must(M.resetOnly(s, c)).state;
  assert.equal(M.isEmptyNow(s, c), true);
  // Generation: empty again once every chunk is freed
  [s, c] = make(GEN);
  [s, p] = allocated(M.alloc(s, c, 10));
  assert.equal(M.isEmptyNow(s, c), false);
  s = must(M.free(s, p)).state;
  assert.equal(M.isEmptyNow(s, c), true);
  // Slab: keeps its block after the last free
  [s, c] = make(SLAB);
  [s, p] = allocated(M.alloc(s, c, 20));
  s = must(M.free(s, p)).state;
  assert.equal(M.isEmptyNow(s, c), false);
  // Bump: a zero-byte chunk takes no space
  [s, c] = make(BUMP);
  [s] = allocated(M.alloc(s, c, 0));
  assert.equal(M.isEmptyNow(s, c), true);
  [s] = allocated(M.alloc(s, c, 1));
  assert.equal(M.isEmptyNow(s, c), false);
  // any type: a child makes the parent non-empty
  const child = must(M.createContext(s, c, "kid", GEN));
  assert.equal(M.isEmptyNow(must(M.resetOnly(child.state, c)).state, c), false);
});

Deno.test("a recycled AllocSet keeps the chunk limit it was created with", () => {
  let s = M.initialState();
  const a = must(M.createAllocSet(s, M.TOP, "A", 0, 8192, 8 << 20));
  s = must(M.deleteContext(a.state, a.ctx)).state;
  const b = must(M.createAllocSet(s, M.TOP, "B", 0, 8192, 16384));
  assert.equal(M.mustContext(b.state, b.ctx).chunkLimit, 8192);
  const c = must(M.createAllocSet(b.state, M.TOP, "C", 0, 8192, 16384));
  assert.equal(M.mustContext(c.state, c.ctx).chunkLimit, 2048);
});
