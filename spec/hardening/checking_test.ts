/**
 * Checking mode finds the bugs of the code using palloc: a write one byte
 * past a chunk's end (on pfree, repalloc, reset, delete and
 * MemoryContextCheck, naming the context and the chunk's size), a use after
 * free (freed, reset and deleted bytes read 0x7F at once), a double free, a
 * stomped chunk header and a corrupted free list (found by MemoryContextCheck,
 * by the check before a reset or delete, and by the allocation that follows
 * the bad link); and it changes no counter.
 */
import assert from "node:assert/strict";
import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "../../src/aset/mod.ts";
import { SENTINEL_BYTE, WIPE_BYTE } from "../../src/checking/mod.ts";
import { heap } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import {
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextCheck,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextReset,
  MemoryContextStatsLines,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { runConformance } from "../../src/trace/runner.ts";
import { thrownBy } from "../helpers.ts";
import {
  allocFor,
  assertRefused,
  assertWorldIntact,
  KINDS,
  makeContext,
  makeWorld,
} from "./world.ts";

const PAST_END = /^detected write past chunk end in "victim": chunk \d+ of \d+ bytes/;

for (const kind of KINDS) {
  Deno.test(`checking mode, ${kind}: a write one byte past the end is reported`, () => {
    const world = makeWorld(true);
    const victim = makeContext(kind, TopMemoryContext, "victim");
    const { p, n } = allocFor(kind, victim);
    assert.equal(heap.u8[p + n], SENTINEL_BYTE, "the sentinel sits right after the requested size");
    heap.u8[p + n] = 0; // one byte too far
    const e = kind === "bump"
      ? assertRefused(() => MemoryContextCheck(TopMemoryContext), PAST_END)
      : assertRefused(() => pfree(p), PAST_END);
    assert.match(e.message, new RegExp(`of ${n} bytes`));
    if (kind !== "bump") assertRefused(() => repalloc(p, n + 1000), PAST_END);
    assertRefused(() => MemoryContextCheck(TopMemoryContext), PAST_END);
    assertRefused(() => MemoryContextReset(victim), PAST_END);
    assertRefused(() => MemoryContextDelete(victim), PAST_END);
    heap.u8[p + n] = SENTINEL_BYTE;
    MemoryContextDelete(victim);
    assertWorldIntact(world);
  });
}

Deno.test("checking mode: a chunk filled to its last byte has no sentinel (PostgreSQL's rule)", () => {
  MemoryContextInit({ checking: true });
  const p = MemoryContextAlloc(TopMemoryContext, 64); // AllocSet: exactly a 64-byte chunk
  assert.equal(GetMemoryChunkSpace(p), 72);
  heap.u8.fill(0x55, p, p + 64);
  pfree(p);
});

Deno.test("checking mode: freed and reset memory reads as 0x7F at once (use after free)", () => {
  const world = makeWorld(true);
  for (const kind of KINDS) {
    if (kind === "bump") continue;
    const { p, n } = allocFor(kind, world.ctx[kind]);
    heap.u8.fill(1, p, p + n);
    pfree(p);
    // The first 8 bytes may now hold a freelist link, as in PostgreSQL.
    for (let i = 8; i < n; i++) assert.equal(heap.u8[p + i], WIPE_BYTE, `${kind} byte ${i}`);
  }
  const victim = makeContext("bump", TopMemoryContext, "victim");
  const { p, n } = allocFor("bump", victim);
  heap.u8.fill(1, p, p + n);
  MemoryContextReset(victim);
  for (let i = 0; i < n; i++) assert.equal(heap.u8[p + i], WIPE_BYTE, `bump byte ${i}`);
  assertWorldIntact(world);
});

for (const end of [MemoryContextReset, MemoryContextDelete]) {
  Deno.test(`checking mode: after ${end.name} every type's chunks read as 0x7F`, () => {
    const world = makeWorld(true);
    for (const kind of KINDS) {
      const victim = makeContext(kind, TopMemoryContext, "victim");
      const stale = [allocFor(kind, victim), allocFor(kind, victim)];
      for (const { p, n } of stale) heap.u8.fill(1, p, p + n);
      end(victim);
      // The heap may write its own free-block header (16 bytes) over a released block's start.
      for (const { p, n } of stale) {
        for (let i = 16; i < n; i++) assert.equal(heap.u8[p + i], WIPE_BYTE, `${kind} byte ${i}`);
      }
    }
    assertWorldIntact(world);
  });
}

Deno.test("checking mode: a double free is refused in every type, nothing changed", () => {
  const world = makeWorld(true);
  for (const kind of KINDS) {
    if (kind === "bump") continue;
    const { p } = allocFor(kind, world.ctx[kind]);
    pfree(p);
    // Slab's dispatch already fails on the cleared method id, the others on the missing record
    // (an aligned chunk's redirect header is wiped with its unaligned chunk).
    const gone = kind === "slab" || kind === "aligned" ? /invalid pointer/ : /not a live chunk/;
    assertRefused(() => pfree(p), gone);
    assertRefused(() => repalloc(p, 10), gone);
    assertRefused(() => GetMemoryChunkSpace(p), gone);
  }
  assertWorldIntact(world);
});

Deno.test("checking mode: a stomped chunk header is refused before it is followed", () => {
  const world = makeWorld(true);
  for (const kind of KINDS) {
    if (kind === "bump") continue;
    const { p } = allocFor(kind, world.ctx[kind]);
    heap.u8[p - 3] ^= 0x04; // a block-offset bit of the header
    assertRefused(() => pfree(p), /overwritten/);
    assertRefused(() => GetMemoryChunkSpace(p), /overwritten/);
    assert.throws(() => MemoryContextCheck(TopMemoryContext), PgError);
    heap.u8[p - 3] ^= 0x04;
    pfree(p);
  }
  assertWorldIntact(world);
});

Deno.test("a corrupted AllocSet free list is found by MemoryContextCheck", () => {
  for (const checking of [false, true]) {
    MemoryContextInit({ checking });
    const ctx = AllocSetContextCreate(TopMemoryContext, "victim", ...ALLOCSET_DEFAULT_SIZES);
    const a = MemoryContextAlloc(ctx, 100);
    MemoryContextAlloc(ctx, 100);
    pfree(a);
    MemoryContextCheck(TopMemoryContext);
    heap.i32[a >>> 2] = a + 16; // the link now points into the middle of a chunk
    assert.throws(() => MemoryContextCheck(TopMemoryContext), /freelist 4 links to/);
    heap.i32[a >>> 2] = a - 8; // now it points at the chunk itself: a cycle
    assert.throws(() => MemoryContextCheck(TopMemoryContext), /listed twice/);
    heap.i32[a >>> 2] = 0;
    MemoryContextCheck(TopMemoryContext);
  }
});

Deno.test("the allocation that follows a corrupted AllocSet free list refuses it", () => {
  for (const checking of [false, true]) {
    MemoryContextInit({ checking });
    const aset = makeContext("aset", TopMemoryContext, "victim");
    const a = MemoryContextAlloc(aset, 100);
    MemoryContextAlloc(aset, 100);
    pfree(a);
    heap.i32[a >>> 2] = a + 16; // the link now points into the middle of a chunk
    assert.equal(MemoryContextAlloc(aset, 100), a); // the head itself is sound
    const held = heap.held;
    assert.throws( // the bogus link is not: refused before it is followed or handed out
      () => MemoryContextAlloc(aset, 100),
      (e: unknown) =>
        e instanceof PgError && e.sqlstate === "XX001" &&
        e.message.includes(`"victim": freelist 4 links to ${a + 16}`),
    );
    assert.equal(heap.held, held);
  }
});

Deno.test("checking mode: the allocation that follows a corrupted free list reports it", () => {
  MemoryContextInit({ checking: true });
  const slab = makeContext("slab", TopMemoryContext, "victim");
  const x = MemoryContextAlloc(slab, 60);
  const y = MemoryContextAlloc(slab, 60);
  pfree(x);
  pfree(y);
  heap.u32[y >>> 2] = y + 4; // Slab: y's link to x, made to point between chunks
  assert.equal(MemoryContextAlloc(slab, 60), y);
  assert.throws(() => MemoryContextAlloc(slab, 60), /could not find block containing chunk/);
});

Deno.test("checking mode: reset and delete refuse a context whose free list is corrupted", () => {
  const world = makeWorld(true);
  const ctx = makeContext("aset", TopMemoryContext, "victim");
  const a = MemoryContextAlloc(ctx, 100);
  MemoryContextAlloc(ctx, 100);
  pfree(a);
  const saved = heap.i32[a >>> 2];
  heap.i32[a >>> 2] = a + 16; // the link now points into the middle of a chunk
  assertRefused(() => MemoryContextReset(ctx), /freelist 4 links to/);
  assertRefused(() => MemoryContextDelete(ctx), /freelist 4 links to/);
  heap.i32[a >>> 2] = saved;
  MemoryContextDelete(ctx);
  assertWorldIntact(world);
});

Deno.test("a corrupted Slab free list is found by MemoryContextCheck", () => {
  for (const checking of [false, true]) {
    MemoryContextInit({ checking });
    const slab = makeContext("slab", TopMemoryContext, "victim");
    const a = MemoryContextAlloc(slab, 60);
    const b = MemoryContextAlloc(slab, 60);
    pfree(a);
    pfree(b);
    heap.u32[(b >>> 2) + 0] = b + 4; // b's link to a, made to point between chunks
    assert.throws(() => MemoryContextCheck(TopMemoryContext), /bogus free list link/);
    if (checking) assertRefused(() => MemoryContextReset(slab), /bogus free list link/);
    heap.u32[(b >>> 2) + 0] = a - 8;
    MemoryContextCheck(TopMemoryContext);
    heap.check();
  }
});

Deno.test("checking mode changes no counter: the tree prints the same with it on and off", () => {
  const report = (checking: boolean): string => {
    const world = makeWorld(checking);
    for (const kind of KINDS) {
      for (let i = 0; i < 40; i++) {
        const { p } = allocFor(kind, world.ctx[kind]);
        if (i % 3 === 0 && kind !== "bump") pfree(p);
      }
    }
    MemoryContextReset(world.ctx.generation);
    return MemoryContextStatsLines(TopMemoryContext, 100, 100).join("\n");
  };
  assert.equal(report(true), report(false));
});

Deno.test("checking mode: the conformance vectors of every type pass unchanged", async () => {
  const root = new URL("../../../shared/conformance/pg18/", import.meta.url).pathname;
  const folders = ["aset", "generation", "slab", "bump", "aligned", "tree", "callbacks", "oom"];
  const s = await runConformance(folders.map((f) => root + f), { checking: true });
  assert.equal(s.failed, 0, JSON.stringify(s.files.filter((f) => f.status === "failed")));
  assert.ok(s.passed >= 20);
});

for (const kind of ["aset", "generation", "slab", "bump"] as const) {
  Deno.test(`MemoryContextCheck reports a ${kind} context's damage as XX001`, () => {
    MemoryContextInit();
    const ctx = makeContext(kind, TopMemoryContext, "damaged");
    MemoryContextAlloc(ctx, kind === "slab" ? 60 : 40);
    MemoryContextCheck(ctx);
    ctx.memAllocated += 8; // a counter that no longer matches the blocks
    const caught = thrownBy(() => MemoryContextCheck(ctx));
    ctx.memAllocated -= 8;
    assert.ok(caught instanceof PgError, String(caught));
    assert.equal(caught.sqlstate, "XX001", caught.message); // data corrupted, for every type
    MemoryContextCheck(ctx);
  });
}
