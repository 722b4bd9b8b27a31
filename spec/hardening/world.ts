/**
 * A small populated world for the hardening tests: a fresh heap (checking
 * mode on or off), one context of each type with a few filled live chunks,
 * and the means to prove that a refused call left every one of those chunks
 * and every counter as it was: `assertRefused` here is the helpers' one plus
 * every context's `mem_allocated` and the heap's own counters.
 */
import assert from "node:assert/strict";
import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "../../src/aset/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { MemoryContextAllocAligned } from "../../src/alignedalloc.ts";
import {
  MemoryContextAlloc,
  MemoryContextCheck,
  MemoryContextInit,
  MemoryContextMemAllocated,
  MemoryContextTraverseNext,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../../src/mcxt/context.ts";
import type { PgError } from "../../src/elog.ts";
import { assertFilled, assertRefused as assertRefusedTree, fill } from "../helpers.ts";

/** The context types (and aligned chunks, in an AllocSet) the refusal tests cover. */
export const KINDS = ["aset", "aset-large", "generation", "slab", "bump", "aligned"] as const;
/** One of `KINDS`. */
export type Kind = typeof KINDS[number];

/** A live chunk of the world with its fill seed. */
export interface Filled {
  /** The pointer. */
  p: number;
  /** Bytes filled. */
  n: number;
  /** Fill seed. */
  seed: number;
}

/** The world: contexts by kind and the filled chunks to keep an eye on. */
export interface World {
  /** A context for each kind. */
  ctx: Record<Kind, MemoryContext>;
  /** Every filled live chunk. */
  chunks: Filled[];
}

let serial = 0;

/** Makes a context suited to `kind` under `parent`, named `name`. */
export function makeContext(kind: Kind, parent: MemoryContext, name: string): MemoryContext {
  switch (kind) {
    case "aset":
    case "aset-large":
    case "aligned":
      return AllocSetContextCreate(parent, name, ...ALLOCSET_DEFAULT_SIZES);
    case "generation":
      return GenerationContextCreate(parent, name, 0, 8192, 8 << 20);
    case "slab":
      return SlabContextCreate(parent, name, 8192, 60);
    case "bump":
      return BumpContextCreate(parent, name, 0, 8192, 8 << 20);
  }
}

/** Allocates a chunk fitting `kind` in `ctx` (sizes leave slack, so checking sets sentinels). */
export function allocFor(kind: Kind, ctx: MemoryContext): { p: number; n: number } {
  switch (kind) {
    case "aset-large":
      return { p: MemoryContextAlloc(ctx, 20001), n: 20001 };
    case "slab":
      return { p: MemoryContextAlloc(ctx, 60), n: 60 };
    case "aligned":
      return { p: MemoryContextAllocAligned(ctx, 100, 64, 0), n: 100 };
    default:
      return { p: MemoryContextAlloc(ctx, 100), n: 100 };
  }
}

/**
 * A fresh heap (at most `maxBytes`, or over `memory`) with one context per
 * kind, each holding three filled chunks.
 */
export function makeWorld(
  checking: boolean,
  maxBytes = 1 << 30,
  memory?: WebAssembly.Memory,
  shared?: boolean,
): World {
  MemoryContextInit(memory === undefined ? { checking, maxBytes, shared } : { checking, memory });
  const ctx = {} as Record<Kind, MemoryContext>;
  const chunks: Filled[] = [];
  for (const kind of KINDS) {
    ctx[kind] = makeContext(kind, TopMemoryContext, `w-${kind}`);
    for (let i = 0; i < 3; i++) {
      const { p, n } = allocFor(kind, ctx[kind]);
      const seed = ++serial & 0xff;
      fill(p, n, seed);
      chunks.push({ p, n, seed });
    }
  }
  return { ctx, chunks };
}

/** Asserts every filled chunk of the world kept its bytes and the whole tree checks out. */
export function assertWorldIntact(world: World): void {
  for (const c of world.chunks) assertFilled(c.p, c.n, c.seed);
  MemoryContextCheck(TopMemoryContext);
  heap.check();
}

/**
 * Every counter a refused call must leave alone, beyond the tree report of
 * `helpers.ts`: each context's `mem_allocated` and the heap's counters (all
 * but the peak). A heap too damaged to count says so instead.
 */
export function counters(): string {
  const lines: string[] = [];
  for (
    let c: MemoryContext | null = TopMemoryContext;
    c !== null;
    c = MemoryContextTraverseNext(c, TopMemoryContext)
  ) {
    lines.push(`${c.name}: mem_allocated ${MemoryContextMemAllocated(c, false)}`);
  }
  try {
    const { peakHeld: _, ...rest } = heap.stats();
    lines.push(`heap ${JSON.stringify(rest)}`);
  } catch (e) {
    lines.push(`heap stats refused: ${e}`);
  }
  return lines.join("\n");
}

/**
 * Asserts `fn` raises a PgError whose message matches and that nothing
 * changed: the tree report and `heap.held` (as `helpers.ts` checks), every
 * context's `mem_allocated` and the heap's counters.
 */
export function assertRefused(fn: () => unknown, message: RegExp | string): PgError {
  const before = counters();
  const e = assertRefusedTree(fn, message);
  assert.equal(counters(), before, "a refused call must change no counter");
  return e;
}
