/**
 * The leak checks and `assertStats` of `@palloc/palloc/testing`: each one
 * passes on clean code and fails on the matching mistake with a report that
 * says what grew, where.
 */
import assert from "node:assert/strict";
import {
  AllocSetContextCreate,
  Context,
  GenerationContextCreate,
  heap,
  MemoryContextAlloc,
  MemoryContextDelete,
  pfree,
  TopMemoryContext,
} from "../../mod.ts";
import { assertNoLeak, assertStats, expectHeapUnchanged } from "../../src/testing/mod.ts";

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof assert.AssertionError, `not an AssertionError: ${e}`);
    return e.message;
  }
  assert.fail("expected a failure");
}

Deno.test("assertNoLeak passes when fn frees what it allocates, new blocks included", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  assertNoLeak(req, () => {
    const ps = Array.from({ length: 50 }, () => req.alloc(300)); // needs a second block
    for (const p of ps) pfree(p);
  });
});

Deno.test("assertNoLeak names the context that grew, by path, with the stats before and after", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  const parser = req.child.aset("parser");
  const msg = failure(() => assertNoLeak(req, () => parser.alloc(100)));
  assert.match(msg, /^assertNoLeak: "request" holds more than before/);
  assert.match(
    msg,
    /request \/ parser: \+136 bytes in chunks \(240 used -> 376 used, 1 -> 1 blocks\)/,
  );
  assert.match(msg, /--- MemoryContextStats before\nrequest: 8192 total in 1 blocks/);
  assert.match(
    msg,
    /--- MemoryContextStats after\n.*\n {2}parser: 8192 total in 1 blocks; 7816 free/,
  );
});

Deno.test("assertNoLeak reports a child context left behind, and checks async functions", async () => {
  const top = Context.init();
  const req = top.child.aset("request");
  const msg = failure(() => assertNoLeak(req, () => req.child.generation("scratch")));
  assert.match(msg, /request \/ scratch: new context, \d+ total in 1 blocks/);
  await assertNoLeak(req, async () => {
    const p = req.alloc(10);
    await Promise.resolve();
    pfree(p);
  });
  await assert.rejects(
    () => assertNoLeak(req, async () => void (await Promise.resolve(req.alloc(10)))),
    /request: \+24 bytes in chunks/,
  );
});

Deno.test("assertNoLeak lets fn's own error through unchecked", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  assert.throws(() =>
    assertNoLeak(req, () => {
      req.alloc(10);
      throw new RangeError("boom");
    }), RangeError);
});

Deno.test("expectHeapUnchanged passes a request that deletes its context (AllocSet caches it)", () => {
  Context.init();
  const held = heap.held;
  expectHeapUnchanged(() => {
    const req = AllocSetContextCreate(TopMemoryContext, "request", 0, 8192, 8 << 20);
    MemoryContextAlloc(req, 20000);
    MemoryContextDelete(req);
  });
  assert.ok(heap.held > held, "the deleted context is kept for reuse, as in PostgreSQL");
  expectHeapUnchanged(() => {
    const gen = GenerationContextCreate(TopMemoryContext, "gen", 0, 8192, 8 << 20);
    MemoryContextAlloc(gen, 100);
    MemoryContextDelete(gen);
  });
});

Deno.test("expectHeapUnchanged catches a context left anywhere and a direct heap.malloc", () => {
  const top = Context.init();
  let msg = failure(() => expectHeapUnchanged(() => top.child.aset("forgotten")));
  assert.match(msg, /TopMemoryContext \/ forgotten: new context, 8192 total in 1 blocks/);
  msg = failure(() => expectHeapUnchanged(() => MemoryContextAlloc(TopMemoryContext, 64)));
  assert.match(msg, /TopMemoryContext: \+72 bytes in chunks/);
  let p = 0;
  msg = failure(() => expectHeapUnchanged(() => (p = heap.malloc(4000))));
  assert.match(msg, /\(outside every context\): the heap holds 4000 more bytes/);
  heap.free(p);
  expectHeapUnchanged(() => heap.free(heap.malloc(4000)));
});

Deno.test("assertStats checks PostgreSQL's figures and prints the whole tree when they differ", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  const p = req.alloc(100);
  assertStats(req, "8192 total in 1 blocks; 7816 free (0 chunks); 376 used");
  assertStats(req, "request: 8192 total in 1 blocks; 7816 free (0 chunks); 376 used");
  assertStats(req, { nblocks: 1, used: 376, memAllocated: 8192, children: 0 });
  assertStats(top, { recurse: true, nblocks: 3, children: 2 });
  pfree(p);
  const msg = failure(() => assertStats(req, { used: 376, freechunks: 0 }));
  assert.match(
    msg,
    /^assertStats\("request"\): freechunks is 1, expected 0; used is 240, expected 376 \(expected/,
  );
  assert.match(msg, /--- MemoryContextStats\(TopMemoryContext\)\nTopMemoryContext: /);
  assert.match(msg, /\n {2}request: 8192 total in 1 blocks; 7952 free \(1 chunks\); 240 used/);
  assert.match(msg, /Grand total: /);
  const text = failure(() => assertStats(req, "8192 total in 1 blocks"));
  assert.match(text, /stats are "8192 total in 1 blocks; 7952 free \(1 chunks\); 240 used"/);
});
