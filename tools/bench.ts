/**
 * `deno task bench`: replays every workload of `../shared/bench/` with
 * palloc and with what a TypeScript user would pick instead, and sets the
 * results beside PostgreSQL's own C figures.
 *
 * - Parsing and compiling to typed arrays happen before any timing.
 * - Each system warms up on each workload by `bench/warmup.ts`'s rule (at
 *   least 5 replays and 300 ms; once for a peer slower than that), then
 *   replays it `--runs` times (default 5) from a fresh start; the best run
 *   counts (as for the C figures). Plain JavaScript's garbage collection is made to land inside
 *   its timed run: the task starts Deno with `--expose-gc`, and every timed
 *   plain-JS run ends with a full `gc()`.
 * - Scaling: each workload replayed 1×, 10× and 100× in a row on one heap
 *   (best of 3 attempts, each on a fresh heap); ns/op should stay flat. And
 *   a reset-cost probe: resetting contexts with the same number of blocks
 *   but 1 or 100 chunks per block.
 * - Side by side with PostgreSQL 18.3's C code (`../shared/bench/pg18c/replay`):
 *   `--rounds` rounds (default 5), each a C process then a palloc process
 *   (`tools/bench_round.ts`, under `--trace-gc`), alternating; per side the
 *   best and median round, the spread (max ÷ min over rounds), palloc ÷ C
 *   from this run, and V8's GC time inside palloc's timed runs.
 *   `--side-only` runs only this part.
 * - Output: tables, then `RATIO <workload> <peer> <peer ns/op ÷ palloc ns/op>`
 *   lines and `RATIO <workload> pg18c <palloc ns/op ÷ C ns/op>` lines last.
 *   `--write` refreshes the results tables in `bench/README.md`.
 */
import { MemPool } from "@thi.ng/malloc";
import { loadPallocApi } from "../src/trace/api.ts";
import { type CompiledTrace, compileTrace } from "../src/trace/compile.ts";
import { parseTrace } from "../src/trace/parse.ts";
import { replayCompiled } from "../src/trace/execute.ts";
import { PeerTimeout, plainJsPeer, replayOnPeer, thingPeer } from "../bench/peers.ts";
import { heap } from "../src/mcxt/context.ts";
import { resetCostProbe } from "../bench/reset_probe.ts";
import { warmUp } from "../bench/warmup.ts";

const args = Deno.args;
const flag = (name: string) => args.includes(name);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const runs = opt("--runs", 5);
const peerBudgetMs = opt("--peer-budget", 20) * 1000;
const timedOut = new Set<string>();
const only = args.filter((a) => !a.startsWith("--") && isNaN(Number(a)));
const root = new URL("..", import.meta.url).pathname;
const benchDir = root + "../shared/bench/";
const gc = (globalThis as { gc?: () => void }).gc;

const rounds = opt("--rounds", 5);
const cReplay = benchDir + "pg18c/replay";

/** One side's rounds: ns/op per round (each the best of its process's runs). */
interface Side {
  rounds: number[];
  /** palloc only: GC ms V8 reported inside each round's timed runs, and its count. */
  gcMs: number[];
  gcCount: number[];
}
const best = (x: number[]) => Math.min(...x);
const median = (x: number[]) => {
  const s = [...x].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (x: number[]) => Math.max(...x) / Math.min(...x);

async function runC(path: string): Promise<number> {
  const out = await new Deno.Command(cReplay, { args: [path, "3"], stdout: "piped" }).output();
  const line = new TextDecoder().decode(out.stdout);
  const m = line.match(/best_ns_per_op ([\d.]+)/);
  if (!out.success || !m) throw new Error(`pg18c/replay ${path} failed: ${line}`);
  return Number(m[1]);
}

/** A palloc round in a fresh Deno: best ns/op of its timed runs, and the GC inside them. */
async function runPalloc(path: string): Promise<{ ns: number; gcMs: number; gcCount: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc,--trace-gc",
      root + "tools/bench_round.ts",
      path,
      "--runs",
      "3",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout); // V8's --trace-gc lines
  const err = new TextDecoder().decode(out.stderr);
  const m = err.match(/^ROUND (.*)$/m);
  if (!out.success || !m) throw new Error(`bench_round ${path} failed: ${err.slice(-2000)}`);
  const r = JSON.parse(m[1]) as { ops: number; ms: number[]; gcAt: number; windows: number[][] };
  // V8 stamps each --trace-gc line with ms since the isolate started; the forced `testing`
  // collection happened at `gcAt` on performance.now()'s clock, which gives the offset.
  const stamps: { at: number; ms: number }[] = [];
  let offset = NaN;
  for (const line of text.split("\n")) {
    const g = line.match(/\s(\d+) ms: .*?, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/);
    if (!g) continue;
    if (line.includes(" testing;") && isNaN(offset)) offset = Number(g[1]) - r.gcAt;
    else stamps.push({ at: Number(g[1]), ms: Number(g[2]) });
  }
  let gcMs = 0;
  let gcCount = 0;
  for (const [t0, t1] of r.windows) {
    for (const s of stamps) {
      // a line is printed when its collection ends; 1 ms of slack for the clock's rounding
      if (s.at >= t0 + offset - 1 && s.at <= t1 + offset + 1) {
        gcMs += s.ms;
        gcCount++;
      }
    }
  }
  const runs = r.ms.length;
  return { ns: (best(r.ms) * 1e6) / r.ops, gcMs: gcMs / runs, gcCount: gcCount / runs };
}

