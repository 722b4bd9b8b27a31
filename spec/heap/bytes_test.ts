// heap.zero and heap.move (memset 0 and memmove over heap memory) against Uint8Array's own fill and
// copyWithin on a copy of the bytes: every length across the thresholds between the word loops,
// the builtins and WebAssembly's memory.fill / memory.copy (128, 256 and 512), every alignment of
// both ends, overlap in both directions, over every kind of memory (the default growable
// SharedArrayBuffer; unshared; a caller's WebAssembly memory, plain, shared, and placed above
// 2^31), and with offsets above 2^31 and near 2^32 (the word loops use unsigned shifts there;
// WebAssembly gets those offsets as negative i32s). fast-check prints the seed and the path of any
// counterexample.
import assert from "node:assert/strict";
import fc from "fast-check";
import { Heap } from "../../src/heap/heap.ts";
import { Backing } from "../../src/heap/backing.ts";
import { bulkOps } from "../../src/heap/bulk.ts";
import { HeapPointerError } from "../../src/heap/errors.ts";

/** Runs `make` as on an engine that refuses to run WebAssembly code (a page whose policy forbids
 * it): memories can still be made, modules cannot be instantiated. */
function refusingWasmCode<T>(make: () => T): T {
  const saved = WebAssembly.Instance;
  const refuse = function () {
    throw new WebAssembly.CompileError("refused by policy");
  } as unknown as typeof WebAssembly.Instance;
  Object.defineProperty(WebAssembly, "Instance", { value: refuse, configurable: true });
  try {
    return make();
  } finally {
    Object.defineProperty(WebAssembly, "Instance", { value: saved, configurable: true });
  }
}

const BLOCK = 8192;
const heaps: [string, () => Heap][] = [
  ["shared", () => new Heap({ maxBytes: 1 << 20 })],
  ["unshared", () => new Heap({ maxBytes: 1 << 20, shared: false })],
  ["a WebAssembly memory", () => new Heap({ memory: new WebAssembly.Memory({ initial: 2 }) })],
  ["a shared WebAssembly memory", () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 32, shared: true });
    return new Heap({ memory });
  }],
  ["a WebAssembly memory, its code refused", () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 32 });
    return refusingWasmCode(() => new Heap({ memory }));
  }],
  ["a WebAssembly memory above 2^31", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65535 });
    return new Heap({ memory, base: 2 ** 31 + 4096, initialBytes: 1 << 20 });
  }],
  ["shared above 2^31", () => new Heap({ base: 2 ** 31 + 4096, maxBytes: 2 ** 32 - 65536 })],
  ["near 2^32", () => new Heap({ base: 2 ** 32 - (16 << 20), maxBytes: 2 ** 32 - 65536 })],
];

Deno.test("WebAssembly's memset and memmove serve a caller's WebAssembly memory, not the default buffer", () => {
  const fresh = (o: { shared?: boolean; memory?: WebAssembly.Memory }) =>
    new Backing({ initialBytes: 1 << 16, maxBytes: 1 << 20, memory: o.memory, shared: o.shared });
  const def = fresh({});
  assert.equal(def.bulk, null, "the default backing is a plain growable SharedArrayBuffer");
  const buffer = def.buffer as unknown as SharedArrayBuffer;
  assert.ok(buffer instanceof SharedArrayBuffer && buffer.growable);
  assert.ok(def.grow(4 << 16) && def.buffer === (buffer as unknown), "it grows in place");
  assert.equal(fresh({ shared: false }).bulk, null, "a resizable ArrayBuffer has none");
  assert.ok(fresh({ memory: new WebAssembly.Memory({ initial: 1 }) }).bulk !== null);
  const sharedMemory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  assert.ok(fresh({ memory: sharedMemory }).bulk !== null);
  const refused = refusingWasmCode(() => fresh({ memory: new WebAssembly.Memory({ initial: 1 }) }));
  assert.equal(refused.bulk, null, "where the engine refuses the module: none, the loops serve");
});

Deno.test("bulkOps: exact bytes through a grown memory, and null for a memory its import does not match", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const ops = bulkOps(memory);
  assert.ok(ops !== null);
  memory.grow(2);
  const u8 = new Uint8Array(memory.buffer);
  u8.fill(0x5a, 65536, 3 * 65536);
  ops.zero(65536 + 1000, 70000); // across the page the memory grew by
  assert.equal(u8[65536 + 999], 0x5a);
  assert.ok(u8.subarray(65536 + 1000, 65536 + 71000).every((b) => b === 0));
  assert.equal(u8[65536 + 71000], 0x5a);
  ops.move(65536 + 500, 65536 + 900, 200); // from 100 of the 0x5a bytes and 100 zeros
  assert.equal(u8[65536 + 599], 0x5a);
  assert.equal(u8[65536 + 600], 0);
  let memory64: WebAssembly.Memory | null = null;
  try {
    const descriptor = { initial: 1n, address: "i64" } as unknown as WebAssembly.MemoryDescriptor;
    memory64 = new WebAssembly.Memory(descriptor);
  } catch {
    // no 64-bit memories on this engine
  }
  if (memory64 !== null) {
    assert.equal(bulkOps(memory64), null, "a 64-bit memory does not match the i32 import");
  }
});

