/**
 * Heap-level defences, seen through palloc's API: a heap that cannot grow
 * (a byte limit; a resizable ArrayBuffer or a WebAssembly.Memory at its
 * maximum, with or without resizable buffers; the engine refusing to grow
 * either) makes every type's block request fail with the out-of-memory
 * PgError (or NULL under NO_OOM) with nothing changed. Damage to the heap's
 * own block headers, free lists or end sentinel is reported as a PgError
 * (HeapCorruptionError is one, SQLSTATE XX001), never followed into a read
 * or write outside the heap, and with nothing changed: every block an
 * operation will give back is checked against the heap (`heap.checkFree`)
 * before the context touches its own lists or counters.
 */
import assert from "node:assert/strict";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { type SlabContext, SlabContextCreate } from "../../src/slab/mod.ts";
import { MemoryContextAllocAligned } from "../../src/alignedalloc.ts";
import { heap, type MemoryContext } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import { HeapCorruptionError } from "../../src/heap/mod.ts";
import {
  MCXT_ALLOC_NO_OOM,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextCheck,
  MemoryContextDelete,
  MemoryContextReset,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { assertFilled, snapshot, thrownBy } from "../helpers.ts";
import {
  assertRefused,
  assertWorldIntact,
  counters,
  type Kind,
  KINDS,
  makeContext,
  makeWorld,
  type World,
} from "./world.ts";

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
    const room = (ctx.slab as SlabContext).own.chunksPerBlock - 3; // the world holds 3 already
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

/**
 * The backings a heap can have, each set up so that it cannot grow past a few
 * MiB: label, memory (undefined for a fresh buffer), what cripples its growth,
 * and for a fresh buffer whether it is the growable SharedArrayBuffer.
 */
const BACKINGS: Array<
  [
    string,
    () => WebAssembly.Memory | undefined,
    ((m?: WebAssembly.Memory) => void) | null,
    boolean?,
  ]
> = [
  ["a growable SharedArrayBuffer at its maxByteLength", () => undefined, null, true],
  ["a resizable ArrayBuffer at its maxByteLength", () => undefined, null, false],
  ["a WebAssembly.Memory at its maximum (made resizable)", () => wasm(128), null],
  [
    "a WebAssembly.Memory at its maximum (fixed-length buffers)",
    () => fixedLength(wasm(128)),
    null,
  ],
  ["a resizable ArrayBuffer whose growth the engine refuses", () => undefined, () => {
    Object.defineProperty(heap.buffer, "resize", { value: refuse, configurable: true });
  }, false],
  ["a growable SharedArrayBuffer whose growth the engine refuses", () => undefined, () => {
    Object.defineProperty(heap.buffer, "grow", { value: refuse, configurable: true });
  }, true],
  ["a WebAssembly.Memory whose growth the engine refuses", () => wasm(), (memory) => {
    Object.defineProperty(memory, "grow", { value: refuse, configurable: true });
  }],
];

function wasm(maximum?: number): WebAssembly.Memory {
  return new WebAssembly.Memory(maximum === undefined ? { initial: 1 } : { initial: 1, maximum });
}

/** Hides `toResizableBuffer`, as on engines that lack it (Node 20). */
function fixedLength(memory: WebAssembly.Memory): WebAssembly.Memory {
  Object.defineProperty(memory, "toResizableBuffer", { value: undefined });
  return memory;
}

function refuse(): never {
  throw new RangeError("WebAssembly.Memory.grow(): Unable to grow instance memory");
}

/**
 * Calls `fn` until it raises; that call must be out of memory (SQLSTATE
 * 53200) and change nothing. Fails if it never raises.
 */
function untilOutOfMemory(what: string, fn: () => unknown): void {
  for (let i = 0; i < 16; i++) {
    const before = `${snapshot()}\n${counters()}`;
    const caught = thrownBy(fn);
    if (caught === null) continue;
    assert.ok(caught instanceof PgError && caught.sqlstate === "53200", `${what}: ${caught}`);
    assert.match(caught.message, /^out of memory/);
    assert.equal(
      `${snapshot()}\n${counters()}`,
      before,
      `${what}: a refused call changed something`,
    );
    return;
  }
  assert.fail(`${what} never ran out of memory`);
}

for (const checking of [false, true]) {
  for (const [backing, memory, cripple, shared] of BACKINGS) {
    Deno.test(`${checking ? "checking mode" : "always-on checks"}: ${backing} ends in out of memory`, () => {
      const mem = memory();
      const world = makeWorld(checking, 8 << 20, mem, shared);
      if (shared !== undefined) {
        assert.equal(heap.buffer instanceof SharedArrayBuffer, shared, "the backing asked for");
      }
      const slab = SlabContextCreate(TopMemoryContext, "big slab", 4 << 20, 3 << 20);
      const q = MemoryContextAlloc(world.ctx.aset, 30000); // a dedicated block to grow later
      cripple?.(mem);
      const size = heap.byteLength;
      const MiB3 = 3 << 20;
      untilOutOfMemory("aset", () => MemoryContextAlloc(world.ctx.aset, MiB3));
      untilOutOfMemory("generation", () => MemoryContextAlloc(world.ctx.generation, MiB3));
      untilOutOfMemory("bump", () => MemoryContextAlloc(world.ctx.bump, MiB3));
      untilOutOfMemory("slab", () => MemoryContextAlloc(slab, MiB3));
      untilOutOfMemory("aligned", () => MemoryContextAllocAligned(world.ctx.aset, MiB3, 4096, 0));
      untilOutOfMemory("repalloc", () => repalloc(q, MiB3));
      for (const kind of KINDS) {
        if (kind === "slab") continue;
        const before = `${snapshot()}\n${counters()}`;
        assert.equal(MemoryContextAllocExtended(world.ctx[kind], MiB3, MCXT_ALLOC_NO_OOM), 0);
        assert.equal(`${snapshot()}\n${counters()}`, before);
      }
      if (cripple === null) assert.ok(heap.byteLength <= 8 << 20, "never past the maximum");
      else assert.equal(heap.byteLength, size, "the engine refused every growth");
      assertWorldIntact(world);
    });
  }
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

/** The heap block (its header's offset) holding byte `p`. */
function heapBlockOf(p: number): number {
  for (let b = heap.start; b < heap.top; b += heap.u32[b >>> 2] & ~7) {
    if (p < b + (heap.u32[b >>> 2] & ~7)) return b;
  }
  throw new Error(`no heap block holds ${p}`);
}

/** Flips a bit of the check word of the heap header right after the block holding `p`. */
function damageNextHeader(p: number): () => void {
  const b = heapBlockOf(p);
  const next = b + (heap.u32[b >>> 2] & ~7);
  heap.i32[(next + 8) >>> 2] ^= 0x10;
  return () => heap.i32[(next + 8) >>> 2] ^= 0x10;
}

/**
 * Asserts `fn` raises a PgError of SQLSTATE XX001 or XX000 (the heap's
 * `HeapCorruptionError`, or a context check's report) and that no byte of
 * the world's chunks and no counter changed. (The tree cannot be checked:
 * it is damaged.)
 */
function assertDamageRefused(world: World, fn: () => unknown): void {
  const before = `${snapshot()}\n${counters()}`;
  const caught = thrownBy(fn);
  assert.ok(caught instanceof PgError, String(caught));
  assert.match(caught.sqlstate, /^XX00[01]$/, caught.message);
  for (const c of world.chunks) assertFilled(c.p, c.n, c.seed);
  assert.equal(`${snapshot()}\n${counters()}`, before, "changed before the report");
}

/**
 * Damage next to a block an operation gives back or resizes. Each case sets
 * up a victim context and returns the operation and a pointer inside the
 * block whose heap neighbour is damaged. Each must be refused with nothing
 * changed, with checking mode off and on.
 */
const DAMAGE: Array<{
  name: string;
  kind: Kind;
  setup: (ctx: MemoryContext) => { at: number; op: () => unknown };
}> = [
  ...([
    ["repalloc (grow)", (p: number) => repalloc(p, 300000)],
    ["repalloc (shrink)", (p: number) => repalloc(p, 20000)],
    ["pfree", (p: number) => pfree(p)],
  ] as const).map(([what, op]) => ({
    name: `${what} of a dedicated chunk`,
    kind: "aset" as const,
    setup: (c: MemoryContext) => {
      const p = MemoryContextAlloc(c, 30000);
      MemoryContextAlloc(c, 30000); // a live neighbour: the damaged header is its
      return { at: p, op: () => op(p) };
    },
  })),
  {
    name: "pfree of an aligned chunk in a dedicated block",
    kind: "aligned",
    setup: (c) => {
      const p = MemoryContextAllocAligned(c, 30000, 1024, 0);
      MemoryContextAlloc(c, 30000);
      return { at: p, op: () => pfree(p) };
    },
  },
  {
    name: "pfree that gives a Generation block back",
    kind: "generation",
    setup: (c) => {
      // Blocks of 8, 16, 32, 64 KB: emptying the second makes it the freeblock, so emptying
      // the third (neither keeper nor current) gives it back to the heap.
      const chunks = Array.from({ length: 40 }, () => MemoryContextAlloc(c, 3000));
      const blockOf = (p: number) => heapBlockOf(p);
      const second = chunks.filter((p) => blockOf(p) === blockOf(chunks[2]));
      const third = chunks.filter((p) => blockOf(p) === blockOf(chunks[2 + second.length]));
      for (const p of second) pfree(p);
      for (const p of third.slice(1)) pfree(p);
      return { at: third[0], op: () => pfree(third[0]) };
    },
  },
  {
    name: "pfree that gives a Slab block back",
    kind: "slab",
    setup: (c) => {
      // Eleven emptied blocks: ten are cached, the eleventh goes back to the heap.
      const perBlock = (c as SlabContext).own.chunksPerBlock;
      const chunks = Array.from({ length: perBlock * 12 }, () => MemoryContextAlloc(c, 60));
      for (const p of chunks.slice(0, perBlock * 11 - 1)) pfree(p);
      const last = chunks[perBlock * 11 - 1];
      return { at: last, op: () => pfree(last) };
    },
  },
  ...(["aset", "generation", "bump", "slab"] as const).flatMap((kind) =>
    [MemoryContextReset, MemoryContextDelete].map((end) => ({
      name: `${end.name} of a ${kind} context`,
      kind,
      setup: (c: MemoryContext) => {
        const size = kind === "slab" ? 60 : 30000;
        const first = MemoryContextAlloc(c, size);
        for (let i = 0; i < (kind === "slab" ? 400 : 5); i++) MemoryContextAlloc(c, size);
        return { at: first, op: () => end(c) };
      },
    }))
  ),
];

for (const checking of [false, true]) {
  const mode = checking ? "checking mode" : "always-on checks";

  for (const { name, kind, setup } of DAMAGE) {
    Deno.test(`${mode}: a damaged heap neighbour stops ${name} with nothing changed`, () => {
      const world = makeWorld(checking);
      const victim = makeContext(kind, TopMemoryContext, "victim");
      const { at, op } = setup(victim);
      const repair = damageNextHeader(at);
      assertDamageRefused(world, op);
      assert.throws(() => heap.check(), HeapCorruptionError);
      repair();
      assertWorldIntact(world);
    });
  }

  Deno.test(`${mode}: damage to a neighbour's size word is refused by the heap`, () => {
    const world = makeWorld(checking);
    const a = MemoryContextAlloc(world.ctx["aset-large"], 30000);
    const b = MemoryContextAlloc(world.ctx["aset-large"], 30000);
    const bHeader = heapBlockOf(b);
    assert.equal(bHeader, b - 8 - 40 - 16);
    const saved = heap.u32[bHeader >>> 2];
    heap.u32[bHeader >>> 2] = 0x41414140; // b's size word: resizing a must not trust it
    assertDamageRefused(world, () => repalloc(a, 40000));
    assertDamageRefused(world, () => pfree(a));
    assert.throws(() => heap.check(), HeapCorruptionError);
    heap.u32[bHeader >>> 2] = saved;
  });

  Deno.test(`${mode}: a broken heap free list is reported by the next call following it`, () => {
    const world = makeWorld(checking);
    const ctx = AllocSetContextCreate(TopMemoryContext, "x", 0, 8192, 8 << 20);
    const keep = MemoryContextAlloc(ctx, 100000);
    const gone = MemoryContextAlloc(ctx, 100000);
    MemoryContextAlloc(ctx, 100000); // keeps `gone` from merging with the heap's free tail
    pfree(gone);
    const free = heapBlockOf(gone); // now a free heap block
    const saved = heap.u32[(free + 16) >>> 2];
    heap.u32[(free + 16) >>> 2] = 12345; // its back link
    assert.throws(() => heap.check(), HeapCorruptionError);
    assertDamageRefused(world, () => MemoryContextAlloc(ctx, 100000));
    assertDamageRefused(world, () => pfree(keep)); // its neighbour on the list
    heap.u32[(free + 16) >>> 2] = saved;
  });

  Deno.test(`${mode}: a damaged end sentinel stops growth instead of being written over`, () => {
    const world = makeWorld(checking);
    heap.i32[(heap.top + 8) >>> 2] ^= 1;
    assertDamageRefused(world, () => MemoryContextAlloc(TopMemoryContext, 4 << 20));
    assert.throws(() => heap.check(), HeapCorruptionError);
    heap.i32[(heap.top + 8) >>> 2] ^= 1;
    assertWorldIntact(world);
  });
}