/** C and palloc rounds alternating, per workload; prints the table and returns it. */
async function sideBySide(
  files: string[],
): Promise<{ table: string; ratios: string[]; cBest: Map<string, number> }> {
  const cBest = new Map<string, number>();
  const rows: string[] = [];
  const ratios: string[] = [];
  for (const file of files) {
    const name = file.replace(/\.trace$/, "");
    const c: Side = { rounds: [], gcMs: [], gcCount: [] };
    const p: Side = { rounds: [], gcMs: [], gcCount: [] };
    for (let r = 0; r < rounds; r++) {
      c.rounds.push(await runC(benchDir + file));
      const pr = await runPalloc(benchDir + file);
      p.rounds.push(pr.ns);
      p.gcMs.push(pr.gcMs);
      p.gcCount.push(pr.gcCount);
    }
    const ratio = best(p.rounds) / best(c.rounds);
    cBest.set(name, best(c.rounds));
    rows.push(
      `| ${name} | ${f1(best(c.rounds))} | ${f1(median(c.rounds))} | ${f2(spread(c.rounds))} | ${
        f1(best(p.rounds))
      } | ${f1(median(p.rounds))} | ${f2(spread(p.rounds))} | ${f2(ratio)} | ${
        f2(median(p.rounds) / median(c.rounds))
      } | ${f1(median(p.gcMs))} (${f1(median(p.gcCount))}) |`,
    );
    ratios.push(`RATIO ${name} pg18c ${f2(ratio)}`);
    console.error(
      `${name}: C ${c.rounds.map(f1)} palloc ${p.rounds.map(f1)} gc ms ${p.gcMs.map(f1)}`,
    );
  }
  const table = [
    `${rounds} rounds, C and palloc alternating; each round is the best of 3 timed runs in a fresh process.`,
    "",
    "| workload | C ns/op best | C median | C spread | palloc ns/op best | palloc median | palloc spread | palloc ÷ C (best) | palloc ÷ C (median) | palloc GC ms per run (collections) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
  console.log(table);
  return { table, ratios, cBest };
}

const api = await loadPallocApi();
const mcxt = api.mcxt;

/** PostgreSQL's C figures from the shared README: workload → ns/op and peak bytes. */
function cFigures(): Map<string, { nsPerOp: number; peak: number }> {
  const text = Deno.readTextFileSync(benchDir + "README.md");
  const out = new Map<string, { nsPerOp: number; peak: number }>();
  for (
    const m of text.matchAll(
      /^\| ([a-z-]+) \| [\d,]+ \| ([\d.]+) \| (?:[\d.]+ \| [\d.]+ \| )?([\d,]+) \|$/gm,
    )
  ) {
    out.set(m[1], { nsPerOp: Number(m[2]), peak: Number(m[3].replaceAll(",", "")) });
  }
  return out;
}

function timeBest(fn: () => void, setup: () => void): number {
  const t = performance.now();
  const warmups = warmUp(fn, setup);
  // A system taking seconds per run is timed once more, not `runs` times.
  const n = (performance.now() - t) / warmups > 3000 ? 1 : runs;
  let best = Infinity;
  for (let r = 0; r < n; r++) {
    setup();
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

interface Row {
  workload: string;
  ops: number;
  palloc: number;
  pallocPeakHeld: number;
  pallocHeapSize: number;
  thing: number;
  thingPeak: number;
  plain: number;
  plainPeak: number;
  c: number;
  cPeak: number;
}

const files = [...Deno.readDirSync(benchDir)].filter((e) => e.name.endsWith(".trace"))
  .map((e) => e.name).sort().filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const f1 = (x: number) => (isFinite(x) ? x.toFixed(1) : "–");
const f2 = (x: number) => (isFinite(x) ? x.toFixed(2) : "–");
const side = await sideBySide(files);
if (flag("--side-only")) {
  console.log("");
  for (const line of side.ratios) console.log(line);
  Deno.exit(0);
}
const cfig = cFigures();
const rows: Row[] = [];
const compiled = new Map<string, CompiledTrace>();

for (const file of files) {
  const name = file.replace(/\.trace$/, "");
  const c = compileTrace(parseTrace(Deno.readTextFileSync(benchDir + file), file));
  compiled.set(name, c);
  let peakHeld = 0;
  let heapSize = 0;
  const pallocMs = timeBest(() => {
    replayCompiled(c, api);
    peakHeld = heap.peakHeld;
    heapSize = heap.byteLength;
  }, () => mcxt.MemoryContextInit({ initialBytes: 64 << 10, maxBytes: 1 << 30 }));

  let pool = new MemPool({ size: 256 << 20 });
  let thingPeak = 0;
  let thingMs: number;
  try {
    thingMs = timeBest(() => {
      thingPeak = replayOnPeer(c, thingPeer(pool), peerBudgetMs);
    }, () => (pool = new MemPool({ size: 256 << 20 })));
  } catch (e) {
    if (!(e instanceof PeerTimeout)) throw e;
    // A lower bound: the rate over the operations it managed, scaled to the whole trace.
    thingMs = (e.ms / e.opsDone) * c.length;
    thingPeak = pool.stats().top;
    timedOut.add(name);
  }

  let plainPeak = 0;
  const plainMs = timeBest(() => {
    plainPeak = replayOnPeer(c, plainJsPeer(c.slotCount));
    gc?.();
  }, () => gc?.());

  const cf = cfig.get(name) ?? { nsPerOp: NaN, peak: NaN };
  rows.push({
    workload: name,
    ops: c.length,
    palloc: (pallocMs * 1e6) / c.length,
    pallocPeakHeld: peakHeld,
    pallocHeapSize: heapSize,
    thing: (thingMs * 1e6) / c.length,
    thingPeak,
    plain: (plainMs * 1e6) / c.length,
    plainPeak,
    c: side.cBest.get(name) ?? cf.nsPerOp, // C measured in this run
    cPeak: cf.peak,
  });
  console.error(`${name}: palloc ${rows.at(-1)!.palloc.toFixed(1)} ns/op`);
}

const kb = (x: number) => (isFinite(x) ? Math.round(x / 1024).toLocaleString("en-US") : "–");
const table = [
  "| workload | ops | palloc ns/op | @thi.ng/malloc ns/op (×) | plain JS ns/op (×) | PostgreSQL C ns/op (palloc ÷ C) | palloc peak held KiB | palloc heap KiB (÷ held) | PostgreSQL peak KiB | @thi.ng peak KiB | plain JS live peak KiB |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((r) =>
    `| ${r.workload} | ${r.ops.toLocaleString("en-US")} | ${f1(r.palloc)} | ${
      timedOut.has(r.workload) ? "≥ " : ""
    }${f1(r.thing)} (${f2(r.thing / r.palloc)}) | ${f1(r.plain)} (${f2(r.plain / r.palloc)}) | ${
      f1(r.c)
    } (${f2(r.palloc / r.c)}) | ${kb(r.pallocPeakHeld)} | ${kb(r.pallocHeapSize)} (${
      f2(r.pallocHeapSize / r.pallocPeakHeld)
    }) | ${kb(r.cPeak)} | ${kb(r.thingPeak)} | ${kb(r.plainPeak)} |`
  ),
].join("\n");
console.log(table);

// Scaling: 1×, 10×, 100× of each workload on one heap.
const SCALING_ATTEMPTS = 3;
let scaling = "";
if (!flag("--no-scaling")) {
  const lines = [
    "| workload | 1× ns/op | 10× ns/op | 100× ns/op | 100× ÷ 1× |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, c] of compiled) {
    const per: number[] = [];
    for (const k of [1, 10, 100]) {
      warmUp(
        () => replayCompiled(c, api),
        () => mcxt.MemoryContextInit({ initialBytes: 1 << 20, maxBytes: 2 ** 31 }),
      );
      // Best of SCALING_ATTEMPTS, each k replays in a row on a fresh heap: a single 1× replay
      // alone is at the mercy of one scheduling hiccup (one such run showed 1× at twice 10×).
      let bestMs = Infinity;
      for (let attempt = 0; attempt < SCALING_ATTEMPTS; attempt++) {
        mcxt.MemoryContextInit({ initialBytes: 1 << 20, maxBytes: 2 ** 31 });
        const t0 = performance.now();
        for (let r = 0; r < k; r++) replayCompiled(c, api);
        bestMs = Math.min(bestMs, performance.now() - t0);
      }
      per.push((bestMs * 1e6) / (c.length * k));
    }
    lines.push(
      `| ${name} | ${f1(per[0])} | ${f1(per[1])} | ${f1(per[2])} | ${f2(per[2] / per[0])} |`,
    );
  }
  scaling = lines.join("\n");
  console.log("\n" + scaling);
  const probe = resetCostProbe(api);
  scaling += "\n\n" + probe;
  console.log("\n" + probe);
}

if (flag("--write")) {
  const readme = root + "bench/README.md";
  const text = Deno.readTextFileSync(readme);
  const stamp = `Measured ${
    new Date().toISOString().slice(0, 10)
  } on ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}, best of ${runs} runs.`;
  const block =
    `<!-- results:start -->\n${stamp}\n\nSide by side with PostgreSQL 18.3's C code (\`pg18c/replay\`), measured in this run: ${side.table}\n\n${table}\n\n${scaling}\n<!-- results:end -->`;
  Deno.writeTextFileSync(
    readme,
    text.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, block),
  );
  // Keep the file as deno fmt wants it, so a refreshed table never fails the fmt check.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", readme] }).output();
}

console.log("");
for (const r of rows) {
  console.log(`RATIO ${r.workload} thi.ng-malloc ${f2(r.thing / r.palloc)}`);
  console.log(`RATIO ${r.workload} plain-js ${f2(r.plain / r.palloc)}`);
}
for (const line of side.ratios) console.log(line);
