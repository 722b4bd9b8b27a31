/**
 * Adversarial tests of pointer → owner (src/mcxt/guard.ts): a bump chunk has
 * no header, so the 8 bytes in front of it are the previous chunk's data.
 * Here that data is forged into the headers of the other types — AllocSet,
 * Generation and Slab headers naming real blocks of live contexts of those
 * types, their external headers, an aligned-chunk redirect, every unused
 * method id — and every chunk operation on the bump pointer must still raise
 * Bump's own error and change no byte of the heap, with checking mode off and
 * on. The real chunks the forgeries name stay usable afterwards.
 */
import assert from "node:assert/strict";
import { BumpContextCreate } from "../src/bump/mod.ts";
import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "../src/aset/mod.ts";
import { GenerationContextCreate } from "../src/generation/mod.ts";
import { SlabContextCreate } from "../src/slab/mod.ts";
import { MemoryContextAllocAligned } from "../src/alignedalloc.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextCheck,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import {
  chunkGetBlock,
  chunkGetValue,
  chunkSetHeader,
  chunkSetHeaderExternal,
  MCTX_ALIGNED_REDIRECT_ID,
  MCTX_ASET_ID,
  MCTX_GENERATION_ID,
  MCTX_SLAB_ID,
} from "../src/memorychunk.ts";
import { PgError } from "../src/elog.ts";
import { fresh, thrownBy, tree } from "./helpers.ts";

interface World {
  aset: MemoryContext;
  gen: MemoryContext;
  slab: MemoryContext;
  bump: MemoryContext;
  /** Real chunks of the other types (small, external, aligned). */
  a: number;
  aLarge: number;
  g: number;
  gLarge: number;
  s: number;
  al: number;
}

/** The other types' contexts and chunks first (lower addresses), then the Bump context. */
function world(checking: boolean): World {
  fresh({ checking });
  const aset = AllocSetContextCreate(TopMemoryContext, "A", ...ALLOCSET_DEFAULT_SIZES);
  const gen = GenerationContextCreate(TopMemoryContext, "G", 0, 8192, 8 << 20);
  const slab = SlabContextCreate(TopMemoryContext, "S", 8192, 64);
  const w = {
    aset,
    gen,
    slab,
    a: MemoryContextAlloc(aset, 64),
    aLarge: MemoryContextAlloc(aset, 20000),
    g: MemoryContextAlloc(gen, 64),
    gLarge: MemoryContextAlloc(gen, 20000),
    s: MemoryContextAlloc(slab, 64),
    al: MemoryContextAllocAligned(aset, 100, 64, 0),
  };
  const bump = BumpContextCreate(TopMemoryContext, "B", 0, 8192, 8 << 20);
  return { ...w, bump };
}

/**
 * Two adjacent 64-byte bump chunks `x`, `y` with `y` a multiple of 64 (so a
 * forged redirect header's alignment check passes too): `y - 8` is the last
 * word of `x`'s data.
 */
function bumpPair(bump: MemoryContext): [number, number] {
  let x = MemoryContextAlloc(bump, 64);
  for (;;) {
    const y = MemoryContextAlloc(bump, 64);
    if (y === x + 64 && y % 64 === 0) return [x, y];
    x = y;
  }
}

const OPS: Array<[string, (p: number) => unknown, string]> = [
  ["pfree", (p) => pfree(p), "pfree"],
  ["repalloc to 10", (p) => repalloc(p, 10), "realloc"],
  ["repalloc to 500", (p) => repalloc(p, 500), "realloc"],
  ["GetMemoryChunkContext", (p) => GetMemoryChunkContext(p), "GetMemoryChunkContext"],
  ["GetMemoryChunkSpace", (p) => GetMemoryChunkSpace(p), "GetMemoryChunkSpace"],
];

/** Every operation on `y` raises Bump's error, and no byte of the heap (nor the tree) changes. */
function assertBumpRefusesAll(y: number, forgery: string): void {
  for (const [name, op, verb] of OPS) {
    const bytes = heap.u8.slice();
    const before = `${tree()}\nheld ${heap.held}`;
    const caught = thrownBy(() => op(y));
    assert.ok(caught instanceof PgError, `${forgery}, ${name}: expected a PgError, got ${caught}`);
    assert.equal(
      caught.message,
      `${verb} is not supported by the bump memory allocator`,
      `${forgery}, ${name}`,
    );
    assert.equal(`${tree()}\nheld ${heap.held}`, before, `${forgery}, ${name}: the tree changed`);
    const after = heap.u8;
    assert.equal(after.length, bytes.length, `${forgery}, ${name}: the heap grew`);
    for (let i = 0; i < bytes.length; i++) {
      if (after[i] !== bytes[i]) assert.fail(`${forgery}, ${name}: heap byte ${i} changed`);
    }
  }
}

