/**
 * Heap micro-benchmarks (`deno bench bench/heap_bench.ts`): malloc/free of
 * 8 KB blocks (PostgreSQL's usual block size), of mixed PostgreSQL-like sizes,
 * growing reallocs, and the heap's memset and memmove (`heap.zero`,
 * `heap.move`) over the default memory, where WebAssembly's `memory.fill` and
 * `memory.copy` serve them, beside the same heap made as without WebAssembly
 * (its word loops and builtins). Heaps are pre-grown and warmed so that
 * first-touch page faults are not measured.
 */
import { Heap } from "../src/heap/mod.ts";

const N = 1000;

function warmed(bytes: number): Heap {
  const heap = new Heap({ initialBytes: bytes });
  const size = bytes - 4096;
  const p = heap.malloc(size);
  heap.u8.fill(1, p, p + size);
  heap.free(p);
  return heap;
}

const pair = warmed(1 << 20);
Deno.bench("malloc + free of one 8 KB block", { group: "8k" }, () => {
  pair.free(pair.malloc(8192));
});

const batch = warmed(64 << 20);
const ptrs = new Float64Array(N);
Deno.bench(`malloc ${N} × 8 KB, then free them in order`, { group: "8k", baseline: true }, () => {
  for (let i = 0; i < N; i++) ptrs[i] = batch.malloc(8192);
  for (let i = 0; i < N; i++) batch.free(ptrs[i]);
});

Deno.bench(`malloc ${N} × 8 KB, then free them in reverse`, { group: "8k" }, () => {
  for (let i = 0; i < N; i++) ptrs[i] = batch.malloc(8192);
  for (let i = N - 1; i >= 0; i--) batch.free(ptrs[i]);
});

// Mixed sizes: a fixed pseudo-random sequence, a live set of 256 blocks replaced round-robin.
const SIZES = new Uint32Array(4096);
let seed = 12345;
for (let i = 0; i < SIZES.length; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  const r = seed >>> 20;
  SIZES[i] = r < 2048
    ? 8192
    : r < 3072
    ? 8192 << (r & 7)
    : r < 3584
    ? 248 + (r & 255) * 8
    : 8192 + (r & 511) * 128;
}
const mixed = warmed(256 << 20);
const live = new Float64Array(256);
let k = 0;
for (let i = 0; i < live.length; i++) live[i] = mixed.malloc(SIZES[k++ & 4095]);
Deno.bench(`mixed sizes: ${N} × (free one, malloc one) over 256 live blocks`, {
  group: "mixed",
}, () => {
  for (let i = 0; i < N; i++) {
    const j = i & 255;
    mixed.free(live[j]);
    live[j] = mixed.malloc(SIZES[k++ & 4095]);
  }
});

const small = warmed(16 << 20);
Deno.bench(`small sizes: ${N} × malloc (16..1024 B), then free all`, { group: "mixed" }, () => {
  for (let i = 0; i < N; i++) ptrs[i] = small.malloc(16 + ((i * 37) & 1023));
  for (let i = 0; i < N; i++) small.free(ptrs[i]);
});

const grow = warmed(64 << 20);
Deno.bench("realloc doubling 8 KB → 8 MB, then free", { group: "realloc" }, () => {
  let p = grow.malloc(8192);
  for (let size = 16384; size <= 8 << 20; size *= 2) p = grow.realloc(p, size);
  grow.free(p);
});

// The heap's memset and memmove, WebAssembly's (the default memory) against the word loops and
// builtins a heap falls back to where there is no WebAssembly.
function withoutWasm<T>(make: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "WebAssembly") as PropertyDescriptor;
  Object.defineProperty(globalThis, "WebAssembly", { value: undefined, configurable: true });
  try {
    return make();
  } finally {
    Object.defineProperty(globalThis, "WebAssembly", saved);
  }
}
const bytesHeaps: [string, Heap][] = [
  ["WebAssembly", warmed(4 << 20)],
  ["loops", withoutWasm(() => warmed(4 << 20))],
];
for (const n of [64, 256, 4096, 32768]) {
  for (const [how, heap] of bytesHeaps) {
    // The copy's destination is 33,000 bytes past its source: not a multiple of 4 KiB, whose
    // false store-to-load dependencies would make every memmove look slow.
    const p = heap.malloc(2 * 33000 + 64);
    Deno.bench(`zero ${n} B (${how})`, { group: `zero ${n}`, baseline: how === "loops" }, () => {
      for (let i = 0; i < 64; i++) heap.zero(p + (i & 7) * 8, n);
    });
    Deno.bench(`move ${n} B (${how})`, { group: `move ${n}`, baseline: how === "loops" }, () => {
      for (let i = 0; i < 64; i++) heap.move(p + 33000 + (i & 7) * 8, p, n);
    });
  }
}
