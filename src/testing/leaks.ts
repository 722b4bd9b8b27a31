/**
 * Leak checks for a user's tests: `assertNoLeak(ctx, fn)` and
 * `expectHeapUnchanged(fn)` run `fn`, then compare the context tree with the
 * one before, context by context (by path), in MemoryContextStats' numbers.
 *
 * What counts as a leak: a context whose chunks take more bytes than before
 * (PostgreSQL's "used" — total minus free — less its block headers, so that
 * a new block, whose header counts as used, is not a leak by itself), or a
 * context that was not there before. Blocks a context keeps after its chunks
 * were freed (AllocSet keeps them, as PostgreSQL does) are free space.
 * `expectHeapUnchanged` also compares the heap's held bytes outside the tree
 * (a block taken with `heap.malloc` directly and never given back); AllocSet
 * contexts PostgreSQL keeps for reuse after their deletion (its context
 * freelists) are not counted as growth.
 *
 * A failure throws an `AssertionError` whose message lists what grew, by
 * path, then the tree before and after (MemoryContextStats lines).
 */
import { AssertionError } from "node:assert";
import { ALLOC_BLOCKHDRSZ, ASET_CONTEXT_SIZE, B_OWNER } from "../aset/block.ts";
import { BUMP_BLOCKHDRSZ } from "../bump/block.ts";
import { GENERATION_BLOCKHDRSZ } from "../generation/block.ts";
import { SLAB_BLOCKHDRSZ } from "../slab/block.ts";
import { heap, MemoryContext } from "../mcxt/context.ts";
import { TopMemoryContext } from "../mcxt/mod.ts";
import { MemoryContextCountersOf } from "../mcxt/tree.ts";
import { MemoryContextStatsLines } from "../mcxt/stats.ts";

/**
 * A context as the kit's checks take it: a `MemoryContext` (the PostgreSQL
 * face) or anything holding one, such as the TypeScript face's `Context`.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import type { AnyContext } from "@palloc/palloc/testing";
 * const top = Context.init();
 * const both: AnyContext[] = [top, top.memoryContext];
 * console.assert(both.length === 2);
 * ```
 */
export type AnyContext = MemoryContext | { readonly memoryContext: MemoryContext };

/** The `MemoryContext` of either face. */
export function contextOf(ctx: AnyContext): MemoryContext {
  return ctx instanceof MemoryContext ? ctx : ctx.memoryContext;
}

/**
 * One context of a snapshot: its path and PostgreSQL's counters.
 *
 * @example
 * ```ts
 * import { type ContextFigures, snapshotTree } from "@palloc/palloc/testing";
 * import { Context } from "@palloc/palloc";
 * const top = Context.init();
 * const f: ContextFigures = snapshotTree(top).contexts.get("TopMemoryContext")!;
 * console.assert(f.totalspace === 8192 && f.used === 240);
 * ```
 */
export interface ContextFigures {
  /** Names from the snapshot's root, joined by " / " (a repeated sibling name gets `#2`, `#3`…). */
  readonly path: string;
  /** Blocks. */
  readonly nblocks: number;
  /** Bytes of its blocks (`totalspace`). */
  readonly totalspace: number;
  /** Free chunks. */
  readonly freechunks: number;
  /** Free bytes. */
  readonly freespace: number;
  /** `totalspace - freespace`: PostgreSQL's "used". */
  readonly used: number;
  /** `used` less the block headers: the bytes of its chunks (headers included) and context header. */
  readonly chunkBytes: number;
}

/**
 * A subtree's figures, by path, with the MemoryContextStats text they came from.
 *
 * @example
 * ```ts
 * import { snapshotTree, type TreeSnapshot } from "@palloc/palloc/testing";
 * import { Context } from "@palloc/palloc";
 * const top = Context.init();
 * const snap: TreeSnapshot = snapshotTree(top);
 * console.assert(snap.contexts.has("TopMemoryContext / ErrorContext"));
 * ```
 */
export interface TreeSnapshot {
  /** The figures of every context, in pre-order. */
  readonly contexts: ReadonlyMap<string, ContextFigures>;
  /** `MemoryContextStatsLines(root, 100, 1000)`. */
  readonly stats: readonly string[];
  /** The heap's held bytes. */
  readonly held: number;
  /** Heap bytes of the subtree's contexts (their blocks and headers). */
  readonly treeHeld: number;
}

