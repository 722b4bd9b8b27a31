/**
 * Statistics in PostgreSQL's own text: `MemoryContextStats` and
 * `MemoryContextStatsDetail`, in both of PostgreSQL's forms — the indented
 * stderr form and the server-log form (`level: N; …`) that
 * `pg_log_backend_memory_contexts()` writes.
 *
 * The walk is PostgreSQL's: a context's own line, then up to `maxChildren`
 * children (newest first) while `level <= maxLevel`, the rest summarised in
 * one "N more child contexts containing …" line, and a closing
 * "Grand total" line. Each context's numbers come from its type's stats
 * method; this file only arranges them.
 */
import { type MemoryContext, type MemoryContextCounters, newCounters } from "./context.ts";
import { MemoryContextTraverseNext } from "./tree.ts";
import { assertLive } from "./guard.ts";
import { elog } from "../elog.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The identifier as stats print it: cut to at most 100 UTF-8 bytes at a
 * character boundary (then `...`), control bytes shown as spaces.
 */
export function statsIdentText(ident: string): string {
  let bytes = encoder.encode(ident);
  let truncated = false;
  if (bytes.length > 100) {
    let cut = 100;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
    truncated = true;
  }
  const copy = bytes.map((c) => (c < 0x20 ? 0x20 : c));
  return decoder.decode(copy) + (truncated ? "..." : "");
}

/** The `NAME: <stats>[: IDENT]` part of a context's line. */
export function statsContextText(ctx: MemoryContext, statsText: string): string {
  let name = ctx.name;
  let ident = ctx.ident;
  if (ident !== null && name === "dynahash") {
    name = ident;
    ident = null;
  }
  return `${name}: ${statsText}${ident !== null ? ": " + statsIdentText(ident) : ""}`;
}

function countersText(t: MemoryContextCounters): string {
  return `${t.totalspace} total in ${t.nblocks} blocks; ${t.freespace} free (${t.freechunks} chunks); ${
    t.totalspace - t.freespace
  } used`;
}

/**
 * The lines `MemoryContextStatsDetail(ctx, maxLevel, maxChildren, true)`
 * prints to stderr, indentation included; the last is `Grand total: …`.
 * With `logForm`, the lines are those of the server log (`level: N; …`).
 *
 * @example
 * ```ts
 * import { MemoryContextInit, MemoryContextStatsLines, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * for (const line of MemoryContextStatsLines(TopMemoryContext, 100, 100)) console.log(line);
 * console.log(MemoryContextStatsLines(TopMemoryContext, 100, 100, true)[0]); // "level: 1; TopMemoryContext: …"
 * ```
 */
export function MemoryContextStatsLines(
  ctx: MemoryContext,
  maxLevel: number,
  maxChildren: number,
  logForm = false,
): string[] {
  const out: string[] = [];
  const grand = newCounters();
  MemoryContextStatsInternal(ctx, 1, maxLevel, maxChildren, grand, out, logForm);
  out.push(
    `Grand total: ${grand.totalspace} bytes in ${grand.nblocks} blocks; ${grand.freespace} free (${grand.freechunks} chunks); ${
      grand.totalspace - grand.freespace
    } used`,
  );
  return out;
}

/** One context being printed: the next child to visit and how many were visited. */
interface StatsFrame {
  ctx: MemoryContext;
  level: number;
  child: MemoryContext | null;
  ichild: number;
}

/**
 * PostgreSQL's recursive function of this name as a loop over an explicit
 * stack (a tree may be deeper than the JS stack): a context's line, then up
 * to `maxChildren` children in full while `level <= maxLevel`, then one
 * summary line for the rest of its subtree.
 */
