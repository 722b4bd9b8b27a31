/**
 * The heap under load: random churn of PostgreSQL-sized blocks (fragmentation
 * and the byteLength / peakHeld overhead), and a fast-check property running
 * random malloc/free/realloc sequences against a simple model.
 */
import { ok, strictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- the brief pins fast-check inline; deno.json is not ours
import fc from "npm:fast-check@4";
import { Heap } from "../../src/heap/mod.ts";

/** mulberry32: a small deterministic PRNG, so the churn is the same every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes a PostgreSQL backend asks malloc for: mostly 8 KB blocks, doubling blocks, big chunks. */
function pgSize(rand: () => number): number {
  const r = rand();
  if (r < 0.5) return 8192;
  if (r < 0.7) return 8192 << Math.floor(rand() * 8); // AllocSet blocks doubling to 1 MB
  if (r < 0.8) return 8192 + Math.floor(rand() * 56 * 1024); // dedicated chunks above 8 KB
  if (r < 0.9) return [248, 1024, 2048, 4096][Math.floor(rand() * 4)]; // small contexts, slabs
  if (r < 0.97) return 1 << (20 + Math.floor(rand() * 3)); // 1 MB .. 4 MB
  return 8 << 20; // maxBlockSize
}

Deno.test("random churn of 10k PostgreSQL-sized blocks ends as one free block, with low overhead", () => {
  const rand = prng(20240611);
  const heap = new Heap();
  const live: number[] = [];
  let peakBytes = 0;
  for (let i = 0; i < 10_000; i++) {
    const r = rand();
    if (live.length > 0 && (r < 0.45 || live.length > 300)) {
      const j = Math.floor(rand() * live.length);
      heap.free(live[j]);
      live[j] = live[live.length - 1];
      live.pop();
    } else if (live.length > 0 && r < 0.55) {
      const j = Math.floor(rand() * live.length);
      const p = heap.realloc(live[j], pgSize(rand));
      ok(p > 0);
      live[j] = p;
    } else {
      const p = heap.malloc(pgSize(rand));
      ok(p > 0);
      live.push(p);
    }
    peakBytes = Math.max(peakBytes, heap.byteLength);
    if (i % 1000 === 0) heap.check();
  }
  heap.check();
  for (const p of live) heap.free(p);
  heap.check();
  strictEqual(heap.held, 0);
  strictEqual(heap.stats().freeBlocks, 1);
  const ratio = peakBytes / heap.peakHeld;
  console.log(`churn: peak byteLength ${peakBytes}, peakHeld ${heap.peakHeld}, ratio ${ratio}`);
  ok(ratio < 1.25, `peak byteLength / peakHeld = ${ratio}`);
});

Deno.test("a context-like pattern (blocks doubling from 8 KB to 8 MB, reset, repeat) stays dense", () => {
  const heap = new Heap();
  for (let round = 0; round < 20; round++) {
    const blocks: number[] = [];
    for (let size = 8192, n = 0; n < 12 + (round % 5); n++, size = Math.min(size * 2, 8 << 20)) {
      blocks.push(heap.malloc(size));
    }
    const keep = blocks.shift() as number;
    for (const p of blocks) heap.free(p);
    heap.free(keep);
  }
  heap.check();
  const ratio = heap.byteLength / heap.peakHeld;
  ok(ratio < 1.1, `byteLength / peakHeld = ${ratio}`);
});

type Op =
  | { op: "malloc"; size: number }
  | { op: "free"; pick: number }
  | { op: "realloc"; pick: number; size: number };

const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 0, max: 5000 }),
  fc.constantFrom(8192, 16384, 70000),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("malloc" as const), size: sizeArb }),
  fc.record({ op: fc.constant("free" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("realloc" as const), pick: fc.nat(), size: sizeArb }),
);

Deno.test("random malloc/free/realloc sequences agree with a simple model", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 80 }),
      fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
      (ops, limit) => {
        const heap = new Heap({ initialBytes: 64 * 1024, maxBytes: 1 << 20, limit });
        const model = new Map<number, { size: number; tag: number }>();
        let tag = 0;
        const stamp = (p: number, size: number) => {
          tag = (tag + 1) & 255;
          heap.u8.fill(tag, p, p + size);
          model.set(p, { size, tag });
        };
        const held = () => [...model.values()].reduce((s, b) => s + b.size, 0);
        for (const o of ops) {
          const keys = [...model.keys()];
          if (o.op === "malloc") {
            const p = heap.malloc(o.size);
            if (p === 0) ok(held() + o.size > (limit ?? Infinity) || heap.byteLength >= 1 << 19);
            else stamp(p, o.size);
          } else if (keys.length > 0) {
            const p = keys[o.pick % keys.length];
            const { size, tag: t } = model.get(p)!;
            if (o.op === "free") {
              heap.free(p);
              model.delete(p);
            } else {
              const q = heap.realloc(p, o.size);
              if (q !== 0) {
                const kept = Math.min(size, o.size);
                for (let i = 0; i < kept; i++) strictEqual(heap.u8[q + i], t);
                model.delete(p);
                stamp(q, o.size);
              } else {
                ok(o.size > size);
                strictEqual(heap.sizeOf(p), size);
              }
            }
          }
          strictEqual(heap.held, held());
        }
        const spans = [...model.entries()].sort((a, b) => a[0] - b[0]);
        for (let i = 0; i < spans.length; i++) {
          const [p, { size, tag: t }] = spans[i];
          strictEqual(p % 8, 0);
          if (i > 0) ok(spans[i - 1][0] + spans[i - 1][1].size <= p, "blocks overlap");
          for (let k = 0; k < size; k++) strictEqual(heap.u8[p + k], t);
        }
        heap.check();
        for (const p of model.keys()) heap.free(p);
        heap.check();
        strictEqual(heap.stats().freeBlocks, 1);
      },
    ),
    { numRuns: 300 },
  );
});
