/**
 * `deno task bench`: replays every workload of `../shared/bench/` with
 * palloc and with what a TypeScript user would pick instead, and sets the
 * results beside PostgreSQL's own C figures.
 *
 * - Parsing and compiling to typed arrays happen before any timing.
 * - Each system replays each workload once to warm up, then `--runs` times
 *   (default 5) from a fresh start; the best run counts (as for the C
 *   figures). Plain JavaScript's garbage collection is made to land inside
 *   its timed run: the task starts Deno with `--expose-gc`, and every timed
 *   plain-JS run ends with a full `gc()`.
 * - Scaling: each workload replayed 1×, 10× and 100× in a row on one heap;
 *   ns/op should stay flat. And a reset-cost probe: resetting contexts with
 *   the same number of blocks but 1 or 100 chunks per block.
 * - Output: a table, then `RATIO <workload> <peer> <peer ns/op ÷ palloc ns/op>`
 *   lines last. `--write` refreshes the results table in `bench/README.md`.
 */
import { MemPool } from "@thi.ng/malloc";
import { loadPallocApi } from "../src/trace/api.ts";
import { type CompiledTrace, compileTrace } from "../src/trace/compile.ts";
import { parseTrace } from "../src/trace/parse.ts";
import { replayCompiled } from "../src/trace/execute.ts";
import { PeerTimeout, plainJsPeer, replayOnPeer, thingPeer } from "../bench/peers.ts";
import { heap } from "../src/mcxt/context.ts";
import { resetCostProbe } from "../bench/reset_probe.ts";

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

const api = await loadPallocApi();
const mcxt = api.mcxt;

/** PostgreSQL's C figures from the shared README: workload → ns/op and peak bytes. */
function cFigures(): Map<string, { nsPerOp: number; peak: number }> {
  const text = Deno.readTextFileSync(benchDir + "README.md");
  const out = new Map<string, { nsPerOp: number; peak: number }>();
  for (
    const m of text.matchAll(/^\| ([a-z-]+) \| [\d,]+ \| ([\d.]+) \| [\d.]+ \| ([\d,]+) \|$/gm)
  ) {
    out.set(m[1], { nsPerOp: Number(m[2]), peak: Number(m[3].replaceAll(",", "")) });
  }
  return out;
}

function timeBest(fn: () => void, setup: () => void): number {
  setup();
  let t0 = performance.now();
  fn(); // warm-up
  let best = performance.now() - t0;
  // A system taking seconds per run is timed once more, not `runs` times.
  const n = best > 3000 ? 1 : runs;
  for (let r = 0; r < n; r++) {
    setup();
    t0 = performance.now();
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
    c: cf.nsPerOp,
    cPeak: cf.peak,
  });
  console.error(`${name}: palloc ${rows.at(-1)!.palloc.toFixed(1)} ns/op`);
}

const f1 = (x: number) => (isFinite(x) ? x.toFixed(1) : "–");
const f2 = (x: number) => (isFinite(x) ? x.toFixed(2) : "–");
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
let scaling = "";
if (!flag("--no-scaling")) {
  const lines = [
    "| workload | 1× ns/op | 10× ns/op | 100× ns/op | 100× ÷ 1× |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, c] of compiled) {
    const per: number[] = [];
    for (const k of [1, 10, 100]) {
      mcxt.MemoryContextInit({ initialBytes: 1 << 20, maxBytes: 2 ** 31 });
      replayCompiled(c, api); // warm
      mcxt.MemoryContextInit({ initialBytes: 1 << 20, maxBytes: 2 ** 31 });
      const t0 = performance.now();
      for (let r = 0; r < k; r++) replayCompiled(c, api);
      per.push(((performance.now() - t0) * 1e6) / (c.length * k));
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
  const block = `<!-- results:start -->\n${stamp}\n\n${table}\n\n${scaling}\n<!-- results:end -->`;
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
  console.log(`RATIO ${r.workload} postgresql-c ${f2(r.c / r.palloc)}`);
}
