/**
 * `assertStats(ctx, expected)`: a context's figures in PostgreSQL's numbers
 * (the talloc habit: tests assert exact block and byte totals), printing the
 * whole tree (MemoryContextStats of TopMemoryContext) when they differ.
 */
import { AssertionError } from "node:assert";
import { type AnyContext, contextOf } from "./leaks.ts";
import { TopMemoryContext } from "../mcxt/mod.ts";
import { MemoryContextCountersOf, MemoryContextMemConsumed } from "../mcxt/tree.ts";
import { MemoryContextStatsLine, MemoryContextStatsLines } from "../mcxt/stats.ts";
import { newCounters } from "../mcxt/context.ts";

/**
 * The figures `assertStats` can check; each one left out is not checked.
 *
 * @example
 * ```ts
 * import { assertStats, type ExpectedStats } from "@palloc/palloc/testing";
 * import { Context } from "@palloc/palloc";
 * const top = Context.init();
 * const fresh: ExpectedStats = { nblocks: 1, freechunks: 0, used: 240 };
 * assertStats(top.child.aset("request"), fresh);
 * ```
 */
export interface ExpectedStats {
  /** Bytes of the context's blocks (`N total`). */
  totalspace?: number;
  /** Blocks (`in N blocks`). */
  nblocks?: number;
  /** Free bytes (`N free`). */
  freespace?: number;
  /** Free chunks (`(N chunks)`). */
  freechunks?: number;
  /** `totalspace - freespace` (`N used`). */
  used?: number;
  /** `mem_allocated` (of the subtree with `recurse`). */
  memAllocated?: number;
  /** Children. */
  children?: number;
  /** Sum the figures over the subtree (`MemoryContextMemConsumed`) instead of the context alone. */
  recurse?: boolean;
}

/**
 * Fails unless `ctx` has the `expected` figures: an object of the fields to
 * check, or the text of its MemoryContextStats line — with or without the
 * `name: ` in front (`"8192 total in 1 blocks; 7952 free (0 chunks); 240 used"`).
 * The error names every figure that differs and prints the whole tree.
 *
 * @example
 * ```ts
 * import { Context } from "@palloc/palloc";
 * import { assertStats } from "@palloc/palloc/testing";
 * const top = Context.init();
 * const req = top.child.aset("request");
 * req.alloc(100);
 * assertStats(req, { nblocks: 1, used: 376, freechunks: 0 });
 * assertStats(req, "8192 total in 1 blocks; 7816 free (0 chunks); 376 used");
 * ```
 */
export function assertStats(ctx: AnyContext, expected: ExpectedStats | string): void {
  const c = contextOf(ctx);
  const problems: string[] = [];
  if (typeof expected === "string") {
    const line = MemoryContextStatsLine(c);
    const text = line.slice(line.indexOf(": ") + 2);
    if (expected !== line && expected !== text) problems.push(`stats are "${text}"`);
  } else {
    const k = expected.recurse ? newCounters() : MemoryContextCountersOf(c);
    if (expected.recurse) MemoryContextMemConsumed(c, k);
    let allocated = c.memAllocated;
    if (expected.recurse) {
      allocated = 0;
      const stack = [c];
      while (stack.length > 0) {
        const d = stack.pop()!;
        allocated += d.memAllocated;
        for (let k2 = d.firstchild; k2 !== null; k2 = k2.nextchild) stack.push(k2);
      }
    }
    let children = 0;
    for (let k2 = c.firstchild; k2 !== null; k2 = k2.nextchild) children++;
    const actual: Required<Omit<ExpectedStats, "recurse">> = {
      totalspace: k.totalspace,
      nblocks: k.nblocks,
      freespace: k.freespace,
      freechunks: k.freechunks,
      used: k.totalspace - k.freespace,
      memAllocated: allocated,
      children,
    };
    for (const key of Object.keys(actual) as Array<keyof typeof actual>) {
      const want = expected[key];
      if (want !== undefined && want !== actual[key]) {
        problems.push(`${key} is ${actual[key]}, expected ${want}`);
      }
    }
  }
  if (problems.length === 0) return;
  const what = typeof expected === "string" ? `"${expected}"` : JSON.stringify(expected);
  throw new AssertionError({
    message: [
      `assertStats("${c.name}"${
        typeof expected !== "string" && expected.recurse ? ", subtree" : ""
      }): ${problems.join("; ")} (expected ${what})`,
      "--- MemoryContextStats(TopMemoryContext)",
      ...MemoryContextStatsLines(TopMemoryContext, 100, 1000),
    ].join("\n"),
  });
}
