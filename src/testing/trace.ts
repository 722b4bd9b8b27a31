/**
 * Counterexamples as traces (FORMAT.md), so a failure found by fast-check
 * becomes a file anyone can replay with `deno task conformance FILE`.
 *
 * The commands record themselves as trace operations with the model's
 * expectation lines (error, null, fired, space, owner, bool). Conformance
 * replay compares every line an operation prints, so the writer replays the
 * operations once through palloc's own replay engine and completes each
 * operation's lines: where the model has an opinion its line is used, the
 * rest (`= stat`, counters) is what palloc printed. Replaying the file then
 * reproduces the run and stops at the first line where palloc disagrees
 * with the model. A `check` at the end also verifies every live chunk's
 * bytes. Switching the current context has no trace verb; a counterexample
 * that depends on it replays without the switch (the header says so).
 */
import { loadPallocApi, type PallocApi } from "../trace/api.ts";
import { ReplayEngine } from "../trace/replay.ts";
import type { Expectation, TraceEntry } from "../trace/types.ts";
import { formatExpectation, formatOperation } from "../trace/write.ts";
import { CONFORMANCE_HEAP } from "../trace/replay.ts";

const MODEL_KINDS = new Set(["error", "null", "fired", "space", "owner", "bool"]);
/** The palloc API the trace writer replays through (also what conformance uses). */
export const api: PallocApi = await loadPallocApi();

/** Merges the model's lines with palloc's, in FORMAT.md's order. */
function merge(verb: string, model: Expectation[], palloc: string[]): string[] {
  const mine = model.map(formatExpectation);
  const kind = (l: string) => l.split(" ")[1];
  const ofKinds = (ls: string[], ks: string[]) => ls.filter((l) => ks.includes(kind(l)));
  const theirs = palloc.filter((l) => !MODEL_KINDS.has(kind(l)));
  const result = verb === "space" || verb === "owner" || verb === "isempty";
  return [
    ...ofKinds(mine, ["error", "null"]),
    ...ofKinds(mine, ["fired"]),
    ...(result ? ofKinds(mine, ["space", "owner", "bool"]) : []),
    ...theirs.filter((l) => kind(l) !== "stat"),
    ...(result ? [] : ofKinds(mine, ["space"])),
    ...ofKinds(theirs, ["stat"]),
  ];
}

/**
 * The trace text of a recorded run: `header` comment lines, every recorded
 * operation with its completed expectation lines, and a final `check`.
 */
export function counterexampleTrace(entries: readonly TraceEntry[], header: string[]): string {
  const all = [...entries, { op: { verb: "check" as const }, expect: [] }];
  api.mcxt.MemoryContextInit(CONFORMANCE_HEAP);
  const engine = new ReplayEngine(api);
  const out: string[] = header.map((h) => `# ${h}`);
  for (const [i, entry] of all.entries()) {
    const op = formatOperation(entry.op);
    let lines: string[];
    try {
      lines = engine.run({ ...entry, line: i + 1 });
    } catch (e) {
      out.push(op, `# replay stopped here: ${String(e).split("\n")[0]}`);
      break;
    }
    out.push(
      op,
      ...(entry.op.verb === "check" ? lines : merge(entry.op.verb, entry.expect, lines)),
    );
  }
  return out.join("\n") + "\n";
}
