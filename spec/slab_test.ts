import assert from "node:assert/strict";
import { SlabContext, SlabContextCreate } from "../src/slab/mod.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocZero,
  MemoryContextCountersOf,
  MemoryContextDelete,
  MemoryContextIsEmpty,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextStatsLine,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { chunkSetHeader, MCTX_SLAB_ID } from "../src/memorychunk.ts";
import { assertFilled, assertRefused, assertStat, fill, fresh, tree } from "./helpers.ts";

/** Runs the type's self-check, printing the tree when it finds a problem. */
function check(ctx: MemoryContext): void {
  try {
    ctx.methods.check?.(ctx);
  } catch (e) {
    assert.fail(`SlabCheck failed: ${(e as Error).message}\n${tree()}`);
  }
}

function allocMany(ctx: MemoryContext, size: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(MemoryContextAlloc(ctx, size));
  return out;
}

Deno.test("Slab raises small chunk sizes to 8 and rounds others up to a multiple of 8", () => {
  fresh();
  const s4 = SlabContextCreate(TopMemoryContext, "S4", 8192, 4);
  const s100 = SlabContextCreate(TopMemoryContext, "S100", 8192, 100);
  assert.ok(s4 instanceof SlabContext, tree());
  assert.equal(GetMemoryChunkSpace(MemoryContextAlloc(s4, 8)), 16, tree());
  assert.equal(GetMemoryChunkSpace(MemoryContextAlloc(s100, 100)), 112, tree());
  assertStat(s4, "1 508 8368 8128 8192");
  assertStat(s100, "1 71 8368 7952 8192");
});

Deno.test("Slab keeps its 176-byte header out of mem_allocated, so a new slab is empty", () => {
  fresh();
  const held = heap.held;
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 64);
  assert.equal(heap.held - held, 176, tree());
  assertStat(s, "0 0 176 0 0");
  assert.equal(MemoryContextIsEmpty(s), true, tree());
  assert.equal(
    MemoryContextStatsLine(s),
    "S: 176 total in 0 blocks; 0 empty blocks; 0 free (0 chunks); 176 used",
  );
});

Deno.test("Slab refuses a request of any other size with PostgreSQL's message", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 8192, 4);
  assertRefused(() => MemoryContextAlloc(s, 4), "unexpected alloc chunk size 4 (expected 8)");
  MemoryContextAlloc(s, 8);
  assertRefused(() => MemoryContextAlloc(s, 0), "unexpected alloc chunk size 0 (expected 8)");
  assertRefused(
    () => MemoryContextAlloc(s, 1073741824),
    "unexpected alloc chunk size 1073741824 (expected 8)",
  );
});

Deno.test("Slab repalloc to the same size returns the same chunk and refuses any other size", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 8192, 100);
  const p = MemoryContextAlloc(s, 100);
  fill(p, 100, 7);
  assert.equal(repalloc(p, 100), p, tree());
  assertRefused(() => repalloc(p, 104), "slab allocator does not support realloc()");
  assertRefused(() => repalloc(p, 8), "slab allocator does not support realloc()");
  assertFilled(p, 100, 7);
});

Deno.test("Slab create refuses a block that cannot hold one chunk and leaves nothing behind", () => {
  fresh();
  assertRefused(
    () => SlabContextCreate(TopMemoryContext, "bad", 100, 200),
    "block size 100 for slab is too small for 200-byte chunks",
  );
  assertRefused(
    () => SlabContextCreate(TopMemoryContext, "tiny", 40, 1),
    "block size 40 for slab is too small for 8-byte chunks",
  );
  assert.equal(TopMemoryContext.firstchild?.name, "ErrorContext", tree());
  const one = SlabContextCreate(TopMemoryContext, "one", 256, 200);
  allocMany(one, 200, 2);
  assertStat(one, "2 0 688 0 512");
});

