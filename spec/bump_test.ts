import assert from "node:assert/strict";
import { BumpCheck, BumpContextCreate, bumpOwnerOf } from "../src/bump/mod.ts";
import { AllocSetContextCreate } from "../src/aset/mod.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocZero,
  MemoryContextDelete,
  MemoryContextIsEmpty,
  MemoryContextReset,
  MemoryContextStatsLine,
  MemoryContextStatsLines,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { PgError } from "../src/elog.ts";
import { assertFilled, assertRefused, assertStat, fill, fresh, thrownBy, tree } from "./helpers.ts";

/** A fresh tree with one Bump context "B" of the given sizes under TopMemoryContext. */
function bump(min = 0, init = 8192, max = 8388608): MemoryContext {
  fresh();
  return BumpContextCreate(TopMemoryContext, "B", min, init, max);
}

Deno.test("a new Bump context holds its 112-byte header and keeper block in one allocation", () => {
  const held = (fresh(), heap.held);
  const b = BumpContextCreate(TopMemoryContext, "B", 0, 8192, 8388608);
  assert.equal(heap.held - held, 8192, tree());
  assertStat(b, "1 0 8080 8048 8192");
  assert.equal(MemoryContextStatsLine(b), "B: 8080 total in 1 blocks; 8048 free; 32 used");
  assert.equal(MemoryContextIsEmpty(b), true, tree());
});

Deno.test("minContextSize sizes the keeper block, else initBlockSize does", () => {
  const k = bump(32768, 8192, 65536);
  assertStat(k, "1 0 32656 32624 32768");
  const s = BumpContextCreate(TopMemoryContext, "S", 0, 1024, 8192);
  assertStat(s, "1 0 912 880 1024");
});

Deno.test("chunks have no header: each takes exactly its MAXALIGNed size, back to back", () => {
  const b = bump();
  const sizes = [0, 1, 7, 8, 9, 16, 17, 100];
  let prev = MemoryContextAlloc(b, sizes[0]);
  let used = 0;
  for (let i = 1; i < sizes.length; i++) {
    const p = MemoryContextAlloc(b, sizes[i]);
    assert.equal(p - prev, (sizes[i - 1] + 7) & ~7, `after size ${sizes[i - 1]}\n${tree()}`);
    assert.equal(p % 8, 0, tree());
    prev = p;
    used += (sizes[i - 1] + 7) & ~7;
  }
  used += 104;
  assertStat(b, `1 0 8080 ${8048 - used} 8192`);
});

Deno.test("a zero-byte allocation leaves the context empty", () => {
  const b = bump();
  MemoryContextAlloc(b, 0);
  assert.equal(MemoryContextIsEmpty(b), true, tree());
  MemoryContextAlloc(b, 1);
  assert.equal(MemoryContextIsEmpty(b), false, tree());
});

Deno.test("chunks above allocChunkLimit get a dedicated block of exactly their size", () => {
  const c = bump(0, 8192, 8192); // limit 512: eight chunks must fit (8192 - 32) / 8 = 1020 bytes
  MemoryContextAlloc(c, 512);
  assertStat(c, "1 0 8080 7536 8192");
  const p = MemoryContextAlloc(c, 513);
  assertStat(c, "2 0 8632 7536 8744");
  // The dedicated block went to the tail: the next small chunk still comes from the keeper.
  const q = MemoryContextAlloc(c, 8);
  assertStat(c, "2 0 8632 7528 8744");
  assert.ok(q < p || q >= p + 520, tree());
  assert.equal(MemoryContextIsEmpty(c), false, tree());
});

Deno.test("blocks double from initBlockSize up to maxBlockSize", () => {
  const b = bump(0, 1024, 65536);
  const sizes: number[] = [];
  let last = -1;
  for (let i = 0; i < 1000; i++) {
    MemoryContextAlloc(b, 300);
    const lines = MemoryContextStatsLine(b);
    const nblocks = Number(/in (\d+) blocks/.exec(lines)![1]);
    if (nblocks !== last) sizes.push(b.memAllocated), last = nblocks;
  }
  const blockSizes = sizes.map((m, i) => (i === 0 ? m : m - sizes[i - 1]));
  assert.deepEqual(blockSizes.slice(0, 9), [
    1024,
    1024,
    2048,
    4096,
    8192,
    16384,
    32768,
    65536,
    65536,
  ]);
  BumpCheck(b);
});

Deno.test("a request bigger than the next block gets the next power of two that fits", () => {
  const b = bump(0, 1024, 65536); // limit 4096
  MemoryContextAlloc(b, 900); // keeper has 880 free: a new 1024-byte block
  assertStat(b, "2 0 1936 968 2048");
  MemoryContextAlloc(b, 4000); // next is 2048 < 4032 needed: 4096
  assertStat(b, "3 0 6032 1032 6144");
  MemoryContextAlloc(b, 4000); // the sequence doubled meanwhile: next is 4096
  assertStat(b, "4 0 10128 1096 10240");
});

Deno.test("reset keeps only the emptied keeper block and restarts block growth", () => {
  const b = bump(0, 1024, 65536);
  for (let i = 0; i < 100; i++) MemoryContextAlloc(b, 500);
  MemoryContextAlloc(b, 100000);
  const held = heap.held;
  const allocated = b.memAllocated;
  MemoryContextReset(b);
  assertStat(b, "1 0 912 880 1024");
  assert.equal(MemoryContextIsEmpty(b), true, tree());
  assert.equal(held - heap.held, allocated - 1024, "every block but the keeper went back");
  MemoryContextAlloc(b, 900);
  assertStat(b, "2 0 1936 968 2048");
  BumpCheck(b);
});