/** Bytes of one block header of `ctx`'s type (counted in "used"). */
function blockHeaderBytes(ctx: MemoryContext): number {
  switch (ctx.typeName) {
    case "AllocSetContext":
      return ALLOC_BLOCKHDRSZ;
    case "GenerationContext":
      return GENERATION_BLOCKHDRSZ;
    case "SlabContext":
      return SLAB_BLOCKHDRSZ;
    case "BumpContext":
      return BUMP_BLOCKHDRSZ;
  }
  return 0;
}

/** Bytes of a context header a type keeps outside `mem_allocated` (Generation, Slab). */
function headerBytes(ctx: MemoryContext): number {
  if (ctx.typeName === "GenerationContext") return 128;
  if (ctx.typeName === "SlabContext") return 176;
  return 0;
}

/**
 * The figures of `root`'s subtree, context by context.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { snapshotTree } from "@palloc/palloc/testing";
 * const top = Context.init();
 * const req = top.child.aset("request");
 * req.alloc(100);
 * console.assert(snapshotTree(req).contexts.get("request")!.used === 376);
 * ```
 */
export function snapshotTree(root: AnyContext): TreeSnapshot {
  const top = contextOf(root);
  const contexts = new Map<string, ContextFigures>();
  let treeHeld = 0;
  const stack: Array<[MemoryContext, string]> = [[top, top.name]];
  while (stack.length > 0) {
    const [c, path] = stack.pop()!;
    const k = MemoryContextCountersOf(c);
    treeHeld += c.memAllocated + headerBytes(c);
    contexts.set(path, {
      path,
      nblocks: k.nblocks,
      totalspace: k.totalspace,
      freechunks: k.freechunks,
      freespace: k.freespace,
      used: k.totalspace - k.freespace,
      chunkBytes: k.totalspace - k.freespace - k.nblocks * blockHeaderBytes(c),
    });
    // Oldest child first, so that a new sibling never renames an old one.
    const kids: MemoryContext[] = [];
    for (let k2 = c.firstchild; k2 !== null; k2 = k2.nextchild) kids.push(k2);
    kids.reverse();
    const seen = new Map<string, number>();
    const named: Array<[MemoryContext, string]> = kids.map((kid) => {
      const n = (seen.get(kid.name) ?? 0) + 1;
      seen.set(kid.name, n);
      return [kid, `${path} / ${kid.name}${n > 1 ? `#${n}` : ""}`];
    });
    for (let i = named.length - 1; i >= 0; i--) stack.push(named[i]);
  }
  return { contexts, stats: MemoryContextStatsLines(top, 100, 1000), held: heap.held, treeHeld };
}

function figuresText(f: ContextFigures): string {
  return `${f.totalspace} total in ${f.nblocks} blocks; ${f.freespace} free ` +
    `(${f.freechunks} chunks); ${f.used} used`;
}

/**
 * What grew from `before` to `after`, one line per context, by path: more
 * used bytes, or a context that is new. Empty when nothing grew.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { diffTrees, snapshotTree } from "@palloc/palloc/testing";
 * const top = Context.init();
 * const req = top.child.aset("request");
 * const before = snapshotTree(req);
 * req.alloc(100);
 * console.log(diffTrees(before, snapshotTree(req)));
 * // [ "request: +136 bytes in chunks (240 used -> 376 used, 1 -> 1 blocks)" ]
 * ```
 */
export function diffTrees(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const out: string[] = [];
  for (const [path, a] of after.contexts) {
    const b = before.contexts.get(path);
    if (b === undefined) out.push(`${path}: new context, ${figuresText(a)}`);
    else if (a.chunkBytes > b.chunkBytes) {
      out.push(
        `${path}: +${a.chunkBytes - b.chunkBytes} bytes in chunks (${b.used} used -> ` +
          `${a.used} used, ${b.nblocks} -> ${a.nblocks} blocks)`,
      );
    }
  }
  return out;
}

/** The failure message: the headline, what grew, and the tree before and after. */
function report(headline: string, grew: string[], before: TreeSnapshot, after: TreeSnapshot) {
  return [
    headline,
    "what grew (by path):",
    ...grew.map((g) => `  ${g}`),
    "--- MemoryContextStats before",
    ...before.stats,
    "--- MemoryContextStats after",
    ...after.stats,
  ].join("\n");
}

/** Runs `fn`, sync or async, then `check` (not when `fn` throws: its error propagates). */
function around<T>(fn: () => T, check: () => void): T {
  const result = fn();
  if (result instanceof Promise) {
    return result.then((v) => {
      check();
      return v;
    }) as T;
  }
  check();
  return result;
}

/**
 * Runs `fn` and fails when, afterwards, some context of `ctx`'s subtree
 * holds more used bytes than before or a context was left behind in it. The
 * error lists what grew, by path, and MemoryContextStats of the subtree
 * before and after. An async `fn` returns a promise that rejects instead.
 * `fn`'s own error propagates unchecked.
 *
 * @example
 * ```ts
 * import { Context, pfree } from "@palloc/palloc";
 * import { assertNoLeak } from "@palloc/palloc/testing";
 * const top = Context.init();
 * const req = top.child.aset("request");
 * assertNoLeak(req, () => {
 *   const p = req.alloc(100);
 *   pfree(p); // without this line: "request: +136 bytes in chunks (…)"
 * });
 * ```
 */
export function assertNoLeak<T>(ctx: AnyContext, fn: () => T): T {
  const root = contextOf(ctx);
  const before = snapshotTree(root);
  return around(fn, () => {
    const after = snapshotTree(root);
    const grew = diffTrees(before, after);
    if (grew.length > 0) {
      throw new AssertionError({
        message: report(`assertNoLeak: "${root.name}" holds more than before`, grew, before, after),
      });
    }
  });
}

/**
 * True when live heap block `p` is the header block of a deleted AllocSet
 * that AllocSet keeps for reuse (PostgreSQL's context freelists): its
 * registry word is cleared and its keeper block still points back at it.
 */
export function isCachedAllocSetHeader(p: number): boolean {
  if (!heap.isLive(p) || heap.sizeOf(p) < ASET_CONTEXT_SIZE + 8) return false;
  const m = heap.i32;
  return m[p >>> 2] === 0 && m[((p + ASET_CONTEXT_SIZE) >>> 2) + B_OWNER] === p;
}

/** Bytes of the blocks in `taken` that are AllocSet contexts kept for reuse. */
function cachedContextBytes(taken: Set<number>): number {
  let bytes = 0;
  for (const p of taken) if (isCachedAllocSetHeader(p)) bytes += heap.sizeOf(p);
  return bytes;
}

/**
 * Runs `fn` and fails when, afterwards, the heap holds more than before:
 * some context of the whole tree holds more used bytes or was left behind,
 * or heap blocks taken outside any context were not given back. AllocSet
 * contexts kept for reuse after their deletion (as PostgreSQL keeps them)
 * are not growth. The error lists what grew, by path, with the tree before
 * and after. An async `fn` returns a promise that rejects instead.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { expectHeapUnchanged } from "@palloc/palloc/testing";
 * const top = Context.init();
 * expectHeapUnchanged(() => {
 *   const req = top.child.aset("request");
 *   req.alloc(1000);
 *   req.delete(); // forgetting this fails: "TopMemoryContext / request: new context, …"
 * });
 * ```
 */
export function expectHeapUnchanged<T>(fn: () => T): T {
  const before = snapshotTree(TopMemoryContext);
  const h = heap;
  const taken = new Set<number>();
  const { malloc, realloc } = h;
  h.malloc = (size: number): number => {
    const p = malloc.call(h, size);
    if (p !== 0) taken.add(p);
    return p;
  };
  h.realloc = (ptr: number, size: number): number => {
    const q = realloc.call(h, ptr, size);
    if (q !== 0 && taken.delete(ptr)) taken.add(q);
    return q;
  };
  const restore = () => {
    h.malloc = malloc;
    h.realloc = realloc;
  };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  const check = () => {
    restore();
    const after = snapshotTree(TopMemoryContext);
    const grew = diffTrees(before, after);
    const outsideBefore = before.held - before.treeHeld;
    const outside = after.held - after.treeHeld - cachedContextBytes(taken);
    if (outside > outsideBefore) {
      grew.push(
        `(outside every context): the heap holds ${outside - outsideBefore} more bytes ` +
          `(heap.malloc without heap.free?)`,
      );
    }
    if (grew.length > 0) {
      throw new AssertionError({
        message: report(
          "expectHeapUnchanged: the heap holds more than before",
          grew,
          before,
          after,
        ),
      });
    }
  };
  if (result instanceof Promise) {
    return result.then((v) => (check(), v), (e) => {
      restore();
      throw e;
    }) as T;
  }
  check();
  return result;
}
