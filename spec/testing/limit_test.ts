/**
 * Per-subtree memory limits (`src/mcxt_limit.ts`, `ctx.limit`): a block past
 * the limit is refused with PostgreSQL's out-of-memory error in the limited
 * subtree only, NULL under NO_OOM, before anything changes; bad limits are
 * typed errors that change nothing.
 */
import assert from "node:assert/strict";
import {
  AllocSetContextCreate,
  Context,
  GenerationContextCreate,
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextDelete,
  MemoryContextGetLimit,
  MemoryContextMemAllocated,
  MemoryContextSetLimit,
  PgError,
  repalloc,
  TopMemoryContext,
} from "../../mod.ts";

function oom(f: () => unknown): PgError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PgError && e.sqlstate === "53200", `not out of memory: ${e}`);
    return e;
  }
  assert.fail("expected out of memory");
}

Deno.test("a limited subtree gets no block past its limit; its siblings and parent still do", () => {
  Context.init();
  const a = AllocSetContextCreate(TopMemoryContext, "a", 0, 8192, 8 << 20);
  const b = GenerationContextCreate(a, "b", 0, 8192, 8 << 20);
  MemoryContextSetLimit(a, 32 * 1024);
  const e = oom(() => {
    for (let i = 0; i < 1000; i++) MemoryContextAlloc(b, 1000);
  });
  assert.equal(e.message, "out of memory");
  assert.equal(e.detail, 'Failed on request of size 1000 in memory context "b".');
  assert.ok(MemoryContextMemAllocated(a, true) <= 32 * 1024);
  assert.ok(MemoryContextAlloc(TopMemoryContext, 100_000) > 0, "outside the subtree");
  const before = MemoryContextMemAllocated(a, true);
  assert.equal(MemoryContextAllocExtended(a, 50_000, MCXT_ALLOC_NO_OOM), 0);
  assert.equal(MemoryContextMemAllocated(a, true), before, "a refused block changes nothing");
  MemoryContextSetLimit(a, MemoryContextMemAllocated(a, true)); // full: no room for a context
  const c = oom(() => AllocSetContextCreate(a, "c", 0, 8192, 8 << 20));
  assert.equal(c.detail, 'Failed while creating memory context "c".');
  MemoryContextSetLimit(a, null);
  assert.ok(MemoryContextAlloc(b, 50_000) > 0, "lifting the limit lets it grow again");
});

Deno.test("growing a dedicated chunk asks the limit; shrinking does not", () => {
  Context.init();
  const a = AllocSetContextCreate(TopMemoryContext, "a", 0, 8192, 8 << 20);
  const p = MemoryContextAlloc(a, 20_000);
  MemoryContextSetLimit(a, 40_000);
  oom(() => repalloc(p, 40_000));
  const q = repalloc(p, 10_000);
  assert.ok(q > 0);
  assert.ok(repalloc(q, 25_000) > 0, "within the limit again");
});

Deno.test("ctx.limit on the TypeScript face is MemoryContextSetLimit", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  assert.equal(req.limit, null);
  req.limit = 16384;
  assert.equal(MemoryContextGetLimit(req.memoryContext), 16384);
  oom(() => req.alloc(20_000));
  req.limit = null;
  assert.ok(req.alloc(20_000) > 0);
});

Deno.test("a bad limit or a dead context is a typed error that changes nothing", () => {
  Context.init();
  const a = AllocSetContextCreate(TopMemoryContext, "a", 0, 8192, 8 << 20);
  MemoryContextSetLimit(a, 100_000);
  for (const bad of [-1, 0.5, NaN, 2 ** 60]) {
    assert.throws(
      () => MemoryContextSetLimit(a, bad),
      (e: unknown) =>
        e instanceof PgError && e.sqlstate === "22023" &&
        e.message === `invalid memory limit ${bad} for memory context "a"`,
    );
  }
  assert.equal(MemoryContextGetLimit(a), 100_000);
  MemoryContextDelete(a);
  assert.throws(() => MemoryContextSetLimit(a, 1), /is not a live context/);
});