Deno.test("Slab create reports out of memory when the header cannot be allocated", () => {
  fresh();
  heap.limit = heap.held + 100;
  const e = assertRefused(() => SlabContextCreate(TopMemoryContext, "S", 8192, 8), "out of memory");
  assert.equal(e.detail, 'Failed while creating memory context "S".', tree());
});

Deno.test("Slab answers owner and space from the pointer alone", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 65536, 3000);
  const ps = allocMany(s, 3000, 22);
  for (const p of ps) {
    assert.equal(GetMemoryChunkContext(p), s, tree());
    assert.equal(GetMemoryChunkSpace(p), 3008, tree());
  }
  assertStat(s, "2 20 131248 60160 131072"); // 21 chunks per block
});

Deno.test("Slab reuses the most recently freed chunk before untouched ones", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 64);
  const [a, b] = allocMany(s, 64, 3);
  pfree(a);
  pfree(b);
  assert.equal(MemoryContextAlloc(s, 64), b, tree());
  assert.equal(MemoryContextAlloc(s, 64), a, tree());
  assert.equal(
    MemoryContextAlloc(s, 64),
    a + 3 * 72,
    `then the unused watermark advances\n${tree()}`,
  );
  check(s);
});

Deno.test("Slab allocates from the fullest block that still has room", () => {
  fresh();
  // 13 chunks per block: lists hold full blocks, 1-7 free, and 8-13 free.
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 64);
  const first = allocMany(s, 64, 13);
  const second = allocMany(s, 64, 13);
  const third = allocMany(s, 64, 13);
  for (const p of first.slice(0, 10)) pfree(p); // first block: 10 free
  pfree(second[0]); // second block: 1 free, the fullest with room
  for (const p of third.slice(0, 9)) pfree(p); // third block: 9 free
  assert.equal(MemoryContextAlloc(s, 64), second[0], tree());
  // Now only the 9- and 10-free blocks have room; both share list 2, the last one moved first.
  const next = MemoryContextAlloc(s, 64);
  assert.equal(next, third[8], tree());
  // That block drops to list 1 but, as in PostgreSQL, allocation stays on list 2 while it has blocks.
  assert.equal(MemoryContextAlloc(s, 64), first[9], tree());
  assertStat(s, "3 17 3248 1224 3072");
  check(s);
});

Deno.test("Slab caches up to ten emptied blocks and gives further ones back", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 2048, 1000); // one chunk per block
  const ps = allocMany(s, 1000, 12);
  assertStat(s, "12 0 24752 0 24576");
  const held = heap.held;
  for (const p of ps) pfree(p);
  assert.equal(
    heap.held,
    held - 2 * 2048,
    `the 11th and 12th emptied blocks go back to the heap\n${tree()}`,
  );
  assertStat(s, "0 0 20656 0 20480");
  assert.equal(
    MemoryContextStatsLine(s),
    "S: 20656 total in 0 blocks; 10 empty blocks; 0 free (0 chunks); 20656 used",
  );
  assert.equal(MemoryContextIsEmpty(s), false, `cached blocks still count as allocated\n${tree()}`);
  const before = heap.held;
  const p = MemoryContextAlloc(s, 1000);
  assert.equal(heap.held, before, `a cached block is reused without malloc\n${tree()}`);
  assert.equal(p, ps[9], `the most recently cached block comes back first\n${tree()}`);
  assertStat(s, "1 0 20656 0 20480");
  check(s);
});

Deno.test("Slab reset gives back every block and delete gives back the header too", () => {
  fresh();
  const held = heap.held;
  const s = SlabContextCreate(TopMemoryContext, "S", 2048, 200);
  const ps = allocMany(s, 200, 40);
  for (const p of ps.slice(0, 20)) pfree(p);
  MemoryContextReset(s);
  assertStat(s, "0 0 176 0 0");
  assert.equal(MemoryContextIsEmpty(s), true, tree());
  assert.equal(heap.held, held + 176, tree());
  const p = MemoryContextAlloc(s, 200);
  assert.equal(GetMemoryChunkContext(p), s, tree());
  MemoryContextDelete(s);
  assert.equal(heap.held, held, tree());
});

