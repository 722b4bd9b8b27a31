import assert from "node:assert/strict";
import {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  AllocSetContextCreate,
} from "../src/aset/mod.ts";
import {
  CurrentMemoryContext,
  ErrorContext,
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MCXT_ALLOC_HUGE,
  MCXT_ALLOC_NO_OOM,
  MCXT_ALLOC_ZERO,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocZero,
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextMemConsumed,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextResetOnly,
  MemoryContextSetIdentifier,
  MemoryContextSetParent,
  MemoryContextStatsLines,
  MemoryContextSwitchTo,
  palloc,
  palloc0,
  pfree,
  repalloc,
  repalloc0,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { PgError } from "../src/elog.ts";
import { assertFilled, assertRefused, fill, fresh, tree } from "./helpers.ts";

function names(parent: MemoryContext): string[] {
  const out: string[] = [];
  for (let c = parent.firstchild; c !== null; c = c.nextchild) out.push(c.name);
  return out;
}

Deno.test("MemoryContextInit makes TopMemoryContext current with ErrorContext below it", () => {
  fresh();
  assert.equal(CurrentMemoryContext, TopMemoryContext);
  assert.equal(ErrorContext.parent, TopMemoryContext);
  assert.equal(TopMemoryContext.parent, null);
  assert.deepEqual(MemoryContextStatsLines(TopMemoryContext, 100, 100), [
    "TopMemoryContext: 8192 total in 1 blocks; 7952 free (0 chunks); 240 used",
    "  ErrorContext: 8192 total in 1 blocks; 7952 free (0 chunks); 240 used",
    "Grand total: 16384 bytes in 2 blocks; 15904 free (0 chunks); 480 used",
  ]);
});

Deno.test("children are listed newest first", () => {
  fresh();
  for (const n of ["a", "b", "c"]) {
    AllocSetContextCreate(TopMemoryContext, n, ...ALLOCSET_SMALL_SIZES);
  }
  assert.deepEqual(names(TopMemoryContext), ["c", "b", "a", "ErrorContext"]);
});

Deno.test("palloc allocates in the current context and switching returns the old one", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "cur", ...ALLOCSET_SMALL_SIZES);
  const old = MemoryContextSwitchTo(cxt);
  assert.equal(old, TopMemoryContext);
  const p = palloc(10);
  const z = palloc0(64);
  assert.equal(GetMemoryChunkContext(p), cxt);
  assert.ok(heap.u8.subarray(z, z + 64).every((b) => b === 0));
  assert.equal(MemoryContextSwitchTo(old), cxt);
});

Deno.test("zeroing allocations really zero recycled memory", () => {
  fresh();
  const p = MemoryContextAlloc(TopMemoryContext, 200);
  fill(p, 200, 1);
  pfree(p);
  const z = MemoryContextAllocZero(TopMemoryContext, 200);
  assert.equal(z, p);
  assert.ok(heap.u8.subarray(z, z + 200).every((b) => b === 0));
  pfree(z);
  const e = MemoryContextAllocExtended(TopMemoryContext, 150, MCXT_ALLOC_ZERO);
  assert.ok(heap.u8.subarray(e, e + 150).every((b) => b === 0));
  const r = repalloc0(e, 150, 5000);
  assert.ok(heap.u8.subarray(r, r + 5000).every((b) => b === 0));
});

Deno.test("reset deletes children and frees the context's chunks; other contexts keep their bytes", () => {
  fresh();
  const keep = AllocSetContextCreate(TopMemoryContext, "keep", ...ALLOCSET_SMALL_SIZES);
  const kp = MemoryContextAlloc(keep, 300);
  fill(kp, 300, 9);
  const parent = AllocSetContextCreate(TopMemoryContext, "parent", ...ALLOCSET_DEFAULT_SIZES);
  const child = AllocSetContextCreate(parent, "child", ...ALLOCSET_SMALL_SIZES);
  for (let i = 0; i < 50; i++) MemoryContextAlloc(child, 100 + i);
  MemoryContextAlloc(parent, 20000);
  MemoryContextReset(parent);
  assert.equal(parent.firstchild, null);
  assert.equal(child.id, 0, "the child is gone");
  assert.equal(MemoryContextIsEmpty(parent), true);
  assertFilled(kp, 300, 9);
});

