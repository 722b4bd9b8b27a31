/**
 * Every entry point refuses an impossible size before anything is touched:
 * negative, fractional, NaN, infinite, above MaxAllocSize without HUGE, 2^53
 * or more as a number, negative or above 2^64 as a bigint, and values that
 * are not sizes at all. Covers allocation, repalloc (all forms), aligned
 * allocation in every type (checking mode off and on), and the create
 * parameters of every type. Each refusal is a PgError and leaves the tree,
 * every counter, the heap and every live chunk exactly as they were.
 */
import assert from "node:assert/strict";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { MemoryContextAllocAligned } from "../../src/alignedalloc.ts";
import { MaxAllocSize } from "../../src/mcxt/context.ts";
import {
  MCXT_ALLOC_HUGE,
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocHuge,
  MemoryContextAllocZero,
  palloc,
  palloc0,
  palloc_extended,
  repalloc,
  repalloc0,
  repalloc_extended,
  repalloc_huge,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { allocFor, assertRefused, assertWorldIntact, KINDS, makeWorld } from "./world.ts";

/** Sizes no entry point may accept, whatever the flags. */
const ALWAYS_BAD: Array<number | bigint> = [
  -1,
  -8,
  1.5,
  0.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
  Number.MAX_VALUE,
  -1n,
  2n ** 64n,
  "10" as unknown as number,
  undefined as unknown as number,
  null as unknown as number,
];
/** Sizes refused unless MCXT_ALLOC_HUGE is given. */
const TOO_BIG: Array<number | bigint> = [MaxAllocSize + 1, 2 ** 40, 2n ** 62n];

const SIZE =
  /invalid memory alloc request size|unexpected alloc chunk size|slab allocator does not support realloc/;

for (const checking of [false, true]) {
  const mode = checking ? "checking mode" : "always-on checks";
  Deno.test(`${mode}: every allocation entry point refuses impossible sizes, in every type`, () => {
    allocationsRefuseBadSizes(checking);
  });
}

function allocationsRefuseBadSizes(checking: boolean): void {
  const world = makeWorld(checking);
  for (const kind of KINDS) {
    const ctx = world.ctx[kind];
    for (const s of [...ALWAYS_BAD, ...TOO_BIG]) {
      assertRefused(() => MemoryContextAlloc(ctx, s), SIZE);
      assertRefused(() => MemoryContextAllocZero(ctx, s), SIZE);
      assertRefused(() => MemoryContextAllocExtended(ctx, s, 0), SIZE);
      assertRefused(() => MemoryContextAllocExtended(ctx, s, MCXT_ALLOC_NO_OOM), SIZE);
      assertRefused(() => MemoryContextAllocAligned(ctx, s, 64, 0), SIZE);
    }
    for (const s of ALWAYS_BAD) {
      assertRefused(() => MemoryContextAllocHuge(ctx, s), SIZE);
      assertRefused(() => MemoryContextAllocExtended(ctx, s, MCXT_ALLOC_HUGE), SIZE);
    }
  }
  for (const s of [...ALWAYS_BAD, ...TOO_BIG]) {
    assertRefused(() => palloc(s), SIZE);
    assertRefused(() => palloc0(s), SIZE);
    assertRefused(() => palloc_extended(s, 0), SIZE);
  }
  assertWorldIntact(world);
}

Deno.test("repalloc in every form refuses impossible sizes and keeps the chunk", () => {
  for (const checking of [false, true]) {
    const world = makeWorld(checking);
    for (const kind of KINDS) {
      if (kind === "bump") continue; // bump refuses every repalloc anyway
      const target = world.chunks[KINDS.indexOf(kind) * 3].p;
      for (const s of [...ALWAYS_BAD, ...TOO_BIG]) {
        assertRefused(() => repalloc(target, s), SIZE);
        assertRefused(() => repalloc_extended(target, s, MCXT_ALLOC_NO_OOM), SIZE);
      }
      for (const s of ALWAYS_BAD) assertRefused(() => repalloc_huge(target, s), SIZE);
      for (const s of [-1, 1.5, NaN, 2 ** 60]) {
        assertRefused(() => repalloc0(target, s, 200), SIZE);
        assertRefused(() => repalloc0(target, 10, s), SIZE);
      }
    }
    assertWorldIntact(world);
  }
});

Deno.test("aligned allocation refuses a negative size before the padding could hide it", () => {
  const world = makeWorld(true);
  // -64 + 64 bytes of padding would be a valid 0-byte request; it must not get that far.
  assertRefused(() => MemoryContextAllocAligned(world.ctx.aset, -64, 64, 0), SIZE);
  assertRefused(() => MemoryContextAllocAligned(world.ctx.aset, -56, 64, 0), SIZE);
  assertRefused(() => MemoryContextAllocAligned(world.ctx.aset, 8, 3, 0), /alignment/);
  assertRefused(() => MemoryContextAllocAligned(world.ctx.aset, 8, NaN, 0), /alignment/);
  assertWorldIntact(world);
});

Deno.test("create parameters that no context can use are refused, for every type", () => {
  const world = makeWorld(false);
  const top = TopMemoryContext;
  const bad = [-1, 1.5, NaN, Infinity, 7, 2 ** 53 + 8, "8192" as unknown as number];
  for (const b of bad) {
    assertRefused(() => AllocSetContextCreate(top, "x", 0, b, 8192), /invalid AllocSet/);
    assertRefused(() => AllocSetContextCreate(top, "x", 0, 8192, b), /invalid AllocSet/);
    assertRefused(() => AllocSetContextCreate(top, "x", b, 8192, 8192), /invalid AllocSet/);
    assertRefused(() => GenerationContextCreate(top, "x", 0, b, 8192), /invalid generation/);
    assertRefused(() => GenerationContextCreate(top, "x", 0, 8192, b), /invalid generation/);
    assertRefused(() => GenerationContextCreate(top, "x", b, 8192, 8192), /invalid generation/);
    assertRefused(() => BumpContextCreate(top, "x", 0, b, 8192), /invalid bump/);
    assertRefused(() => BumpContextCreate(top, "x", 0, 8192, b), /invalid bump/);
    assertRefused(() => BumpContextCreate(top, "x", b, 8192, 8192), /invalid bump/);
    assertRefused(() => SlabContextCreate(top, "x", b, 64), /slab/);
  }
  for (const b of [-1, 1.5, NaN, Infinity, 2 ** 53 + 8]) {
    assertRefused(() => SlabContextCreate(top, "x", 8192, b), /slab/);
  }
  // Sizes in range but unusable together.
  assertRefused(() => GenerationContextCreate(top, "x", 0, 16384, 8192), /invalid generation/);
  assertRefused(() => SlabContextCreate(top, "x", 40, 8), /too small/);
  assertRefused(() => SlabContextCreate(top, "x", 2 ** 31, 8), /exceeds/);
  assertWorldIntact(world);
});

Deno.test("a valid huge request that the heap cannot hold is out of memory, not a size error", () => {
  const world = makeWorld(true);
  for (const kind of KINDS) {
    if (kind === "slab") continue;
    const ctx = world.ctx[kind];
    for (const s of [MaxAllocSize + 1, 2 ** 40, 2n ** 62n]) {
      const e = assertRefused(() => MemoryContextAllocHuge(ctx, s), "out of memory");
      assert.equal(e.sqlstate, "53200");
      assert.equal(MemoryContextAllocExtended(ctx, s, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM), 0);
    }
    const { p } = allocFor(kind === "bump" ? "aset" : kind, world.ctx.aset);
    assertRefused(() => repalloc_huge(p, 2 ** 40), "out of memory");
  }
  assertWorldIntact(world);
});
