/**
 * synthetic.ts — deterministic fake context trees of any size, for benchmarks and tests.
 *
 * Real dumps top out at a few hundred contexts; the benchmark needs 100,000, and tests of
 * progress reporting need inputs over a megabyte. This builds a random recursive tree (each new
 * context hangs under a uniformly chosen earlier one, which gives PostgreSQL-like logarithmic
 * depth) from a seeded generator, with realistic names, types and block sizes whose figures are
 * self-consistent (`used = total - free`). Not part of the public entry point.
 *
 * @module
 */

import { makeNode, type MemNode } from "./model.ts";

const NAMES = [
  "CacheMemoryContext",
  "index info",
  "ExecutorState",
  "ExprContext",
  "CachedPlan",
  "CachedPlanSource",
  "PortalContext",
  "TupleSort main",
  "HashTableContext",
  "SPI Plan",
  "relation rules",
  "PL/pgSQL function",
];
const TYPES = ["AllocSet", "AllocSet", "AllocSet", "AllocSet", "Generation", "Slab", "Bump"];

/** A small seeded PRNG (mulberry32): same seed, same tree. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random tree of exactly `count` contexts (count ≥ 1), root `TopMemoryContext`. */
export function syntheticTree(count: number, seed = 1): MemNode {
  const rnd = seededRandom(seed);
  const make = (name: string, level: number): MemNode => {
    const type = name === "TopMemoryContext" ? "AllocSet" : TYPES[Math.floor(rnd() * TYPES.length)];
    const nblocks = 1 + Math.floor(rnd() * rnd() * 12);
    const totalBytes = nblocks * 1024 * (1 << Math.floor(rnd() * 4));
    const freeBytes = Math.floor(rnd() * totalBytes * 0.6);
    const node = makeNode(name, {
      totalBytes,
      nblocks,
      freeBytes,
      freeChunks: type === "Bump" ? 0 : Math.floor(rnd() * 8),
      usedBytes: totalBytes - freeBytes,
    }, level);
    node.type = type;
    if (type === "Generation") node.allocatedChunks = Math.floor(rnd() * 500);
    if (type === "Slab") node.emptyBlocks = Math.floor(rnd() * nblocks);
    if (name === "index info") node.ident = `pg_synthetic_${Math.floor(rnd() * 1e6)}_index`;
    return node;
  };
  const all: MemNode[] = [make("TopMemoryContext", 0)];
  for (let i = 1; i < count; i++) {
    const parent = all[Math.floor(rnd() * i)];
    const child = make(NAMES[Math.floor(rnd() * NAMES.length)], parent.level + 1);
    parent.children.push(child);
    all.push(child);
  }
  for (const n of all) n.children.reverse(); // newest first, as PostgreSQL lists them
  return all[0];
}
