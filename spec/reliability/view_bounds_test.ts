/**
 * Typed views are bounded by their chunk (issue 17, item 6): `bytes`,
 * `dataView`, `view` and `checkedView` refuse, with a PgError (22023) and
 * nothing changed, a length that runs past the chunk the view lies in —
 * in checking mode past the requested size (where PostgreSQL's checking
 * build puts its sentinel), otherwise past the chunk's usable space
 * (`GetMemoryChunkSpace` less the 8-byte header; for an aligned chunk, to
 * the end of the unaligned chunk it was cut from). A Bump chunk outside
 * checking mode has no size anywhere: its views must end in a live block of
 * its context. Before the fix only the heap's bounds were checked.
 */
import assert from "node:assert/strict";
import { bytes, checkedView, dataView, view } from "../../src/api/mod.ts";
import { PgError } from "../../src/elog.ts";
import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "../../src/aset/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { MemoryContextAllocAligned, palloc_aligned } from "../../src/alignedalloc.ts";
import {
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextSwitchTo,
  pfree,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import type { MemoryContext } from "../../src/mcxt/context.ts";
import { chunkGetBlock } from "../../src/memorychunk.ts";
import { heap } from "../../src/mcxt/context.ts";
import { assertRefused, assertWorldIntact, makeWorld } from "../hardening/world.ts";

const PAST = /run past the (end of chunk|live blocks)/;

/** Each view maker over `len` bytes at `p` inside the chunk `chunk`. */
type Maker = (p: number, len: number, chunk: number, ctx?: MemoryContext) => unknown;
const MAKERS: Array<[string, Maker]> = [
  ["bytes", (p, len, chunk) => bytes(p, len, chunk)],
  ["dataView", (p, len, chunk) => dataView(p, len, chunk)],
  ["view(Uint8Array)", (p, len, chunk) => view(Uint8Array, p, len, chunk)],
  ["checkedView(Uint8Array)", (p, len, chunk, ctx) => checkedView(Uint8Array, p, len, ctx, chunk)],
];

/**
 * Asserts every maker accepts [p, p + len) in `chunk` and refuses one byte
 * more (`ctx`: the context, for a checked view of a Bump chunk).
 */
function assertBound(
  p: number,
  len: number,
  chunk: number,
  label: string,
  ctx?: MemoryContext,
): void {
  for (const [name, make] of MAKERS) {
    const v = make(p, len, chunk, ctx) as { byteLength?: number; length: number };
    assert.equal(v.byteLength ?? v.length, len, `${label}: ${name} of exactly ${len} bytes`);
    try {
      assertRefused(() => make(p, len + 1, chunk, ctx), PAST);
    } catch (e) {
      throw new Error(`${label}: ${name} of ${len + 1} bytes: ${(e as Error).message}`);
    }
  }
}

/** The usable bytes of the chunk at `p` outside checking mode: its space less the header. */
function usable(p: number): number {
  return GetMemoryChunkSpace(p) - 8;
}

/** A 16-byte chunk from each context type (and aligned chunks), in `top`'s subtree. */
function sixteenByteChunks(): Array<[string, number, MemoryContext]> {
  const aset = AllocSetContextCreate(TopMemoryContext, "aset16", ...ALLOCSET_DEFAULT_SIZES);
  const gen = GenerationContextCreate(TopMemoryContext, "gen16", 0, 8192, 8 << 20);
  const slab = SlabContextCreate(TopMemoryContext, "slab16", 8192, 16);
  const bump = BumpContextCreate(TopMemoryContext, "bump16", 0, 8192, 8 << 20);
  return [
    ["aset", MemoryContextAlloc(aset, 16), aset],
    ["generation", MemoryContextAlloc(gen, 16), gen],
    ["slab", MemoryContextAlloc(slab, 16), slab],
    ["aligned (MemoryContextAllocAligned)", MemoryContextAllocAligned(aset, 16, 64, 0), aset],
    ["bump", MemoryContextAlloc(bump, 16), bump],
  ];
}

for (const checking of [false, true]) {
  const mode = checking ? "checking mode" : "always-on checks";

  Deno.test(`${mode}: 100 doubles over a 16-byte chunk are refused, for every type`, () => {
    const world = makeWorld(checking);
    for (const [kind, p, ctx] of sixteenByteChunks()) {
      // Outside checking mode a Bump chunk is bounded only by its block (see the next tests).
      if (kind === "bump" && !checking) continue;
      const before = heap.u8.slice(p, p + 16);
      for (
        const make of [
          () => view(Float64Array, p, 100),
          () => checkedView(Float64Array, p, 100, kind === "bump" ? ctx : undefined),
          () => bytes(p, 800),
          () => dataView(p, 800),
        ]
      ) {
        const e = assertRefused(make, PAST);
        assert.ok(e instanceof PgError && e.sqlstate === "22023", `${kind}: ${e.sqlstate}`);
      }
      assert.deepEqual(heap.u8.slice(p, p + 16), before, `${kind}: the chunk's bytes`);
      // Two doubles fit exactly.
      assert.equal(view(Float64Array, p, 2).length, 2, kind);
      assert.equal(view(BigInt64Array, p, 2).byteLength, 16, kind);
    }
    assertWorldIntact(world);
  });

  Deno.test(`${mode}: views that fit their chunk exactly are accepted, one byte more refused`, () => {
    const world = makeWorld(checking);
    const aset = AllocSetContextCreate(TopMemoryContext, "fit", ...ALLOCSET_DEFAULT_SIZES);
    const gen = GenerationContextCreate(TopMemoryContext, "fit-gen", 0, 8192, 8 << 20);
    const slab = SlabContextCreate(TopMemoryContext, "fit-slab", 8192, 10);
    // Sizes with slack (10 → 16-byte chunks, 100 → 128, 20001 → a dedicated block) and without.
    const chunks: Array<[string, number, number]> = [
      ["aset 10", MemoryContextAlloc(aset, 10), 10],
      ["aset 100", MemoryContextAlloc(aset, 100), 100],
      ["aset 128", MemoryContextAlloc(aset, 128), 128],
      ["aset 20001 (dedicated block)", MemoryContextAlloc(aset, 20001), 20001],
      ["generation 10", MemoryContextAlloc(gen, 10), 10],
      ["generation 20001 (large)", MemoryContextAlloc(gen, 20001), 20001],
      ["slab of 10", MemoryContextAlloc(slab, 10), 10],
    ];
    for (const [label, p, n] of chunks) {
      // Checking mode: the requested size. Otherwise PostgreSQL's usable space.
      const limit = checking ? n : usable(p);
      assertBound(p, limit, p, label);
      // A window inside the chunk, naming it, has the same end.
      assertBound(p + 8, limit - 8, p, `${label}, from byte 8`);
    }
    // PostgreSQL's usable space, spelled out: a 10-byte request is a 16-byte chunk in all three.
    if (!checking) {
      for (const [, p] of [chunks[0], chunks[4], chunks[6]]) assert.equal(usable(p), 16);
    }
    assertWorldIntact(world);
  });

  Deno.test(`${mode}: views of aligned chunks run to the end of their unaligned chunk`, () => {
    const world = makeWorld(checking);
    const aset = AllocSetContextCreate(TopMemoryContext, "al", ...ALLOCSET_DEFAULT_SIZES);
    const gen = GenerationContextCreate(TopMemoryContext, "al-gen", 0, 8192, 8 << 20);
    const slab = SlabContextCreate(TopMemoryContext, "al-slab", 8192, 256); // 192 + 64 padding
    const old = MemoryContextSwitchTo(aset);
    const chunks: Array<[string, number, number]> = [
      ["palloc_aligned(100, 64)", palloc_aligned(100, 64, 0), 100],
      ["AllocSet aligned(16, 4096)", MemoryContextAllocAligned(aset, 16, 4096, 0), 16],
      ["Generation aligned(40, 128)", MemoryContextAllocAligned(gen, 40, 128, 0), 40],
      ["Slab aligned(192, 64)", MemoryContextAllocAligned(slab, 192, 64, 0), 192],
    ];
    MemoryContextSwitchTo(old);
    for (const [label, p, n] of chunks) {
      const unaligned = chunkGetBlock(heap.i32, p - 8); // the redirect header's target
      const limit = checking ? n : unaligned + usable(unaligned) - p;
      assert.ok(limit >= n, label);
      assertBound(p, limit, p, label);
    }
    assertWorldIntact(world);
  });

  Deno.test(`${mode}: a window inside a chunk must name its chunk and stay in it`, () => {
    const world = makeWorld(checking);
    const p = MemoryContextAlloc(TopMemoryContext, 64);
    assert.equal(view(Float64Array, p + 16, 6, p).length, 6);
    assertRefused(() => view(Float64Array, p + 16, 7, p), PAST);
    // Without its chunk, the middle of a chunk is no chunk.
    assertRefused(() => view(Float64Array, p + 16, 1), /invalid pointer/);
    // A chunk after the window, or a chunk that is no chunk.
    assertRefused(() => bytes(p, 8, p + 8), /lies before its chunk/);
    assertRefused(() => bytes(p + 8, 8, p + 4), /invalid pointer/);
    // A freed chunk is no chunk either (before, a view of it was accepted).
    const q = MemoryContextAlloc(TopMemoryContext, 64);
    pfree(q);
    assertRefused(() => bytes(q, 8), /freed chunk|not a live chunk/);
    assertWorldIntact(world);
  });

  Deno.test(`${mode}: a Bump chunk's view stays inside its context's live blocks`, () => {
    const world = makeWorld(checking);
    const bump = BumpContextCreate(TopMemoryContext, "b", 0, 8192, 8192);
    // An AllocSet right after the bump keeper block, so the keeper block is followed by
    // memory that is not the bump context's.
    const after = AllocSetContextCreate(TopMemoryContext, "after", ...ALLOCSET_DEFAULT_SIZES);
    MemoryContextAlloc(after, 100);
    let last = MemoryContextAlloc(bump, 16);
    for (;;) {
      const next = MemoryContextAlloc(bump, 16);
      if (next !== last + 16) break; // `last` ended the keeper block
      last = next;
    }
    const e = assertRefused(() => view(Float64Array, last, 100), PAST);
    assert.equal(e.sqlstate, "22023");
    assertRefused(() => checkedView(Float64Array, last, 100, bump), PAST);
    assert.equal(view(Float64Array, last, 2).length, 2);
    if (checking) {
      // Checking mode knows the requested size of every Bump chunk.
      const p = MemoryContextAlloc(bump, 10);
      assertBound(p, 10, p, "bump 10", bump);
      const a = MemoryContextAllocAligned(bump, 24, 64, 0);
      assertBound(a, 24, a, "bump aligned 24", bump);
    } else {
      // Outside checking mode nothing records a Bump chunk's size: the slack up to the
      // block's end is accepted (documented in docs/safety.md).
      const p = MemoryContextAlloc(bump, 16);
      assert.equal(view(Float64Array, p, 100).length, 100);
      const a = MemoryContextAllocAligned(bump, 24, 64, 0);
      assert.equal(bytes(a, 24).length, 24);
    }
    assertWorldIntact(world);
  });
}
