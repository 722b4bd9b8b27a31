/**
 * Test helpers: a fresh palloc per test, and assertions that print the whole
 * context tree (MemoryContextStats) when they fail, as talloc's tests do.
 */
import assert from "node:assert/strict";
import {
  MemoryContextCountersOf,
  MemoryContextInit,
  MemoryContextMemAllocated,
  MemoryContextStatsLines,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { PgError } from "../src/elog.ts";

/** A fresh heap and tree. */
export function fresh(options?: Parameters<typeof MemoryContextInit>[0]): void {
  MemoryContextInit(options);
}

/** The whole tree as MemoryContextStats prints it. */
export function tree(): string {
  return MemoryContextStatsLines(TopMemoryContext, 100, 100).join("\n");
}

/** A context's counters as `nblocks freechunks totalspace freespace memallocated`. */
export function stat(ctx: MemoryContext): string {
  const k = MemoryContextCountersOf(ctx);
  return `${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
    MemoryContextMemAllocated(ctx, false)
  }`;
}

/** Asserts a context's counters, printing the tree on failure. */
export function assertStat(ctx: MemoryContext, expected: string): void {
  assert.equal(stat(ctx), expected, `counters of ${ctx.name}\n${tree()}`);
}

/** Everything observable about the heap and tree, to prove a refused call changed nothing. */
export function snapshot(): string {
  return `${tree()}\nheld ${heap.held}`;
}

/** What `fn` throws, or null when it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

/** Asserts `fn` raises a PgError whose message matches, and that nothing changed. */
export function assertRefused(fn: () => unknown, message: RegExp | string): PgError {
  const before = snapshot();
  const caught = thrownBy(fn);
  assert.ok(caught instanceof PgError, `expected a PgError, got ${caught}`);
  if (typeof message === "string") assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  assert.equal(snapshot(), before, "a refused call must change nothing");
  return caught;
}

/** Fills `n` bytes at `p` with a pattern derived from `seed`. */
export function fill(p: number, n: number, seed: number): void {
  const u8 = heap.u8;
  for (let i = 0; i < n; i++) u8[p + i] = (seed + i * 31) & 0xff;
}

/** Asserts the pattern written by `fill` is intact. */
export function assertFilled(p: number, n: number, seed: number): void {
  const u8 = heap.u8;
  for (let i = 0; i < n; i++) {
    if (u8[p + i] !== ((seed + i * 31) & 0xff)) {
      assert.fail(`byte ${i} of chunk ${p} changed\n${tree()}`);
    }
  }
}
