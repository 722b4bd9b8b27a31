import assert from "node:assert/strict";
import {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  AllocSetContextCreate,
} from "../src/aset/mod.ts";
import {
  ErrorContext,
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextReset,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap } from "../src/mcxt/context.ts";
import { assertFilled, assertRefused, assertStat, fill, fresh } from "./helpers.ts";

Deno.test("AllocSet rounds small requests to powers of two with an 8-byte header", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "sizes", ...ALLOCSET_DEFAULT_SIZES);
  const expected: Array<[number, number]> = [[1, 16], [8, 16], [9, 24], [16, 24], [17, 40], [
    100,
    136,
  ], [
    1000,
    1032,
  ], [8192, 8200]];
  for (const [size, space] of expected) {
    assert.equal(GetMemoryChunkSpace(MemoryContextAlloc(cxt, size)), space, `size ${size}`);
  }
});

Deno.test("AllocSet keeper block holds the 200-byte header and a 40-byte block header", () => {
  fresh();
  assertStat(ErrorContext, "1 0 8192 7952 8192");
  const cxt = AllocSetContextCreate(TopMemoryContext, "k", ...ALLOCSET_SMALL_SIZES);
  assertStat(cxt, "1 0 1024 784 1024");
});

Deno.test("AllocSet gives large chunks a dedicated block and frees it on pfree", () => {
  fresh();
  const p = MemoryContextAlloc(TopMemoryContext, 10000);
  assert.equal(GetMemoryChunkSpace(p), 10008);
  assertStat(TopMemoryContext, "2 0 18240 7952 18240");
  pfree(p);
  assertStat(TopMemoryContext, "1 0 8192 7952 8192");
});

Deno.test("AllocSet reuses freed chunks of the same size class first", () => {
  fresh();
  const a = MemoryContextAlloc(TopMemoryContext, 100);
  pfree(a);
  assertStat(TopMemoryContext, "1 1 8192 7952 8192");
  const b = MemoryContextAlloc(TopMemoryContext, 120);
  assert.equal(b, a, "a 120-byte request reuses the freed 128-byte chunk");
  assertStat(TopMemoryContext, "1 0 8192 7816 8192");
});

Deno.test("AllocSet doubles block sizes up to the maximum and carves the old tail onto freelists", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "grow", 0, 1024, 4096);
  const sizes: number[] = [];
  for (let i = 0; i < 40; i++) {
    MemoryContextAlloc(cxt, 200);
  }
  let total = 0;
  for (
    let b = (cxt as unknown as { blocks: number }).blocks;
    b !== 0;
    b = heap.i32[(b >>> 2) + 4]
  ) {
    sizes.push(heap.i32[(b >>> 2) + 8] - b);
    total++;
  }
  assert.ok(total >= 4, `blocks ${sizes}`);
  // newest first: the newest blocks are at the 4096 maximum, the first non-keeper is 1024.
  assert.equal(sizes[0], 4096);
  assert.equal(sizes[sizes.length - 2], 1024);
});

Deno.test("AllocSet repalloc keeps the bytes when a chunk grows across size classes and into a dedicated block", () => {
  fresh();
  let p = MemoryContextAlloc(TopMemoryContext, 50);
  fill(p, 50, 7);
  p = repalloc(p, 60); // fits in the same 64-byte chunk
  assertFilled(p, 50, 7);
  const q = repalloc(p, 500);
  assert.notEqual(q, p);
  assertFilled(q, 50, 7);
  const r = repalloc(q, 50000);
  assertFilled(r, 50, 7);
  assert.equal(GetMemoryChunkSpace(r), 50008);
  const s = repalloc(r, 20000);
  assertFilled(s, 50, 7);
  assert.equal(GetMemoryChunkSpace(s), 20008);
  assert.equal(GetMemoryChunkContext(s), TopMemoryContext);
});

Deno.test("AllocSet repalloc that moves a small chunk frees the old one onto its freelist, marked free", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "moves", ...ALLOCSET_SMALL_SIZES);
  const p = MemoryContextAlloc(cxt, 40); // a 64-byte chunk
  fill(p, 40, 3);
  const q = repalloc(p, 500);
  assert.notEqual(q, p);
  assertFilled(q, 40, 3);
  // The old chunk is free: a second pfree is refused, and the next request of its class gets it.
  assertRefused(() => pfree(p), `pfree called with a freed chunk ${p} in "moves"`);
  assert.equal(MemoryContextAlloc(cxt, 33), p);
  // A move whose new chunk needs a new block (the 1 KB keeper has no room for a 1 KB chunk):
  // the old chunk, in the keeper, still goes on its freelist.
  const r = MemoryContextAlloc(cxt, 100); // a 128-byte chunk, still in the keeper
  const before = cxt.memAllocated;
  const moved = repalloc(r, 900);
  assert.ok(cxt.memAllocated > before);
  assertRefused(() => pfree(r), `pfree called with a freed chunk ${r} in "moves"`);
  assert.equal(MemoryContextAlloc(cxt, 100), r);
  pfree(moved);
  MemoryContextDelete(cxt);
});

