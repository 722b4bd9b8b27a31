/**
 * The heap's malloc/free/realloc semantics: alignment, contents, coalescing,
 * in-place resizing, accounting and the held-bytes limit. Growth, bad
 * pointers, corruption and churn have their own files under spec/heap/.
 */
import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Heap } from "../src/heap/mod.ts";

function fill(heap: Heap, p: number, n: number, seed: number): void {
  for (let i = 0; i < n; i++) heap.u8[p + i] = (seed + i * 7) & 255;
}

function same(heap: Heap, p: number, n: number, seed: number): boolean {
  for (let i = 0; i < n; i++) if (heap.u8[p + i] !== ((seed + i * 7) & 255)) return false;
  return true;
}

Deno.test("malloc hands out 8-aligned, non-null, non-overlapping blocks", () => {
  const heap = new Heap();
  const blocks: Array<[number, number]> = [];
  for (let size = 0; size < 600; size += 7) {
    const p = heap.malloc(size);
    ok(p > 0);
    strictEqual(p % 8, 0);
    ok(heap.usableSize(p) >= size);
    blocks.push([p, size]);
  }
  blocks.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < blocks.length; i++) ok(blocks[i - 1][0] + blocks[i - 1][1] <= blocks[i][0]);
  heap.check();
});

Deno.test("malloc(0) returns a valid unique pointer that can be freed", () => {
  const heap = new Heap();
  const a = heap.malloc(0);
  const b = heap.malloc(0);
  ok(a > 0 && b > 0);
  notStrictEqual(a, b);
  strictEqual(heap.sizeOf(a), 0);
  heap.free(a);
  heap.free(b);
  heap.free(0);
  strictEqual(heap.held, 0);
  heap.check();
});

Deno.test("the heap never hands out offset 0, even with base 0", () => {
  const heap = new Heap({ base: 0 });
  const p = heap.malloc(8);
  ok(p >= 16);
  heap.check();
});

Deno.test("sizeOf reports the requested size and held sums the requests", () => {
  const heap = new Heap();
  const a = heap.malloc(13);
  const b = heap.malloc(8192);
  strictEqual(heap.sizeOf(a), 13);
  strictEqual(heap.sizeOf(b), 8192);
  strictEqual(heap.held, 13 + 8192);
  heap.free(a);
  strictEqual(heap.held, 8192);
  strictEqual(heap.peakHeld, 13 + 8192);
  heap.resetPeak();
  strictEqual(heap.peakHeld, 8192);
  const s = heap.stats();
  strictEqual(s.usedBlocks, 1);
  strictEqual(s.held, 8192);
  ok(s.largestFree > 0 && s.freeBytes > s.largestFree);
});

Deno.test("freed neighbours coalesce, so freeing everything leaves one free block", () => {
  for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]]) {
    const heap = new Heap();
    const ps = [100, 200, 300, 400].map((n) => heap.malloc(n));
    for (const i of order) {
      heap.free(ps[i]);
      heap.check();
    }
    strictEqual(heap.stats().freeBlocks, 1);
    strictEqual(heap.stats().freeBytes, heap.byteLength - 16 - 16);
  }
});

Deno.test("a freed block is reused by the next malloc of the same size", () => {
  const heap = new Heap();
  const a = heap.malloc(8192);
  heap.malloc(8192);
  heap.free(a);
  strictEqual(heap.malloc(8192), a);
  heap.check();
});

Deno.test("calloc zeroes reused memory", () => {
  const heap = new Heap();
  const a = heap.malloc(64);
  heap.u8.fill(0xff, a, a + 64);
  heap.malloc(8);
  heap.free(a);
  const b = heap.calloc(64);
  strictEqual(b, a);
  ok(heap.u8.subarray(b, b + 64).every((x) => x === 0));
});

Deno.test("realloc(0, n) is malloc and realloc preserves contents when it moves", () => {
  const heap = new Heap();
  const p = heap.realloc(0, 100);
  ok(p > 0);
  fill(heap, p, 100, 1);
  const wall = heap.malloc(16);
  const q = heap.realloc(p, 5000);
  notStrictEqual(q, p);
  ok(same(heap, q, 100, 1));
  strictEqual(heap.sizeOf(q), 5000);
  strictEqual(heap.held, 5016);
  heap.free(wall);
  heap.free(q);
  heap.check();
  strictEqual(heap.stats().freeBlocks, 1);
});