/** The forgeries: each writes 8 bytes at `y - 8` (and, for external headers, more of x). */
function forgeries(w: World, x: number, y: number): Array<[string, () => void]> {
  const m = () => heap.i32;
  const hdr = y - 8;
  /** A normal header of type `id` at `y - 8` naming the block of the real chunk `real`. */
  const naming = (real: number, id: number) => () => {
    const block = chunkGetBlock(m(), real - 8);
    assert.ok(block < hdr && hdr - block < 0x3fffffff, "the real block lies below the bump chunk");
    chunkSetHeader(m(), hdr, block, chunkGetValue(m(), real - 8), id);
    assert.equal(chunkGetBlock(m(), hdr), block, "the forged header names the real block");
  };
  /** An external header of type `id`, the rest of x shaped like that type's dedicated block. */
  const external = (id: number, ownerWord: number, owner: MemoryContext, ends: number[]) => () => {
    const u = heap.u32;
    const fakeBlock = id === MCTX_ASET_ID ? hdr - 40 : hdr - 56;
    if (fakeBlock >= x) {
      u[(fakeBlock >>> 2) + ownerWord] = owner.header;
      for (const e of ends) u[(fakeBlock >>> 2) + e] = y + 64;
    }
    chunkSetHeaderExternal(m(), hdr, id);
  };
  return [
    ["an AllocSet header naming a real AllocSet block", naming(w.a, MCTX_ASET_ID)],
    [
      "an AllocSet header naming a real AllocSet dedicated block",
      () => chunkSetHeader(m(), hdr, w.aLarge - 8 - 40, 0, MCTX_ASET_ID),
    ],
    [
      "a Generation header naming a real Generation dedicated block",
      () => chunkSetHeader(m(), hdr, w.gLarge - 8 - 56, 64, MCTX_GENERATION_ID),
    ],
    ["a Generation header naming a real Generation block", naming(w.g, MCTX_GENERATION_ID)],
    ["a Slab header naming a real Slab block", naming(w.s, MCTX_SLAB_ID)],
    [
      "an AllocSet external header, x shaped as a full dedicated block of A",
      external(MCTX_ASET_ID, 0, w.aset, [6, 8]),
    ],
    [
      "a Generation external header, x shaped as a dedicated block of G",
      external(MCTX_GENERATION_ID, 4, w.gen, [10, 12]),
    ],
    [
      "a copy of a real AllocSet chunk's header",
      () => heap.u8.copyWithin(hdr, w.a - 8, w.a),
    ],
    [
      "a copy of a real external AllocSet header",
      () => heap.u8.copyWithin(hdr, w.aLarge - 8, w.aLarge),
    ],
    [
      "a copy of a real external Generation header",
      () => heap.u8.copyWithin(hdr, w.gLarge - 8, w.gLarge),
    ],
    [
      "an aligned redirect header back to the previous bump chunk",
      () => chunkSetHeader(m(), hdr, x, 64, MCTX_ALIGNED_REDIRECT_ID),
    ],
    [
      "an aligned redirect header back into the previous bump chunk, itself headed as AllocSet",
      () => {
        const block = chunkGetBlock(m(), w.a - 8);
        chunkSetHeader(m(), x + 8, block, chunkGetValue(m(), w.a - 8), MCTX_ASET_ID);
        chunkSetHeader(m(), hdr, x + 16, 64, MCTX_ALIGNED_REDIRECT_ID);
      },
    ],
    ...[0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15].map((id): [string, () => void] => [
      `unused method id ${id}`,
      () => {
        heap.i32[hdr >>> 2] = (0x12345 << 5) | id;
        heap.i32[(hdr >>> 2) + 1] = 0x0badf00d;
      },
    ]),
  ];
}

for (const checking of [false, true]) {
  Deno.test(
    `a bump chunk behind forged headers raises Bump's error and changes nothing (checking ${
      checking ? "on" : "off"
    })`,
    () => {
      const w = world(checking);
      const [x, y] = bumpPair(w.bump);
      for (const [forgery, forge] of forgeries(w, x, y)) {
        heap.u8.fill(0, x, y); // x's data, y's 8 bytes in front included
        forge();
        assertBumpRefusesAll(y, forgery);
      }
      // The real chunks the forgeries named are untouched and still work.
      MemoryContextCheck(TopMemoryContext);
      assert.equal(GetMemoryChunkContext(w.a), w.aset, tree());
      assert.equal(GetMemoryChunkContext(w.al), w.aset, tree());
      assert.equal(GetMemoryChunkContext(w.g), w.gen, tree());
      assert.equal(GetMemoryChunkContext(w.s), w.slab, tree());
      for (const p of [w.a, w.aLarge, w.g, w.gLarge, w.s, w.al]) pfree(p);
      MemoryContextCheck(TopMemoryContext);
    },
  );
}

Deno.test("a bump chunk right after its block header raises Bump's error for every operation", () => {
  for (const checking of [false, true]) {
    const w = world(checking);
    // The keeper's first chunk: the 8 bytes in front are the block header's end pointer.
    const first = MemoryContextAlloc(w.bump, 64);
    assertBumpRefusesAll(first, `first chunk (checking ${checking})`);
  }
});
