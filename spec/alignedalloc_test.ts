import assert from "node:assert/strict";
import { MemoryContextAllocAligned, palloc_aligned } from "../src/alignedalloc.ts";
import { AllocSetContextCreate } from "../src/aset/mod.ts";
import { BumpContextCreate } from "../src/bump/mod.ts";
import { GenerationContextCreate } from "../src/generation/mod.ts";
import { SlabContextCreate } from "../src/slab/mod.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MCXT_ALLOC_NO_OOM,
  MCXT_ALLOC_ZERO,
  MemoryContextAlloc,
  MemoryContextSwitchTo,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { PgError } from "../src/elog.ts";
import { assertFilled, assertRefused, assertStat, fill, fresh, stat, tree } from "./helpers.ts";

const ALIGNMENTS = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

/** A fresh tree with one context of each type that takes variable sizes. */
function contexts(): MemoryContext[] {
  fresh();
  return [
    AllocSetContextCreate(TopMemoryContext, "A", 0, 8192, 8388608),
    GenerationContextCreate(TopMemoryContext, "G", 0, 8192, 8388608),
    BumpContextCreate(TopMemoryContext, "B", 0, 8192, 8388608),
  ];
}

Deno.test("an alignment of 8 or less is a plain allocation", () => {
  const [a] = contexts();
  for (const alignto of [1, 2, 4, 8]) {
    const p = MemoryContextAllocAligned(a, 100, alignto, 0);
    assert.equal(GetMemoryChunkSpace(p), 136, `alignto ${alignto}\n${tree()}`);
  }
  assertStat(a, "1 0 8192 7408 8192");
});

Deno.test("aligned pointers are multiples of the alignment in every variable-size type", () => {
  for (const ctx of contexts()) {
    for (const alignto of ALIGNMENTS) {
      for (const size of [0, 1, 100, 5000]) {
        const p = MemoryContextAllocAligned(ctx, size, alignto, 0);
        assert.equal(p % alignto, 0, `${ctx.name} size ${size} alignto ${alignto}\n${tree()}`);
        fill(p, size, alignto + size);
      }
    }
  }
});

Deno.test("the context sees size + alignto, and space is the whole unaligned chunk", () => {
  const [a, g] = contexts();
  const p = MemoryContextAllocAligned(a, 1, 16, 0); // 17 bytes: the 32-byte class + header
  assert.equal(GetMemoryChunkSpace(p), 40, tree());
  const q = MemoryContextAllocAligned(g, 100, 64, 0); // 164 bytes: 168 + header
  assert.equal(GetMemoryChunkSpace(q), 176, tree());
  assert.equal(GetMemoryChunkContext(p), a);
  assert.equal(GetMemoryChunkContext(q), g);
});

Deno.test("pfree of an aligned chunk frees the chunk it was carved from", () => {
  const [a, g] = contexts();
  const before = stat(a);
  const p = MemoryContextAllocAligned(a, 100, 64, 0);
  assert.notEqual(stat(a), before);
  pfree(p);
  assertStat(a, "1 1 8192 7952 8192");
  const q = MemoryContextAllocAligned(g, 100, 256, 0);
  pfree(q);
  assertStat(g, "1 0 8192 8008 8064");
});

Deno.test("repalloc of an aligned chunk moves it, keeps the alignment and the contents", () => {
  const [a, g] = contexts();
  for (const ctx of [a, g]) {
    const p = MemoryContextAllocAligned(ctx, 200, 128, 0);
    fill(p, 200, 7);
    const q = repalloc(p, 3000);
    assert.notEqual(q, p, tree());
    assert.equal(q % 128, 0, tree());
    assertFilled(q, 200, 7);
    const r = repalloc(q, 50);
    assert.equal(r % 128, 0, tree());
    assertFilled(r, 50, 7);
    assert.equal(
      GetMemoryChunkSpace(r),
      GetMemoryChunkSpace(MemoryContextAllocAligned(ctx, 50, 128, 0)),
    );
  }
});

Deno.test("the ZERO flag zeroes the aligned bytes", () => {
  const [a] = contexts();
  const dirty = MemoryContextAlloc(a, 600);
  fill(dirty, 600, 3);
  pfree(dirty);
  const p = MemoryContextAllocAligned(a, 500, 64, MCXT_ALLOC_ZERO);
  assert.ok(heap.u8.subarray(p, p + 500).every((x) => x === 0), tree());
});

Deno.test("a size error names the request the context saw: size + alignto", () => {
  const [a] = contexts();
  assertRefused(
    () => MemoryContextAllocAligned(a, 1073741813, 64, 0),
    "invalid memory alloc request size 1073741877",
  );
  assertRefused(
    () => MemoryContextAllocAligned(a, 2n ** 60n, 64, 0),
    "invalid memory alloc request size 1152921504606847040",
  );
});

Deno.test("aligned chunks of a bump context raise Bump's errors, realloc's as GetMemoryChunkSpace", () => {
  const b = contexts()[2];
  const p = MemoryContextAllocAligned(b, 100, 64, 0);
  assertStat(b, "1 0 8080 7880 8192");
  assertRefused(() => pfree(p), "pfree is not supported by the bump memory allocator");
  assertRefused(
    () => repalloc(p, 10),
    "GetMemoryChunkSpace is not supported by the bump memory allocator",
  );
  assertRefused(
    () => GetMemoryChunkSpace(p),
    "GetMemoryChunkSpace is not supported by the bump memory allocator",
  );
  assertRefused(
    () => GetMemoryChunkContext(p),
    "GetMemoryChunkContext is not supported by the bump memory allocator",
  );
});

Deno.test("in a slab, size + alignto must be the slab's chunk size", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 8192, 80);
  const p = MemoryContextAllocAligned(s, 64, 16, 0);
  assert.equal(p % 16, 0, tree());
  assert.equal(GetMemoryChunkSpace(p), 88, tree());
  assertRefused(
    () => MemoryContextAllocAligned(s, 60, 16, 0),
    "unexpected alloc chunk size 76 (expected 80)",
  );
  assertRefused(() => repalloc(p, 10), "unexpected alloc chunk size 26 (expected 80)");
});

Deno.test("palloc_aligned allocates in the current context", () => {
  const [, g] = contexts();
  const old = MemoryContextSwitchTo(g);
  const p = palloc_aligned(10, 4096, 0);
  MemoryContextSwitchTo(old);
  assert.equal(p % 4096, 0, tree());
  assert.equal(GetMemoryChunkContext(p), g, tree());
});

Deno.test("NO_OOM returns 0 when the heap says no", () => {
  const [a] = contexts();
  heap.limit = heap.held;
  assert.equal(MemoryContextAllocAligned(a, 20000, 4096, MCXT_ALLOC_NO_OOM), 0, tree());
  heap.limit = Infinity;
});

Deno.test("an alignment that is not a power of two is refused", () => {
  const [a] = contexts();
  assert.throws(() => MemoryContextAllocAligned(a, 10, 24, 0), PgError);
  assert.throws(() => MemoryContextAllocAligned(a, 10, 1 << 27, 0), PgError);
});
