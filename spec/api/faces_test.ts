/**
 * The two faces against each other: one seeded program of operations
 * (children of every type, allocations in a context and in the current one,
 * frees, reallocs, resets, deletes, re-parenting, identifiers, callbacks)
 * runs once through the PostgreSQL-named functions and once through
 * `Context` and the chunk helpers, each on a fresh heap. Every observation
 * along the way (pointers, chunk spaces, owners, counters, stats text,
 * callback order) and the final heap — held bytes and every byte of memory —
 * must come out identical.
 */
import assert from "node:assert/strict";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { heap, type MemoryContext } from "../../src/mcxt/context.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextAllocZero,
  MemoryContextCountersOf,
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextInit,
  MemoryContextMemAllocated,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextResetOnly,
  MemoryContextSetIdentifier,
  MemoryContextSetParent,
  MemoryContextStatsLines,
  MemoryContextSwitchTo,
  palloc,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { bytes, Context, contextOf, free, realloc, spaceOf } from "../../src/api/mod.ts";
import { statsTotal } from "../../src/api/stats.ts";

type Kind = "aset" | "generation" | "slab" | "bump";

/** The operations of the program, implemented once per face. */
interface Face<H> {
  init(): H;
  child(parent: H, kind: Kind, name: string): H;
  alloc(h: H, size: number, zero: boolean): number;
  allocCurrent(h: H, size: number): number;
  fill(p: number, n: number, byte: number): void;
  free(p: number): void;
  realloc(p: number, size: number): number;
  space(p: number): number;
  ownerName(p: number): string;
  reset(h: H): void;
  resetOnly(h: H): void;
  resetChildren(h: H): void;
  delete(h: H): void;
  deleteChildren(h: H): void;
  setParent(h: H, parent: H): void;
  setIdent(h: H, ident: string): void;
  onReset(h: H, fn: () => void): void;
  counters(h: H): string;
  statsLines(h: H): string[];
}

const SLAB_CHUNK = 96;

const pgFace: Face<MemoryContext> = {
  init() {
    MemoryContextInit({ initialBytes: 1 << 20 });
    return TopMemoryContext;
  },
  child(parent, kind, name) {
    switch (kind) {
      case "aset":
        return AllocSetContextCreate(parent, name, 0, 1024, 8 * 1024 * 1024);
      case "generation":
        return GenerationContextCreate(parent, name, 0, 8192, 8 * 1024 * 1024);
      case "slab":
        return SlabContextCreate(parent, name, 8192, SLAB_CHUNK);
      case "bump":
        return BumpContextCreate(parent, name, 0, 8192, 8 * 1024 * 1024);
    }
  },
  alloc: (h, size, zero) => zero ? MemoryContextAllocZero(h, size) : MemoryContextAlloc(h, size),
  allocCurrent(h, size) {
    const old = MemoryContextSwitchTo(h);
    const p = palloc(size);
    MemoryContextSwitchTo(old);
    return p;
  },
  fill: (p, n, byte) => void heap.u8.fill(byte, p, p + n),
  free: (p) => pfree(p),
  realloc: (p, size) => repalloc(p, size),
  space: (p) => GetMemoryChunkSpace(p),
  ownerName: (p) => GetMemoryChunkContext(p).name,
  reset: (h) => MemoryContextReset(h),
  resetOnly: (h) => MemoryContextResetOnly(h),
  resetChildren: (h) => MemoryContextResetChildren(h),
  delete: (h) => MemoryContextDelete(h),
  deleteChildren: (h) => MemoryContextDeleteChildren(h),
  setParent: (h, parent) => MemoryContextSetParent(h, parent),
  setIdent: (h, ident) => MemoryContextSetIdentifier(h, ident),
  onReset: (h, fn) => MemoryContextRegisterResetCallback(h, { func: () => fn(), arg: null }),
  counters(h) {
    const k = MemoryContextCountersOf(h);
    return `${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
      MemoryContextMemAllocated(h, false)
    } ${MemoryContextMemAllocated(h, true)}`;
  },
  statsLines: (h) => MemoryContextStatsLines(h, 100, 100),
};

