/**
 * One palloc round of the side-by-side bench (`tools/bench.ts` starts it as
 * a child process, alternating with PostgreSQL's C replayer): parses and
 * compiles one trace (untimed), warms up by `bench/warmup.ts`'s rule (at
 * least 5 replays and 300 ms of them; `--warmup N` forces N replays), then
 * `--runs` timed runs, each from a fresh `MemoryContextInit`, and prints one
 * line `ROUND {"ops":…,"ms":[…],"warmups":…,"gcAt":…,"windows":[[t0,t1],…]}` on
 * standard error (V8 writes its `--trace-gc` lines to standard output, and
 * could cut into the line there). It runs under
 * `--expose-gc --trace-gc`: one full `gc()` before the warm-ups ties V8's
 * clock (the `N ms:` of each `--trace-gc` line) to `performance.now()`
 * (`gcAt`), so the parent can add up the collections that fell inside each
 * timed window. Nothing is collected by force between runs: garbage one run
 * leaves is collected, as it would be, in the runs that follow.
 */
import { loadPallocApi } from "../src/trace/api.ts";
import { compileTrace } from "../src/trace/compile.ts";
import { parseTrace } from "../src/trace/parse.ts";
import { replayCompiled } from "../src/trace/execute.ts";
import { warmUp } from "../bench/warmup.ts";

const [file, ...rest] = Deno.args;
const opt = (name: string, dflt: number) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : dflt;
};
const warmup = opt("--warmup", 0); // 0: the warm-up rule
const runs = opt("--runs", 3);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const api = await loadPallocApi();
const c = compileTrace(parseTrace(Deno.readTextFileSync(file), file));
gc(); // the clock marker: the one `testing` collection
const gcAt = performance.now();
const init = () => api.mcxt.MemoryContextInit({ initialBytes: 64 << 10, maxBytes: 1 << 30 });
let warmups = warmup;
if (warmup > 0) {
  for (let w = 0; w < warmup; w++) {
    init();
    replayCompiled(c, api);
  }
} else warmups = warmUp(() => replayCompiled(c, api), init);
const ms: number[] = [];
const windows: number[][] = [];
for (let r = 0; r < runs; r++) {
  init();
  const t0 = performance.now();
  replayCompiled(c, api);
  const t1 = performance.now();
  ms.push(t1 - t0);
  windows.push([t0, t1]);
}
console.error(`ROUND ${JSON.stringify({ ops: c.length, ms, warmups, gcAt, windows })}`);
