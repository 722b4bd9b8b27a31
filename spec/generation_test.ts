import assert from "node:assert/strict";
import { GenerationContextCreate } from "../src/generation/mod.ts";
import { GenerationCheck } from "../src/generation/inspect.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextCountersOf,
  MemoryContextDelete,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextReset,
  MemoryContextStatsLine,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { PgError } from "../src/elog.ts";
import { assertFilled, assertRefused, assertStat, fill, fresh, tree } from "./helpers.ts";

/** A fresh tree with one Generation context of the given sizes under TopMemoryContext. */
function gen(min = 0, init = 8192, max = 8388608): MemoryContext {
  fresh();
  return GenerationContextCreate(TopMemoryContext, "G", min, init, max);
}

/** Allocates `n` chunks of `size` bytes in `ctx`. */
function allocMany(ctx: MemoryContext, n: number, size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(MemoryContextAlloc(ctx, size));
  return out;
}

Deno.test("a new Generation context holds its 128-byte header and keeper block in one allocation", () => {
  const held = (fresh(), heap.held);
  const g = GenerationContextCreate(TopMemoryContext, "G", 0, 8192, 8388608);
  assert.equal(heap.held - held, 8192, tree());
  assertStat(g, "1 0 8192 8008 8064");
  assert.equal(
    MemoryContextStatsLine(g),
    "G: 8192 total in 1 blocks (0 chunks); 8008 free (0 chunks); 184 used",
  );
});

Deno.test("minContextSize sizes the keeper block, else initBlockSize does", () => {
  const g = gen(4096, 1024, 8192);
  assertStat(g, "1 0 4096 3912 3968");
  const h = GenerationContextCreate(TopMemoryContext, "H", 0, 1024, 8192);
  assertStat(h, "1 0 1024 840 896");
});

Deno.test("a chunk takes its MAXALIGNed size plus an 8-byte header", () => {
  const g = gen();
  const expected: Array<[number, number]> = [[0, 8], [1, 16], [8, 16], [9, 24], [100, 112]];
  for (const [size, space] of expected) {
    assert.equal(
      GetMemoryChunkSpace(MemoryContextAlloc(g, size)),
      space,
      `size ${size}\n${tree()}`,
    );
  }
  assertStat(g, "1 0 8192 7832 8064");
});

Deno.test("requests above the chunk limit get a dedicated block of exactly their size", () => {
  const g = gen(0, 8192, 8192); // limit 512: eight 520-byte chunks fit in (8192 - 56)
  const small = MemoryContextAlloc(g, 512);
  assert.equal(GetMemoryChunkSpace(small), 520);
  assertStat(g, "1 0 8192 7488 8064");
  const big = MemoryContextAlloc(g, 513);
  assert.equal(GetMemoryChunkSpace(big), 528);
  assertStat(g, "2 0 8776 7488 8648"); // 520 + 8 + 56 = 584-byte block, full
  assert.equal(GetMemoryChunkContext(big), g);
  assert.equal(GetMemoryChunkContext(small), g);
});

Deno.test("a chunk bigger than the next block size gets a power-of-two block", () => {
  const g = gen(0, 8192, 8388608); // limit 524288
  MemoryContextAlloc(g, 524288);
  assertStat(g, "2 0 1056768 532232 1056640"); // 524352 rounds up to 1048576
});

Deno.test("blocks double from initBlockSize up to maxBlockSize", () => {
  const g = gen(0, 1024, 4096);
  const sizes: number[] = [];
  let before = MemoryContextMemAllocated(g, false);
  assert.equal(before, 896, "the keeper block");
  for (let i = 0; i < 60; i++) {
    MemoryContextAlloc(g, 200);
    const now = MemoryContextMemAllocated(g, false);
    if (now !== before) sizes.push(now - before);
    before = now;
  }
  assert.deepEqual(sizes.slice(0, 4), [1024, 2048, 4096, 4096], tree());
});

Deno.test("an emptied block becomes the freeblock and is reused when the current block fills", () => {
  const g = gen(0, 1024, 4096);
  allocMany(g, 4, 200); // the keeper block's 840 bytes hold four 208-byte chunks
  const b1 = allocMany(g, 4, 200); // a 1024-byte block
  allocMany(g, 1, 200); // a 2048-byte block becomes current
  assertStat(g, "3 0 4096 1928 3968");
  for (const p of b1) pfree(p);
  assertStat(g, "3 0 4096 2760 3968"); // kept, marked empty, no free chunks counted
  allocMany(g, 8, 200); // fills the 2048-byte block (nine chunks)
  const held = heap.held;
  const reused = MemoryContextAlloc(g, 200);
  assert.equal(heap.held, held, "the freeblock is reused, nothing new is malloc'd");
  assert.equal(reused, b1[0], "the first chunk lands where the freeblock starts");
  assertStat(g, "3 0 4096 888 3968");
});

Deno.test("an emptied block is freed when a freeblock is already kept", () => {
  const g = gen(0, 1024, 4096);
  allocMany(g, 4, 200);
  const b1 = allocMany(g, 4, 200);
  const b2 = allocMany(g, 9, 200);
  allocMany(g, 1, 200); // a 4096-byte block becomes current
  assertStat(g, "4 0 8192 4096 8064");
  for (const p of b1) pfree(p); // becomes the freeblock
  for (const p of b2) pfree(p); // goes back to the heap
  assertStat(g, "3 0 6144 4808 6016");
});

