/**
 * Tests for the mutations `deno task mutate` reported as survivors (issue 17,
 * "Done when"): each asserts a behaviour a user sees, exactly as PostgreSQL
 * has it, that the mutation changes.
 *
 * - AllocSet's out-of-memory retry: when the heap cannot give a new block,
 *   PostgreSQL halves the block size and tries again, but only while the
 *   size is above 1 MiB (aset.c: "give up if there's less than 1 MB or so
 *   available"), so a heap with between 512 KiB and 1 MiB free raises out of
 *   memory where a looser bound would take a 512 KiB block.
 * - Generation's freeblock: a kept empty block is reused when its free space
 *   is at least the chunk's need, so exactly equal reuses it.
 * - the heap's check word includes the block's address, so a copy of a real
 *   block header inside a live block's data is told apart from a header:
 *   freeing a pointer behind it is a wrong pointer (HeapPointerError, XX000),
 *   not heap damage (without the address term, the copy passes as a header and
 *   the heap reports its neighbour as corrupted, XX001).
 * - Bump: a chunk that needs exactly the rest of its block still goes there.
 * - memstats' binary units switch at exactly 1024, and the digits at 10 and 100.
 */
import assert from "node:assert/strict";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { BUMP_BLOCKHDRSZ, BUMP_CONTEXT_SIZE, BumpContextCreate } from "../../src/bump/mod.ts";
import { GENERATION_BLOCKHDRSZ, GENERATION_CHUNKHDRSZ } from "../../src/generation/block.ts";
import {
  MemoryContextAlloc,
  MemoryContextInit,
  MemoryContextMemAllocated,
  pfree,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import { formatBytes, formatDelta } from "../../src/memstats/format.ts";
import { Heap, HeapCorruptionError, HeapPointerError } from "../../src/heap/mod.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** The largest block the heap can give now (to within 4 KiB), by trying. */
function largestMalloc(): number {
  let lo = 0;
  let hi = heap.maxBytes;
  while (hi - lo > 4096) {
    const mid = Math.floor((lo + hi) / 2 / 8) * 8;
    const p = heap.malloc(mid);
    if (p !== 0) {
      heap.free(p);
      lo = mid;
    } else hi = mid;
  }
  return lo;
}

/**
 * An AllocSet whose keeper block is 2 MiB (so its next block asks for 2 MiB),
 * on a 32 MiB heap left with about `freeBytes` free by a ballast block.
 */
function asetWithHeapLeft(freeBytes: number): { set: MemoryContext; ballast: number } {
  MemoryContextInit({ maxBytes: 32 * MiB });
  const set = AllocSetContextCreate(TopMemoryContext, "big blocks", 0, 2 * MiB, 8 * MiB);
  assert.equal(MemoryContextMemAllocated(set, false), 2 * MiB);
  const ballast = heap.malloc(largestMalloc() - freeBytes);
  assert.ok(ballast !== 0);
  return { set, ballast };
}

/** Allocates 8000-byte chunks until the context needs a block; returns the error or null. */
function fillUntilNewBlock(set: MemoryContext): unknown {
  const before = MemoryContextMemAllocated(set, false);
  for (let i = 0; i < 1000; i++) {
    try {
      MemoryContextAlloc(set, 8000);
    } catch (e) {
      return e;
    }
    if (MemoryContextMemAllocated(set, false) !== before) return null;
  }
  throw new Error("the keeper block never filled");
}

Deno.test("AllocSet: with under 1 MiB of heap left, a 2 MiB block request is out of memory", () => {
  // 768 KiB free: 2 MiB fails, 1 MiB fails, and PostgreSQL stops halving there.
  const { set } = asetWithHeapLeft(768 * KiB);
  const e = fillUntilNewBlock(set);
  assert.ok(e instanceof PgError, `expected out of memory, got ${e}`);
  assert.equal(e.sqlstate, "53200");
  assert.match(e.message, /out of memory/);
  assert.equal(MemoryContextMemAllocated(set, false), 2 * MiB, "no block was taken");
});

Deno.test("AllocSet: with 1.25 MiB of heap left, a 2 MiB block request halves to 1 MiB", () => {
  const { set } = asetWithHeapLeft(1.25 * MiB);
  assert.equal(fillUntilNewBlock(set), null);
  assert.equal(MemoryContextMemAllocated(set, false), 3 * MiB, "the keeper and one 1 MiB block");
});

/** A Generation context with a kept empty block ("freeblock") of 2048 bytes and a full current block. */
function generationWithFreeblock(): { gen: MemoryContext; reused: number } {
  MemoryContextInit();
  const gen = GenerationContextCreate(TopMemoryContext, "gen", 0, 1024, 1 * MiB);
  MemoryContextAlloc(gen, 900); // a 1024-byte block (the keeper keeps 896 after the header)
  const c1 = MemoryContextAlloc(gen, 900); // a 2048-byte block
  MemoryContextAlloc(gen, 3900); // a 4096-byte block, the current one, 128 bytes left
  pfree(c1); // its 2048-byte block is empty: kept as the freeblock
  assert.equal(MemoryContextMemAllocated(gen, false), 896 + 1024 + 2048 + 4096);
  return { gen, reused: c1 };
}

Deno.test("Generation reuses its freeblock for a chunk that needs exactly its free space", () => {
  const { gen, reused } = generationWithFreeblock();
  const exact = 2048 - GENERATION_BLOCKHDRSZ - GENERATION_CHUNKHDRSZ; // 1984 bytes
  const p = MemoryContextAlloc(gen, exact);
  assert.equal(p, reused, "the chunk starts where the freeblock's first chunk did");
  assert.equal(MemoryContextMemAllocated(gen, false), 8064, "no new block");
});

Deno.test("Generation does not reuse its freeblock for a chunk 8 bytes too big", () => {
  const { gen, reused } = generationWithFreeblock();
  const p = MemoryContextAlloc(gen, 2048 - GENERATION_BLOCKHDRSZ); // needs 2000 of 1992
  assert.notEqual(p, reused);
  assert.equal(MemoryContextMemAllocated(gen, false), 8064 + 8192, "a new 8 KiB block");
});

Deno.test("memstats switches to KiB, MiB and GiB at exactly 1024 of the unit below", () => {
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.00 KiB");
  assert.equal(formatBytes(1025), "1.00 KiB");
  assert.equal(formatBytes(-1024), "-1.00 KiB");
  assert.equal(formatDelta(1024), "+1.00 KiB");
  assert.equal(formatBytes(1024 * 1024), "1.00 MiB");
  assert.equal(formatBytes(1024 ** 3), "1.00 GiB");
  assert.equal(formatBytes(1024 * 1024 - 1024), "1023 KiB");
  // Three significant digits: two decimals below 10, one below 100, none from 100 on.
  assert.equal(formatBytes(9.5 * 1024), "9.50 KiB");
  assert.equal(formatBytes(10 * 1024), "10.0 KiB");
  assert.equal(formatBytes(99.5 * 1024), "99.5 KiB");
  assert.equal(formatBytes(100 * 1024), "100 KiB");
});

Deno.test("heap: a copied block header inside a live block is a wrong pointer, not damage", () => {
  const h = new Heap({ initialBytes: 1 << 20, maxBytes: 1 << 20 });
  const a = h.malloc(64);
  const c = h.malloc(1024);
  h.u8.fill(0x11, c, c + 1024);
  h.u8.copyWithin(c + 256, a - 16, a); // a's 16-byte header, byte for byte, inside c's data
  const fake = c + 256 + 16;
  const e = (() => {
    try {
      h.free(fake);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(e instanceof HeapPointerError && !(e instanceof HeapCorruptionError), String(e));
  assert.match(e.message, new RegExp(`not a block start \\(inside live block at ${c - 16}\\)`));
  h.check(); // nothing was damaged or changed
  h.free(c);
  h.free(a);
  h.check();
});

Deno.test("Bump: a chunk that exactly fills the rest of its block goes there, not to a new block", () => {
  MemoryContextInit();
  const bump = BumpContextCreate(TopMemoryContext, "bump", 0, 8192, 8192);
  const room = 8192 - BUMP_CONTEXT_SIZE - BUMP_BLOCKHDRSZ; // the keeper block's data: 8048 bytes
  const first = MemoryContextAlloc(bump, 400);
  for (let i = 1; i < 20; i++) assert.equal(MemoryContextAlloc(bump, 400), first + 400 * i);
  const last = MemoryContextAlloc(bump, room - 8000); // 48 bytes: exactly what is left
  assert.equal(last, first + 8000, "in the keeper block");
  assert.equal(MemoryContextMemAllocated(bump, false), 8192, "no new block");
  const next = MemoryContextAlloc(bump, 8);
  assert.notEqual(next, first + room);
  assert.equal(MemoryContextMemAllocated(bump, false), 8192 * 2, "now a new block");
});
