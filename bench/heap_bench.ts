/**
 * Heap micro-benchmarks (`deno bench bench/heap_bench.ts`): malloc/free of
 * 8 KB blocks (PostgreSQL's usual block size), of mixed PostgreSQL-like sizes,
 * growing reallocs, and the heap's memset and memmove (`heap.zero`,
 * `heap.move`) over a caller's `WebAssembly.Memory`, where WebAssembly's
 * `memory.fill` and `memory.copy` serve them, beside the default shared
 * buffer (its word loops and builtins), and heaps made and dropped in a loop
 * over either. Heaps are pre-grown and warmed so that first-touch page faults
 * are not measured, except in that last group, where they are the point.
 */
import { Heap } from "../src/heap/mod.ts";

const N = 1000;

function warmed(bytes: number, memory?: WebAssembly.Memory): Heap {
  const heap = new Heap({ memory, initialBytes: bytes });
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

// The heap's memset and memmove, WebAssembly's (over a caller's WebAssembly memory) against the
// word loops and builtins of the default shared buffer.
const bytesHeaps: [string, Heap][] = [
  [
    "WebAssembly",
    warmed(4 << 20, new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true })),
  ],
  ["loops", warmed(4 << 20)],
];
// From 256 bytes on, where the heap calls WebAssembly (below that both heaps run loops, and the
// WebAssembly memory's are slower: its buffer is resizable, so its views are length-tracking).
for (const n of [256, 4096, 32768]) {
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

// Why the default buffer is not a WebAssembly memory: a heap made, filled with 1 MB and dropped,
// over each kind. V8 gives a WebAssembly memory's pages back late, so the second one slows down
// as resident memory piles up (run it in a worker beside another to see it most).
for (const how of ["SharedArrayBuffer", "WebAssembly"]) {
  Deno.bench(`make a heap, fill 1 MB, drop it (${how})`, {
    group: "make",
    baseline: how === "SharedArrayBuffer",
  }, () => {
    const memory = how === "WebAssembly"
      ? new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true })
      : undefined;
    const heap = new Heap({ memory, initialBytes: 64 << 10 });
    const p = heap.malloc(1 << 20);
    heap.u8.fill(1, p, p + (1 << 20));
  });
}