Deno.test("AllocSet reset keeps only the keeper block and its chunks are gone", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "r", ...ALLOCSET_DEFAULT_SIZES);
  for (let i = 0; i < 100; i++) MemoryContextAlloc(cxt, 300);
  MemoryContextAlloc(cxt, 100000);
  MemoryContextReset(cxt);
  assertStat(cxt, "1 0 8192 7952 8192");
});

Deno.test("AllocSet deleted default-size contexts are recycled through the context freelist", () => {
  fresh();
  const held0 = heap.held;
  const a = AllocSetContextCreate(TopMemoryContext, "a", ...ALLOCSET_DEFAULT_SIZES);
  MemoryContextAlloc(a, 5000);
  MemoryContextAlloc(a, 5000);
  const header = a.header;
  MemoryContextDelete(a);
  assert.equal(heap.held, held0 + 8192, "the reset context stays on the freelist");
  const b = AllocSetContextCreate(TopMemoryContext, "b", 0, 8192, 16384);
  assert.equal(b.header, header, "same memory reused");
  assert.notEqual(b, a, "but a new context object");
  assertStat(b, "1 0 8192 7952 8192");
  assert.throws(() => MemoryContextAlloc(a, 10), /not a live context/);
});

Deno.test("AllocSet context freelists hold at most 100 contexts, then are emptied", () => {
  fresh();
  const held0 = heap.held;
  const cs = [];
  for (let i = 0; i < 101; i++) {
    cs.push(AllocSetContextCreate(TopMemoryContext, `c${i}`, ...ALLOCSET_SMALL_SIZES));
  }
  for (const c of cs) MemoryContextDelete(c);
  // 100 went on the list; the 101st emptied it and then went on it alone.
  assert.equal(heap.held, held0 + 1024);
});

Deno.test("AllocSet's refusals keep their exact messages with the errors built apart from the checks", () => {
  fresh();
  const cxt = AllocSetContextCreate(TopMemoryContext, "msgs", ...ALLOCSET_DEFAULT_SIZES);
  const p = MemoryContextAlloc(cxt, 40);
  const live = MemoryContextAlloc(cxt, 40);
  pfree(p);
  // A freed chunk: its value carries the free mark, which the one range test refuses.
  assertRefused(() => pfree(p), `pfree called with a freed chunk ${p} in "msgs"`);
  assertRefused(() => repalloc(p, 8), `repalloc called with a freed chunk ${p} in "msgs"`);
  // A header whose freelist index is out of range, but no free mark: not a live chunk.
  const hdr = (live - 8) >>> 2;
  const saved = heap.i32[hdr];
  heap.i32[hdr] = (12 << 5) | (saved & 0x1f);
  assertRefused(() => pfree(live), `pfree called with invalid pointer ${live} (not a live chunk)`);
  heap.i32[hdr] = saved;
  pfree(live);
  // The pointer-shape errors, now raised by a function of their own.
  assertRefused(() => pfree(12), "pfree called with invalid pointer 12");
  assertRefused(
    () => pfree("16" as unknown as number),
    'pfree called with invalid pointer: expected a number, got string "16"',
  );
  // Parameters: the common case is tested in int32 arithmetic, the rest exactly.
  assertRefused(
    () => AllocSetContextCreate(TopMemoryContext, "bad", 0, 1000, 8192),
    "invalid AllocSet parameters: initBlockSize 1000",
  );
  assertRefused(
    () => AllocSetContextCreate(TopMemoryContext, "bad", 0, 8192, 2 ** 31),
    `invalid AllocSet parameters: maxBlockSize ${2 ** 31}`,
  );
  assertRefused(
    () => AllocSetContextCreate(TopMemoryContext, "bad", 1000.5, 8192, 8192),
    "invalid AllocSet parameters: minContextSize 1000.5",
  );
  // A dead parent.
  MemoryContextDelete(cxt);
  assertRefused(
    () => AllocSetContextCreate(cxt, "kid", ...ALLOCSET_DEFAULT_SIZES),
    'cannot create memory context "kid": parent "msgs" is not a live context',
  );
});