Deno.test("ResetOnly leaves children; ResetChildren resets every descendant but not the context", () => {
  fresh();
  const p = AllocSetContextCreate(TopMemoryContext, "p", ...ALLOCSET_DEFAULT_SIZES);
  const c = AllocSetContextCreate(p, "c", ...ALLOCSET_SMALL_SIZES);
  const g = AllocSetContextCreate(c, "g", ...ALLOCSET_SMALL_SIZES);
  MemoryContextAlloc(p, 10);
  MemoryContextAlloc(g, 10);
  MemoryContextResetOnly(p);
  assert.equal(p.firstchild, c);
  assert.equal(MemoryContextIsEmpty(g), false);
  MemoryContextAlloc(p, 10);
  MemoryContextResetChildren(p);
  assert.equal(MemoryContextIsEmpty(g), true);
  assert.equal(p.isReset, false);
});

Deno.test("callbacks run newest first on reset, once, and on delete leaves first", () => {
  fresh();
  const fired: string[] = [];
  const p = AllocSetContextCreate(TopMemoryContext, "p", ...ALLOCSET_SMALL_SIZES);
  const c = AllocSetContextCreate(p, "c", ...ALLOCSET_SMALL_SIZES);
  const cb = (id: string) => ({ func: () => fired.push(id), arg: null });
  MemoryContextRegisterResetCallback(p, cb("p1"));
  MemoryContextRegisterResetCallback(p, cb("p2"));
  MemoryContextRegisterResetCallback(c, cb("c1"));
  MemoryContextResetOnly(p);
  assert.deepEqual(fired, ["p2", "p1"]);
  MemoryContextResetOnly(p);
  assert.deepEqual(fired, ["p2", "p1"], "callbacks run once");
  MemoryContextRegisterResetCallback(p, cb("p3"));
  MemoryContextDelete(p);
  assert.deepEqual(fired, ["p2", "p1", "c1", "p3"]);
});

Deno.test("MemAllocated and MemConsumed add up over the subtree", () => {
  fresh();
  const p = AllocSetContextCreate(TopMemoryContext, "p", ...ALLOCSET_DEFAULT_SIZES);
  const c = AllocSetContextCreate(p, "c", ...ALLOCSET_SMALL_SIZES);
  MemoryContextAlloc(c, 5000);
  assert.equal(MemoryContextMemAllocated(p, false), 8192);
  assert.equal(MemoryContextMemAllocated(p, true), 8192 + 1024 + 5048);
  const k = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
  MemoryContextMemConsumed(p, k);
  assert.deepEqual(k, {
    nblocks: 3,
    freechunks: 0,
    totalspace: 8192 + 1024 + 5048,
    freespace: 7952 + 784,
  });
});

Deno.test("stats summarise children past the limits and truncate long identifiers", () => {
  fresh();
  const p = AllocSetContextCreate(TopMemoryContext, "p", ...ALLOCSET_SMALL_SIZES);
  for (let i = 0; i < 3; i++) AllocSetContextCreate(p, `k${i}`, ...ALLOCSET_SMALL_SIZES);
  MemoryContextSetIdentifier(p, "é".repeat(60) + "\tx");
  const lines = MemoryContextStatsLines(p, 10, 1);
  assert.equal(
    lines[0],
    `p: 1024 total in 1 blocks; 784 free (0 chunks); 240 used: ${"é".repeat(50)}...`,
  );
  assert.equal(lines[1], "  k2: 1024 total in 1 blocks; 784 free (0 chunks); 240 used");
  assert.equal(
    lines[2],
    "  2 more child contexts containing 2048 total in 2 blocks; 1568 free (0 chunks); 480 used",
  );
  assert.equal(lines[3], "Grand total: 4096 bytes in 4 blocks; 3136 free (0 chunks); 960 used");
  MemoryContextSetIdentifier(p, "a\nb");
  assert.match(MemoryContextStatsLines(p, 0, 0)[0], /used: a b$/);
});

Deno.test("SetParent moves a subtree and refuses cycles and re-parenting TopMemoryContext", () => {
  fresh();
  const a = AllocSetContextCreate(TopMemoryContext, "a", ...ALLOCSET_SMALL_SIZES);
  const b = AllocSetContextCreate(a, "b", ...ALLOCSET_SMALL_SIZES);
  const c = AllocSetContextCreate(TopMemoryContext, "c", ...ALLOCSET_SMALL_SIZES);
  MemoryContextSetParent(b, c);
  assert.deepEqual(names(c), ["b"]);
  assert.deepEqual(names(a), []);
  assertRefused(() => MemoryContextSetParent(c, b), /cycle/);
  assertRefused(() => MemoryContextSetParent(c, c), /cycle/);
  assertRefused(() => MemoryContextSetParent(TopMemoryContext, a), /parent/);
});