Deno.test("the keeper block and the current block stay in place when emptied", () => {
  const g = gen();
  const a = MemoryContextAlloc(g, 100);
  const b = MemoryContextAlloc(g, 100);
  pfree(a);
  assertStat(g, "1 1 8192 7784 8064");
  assert.equal(MemoryContextIsEmpty(g), false, "a block with one live chunk is not empty");
  pfree(b);
  assertStat(g, "1 0 8192 8008 8064");
  assert.equal(MemoryContextIsEmpty(g), true, tree());
  assert.equal(MemoryContextAlloc(g, 100), a, "the emptied block is carved from its start again");
});

Deno.test("a freed dedicated block is kept as the freeblock when none is kept yet", () => {
  const g = gen(0, 8192, 8192);
  const p = MemoryContextAlloc(g, 1000);
  assertStat(g, "2 0 9256 8008 9128");
  pfree(p);
  assertStat(g, "2 0 9256 9016 9128");
  const q = MemoryContextAlloc(g, 2000);
  pfree(q);
  assertStat(g, "2 0 9256 9016 9128");
});

Deno.test("repalloc stays in place while the chunk is big enough, else moves and keeps the bytes", () => {
  const g = gen();
  const p = MemoryContextAlloc(g, 10);
  fill(p, 10, 7);
  assert.equal(repalloc(p, 16), p, "16 bytes fit in the 16-byte chunk");
  assert.equal(repalloc(p, 3), p, "shrinking never moves");
  assertStat(g, "1 0 8192 7984 8064");
  const q = repalloc(p, 17);
  assert.notEqual(q, p);
  assertFilled(q, 10, 7);
  assert.equal(GetMemoryChunkSpace(q), 32);
  assertStat(g, "1 1 8192 7952 8064");
});

Deno.test("reset frees every block but the keeper and restarts block growth", () => {
  const g = gen(0, 1024, 4096);
  allocMany(g, 40, 200);
  MemoryContextReset(g);
  assertStat(g, "1 0 1024 840 896");
  allocMany(g, 5, 200);
  assertStat(g, "2 0 2048 768 1920"); // the first new block is 1024 bytes again
});

Deno.test("delete gives every byte of the context back to the heap", () => {
  fresh();
  const held = heap.held;
  const g = GenerationContextCreate(TopMemoryContext, "G", 0, 1024, 4096);
  allocMany(g, 30, 200);
  MemoryContextAlloc(g, 5000);
  MemoryContextDelete(g);
  assert.equal(heap.held, held, tree());
});

Deno.test("FIFO churn settles into a fixed set of blocks", () => {
  const g = gen(0, 1024, 8192);
  const queue: number[] = [];
  let settled = 0;
  let peak = 0;
  for (let i = 0; i < 20000; i++) {
    queue.push(MemoryContextAlloc(g, 64 + (i % 5) * 16));
    if (queue.length > 100) pfree(queue.shift() as number);
    if (i === 2000) settled = heap.held;
    if (i > 2000) peak = Math.max(peak, heap.held);
  }
  // keeper + two 8 KB blocks in use + the recycled freeblock, and no malloc traffic.
  assert.equal(peak, settled, `no growth after warm-up\n${tree()}`);
  assert.equal(MemoryContextCountersOf(g).nblocks, 4, tree());
  GenerationCheck(g);
});

Deno.test("an oversized request is refused with PostgreSQL's message and changes nothing", () => {
  const g = gen();
  MemoryContextAlloc(g, 100);
  assertRefused(
    () => MemoryContextAlloc(g, 2 ** 30),
    "invalid memory alloc request size 1073741824",
  );
  const p = MemoryContextAlloc(g, 100);
  assertRefused(() => repalloc(p, 2 ** 30), "invalid memory alloc request size 1073741824");
});

Deno.test("out of memory for a new block is refused, NO_OOM returns 0, the keeper still serves", () => {
  const g = gen(0, 8192, 8192);
  heap.limit = heap.held;
  const err = assertRefused(() => MemoryContextAlloc(g, 1000), "out of memory");
  assert.equal(err.detail, 'Failed on request of size 1000 in memory context "G".');
  assert.equal(MemoryContextAllocExtended(g, 1000, MCXT_ALLOC_NO_OOM), 0);
  const p = MemoryContextAlloc(g, 500);
  fill(p, 500, 3);
  assertRefused(() => repalloc(p, 5000), "out of memory");
  assertFilled(p, 500, 3);
  assertStat(g, "1 0 8192 7496 8064");
});

Deno.test("a Generation context that cannot get its first block is not created", () => {
  fresh();
  heap.limit = heap.held + 8191;
  const err = assertRefused(
    () => GenerationContextCreate(TopMemoryContext, "X", 0, 8192, 8192),
    "out of memory",
  );
  assert.equal(err.detail, 'Failed while creating memory context "X".');
  assert.equal(TopMemoryContext.firstchild?.name, "ErrorContext");
});

Deno.test("the self-check notices a block whose chunk count was overwritten", () => {
  const g = gen();
  allocMany(g, 3, 40);
  GenerationCheck(g);
  const keeper = g.header + 128;
  heap.i32[(keeper >>> 2) + 8] = 5; // nchunks
  assert.throws(() => GenerationCheck(g), (e) => e instanceof PgError && /chunks/.test(e.message));
});
