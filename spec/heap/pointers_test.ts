/**
 * Bad pointers are refused with HeapPointerError and change nothing; damaged
 * headers and free lists are reported as HeapCorruptionError (naming the
 * offset) instead of being followed.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { Heap, HeapCorruptionError, HeapPointerError } from "../../src/heap/mod.ts";

function snapshot(heap: Heap): unknown {
  return { bytes: heap.u8.slice(), stats: heap.stats() };
}

function refuses(heap: Heap, ptr: number, why: RegExp): void {
  const before = snapshot(heap);
  throws(() => heap.free(ptr), HeapPointerError);
  throws(() => heap.realloc(ptr, 64), HeapPointerError);
  throws(() => heap.sizeOf(ptr), HeapPointerError);
  throws(
    () => heap.usableSize(ptr),
    (e: Error) => e instanceof HeapPointerError && why.test(e.message),
  );
  deepStrictEqual(snapshot(heap), before, `pointer ${ptr} changed the heap`);
}

Deno.test("every kind of bad pointer is refused with HeapPointerError and nothing changes", () => {
  const heap = new Heap({ initialBytes: 64 * 1024, base: 40 });
  const a = heap.malloc(100);
  const b = heap.malloc(200);
  const c = heap.malloc(300);
  heap.malloc(16);
  heap.free(b);
  refuses(heap, -8, /not an offset/);
  refuses(heap, 2 ** 32, /not an offset/);
  refuses(heap, 1.5, /not an offset/);
  refuses(heap, NaN, /not an offset/);
  refuses(heap, a + 3, /aligned/);
  refuses(heap, 8, /outside/);
  refuses(heap, 40, /outside/);
  refuses(heap, heap.byteLength - 16, /outside/);
  refuses(heap, heap.byteLength + 64, /outside/);
  refuses(heap, a + 8, /not a block start \(inside live block/);
  refuses(heap, a + 96, /not a block start/);
  refuses(heap, b, /already freed/);
  heap.free(c);
  refuses(heap, c, /not a block start \(inside free block/);
  heap.check();
});

Deno.test("a double free is refused after the block merged with its neighbours", () => {
  const heap = new Heap();
  const ps = [0, 1, 2, 3].map(() => heap.malloc(64));
  heap.free(ps[1]);
  heap.free(ps[2]);
  refuses(heap, ps[2], /free block/);
  heap.free(ps[0]);
  refuses(heap, ps[1], /free block/);
  refuses(heap, ps[0], /already freed/);
  heap.check();
});

Deno.test("a pointer from another heap is refused", () => {
  const one = new Heap();
  const two = new Heap();
  two.malloc(1000);
  one.malloc(40);
  const p = one.malloc(16);
  refuses(two, p, /not a block start/);
});

Deno.test("check() reports a stomped block header with its offset", () => {
  const heap = new Heap();
  const a = heap.malloc(100);
  const b = heap.malloc(100);
  heap.check();
  heap.u32[(b - 16) >>> 2] = 0x41414141;
  throws(() => heap.check(), (e: Error) => e instanceof HeapCorruptionError && e.offset === b - 16);
  throws(() => heap.free(a), HeapCorruptionError, "freeing the neighbour must not follow it");
  throws(() => heap.free(b), HeapCorruptionError, "the damaged block itself is reported");
});

Deno.test("a buffer overrun into the next header is caught by free, not followed", () => {
  const heap = new Heap();
  const a = heap.malloc(24);
  const b = heap.malloc(24);
  heap.u8.fill(0xee, a, a + 48);
  throws(() => heap.free(a), (e: Error) => e instanceof HeapCorruptionError && e.offset === b - 16);
  throws(() => heap.check(), HeapCorruptionError);
});

Deno.test("check() reports a changed requested size and a broken free list", () => {
  const heap = new Heap();
  const a = heap.malloc(100);
  heap.u32[(a - 12) >>> 2] = 50;
  throws(() => heap.check(), /held is 100, blocks say 50/);
  heap.u32[(a - 12) >>> 2] = 100;
  heap.check();
  const f = heap.malloc(100);
  heap.malloc(8);
  heap.free(f);
  heap.u32[(f - 16 + 4) >>> 2] = 12345;
  throws(() => heap.check(), HeapCorruptionError);
});

Deno.test("check() reports a write through NULL into the guard bytes", () => {
  const heap = new Heap();
  heap.check();
  heap.u8[0] = 1;
  throws(() => heap.check(), (e: Error) => e instanceof HeapCorruptionError && e.offset === 0);
});

Deno.test("malloc reports a damaged free-list head instead of handing it out", () => {
  const heap = new Heap();
  const a = heap.malloc(64);
  heap.malloc(8);
  heap.free(a);
  heap.u32[(a - 16) >>> 2] += 8;
  throws(() => heap.malloc(64), HeapCorruptionError);
  ok(heap.held === 8);
  strictEqual(heap.usedBlocks, 1);
});