const tsFace: Face<Context> = {
  init: () => Context.init({ initialBytes: 1 << 20 }),
  child(parent, kind, name) {
    switch (kind) {
      case "aset":
        return parent.child.aset(name, { sizes: "startSmall" });
      case "generation":
        return parent.child.generation(name);
      case "slab":
        return parent.child.slab(name, { chunkSize: SLAB_CHUNK });
      case "bump":
        return parent.createChild({ type: "bump", name });
    }
  },
  alloc: (h, size, zero) => zero ? h.allocZeroed(size) : h.alloc(size),
  allocCurrent: (h, size) => h.run(() => palloc(size)),
  fill: (p, n, byte) => void bytes(p, n).fill(byte),
  free: (p) => free(p),
  realloc: (p, size) => realloc(p, size),
  space: (p) => spaceOf(p),
  ownerName: (p) => contextOf(p).name,
  reset: (h) => h.reset(),
  resetOnly: (h) => h.resetOnly(),
  resetChildren: (h) => h.resetChildren(),
  delete: (h) => h.delete(),
  deleteChildren: (h) => h.deleteChildren(),
  setParent: (h, parent) => h.setParent(parent),
  setIdent: (h, ident) => h.setIdentifier(ident),
  onReset: (h, fn) => void h.onReset(fn),
  counters(h) {
    const k = h.counters();
    const s = h.stats();
    // The structured stats must agree with the counters they were made from.
    assert.equal(s.totalBytes, k.totalspace);
    assert.equal(s.usedBytes, k.totalspace - k.freespace);
    assert.equal(s.memAllocated, h.memAllocated(false));
    return `${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${h.memAllocated(false)} ${
      h.memAllocated(true)
    }`;
  },
  statsLines(h) {
    const text = h.statsText().split("\n");
    // "Grand total" from the text equals the sum of the structured stats.
    const t = statsTotal(h.stats());
    assert.equal(
      text[text.length - 1],
      `Grand total: ${t.totalBytes} bytes in ${t.nblocks} blocks; ${t.freeBytes} free (${t.freeChunks} chunks); ${t.usedBytes} used`,
    );
    return text;
  },
};

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Node<H> {
  h: H;
  kind: Kind;
  parent: number;
  alive: boolean;
}

interface Chunk {
  p: number;
  size: number;
  node: number;
}