Deno.test("realloc grows in place into a free neighbour", () => {
  const heap = new Heap();
  const a = heap.malloc(1000);
  const b = heap.malloc(1000);
  heap.malloc(8);
  fill(heap, a, 1000, 3);
  heap.free(b);
  strictEqual(heap.realloc(a, 1900), a);
  ok(same(heap, a, 1000, 3));
  heap.check();
});

Deno.test("realloc shrinks in place and gives the tail back as a free block", () => {
  const heap = new Heap();
  const a = heap.malloc(64 * 1024);
  const wall = heap.malloc(8);
  fill(heap, a, 100, 5);
  strictEqual(heap.realloc(a, 100), a);
  ok(same(heap, a, 100, 5));
  ok(heap.usableSize(a) < 200);
  const b = heap.malloc(60 * 1024);
  ok(b > a && b < wall, "the tail between a and wall is reused");
  heap.check();
});

Deno.test("realloc slides down into a free predecessor when nothing follows", () => {
  const heap = new Heap();
  const a = heap.malloc(4000);
  const b = heap.malloc(1000);
  heap.malloc(8);
  fill(heap, b, 1000, 9);
  heap.free(a);
  const q = heap.realloc(b, 4500);
  strictEqual(q, a);
  ok(same(heap, q, 1000, 9));
  heap.check();
});

Deno.test("the last block grows in place when the memory grows under it", () => {
  const heap = new Heap({ initialBytes: 64 * 1024 });
  const a = heap.malloc(60 * 1024);
  fill(heap, a, 1024, 11);
  const q = heap.realloc(a, 200 * 1024);
  strictEqual(q, a);
  ok(same(heap, q, 1024, 11));
  heap.check();
});

Deno.test("held + n == limit succeeds and one byte more fails without change", () => {
  const heap = new Heap({ limit: 10000 });
  ok(heap.malloc(4000) > 0);
  const free = heap.stats().freeBytes;
  strictEqual(heap.malloc(6001), 0);
  strictEqual(heap.held, 4000);
  strictEqual(heap.stats().freeBytes, free);
  ok(heap.malloc(6000) > 0);
  strictEqual(heap.held, 10000);
  strictEqual(heap.malloc(1), 0);
  ok(heap.malloc(0) > 0, "a zero-byte request still fits at the limit");
  heap.check();
});

Deno.test("realloc respects the limit: growth past it fails intact, shrinking always works", () => {
  const heap = new Heap({ limit: 10000 });
  const a = heap.malloc(4000);
  heap.malloc(5000);
  fill(heap, a, 4000, 2);
  const before = heap.u8.slice(a - 16, a + 4000);
  strictEqual(heap.realloc(a, 5001), 0);
  deepStrictEqual(heap.u8.slice(a - 16, a + 4000), before);
  strictEqual(heap.held, 9000);
  const b = heap.realloc(a, 5000);
  ok(b > 0);
  ok(same(heap, b, 4000, 2));
  strictEqual(heap.held, 10000);
  heap.limit = 100;
  strictEqual(heap.realloc(b, 10), b, "shrinking above the limit still succeeds");
  ok(same(heap, b, 10, 2));
  strictEqual(heap.held, 5010);
  heap.check();
});

Deno.test("impossible sizes make malloc and realloc return 0", () => {
  const heap = new Heap({ maxBytes: 1 << 20 });
  for (const n of [-1, 1.5, NaN, Infinity, 2 ** 32, 2 ** 40, 1 << 20]) {
    strictEqual(heap.malloc(n), 0);
  }
  const a = heap.malloc(10);
  strictEqual(heap.realloc(a, -1), 0);
  strictEqual(heap.realloc(a, 2 ** 33), 0);
  strictEqual(heap.sizeOf(a), 10);
  strictEqual(heap.held, 10);
  heap.check();
});

Deno.test("isLive tells live blocks from everything else without throwing", () => {
  const heap = new Heap();
  const a = heap.malloc(32);
  const b = heap.malloc(32);
  heap.free(b);
  strictEqual(heap.isLive(a), true);
  strictEqual(heap.isLive(b), false);
  strictEqual(heap.isLive(a + 8), false);
  strictEqual(heap.isLive(0), false);
  strictEqual(heap.isLive(-8), false);
});
