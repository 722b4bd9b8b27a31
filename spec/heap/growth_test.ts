/**
 * The heap's memory and its growth: growable SharedArrayBuffer, resizable ArrayBuffer, WebAssembly memory
 * with and without `toResizableBuffer`, data below `base`, views after growth,
 * and growth failure turning into a 0 from malloc.
 */
import { ok, strictEqual } from "node:assert/strict";
import { Heap } from "../../src/heap/mod.ts";

const KB = 1024;
const PAGE = 65536;

/** A memory whose `toResizableBuffer` is hidden, as on engines that lack it (Node 20). */
function fixedLengthMemory(initial: number, maximum?: number): WebAssembly.Memory {
  const memory = new WebAssembly.Memory(
    maximum === undefined ? { initial } : { initial, maximum },
  );
  Object.defineProperty(memory, "toResizableBuffer", { value: undefined });
  return memory;
}

/** Fills 40 blocks of 8 KiB (the heap must grow); checks the growth events; returns the blocks. */
function fillUntilGrown(heap: Heap): number[] {
  const grown: number[] = [];
  heap.onGrow((n) => grown.push(n));
  const ps: number[] = [];
  for (let i = 0; i < 40; i++) {
    const p = heap.malloc(8 * KB);
    ok(p > 0);
    heap.u8.fill(i, p, p + 8 * KB);
    ps.push(p);
  }
  ok(heap.byteLength >= 40 * 8 * KB);
  ok(grown.length > 0);
  strictEqual(grown[grown.length - 1], heap.byteLength);
  return ps;
}

/** Checks every block kept its bytes, frees them all, and checks the heap is one free block. */
function releaseAll(heap: Heap, ps: number[]): void {
  ps.forEach((p, i) => ok(heap.u8[p] === i && heap.u8[p + 8 * KB - 1] === i));
  ps.forEach((p) => heap.free(p));
  heap.check();
  strictEqual(heap.stats().freeBlocks, 1);
}

Deno.test("an ArrayBuffer heap grows on demand and its views follow", () => {
  const heap = new Heap({ initialBytes: 64 * KB, shared: false });
  strictEqual(heap.byteLength, 64 * KB);
  const u8 = heap.u8;
  const ps = fillUntilGrown(heap);
  strictEqual(heap.u8, u8, "length-tracking views are never replaced");
  strictEqual(heap.u8.length, heap.byteLength);
  strictEqual(heap.f64.length, heap.byteLength / 8);
  releaseAll(heap, ps);
});

Deno.test("a SharedArrayBuffer heap (the default) grows on demand and re-makes its views", () => {
  const heap = new Heap({ initialBytes: 64 * KB });
  ok(heap.buffer instanceof SharedArrayBuffer);
  strictEqual(heap.byteLength, 64 * KB);
  const u8 = heap.u8;
  const ps = fillUntilGrown(heap);
  ok(heap.u8 !== u8, "fixed-length views are re-made after growth");
  strictEqual(u8.length, 64 * KB, "an old view keeps its window");
  strictEqual(heap.u8.length, heap.byteLength);
  strictEqual(heap.i32.length, heap.byteLength / 4);
  strictEqual(heap.u32.length, heap.byteLength / 4);
  strictEqual(heap.f64.length, heap.byteLength / 8);
  strictEqual(heap.u8.buffer, u8.buffer, "the same memory, grown in place");
  releaseAll(heap, ps);
});

Deno.test("growth is geometric but bounded, so a heap of 8 KB blocks stays dense", () => {
  const heap = new Heap({ initialBytes: 64 * KB });
  for (let i = 0; i < 4096; i++) ok(heap.malloc(8 * KB) > 0);
  const ratio = heap.byteLength / heap.held;
  ok(ratio < 1.08, `byteLength / held = ${ratio}`);
});

Deno.test("a WebAssembly memory with base > 0 grows and leaves the data below base alone", () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 64 });
  const statics = new Uint8Array(memory.buffer, 0, 1000);
  for (let i = 0; i < 1000; i++) statics[i] = (i * 13) & 255;
  const heap = new Heap({ memory, base: 1000 });
  strictEqual(heap.byteLength, 2 * PAGE);
  const ps: number[] = [];
  for (let i = 0; i < 30; i++) {
    const p = heap.malloc(10 * KB);
    ok(p >= 1000 + 16);
    heap.u8.fill(i + 1, p, p + 10 * KB);
    ps.push(p);
  }
  ok(memory.buffer.byteLength > 2 * PAGE);
  strictEqual(heap.byteLength, memory.buffer.byteLength);
  strictEqual(heap.buffer, memory.buffer);
  const low = new Uint8Array(memory.buffer, 0, 1000);
  for (let i = 0; i < 1000; i++) strictEqual(low[i], (i * 13) & 255);
  ps.forEach((p, i) => strictEqual(heap.u8[p + 10 * KB - 1], i + 1));
  ps.forEach((p) => heap.free(p));
  heap.check();
  strictEqual(heap.stats().freeBlocks, 1);
});