/** A block of BLOCK random bytes with 64 bytes of the heap on either side, and their copy. */
function setUp(heap: Heap, seed: number): { p: number; lo: number; hi: number; ref: Uint8Array } {
  const p = heap.malloc(BLOCK);
  assert.ok(p !== 0);
  let x = seed | 1;
  for (let i = 0; i < BLOCK; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    heap.u8[p + i] = x & 0xff;
  }
  const lo = p - 64;
  const hi = p + BLOCK + 64;
  return { p, lo, hi, ref: heap.u8.slice(lo, hi) };
}

// Lengths: word-aligned and not, around both thresholds, and long; offsets: any, or 4-aligned
// (where the word loops run), and a destination near its source so that the ranges overlap.
const span = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 75 }).map((k) => 4 * k),
  fc.integer({ min: 240, max: 600 }),
  fc.integer({ min: 0, max: 3000 }),
);
const at = fc.oneof(
  fc.integer({ min: 300, max: BLOCK - 3300 }),
  fc.integer({ min: 75, max: (BLOCK - 3300) >> 2 }).map((k) => 4 * k),
);
const near = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer({ min: -75, max: 75 }).map((k) => 4 * k),
);

for (const [name, make] of heaps) {
  Deno.test(`heap.zero is memset(0) on exactly its range (${name})`, () => {
    const heap = make();
    fc.assert(
      fc.property(at, span, fc.integer(), (off, n, seed) => {
        const { p, lo, hi, ref } = setUp(heap, seed);
        heap.zero(p + off, n);
        ref.fill(0, p + off - lo, p + off + n - lo);
        assert.deepEqual(heap.u8.slice(lo, hi), ref);
        heap.free(p);
      }),
      { numRuns: 300 },
    );
  });

  Deno.test(`heap.move is memmove, overlapping either way (${name})`, () => {
    const heap = make();
    fc.assert(
      fc.property(at, near, span, fc.integer(), (from, delta, n, seed) => {
        const to = from + delta;
        const { p, lo, hi, ref } = setUp(heap, seed);
        heap.move(p + to, p + from, n);
        ref.copyWithin(p + to - lo, p + from - lo, p + from + n - lo);
        assert.deepEqual(heap.u8.slice(lo, hi), ref);
        heap.free(p);
      }),
      { numRuns: 500 },
    );
  });
}

Deno.test("heap.move copies every bit pattern exactly, NaN payloads included", () => {
  const heap = new Heap({ maxBytes: 1 << 20 });
  const p = heap.malloc(256);
  const q = heap.malloc(256);
  const nan = [0x7ff0_0001, 0x7ff8_0000, 0xfff4_0000, 0x7fff_ffff, 0xffff_ffff];
  for (let i = 0; i < 64; i++) heap.u32[(p >>> 2) + i] = nan[i % nan.length] ^ (i << 3);
  heap.move(q, p, 256);
  assert.deepEqual(heap.u8.slice(q, q + 256), heap.u8.slice(p, p + 256));
});

Deno.test("calloc zeroes the block over a shared and an unshared memory", () => {
  for (const shared of [true, false]) {
    const heap = new Heap({ maxBytes: 1 << 20, shared });
    for (const size of [1, 7, 8, 255, 513, 5000]) {
      const p = heap.malloc(size);
      heap.u8.fill(0xee, p, p + size);
      heap.free(p);
      const q = heap.calloc(size);
      assert.ok(heap.u8.subarray(q, q + size).every((b) => b === 0), `${size} (shared ${shared})`);
      heap.free(q);
    }
  }
});

Deno.test("heap.zero and heap.move refuse a range outside the memory or not whole, writing nothing", () => {
  const heap = new Heap({ maxBytes: 1 << 20 });
  const p = heap.malloc(64);
  heap.u8.fill(0xab, p, p + 64);
  const end = heap.u8.length;
  const before = heap.u8.slice();
  const bad: [string, () => void][] = [
    ["zero, negative length", () => heap.zero(p, -4)],
    ["zero, fractional length", () => heap.zero(p, 2.5)],
    ["zero, NaN length", () => heap.zero(p, NaN)],
    ["zero, past the end", () => heap.zero(end - 8, 16)],
    ["zero, negative offset", () => heap.zero(-8, 16)],
    ["move, negative length", () => heap.move(p + 8, p, -4)],
    ["move, source past the end", () => heap.move(p, end - 8, 16)],
    ["move, destination past the end", () => heap.move(end - 8, p, 16)],
    ["move, fractional offset", () => heap.move(p + 0.5, p, 8)],
    ["zero of 4 KiB, past the end", () => heap.zero(end - 1024, 4096)],
    ["zero of 2^32 bytes", () => heap.zero(p, 2 ** 32)],
    ["move of 4 KiB, source past the end", () => heap.move(p, end - 1024, 4096)],
    ["move of 4 KiB, destination past the end", () => heap.move(end - 1024, p, 4096)],
  ];
  for (const [what, call] of bad) {
    assert.throws(call, HeapPointerError, what);
    assert.deepEqual(heap.u8, before, `${what} wrote something`);
  }
  heap.zero(end - 8, 8); // the last bytes are inside
  heap.move(p, p, 0);
});