function MemoryContextStatsInternal(
  root: MemoryContext,
  level0: number,
  maxLevel: number,
  maxChildren: number,
  totals: MemoryContextCounters,
  out: string[],
  logForm: boolean,
): void {
  const frames: StatsFrame[] = [];
  const enter = (ctx: MemoryContext, level: number) => {
    const text = statsContextText(ctx, ctx.methods.stats(ctx, totals, true));
    out.push(logForm ? `level: ${level}; ${text}` : "  ".repeat(level - 1) + text);
    frames.push({ ctx, level, child: ctx.firstchild, ichild: 0 });
  };
  enter(root, level0);
  while (frames.length !== 0) {
    const f = frames[frames.length - 1];
    if (f.level <= maxLevel && f.child !== null && f.ichild < maxChildren) {
      const c: MemoryContext = f.child;
      f.child = c.nextchild;
      f.ichild++;
      enter(c, f.level + 1);
      continue;
    }
    frames.pop();
    statsSummary(f.ctx, f.child, f.level, totals, out, logForm);
  }
}

/** The "N more child contexts" line for `child` and the rest of `ctx`'s subtree after it. */
function statsSummary(
  ctx: MemoryContext,
  child: MemoryContext | null,
  level: number,
  totals: MemoryContextCounters,
  out: string[],
  logForm: boolean,
): void {
  let ichild = 0;
  if (child !== null) {
    const local = newCounters();
    ichild = 0;
    for (let c: MemoryContext | null = child; c !== null; c = MemoryContextTraverseNext(c, ctx)) {
      c.methods.stats(c, local, false);
      ichild++;
    }
    const line = `${ichild} more child contexts containing ${countersText(local)}`;
    out.push(logForm ? `level: ${level}; ${line}` : "  ".repeat(level) + line);
    totals.nblocks += local.nblocks;
    totals.freechunks += local.freechunks;
    totals.totalspace += local.totalspace;
    totals.freespace += local.freespace;
  }
}

/**
 * `MemoryContextStatsDetail`: the stats of `ctx`'s subtree, at most
 * `maxLevel` levels deep and `maxChildren` children a parent (the rest are
 * summed on one line). With `printToStderr` (the default) they go to stderr
 * indented by level, as PostgreSQL prints them for a debugger; without, each
 * line goes to the log sink at LOG with a `level: N;` prefix, as PostgreSQL
 * writes them to the server log.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   MemoryContextStatsDetail,
 *   setLogSink,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * MemoryContextStatsDetail(TopMemoryContext, 100, 100, true); // PostgreSQL's 4 arguments, to stderr
 * const seen: string[] = [];
 * const old = setLogSink((_level, text) => seen.push(text));
 * MemoryContextStatsDetail(TopMemoryContext, 100, 100, false); // to the log
 * setLogSink(old);
 * console.assert(seen[0].startsWith("level: 1; TopMemoryContext: "));
 * ```
 */
export function MemoryContextStatsDetail(
  ctx: MemoryContext,
  maxLevel: number,
  maxChildren: number,
  printToStderr = true,
): void {
  assertLive(ctx);
  if (printToStderr) {
    for (const line of MemoryContextStatsLines(ctx, maxLevel, maxChildren)) console.error(line);
  } else {
    for (const line of MemoryContextStatsLines(ctx, maxLevel, maxChildren, true)) elog("LOG", line);
  }
}

/**
 * `MemoryContextStats`: `MemoryContextStatsDetail(ctx, 100, 100)`.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, MemoryContextStats, TopMemoryContext } from "@palloc/palloc";
 * MemoryContextInit();
 * MemoryContextStats(TopMemoryContext); // the whole tree, on stderr
 * ```
 */
export function MemoryContextStats(ctx: MemoryContext): void {
  MemoryContextStatsDetail(ctx, 100, 100);
}

/**
 * The first line stats print for `ctx` alone, without indentation.
 *
 * @example
 * ```ts
 * import { ErrorContext, MemoryContextInit, MemoryContextStatsLine } from "@palloc/palloc";
 * MemoryContextInit();
 * console.log(MemoryContextStatsLine(ErrorContext)); // "ErrorContext: 8192 total in 1 blocks; …"
 * ```
 */
export function MemoryContextStatsLine(ctx: MemoryContext): string {
  return statsContextText(ctx, ctx.methods.stats(ctx, null, true));
}