Deno.test("a WebAssembly memory that cannot grow past its maximum makes malloc return 0", () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 4 });
  const heap = new Heap({ memory, base: 64 });
  let n = 0;
  while (heap.malloc(8 * KB) !== 0) n++;
  ok(n >= 30 && n < 32, `${n} blocks`);
  strictEqual(memory.buffer.byteLength, 4 * PAGE);
  strictEqual(heap.malloc(5 * PAGE), 0);
  heap.check();
});

Deno.test("without toResizableBuffer the heap makes new views after growing", () => {
  const memory = fixedLengthMemory(1, 16);
  const heap = new Heap({ memory, base: 256 });
  const old = heap.u8;
  const a = heap.malloc(100);
  heap.u8.fill(7, a, a + 100);
  const b = heap.malloc(200 * KB);
  ok(b > 0);
  ok(heap.u8 !== old, "views were replaced");
  strictEqual(old.length, 0, "the old buffer is detached");
  strictEqual(heap.u8.buffer, memory.buffer);
  strictEqual(heap.i32.length, memory.buffer.byteLength / 4);
  strictEqual(heap.u8[a + 99], 7);
  heap.free(a);
  heap.free(b);
  heap.check();
});

Deno.test("a WebAssembly memory without a maximum is used with fixed-length views", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const heap = new Heap({ memory, base: 8 });
  const p = heap.malloc(300 * KB);
  ok(p > 0);
  strictEqual(heap.u8.buffer, memory.buffer);
  strictEqual(heap.byteLength, memory.buffer.byteLength);
  heap.check();
});

Deno.test("growth made by someone else is picked up after refreshViews", () => {
  const memory = fixedLengthMemory(1, 16);
  const heap = new Heap({ memory, base: 16 });
  const a = heap.malloc(1000);
  memory.grow(2);
  heap.refreshViews();
  strictEqual(heap.u8.buffer, memory.buffer);
  const b = heap.malloc(100 * KB);
  ok(b > 0);
  strictEqual(memory.buffer.byteLength, 3 * PAGE, "the foreign pages were used first");
  heap.free(a);
  heap.free(b);
  heap.check();
  strictEqual(heap.stats().freeBlocks, 1);
});

Deno.test("an ArrayBuffer heap at maxBytes returns 0 instead of throwing", () => {
  const heap = new Heap({ initialBytes: 64 * KB, maxBytes: 256 * KB });
  const ps: number[] = [];
  let p: number;
  while ((p = heap.malloc(10 * KB)) !== 0) ps.push(p);
  strictEqual(heap.byteLength, 256 * KB);
  ok(ps.length >= 24);
  const held = heap.held;
  strictEqual(heap.realloc(ps[0], 100 * KB), 0);
  strictEqual(heap.held, held);
  heap.check();
  ps.forEach((q) => heap.free(q));
  ok(heap.malloc(200 * KB) > 0, "after freeing, the space is one block again");
});

Deno.test("growth merges the new area with a free block at the old end", () => {
  const heap = new Heap({ initialBytes: 64 * KB });
  const a = heap.malloc(10 * KB);
  const b = heap.malloc(100 * KB);
  ok(b > a);
  heap.check();
  heap.free(b);
  strictEqual(heap.stats().freeBlocks, 1);
  heap.free(a);
  strictEqual(heap.stats().freeBlocks, 1);
  heap.check();
});

Deno.test("maxBytes alone caps the initial size instead of failing", () => {
  const heap = new Heap({ maxBytes: 256 * KB });
  strictEqual(heap.byteLength, 256 * KB);
  ok(heap.malloc(200 * KB) > 0);
  strictEqual(heap.malloc(100 * KB), 0);
});

Deno.test("an onGrow listener can be removed", () => {
  const heap = new Heap({ initialBytes: 64 * KB });
  let calls = 0;
  const off = heap.onGrow(() => calls++);
  heap.malloc(100 * KB);
  strictEqual(calls, 1);
  off();
  heap.malloc(200 * KB);
  strictEqual(calls, 1);
});

Deno.test("offsets above 2 GiB work as unsigned pointers", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65535 });
  const heap = new Heap({ memory, base: 64 });
  const big = heap.malloc(2 ** 31 + 12345);
  ok(big > 0);
  const p = heap.malloc(8192);
  ok(p > 2 ** 31, `pointer ${p}`);
  heap.u8[p + 8191] = 7;
  heap.f64[(p >>> 3) + 1] = 1.5;
  strictEqual(heap.sizeOf(p), 8192);
  const q = heap.realloc(p, 100_000);
  strictEqual(heap.u8[q + 8191], 7);
  strictEqual(heap.f64[(q >>> 3) + 1], 1.5);
  heap.check();
  heap.free(big);
  heap.free(q);
  heap.check();
  strictEqual(heap.stats().freeBlocks, 1);
  ok(heap.malloc(2 ** 32 - 2 * PAGE) > 0, "nearly all of 4 GiB in one block");
});
