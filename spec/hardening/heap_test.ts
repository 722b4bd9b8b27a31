/**
 * Heap-level defences, seen through palloc's API: a heap that cannot grow
 * (its maximum reached, or a byte limit) makes every type's block request
 * fail with the out-of-memory PgError (or NULL under NO_OOM) and nothing
 * changed; damage to the heap's own block headers or free lists is reported
 * as a PgError (HeapCorruptionError is one, SQLSTATE XX001), never followed
 * into a read or write outside the heap.
 */
import assert from "node:assert/strict";
import { AllocSetContextCreate } from "../../src/aset.ts";
import { BumpContextCreate } from "../../src/bump.ts";
import { GenerationContextCreate } from "../../src/generation.ts";
import { type SlabContext, SlabContextCreate } from "../../src/slab.ts";
import { MemoryContextAllocAligned } from "../../src/alignedalloc.ts";
import { heap } from "../../src/context.ts";
import { PgError } from "../../src/elog.ts";
import { HeapCorruptionError } from "../../src/heap/mod.ts";
import {
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextCheck,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../../src/mcxt.ts";
import { assertRefused } from "../helpers.ts";
import { assertWorldIntact, KINDS, makeWorld } from "./world.ts";

const OOM = "out of memory";

for (const checking of [false, true]) {
  const mode = checking ? "checking mode" : "always-on checks";

  Deno.test(`${mode}: when the heap may take no more, every type raises out of memory`, () => {
    const world = makeWorld(checking);
    heap.limit = heap.held; // every further block request fails
    const ctx = world.ctx;
    // Each of these needs a new block from the heap.
    assertRefused(() => MemoryContextAlloc(ctx["aset-large"], 50000), OOM);
    assertRefused(() => MemoryContextAlloc(ctx.generation, 50000), OOM);
    assertRefused(() => MemoryContextAlloc(ctx.bump, 50000), OOM);
    assertRefused(() => MemoryContextAllocAligned(ctx.aset, 50000, 4096, 0), OOM);
    const room = (ctx.slab as SlabContext).chunksPerBlock - 3; // the world holds 3 already
    for (let i = 0; i < room; i++) MemoryContextAlloc(ctx.slab, 60); // fill the slab's block
    assertRefused(() => MemoryContextAlloc(ctx.slab, 60), OOM);
    for (const kind of KINDS) {
      if (kind === "slab") continue;
      assert.equal(MemoryContextAllocExtended(ctx[kind], 50000, MCXT_ALLOC_NO_OOM), 0);
    }
    const grow = world.chunks[3].p; // an aset-large chunk: repalloc asks the heap to grow it
    assertRefused(() => repalloc(grow, 60000), OOM);
    assertRefused(() => AllocSetContextCreate(TopMemoryContext, "new", 0, 8192, 8192), OOM);
    assertRefused(() => GenerationContextCreate(TopMemoryContext, "new", 0, 8192, 8192), OOM);
    assertRefused(() => BumpContextCreate(TopMemoryContext, "new", 0, 8192, 8192), OOM);
    heap.limit = Infinity;
    assertWorldIntact(world);
  });

  Deno.test(`${mode}: when the memory cannot grow past its maximum, out of memory`, () => {
    const world = makeWorld(checking, 8 << 20);
    const e = assertRefused(() => MemoryContextAllocExtended(world.ctx.aset, 9 << 20, 0), OOM);
    assert.equal(e.sqlstate, "53200");
    assert.match(e.detail ?? "", /Failed on request of size 9437184 in memory context "w-aset"/);
    const slab = SlabContextCreate(TopMemoryContext, "s", 4 << 20, 3 << 20);
    MemoryContextAlloc(slab, 3 << 20);
    assertRefused(() => MemoryContextAlloc(slab, 3 << 20), OOM); // a second 4 MiB block
    assertRefused(() => MemoryContextAlloc(world.ctx.generation, 5 << 20), OOM);
    assertRefused(() => MemoryContextAlloc(world.ctx.bump, 5 << 20), OOM);
    assertWorldIntact(world);
  });
}

Deno.test("a damaged heap header of a dedicated block is refused, not followed", () => {
  const world = makeWorld(false);
  const big = world.chunks[3].p; // aset-large: a dedicated block, 48 bytes behind the pointer
  const hdr = big - 8 - 40 - 16; // the heap's header of that block
  heap.i32[(hdr + 8) >>> 2] ^= 0x10; // its check word
  assertRefused(() => pfree(big), /could not find block containing chunk/);
  assertRefused(() => repalloc(big, 30000), /could not find block containing chunk/);
  assert.throws(() => MemoryContextCheck(TopMemoryContext), PgError);
  assert.throws(() => heap.check(), HeapCorruptionError);
  heap.i32[(hdr + 8) >>> 2] ^= 0x10;
  assertWorldIntact(world);
});

Deno.test("damage the heap finds in a neighbouring header is a typed PgError", () => {
  const world = makeWorld(false);
  const a = MemoryContextAlloc(world.ctx["aset-large"], 30000);
  const b = MemoryContextAlloc(world.ctx["aset-large"], 30000);
  const bHeader = b - 8 - 40 - 16;
  heap.u32[bHeader >>> 2] = 0x41414140; // b's size word: freeing a must not trust it
  let caught: unknown;
  try {
    pfree(a);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof HeapCorruptionError && caught instanceof PgError, String(caught));
  assert.equal((caught as PgError).sqlstate, "XX001");
  assert.throws(() => heap.check(), PgError);
});

Deno.test("a broken heap free list is reported by the next allocation that would follow it", () => {
  makeWorld(false);
  const ctx = AllocSetContextCreate(TopMemoryContext, "x", 0, 8192, 8 << 20);
  const keep = MemoryContextAlloc(ctx, 100000);
  const gone = MemoryContextAlloc(ctx, 100000);
  MemoryContextAlloc(ctx, 100000); // keeps `gone` from merging with the heap's free tail
  pfree(gone);
  const free = gone - 8 - 40 - 16; // now a free heap block
  heap.u32[(free + 16) >>> 2] = 12345; // its back link
  assert.throws(() => heap.check(), HeapCorruptionError);
  assert.throws(() => MemoryContextAlloc(ctx, 100000), PgError);
  assert.throws(() => pfree(keep), PgError); // its neighbour on the broken list
});

Deno.test("a damaged end sentinel stops growth with a PgError instead of being written over", () => {
  makeWorld(false);
  heap.i32[(heap.top + 8) >>> 2] ^= 1;
  assert.throws(() => MemoryContextAlloc(TopMemoryContext, 4 << 20), PgError);
  assert.throws(() => heap.check(), HeapCorruptionError);
});