/** Runs the seeded program through `face`; returns everything it observed. */
function program<H>(face: Face<H>, seed: number, steps: number): string[] {
  const r = rng(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const log: string[] = [];
  const nodes: Node<H>[] = [{ h: face.init(), kind: "aset", parent: -1, alive: true }];
  let chunks: Chunk[] = [];
  const live = () => nodes.map((_, i) => i).filter((i) => nodes[i].alive);
  const within = (i: number, top: number): boolean => {
    for (let j = i; j !== -1; j = nodes[j].parent) if (j === top) return true;
    return false;
  };
  const kill = (top: number, keepTop: boolean) => {
    for (let i = 0; i < nodes.length; i++) {
      if (nodes[i].alive && within(i, top) && !(keepTop && i === top)) nodes[i].alive = false;
    }
    chunks = chunks.filter((c) => nodes[c.node].alive && !(c.node === top && keepTop));
  };
  // Slab takes exactly its chunk size (PostgreSQL raises an ERROR for any other).
  const size = (kind: Kind) =>
    kind === "slab" ? SLAB_CHUNK : [1 + pick(64), 1 + pick(1024), 1 + pick(20000)][pick(3)];

  for (let step = 0; step < steps; step++) {
    const alive = live();
    const n = alive[pick(alive.length)];
    const node = nodes[n];
    const op = pick(100);
    if (op < 8 && nodes.length < 40) {
      const kinds: Kind[] = ["aset", "generation", "slab", "bump"];
      const kind = kinds[pick(4)];
      const h = face.child(node.h, kind, `${kind}${nodes.length}`);
      nodes.push({ h, kind, parent: n, alive: true });
      if (pick(3) === 0) face.setIdent(h, `id ${step}`);
      if (pick(3) === 0) {
        const name = `${kind}${nodes.length - 1}`;
        face.onReset(h, () => log.push(`callback ${name}`));
      }
      log.push(`child ${kind} under ${n}`);
    } else if (op < 55) {
      const sz = size(node.kind);
      const p = pick(4) === 0
        ? face.allocCurrent(node.h, sz)
        : face.alloc(node.h, sz, pick(2) === 0);
      face.fill(p, sz, step & 0xff);
      chunks.push({ p, size: sz, node: n });
      log.push(`alloc ${sz} in ${n} -> ${p}`);
      if (node.kind !== "bump") log.push(`space ${face.space(p)} owner ${face.ownerName(p)}`);
    } else if (op < 75) {
      const mine = chunks.filter((c) => nodes[c.node].kind !== "bump");
      if (mine.length === 0) continue;
      const c = mine[pick(mine.length)];
      if (nodes[c.node].kind !== "slab" && pick(2) === 0) {
        const sz = size(nodes[c.node].kind);
        c.p = face.realloc(c.p, sz);
        c.size = sz;
        log.push(`realloc -> ${c.p} space ${face.space(c.p)}`);
      } else {
        face.free(c.p);
        chunks = chunks.filter((x) => x !== c);
        log.push(`free ${c.p}`);
      }
    } else if (op < 80 && n !== 0) {
      face.reset(node.h);
      kill(n, true);
      log.push(`reset ${n}`);
    } else if (op < 84) {
      face.resetOnly(node.h);
      chunks = chunks.filter((c) => c.node !== n);
      log.push(`resetOnly ${n}`);
    } else if (op < 86) {
      face.resetChildren(node.h);
      chunks = chunks.filter((c) => c.node === n || !within(c.node, n));
      log.push(`resetChildren ${n}`);
    } else if (op < 91 && n !== 0) {
      face.delete(node.h);
      kill(n, false);
      log.push(`delete ${n}`);
    } else if (op < 93 && n !== 0) {
      face.deleteChildren(node.h);
      for (let i = 0; i < nodes.length; i++) {
        if (i !== n && nodes[i].alive && within(i, n)) nodes[i].alive = false;
      }
      chunks = chunks.filter((c) => nodes[c.node].alive);
      log.push(`deleteChildren ${n}`);
    } else if (op < 96 && n !== 0) {
      const to = alive.filter((i) => !within(i, n));
      const dest = to[pick(to.length)];
      face.setParent(node.h, nodes[dest].h);
      node.parent = dest;
      log.push(`setParent ${n} -> ${dest}`);
    } else {
      log.push(`counters ${n}: ${face.counters(node.h)}`);
      if (pick(2) === 0) log.push(...face.statsLines(node.h));
    }
  }
  log.push(...face.statsLines(nodes[0].h));
  log.push(`held ${heap.held} byteLength ${heap.byteLength} hash ${hashHeap()}`);
  return log;
}

/** FNV-1a over every byte of the heap's memory. */
function hashHeap(): string {
  const u8 = heap.u8;
  let h = 0x811c9dc5;
  for (let i = 0; i < heap.byteLength; i++) h = Math.imul(h ^ u8[i], 0x01000193);
  return (h >>> 0).toString(16);
}

for (const seed of [1, 2, 3, 42, 2024]) {
  Deno.test(`both faces leave the same heap and counters (seed ${seed})`, () => {
    const viaPg = program(pgFace, seed, 400);
    const viaTs = program(tsFace, seed, 400);
    assert.ok(viaPg.length > 400);
    assert.deepEqual(viaTs, viaPg);
  });
}

Deno.test("the same single calls through both faces give the same bytes", () => {
  const pg = () => {
    MemoryContextInit();
    const a = AllocSetContextCreate(TopMemoryContext, "a", 0, 8192, 8 << 20);
    const p = MemoryContextAllocZero(a, 100);
    return [p, heap.held, hashHeap()].join(" ");
  };
  const ts = () => {
    const top = Context.init();
    const a = top.child.aset("a");
    const p = a.allocZeroed(100);
    return [p, heap.held, hashHeap()].join(" ");
  };
  assert.equal(ts(), pg());
});
