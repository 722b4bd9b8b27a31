/**
 * What the explorer's views must show after the first N steps of a trace,
 * computed without the explorer: the trace prefix is replayed by the trace
 * module's own replay (`replayLines`), then the tree, counters and
 * MemoryContextStats text are read from palloc through `mod.ts`. The browser
 * tests and the stepper tests compare the page with this.
 */
import * as P from "../../mod.ts";
import { loadPallocApi } from "../../src/trace/api.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { replayLines } from "../../src/trace/replay.ts";
import type { ParsedTrace } from "../../src/trace/types.ts";

/** The tree rows and stats lines after `n` steps. */
export interface Expected {
  /** `LEVEL NAME NBLOCKS FREECHUNKS TOTALSPACE FREESPACE MEMALLOCATED`, in MemoryContextStats order. */
  tree: string[];
  /** MemoryContextStats(TopMemoryContext) lines. */
  stats: string[];
  /** Each step's output lines, as the trace module's replay prints them. */
  lines: string[][];
}

/** Replays the first `n` steps of `text` and reads the views' content from palloc. */
export async function expectedAfter(text: string, n: number): Promise<Expected> {
  const api = await loadPallocApi();
  const full = parseTrace(text, "reference");
  const prefix: ParsedTrace = { ...full, steps: full.steps.slice(0, n) };
  const lines = replayLines(prefix, api);
  const top = P.TopMemoryContext;
  const tree: string[] = [];
  const level = new Map<P.MemoryContext, number>([[top, 0]]);
  const visit = (c: P.MemoryContext) => {
    const lv = c === top ? 0 : level.get(c.parent!)! + 1;
    level.set(c, lv);
    const k = P.MemoryContextCountersOf(c);
    tree.push(
      `${lv} ${c.name} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
        P.MemoryContextMemAllocated(c, false)
      }`,
    );
  };
  visit(top);
  for (let c = top.firstchild; c !== null; c = P.MemoryContextTraverseNext(c, top)) visit(c);
  return { tree, stats: P.MemoryContextStatsLines(top, 100, 100), lines };
}

/** The scenario files, by id. */
export async function scenarioTexts(): Promise<Map<string, string>> {
  const dir = new URL("../../explorer/scenarios/", import.meta.url);
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".trace")) {
      out.set(e.name.slice(0, -6), await Deno.readTextFile(new URL(e.name, dir)));
    }
  }
  return out;
}