Deno.test("Slab refuses a second pfree of the same chunk without corrupting the block", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 64);
  const [a] = allocMany(s, 64, 2);
  pfree(a);
  assertRefused(() => pfree(a), /^pfree called with invalid pointer/);
  check(s);
});

Deno.test("Slab under a heap limit fails only when a new block is needed", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 64);
  MemoryContextAlloc(s, 64);
  heap.limit = heap.held;
  allocMany(s, 64, 12); // the rest of the first block
  assert.equal(MemoryContextAllocExtended(s, 64, MCXT_ALLOC_NO_OOM), 0, tree());
  const e = assertRefused(() => MemoryContextAlloc(s, 64), "out of memory");
  assert.equal(e.detail, 'Failed on request of size 64 in memory context "S".', tree());
  assertStat(s, "1 0 1200 0 1024");
});

Deno.test("Slab holds callback-sized structs and runs the callbacks on reset", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 24);
  const fired: number[] = [];
  for (let i = 0; i < 3; i++) {
    MemoryContextAlloc(s, 24);
    MemoryContextRegisterResetCallback(s, { func: (arg) => fired.push(arg as number), arg: i });
  }
  MemoryContextReset(s);
  assert.deepEqual(fired, [2, 1, 0], tree());
  assertStat(s, "0 0 176 0 0");
});

Deno.test("Slab keeps every chunk's bytes and its own invariants through a random workload", () => {
  fresh();
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const s = SlabContextCreate(TopMemoryContext, "S", 2048, 96);
  const live: Array<[number, number]> = [];
  for (let step = 0; step < 5000; step++) {
    if (live.length > 0 && rand(100) < 48) {
      const [p, tag] = live.splice(rand(live.length), 1)[0];
      assertFilled(p, 96, tag);
      pfree(p);
    } else {
      const p = MemoryContextAlloc(s, 96);
      fill(p, 96, step);
      live.push([p, step]);
    }
    if (step % 500 === 0) check(s);
  }
  for (const [p, tag] of live) assertFilled(p, 96, tag);
  check(s);
  const blocks = MemoryContextCountersOf(s).nblocks + (s as SlabContext).own.emptyBlockCount;
  for (const [p] of live) pfree(p);
  check(s);
  // Every block is empty now: ten at most stay cached, and they still count as allocated.
  const cached = Math.min(10, blocks);
  assertStat(s, `0 0 ${176 + cached * 2048} 0 ${cached * 2048}`);
});

Deno.test("Slab rejects parameters it cannot represent with a typed error", () => {
  fresh();
  assertRefused(() => SlabContextCreate(TopMemoryContext, "S", 8192.5, 8), /invalid block size/);
  assertRefused(() => SlabContextCreate(TopMemoryContext, "S", 8192, -1), /invalid chunk size/);
  assertRefused(
    () => SlabContextCreate(TopMemoryContext, "S", 2 ** 30, 8),
    /^block size 1073741824 for slab exceeds/,
  );
});

Deno.test("Slab refuses a chunk whose block does not lead back to a slab context", () => {
  fresh();
  const s = SlabContextCreate(TopMemoryContext, "S", 1024, 64);
  MemoryContextAlloc(s, 64);
  // A forged Slab chunk header inside zeroed AllocSet memory, pointing 128 bytes back.
  const q = MemoryContextAllocZero(TopMemoryContext, 256);
  chunkSetHeader(heap.i32, q + 128, q, 64, MCTX_SLAB_ID);
  const forged = q + 136;
  const message = /^could not find block containing chunk 0x/;
  assertRefused(() => GetMemoryChunkSpace(forged), message);
  assertRefused(() => GetMemoryChunkContext(forged), message);
  assertRefused(() => repalloc(forged, 64), message);
  assertRefused(() => pfree(forged), message);
  check(s);
});