Deno.test("delete gives every byte back to the heap", () => {
  fresh();
  const held = heap.held;
  const b = BumpContextCreate(TopMemoryContext, "B", 0, 1024, 65536);
  for (let i = 0; i < 50; i++) MemoryContextAlloc(b, 700);
  MemoryContextAlloc(b, 50000);
  MemoryContextDelete(b);
  assert.equal(heap.held, held, tree());
});

Deno.test("chunks keep their contents while blocks are added", () => {
  const b = bump(0, 1024, 16384);
  const chunks: Array<[number, number]> = [];
  for (let i = 0; i < 300; i++) {
    const size = (i * 37) % 3000;
    const p = MemoryContextAlloc(b, size);
    fill(p, size, i);
    chunks.push([p, size]);
  }
  chunks.forEach(([p, size], i) => assertFilled(p, size, i));
  BumpCheck(b);
});

Deno.test("alloc0 and the ZERO flag zero the bytes", () => {
  const b = bump();
  const p = MemoryContextAlloc(b, 64);
  fill(p, 64, 1);
  MemoryContextReset(b);
  const z = MemoryContextAllocZero(b, 64);
  assert.equal(z, p, tree());
  assert.ok(heap.u8.subarray(z, z + 64).every((x) => x === 0), tree());
});

Deno.test("pfree, repalloc, GetMemoryChunkSpace and GetMemoryChunkContext are refused", () => {
  const b = bump(0, 1024, 8192);
  const chunks = [0, 8, 100, 1000, 2000].map((n) => MemoryContextAlloc(b, n));
  for (const p of chunks) {
    assertRefused(() => pfree(p), "pfree is not supported by the bump memory allocator");
    assertRefused(() => repalloc(p, 10), "realloc is not supported by the bump memory allocator");
    assertRefused(
      () => GetMemoryChunkSpace(p),
      "GetMemoryChunkSpace is not supported by the bump memory allocator",
    );
    assertRefused(
      () => GetMemoryChunkContext(p),
      "GetMemoryChunkContext is not supported by the bump memory allocator",
    );
  }
  assertStat(b, "3 0 3976 768 4088");
});

Deno.test("a bump chunk is recognised even when the bytes before it forge a chunk header", () => {
  const b = bump();
  const a = AllocSetContextCreate(TopMemoryContext, "A", 0, 8192, 8388608);
  const real = MemoryContextAlloc(a, 24);
  const before = MemoryContextAlloc(b, 8);
  const victim = MemoryContextAlloc(b, 8);
  // Copy a genuine AllocSet chunk header into the 8 bytes in front of `victim`.
  heap.u8.copyWithin(before, real - 8, real);
  assert.equal(victim, before + 8, tree());
  assertRefused(() => pfree(victim), "pfree is not supported by the bump memory allocator");
  assertRefused(() => repalloc(victim, 1), "realloc is not supported by the bump memory allocator");
});

Deno.test("bumpOwnerOf names the bump context of a chunk and nothing else", () => {
  const b = bump(0, 1024, 8192);
  const a = AllocSetContextCreate(TopMemoryContext, "A", 0, 8192, 8388608);
  const small = MemoryContextAlloc(b, 16);
  const large = MemoryContextAlloc(b, 5000);
  const other = MemoryContextAlloc(a, 16);
  assert.equal(bumpOwnerOf(small), b, tree());
  assert.equal(bumpOwnerOf(large), b, tree());
  assert.equal(bumpOwnerOf(other), null, tree());
  MemoryContextDelete(b);
  assert.equal(bumpOwnerOf(small), null, tree());
  assert.equal(bumpOwnerOf(large), null, tree());
});

Deno.test("a request over MaxAllocSize is refused before anything changes", () => {
  const b = bump();
  assertRefused(
    () => MemoryContextAlloc(b, 1073741824),
    "invalid memory alloc request size 1073741824",
  );
  assertStat(b, "1 0 8080 8048 8192");
});

Deno.test("a failed block malloc raises out of memory, or returns NULL under NO_OOM", () => {
  const b = bump(0, 1024, 8192);
  for (let i = 0; i < 4; i++) MemoryContextAlloc(b, 200); // 80 bytes of the keeper left
  heap.limit = heap.held;
  const e = assertRefused(() => MemoryContextAlloc(b, 100), "out of memory");
  assert.equal(e.detail, 'Failed on request of size 100 in memory context "B".');
  assert.equal(MemoryContextAllocExtended(b, 100, MCXT_ALLOC_NO_OOM), 0, tree());
  assert.equal(MemoryContextAllocExtended(b, 5000, MCXT_ALLOC_NO_OOM), 0, tree());
  assert.ok(MemoryContextAlloc(b, 40) > 0, "the keeper block still has room");
  heap.limit = Infinity;
  assertStat(b, "1 0 912 40 1024");
});

Deno.test("a failed create raises out of memory and leaves no context", () => {
  fresh();
  heap.limit = heap.held + 1000;
  const caught = thrownBy(() => BumpContextCreate(TopMemoryContext, "Big", 0, 8192, 8192));
  heap.limit = Infinity;
  assert.ok(caught instanceof PgError && caught.isOutOfMemory, String(caught));
  assert.equal(caught.detail, 'Failed while creating memory context "Big".');
  assert.ok(!MemoryContextStatsLines(TopMemoryContext, 100, 100).some((l) => l.includes("Big")));
});

Deno.test("nonsensical block sizes are refused with a typed error", () => {
  fresh();
  assert.throws(() => BumpContextCreate(TopMemoryContext, "X", 0, 100, 8192), PgError);
  assert.throws(() => BumpContextCreate(TopMemoryContext, "X", 0, 8192, 4096), PgError);
  assert.throws(() => BumpContextCreate(TopMemoryContext, "X", 0, 8192, 2 ** 31), PgError);
});
