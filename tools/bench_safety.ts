/**
 * `deno run -A --v8-flags=--expose-gc tools/bench_safety.ts [--runs N] [--before DIR]
 *   [--off-only] [WORKLOAD…]`
 *
 * What palloc's safety costs, in one run: replays the benchmark workloads of
 * `../shared/bench/` (palloc only, no peers) with checking mode off and on,
 * and — with `--before DIR`, a copy of palloc's `src/` from before a change —
 * with that older code too, so the always-on checks can be priced as well.
 * Runs are interleaved (off, on, before, off, on, …) so drift hits all
 * configurations alike; the best run of each counts, and each run starts
 * after a full garbage collection when `--expose-gc` is given. Prints a Markdown table
 * of ns/op and the ratios `on ÷ off` and `off ÷ before`, then `RATIO` lines.
 * `--off-only` leaves checking mode out (to price the always-on checks alone).
 */
import { type CompiledTrace, compileTrace } from "../src/trace/compile.ts";
import { parseTrace } from "../src/trace/parse.ts";
import type { PallocApi } from "../src/trace/api.ts";

type Replay = (c: CompiledTrace, api: PallocApi) => number;

interface Palloc {
  api: PallocApi;
  replay: Replay;
}

const args = Deno.args;
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt("--runs") ?? 5);
const before = opt("--before");
const skipOn = args.includes("--off-only");
const only = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const benchDir = new URL("../../shared/bench/", import.meta.url).pathname;

async function load(srcDir: string): Promise<Palloc> {
  const apiMod = await import(`${srcDir}/trace/api.ts`);
  const fast = await import(`${srcDir}/trace/replay_fast.ts`);
  return { api: await apiMod.loadPallocApi(), replay: fast.replayCompiled };
}

const here = await load(new URL("../src", import.meta.url).pathname);
const old = before === undefined ? null : await load(`${before}/src`);

const gc = (globalThis as { gc?: () => void }).gc;

/** One timed replay on a fresh 1 GiB heap (after a full GC, when exposed); milliseconds. */
function once(p: Palloc, c: CompiledTrace, checking: boolean): number {
  const options = { initialBytes: 1 << 20, maxBytes: 1 << 30, checking };
  p.api.mcxt.MemoryContextInit(options as Parameters<typeof p.api.mcxt.MemoryContextInit>[0]);
  gc?.();
  const t0 = performance.now();
  p.replay(c, p.api);
  return performance.now() - t0;
}

const files = [...Deno.readDirSync(benchDir)].map((e) => e.name).filter((f) =>
  f.endsWith(".trace") && (only.length === 0 || only.some((o) => f.includes(o)))
).sort();

const rows: string[] = [];
const ratios: string[] = [];
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
for (const file of files) {
  const name = file.replace(/\.trace$/, "");
  const c = compileTrace(parseTrace(Deno.readTextFileSync(benchDir + file), file));
  const best = { off: Infinity, on: Infinity, before: Infinity };
  for (let r = 0; r <= runs; r++) {
    // The first round warms every configuration up and is not counted.
    const off = once(here, c, false);
    const on = skipOn ? Infinity : once(here, c, true);
    const pre = old === null ? Infinity : once(old, c, false);
    if (r === 0) continue;
    best.off = Math.min(best.off, off);
    best.on = Math.min(best.on, on);
    best.before = Math.min(best.before, pre);
  }
  const ns = (ms: number) => (ms * 1e6) / c.length;
  const pre = old === null ? "–" : f1(ns(best.before));
  const cost = old === null ? "–" : f2(best.off / best.before);
  rows.push(
    `| ${name} | ${c.length.toLocaleString("en-US")} | ${pre} | ${f1(ns(best.off))} | ${cost} | ${
      f1(ns(best.on))
    } | ${f2(best.on / best.off)} |`,
  );
  ratios.push(`RATIO ${name} checking-on/off ${f2(best.on / best.off)}`);
  if (old !== null) ratios.push(`RATIO ${name} always-on/before ${cost}`);
  console.error(`${name}: off ${f1(ns(best.off))} ns/op, on ${f1(ns(best.on))} ns/op`);
}

console.log(
  [
    "| workload | ops | before ns/op | checks always on ns/op | ÷ before | checking mode ns/op | ÷ off |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n"),
);
console.log("\n" + ratios.join("\n"));