Deno.test("deleting TopMemoryContext or a subtree holding the current context is refused", () => {
  fresh();
  assertRefused(() => MemoryContextDelete(TopMemoryContext), /cannot delete/);
  const a = AllocSetContextCreate(TopMemoryContext, "a", ...ALLOCSET_SMALL_SIZES);
  const b = AllocSetContextCreate(a, "b", ...ALLOCSET_SMALL_SIZES);
  MemoryContextSwitchTo(b);
  assertRefused(() => MemoryContextDelete(a), /current memory context/);
  assertRefused(() => MemoryContextDeleteChildren(TopMemoryContext), /current memory context/);
  MemoryContextSwitchTo(TopMemoryContext);
  MemoryContextDelete(a);
  assert.equal(b.id, 0);
});

Deno.test("bad pointers, double frees and dead contexts are refused with a typed error", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "x", ...ALLOCSET_SMALL_SIZES);
  const p = MemoryContextAlloc(cxt, 40);
  const live = MemoryContextAlloc(cxt, 40);
  fill(live, 40, 3);
  assertRefused(() => pfree(0), /invalid pointer/);
  assertRefused(() => pfree(p + 4), /invalid pointer/);
  assertRefused(() => pfree(heap.byteLength + 64), /invalid pointer/);
  assertRefused(() => pfree(1.5), /invalid pointer/);
  assertRefused(() => pfree(p + 8), /invalid pointer/); // the middle of a chunk
  pfree(p);
  assertRefused(() => pfree(p), /freed chunk/);
  assertRefused(() => repalloc(p, 10), /freed chunk/);
  assertRefused(() => GetMemoryChunkSpace(p), /freed chunk/);
  MemoryContextReset(cxt);
  assertRefused(() => pfree(live), /not a live chunk/);
  MemoryContextDelete(cxt);
  assertRefused(() => MemoryContextAlloc(cxt, 8), /not a live context/);
});

Deno.test("sizes out of range are refused with PostgreSQL's message", () => {
  fresh();
  assertRefused(
    () => MemoryContextAlloc(TopMemoryContext, 0x40000000),
    "invalid memory alloc request size 1073741824",
  );
  assertRefused(
    () => MemoryContextAllocExtended(TopMemoryContext, 0x40000000, 0),
    "invalid memory alloc request size 1073741824",
  );
  assertRefused(
    () => MemoryContextAlloc(TopMemoryContext, -1),
    /invalid memory alloc request size/,
  );
  assertRefused(
    () => MemoryContextAlloc(TopMemoryContext, NaN),
    /invalid memory alloc request size/,
  );
  assertRefused(
    () => MemoryContextAlloc(TopMemoryContext, 2.5),
    /invalid memory alloc request size/,
  );
  assertRefused(
    () => MemoryContextAllocExtended(TopMemoryContext, 2n ** 63n, MCXT_ALLOC_HUGE),
    "invalid memory alloc request size 9223372036854775808",
  );
  const e = assertRefused(
    () => MemoryContextAllocExtended(TopMemoryContext, 2n ** 63n - 1n, MCXT_ALLOC_HUGE),
    "out of memory",
  );
  assert.equal(e.sqlstate, "53200");
  assert.equal(
    e.detail,
    'Failed on request of size 9223372036854775807 in memory context "TopMemoryContext".',
  );
  assert.equal(
    MemoryContextAllocExtended(TopMemoryContext, 2n ** 62n, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM),
    0,
  );
});

Deno.test("out of memory under a heap limit is a catchable PgError, and NO_OOM returns 0", () => {
  fresh();
  heap.limit = heap.held + 4096;
  const cxt = AllocSetContextCreate(TopMemoryContext, "big", ...ALLOCSET_SMALL_SIZES);
  assert.equal(MemoryContextAllocExtended(cxt, 100000, MCXT_ALLOC_NO_OOM), 0);
  try {
    MemoryContextAlloc(cxt, 100000);
    assert.fail("should have failed");
  } catch (e) {
    assert.ok(e instanceof PgError && e.isOutOfMemory, String(e));
    assert.equal(e.detail, 'Failed on request of size 100000 in memory context "big".');
  }
  // ErrorContext still has its keeper block to work in (chunks up to its 1 KB chunk limit).
  for (let i = 0; i < 7; i++) assert.ok(MemoryContextAlloc(ErrorContext, 1000) > 0, tree());
  assert.throws(() => MemoryContextAlloc(ErrorContext, 1000), PgError);
});
