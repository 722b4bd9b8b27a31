/**
 * `deno run -A --v8-flags=--expose-gc tools/bench_safety.ts [--runs N] [--before DIR]
 *   [--control DIR] [--off-only] [--isolate [--reps K]] [WORKLOAD…]`
 *
 * What palloc's safety costs, in one run: replays the benchmark workloads of
 * `../shared/bench/` (palloc only, no peers) with checking mode off and on,
 * and — with `--before DIR`, a copy of palloc's `src/` from before a change —
 * with that older code too, so the always-on checks can be priced as well.
 * Runs are interleaved (off, on, before, then on, before, off, …: the order
 * rotates each round) so drift and position hit all configurations alike;
 * the best run of each counts, and each run starts after a full garbage
 * collection when `--expose-gc` is given. Prints a Markdown table of ns/op
 * and the ratios `on ÷ off` and `off ÷ before`, then `RATIO` lines.
 * `--off-only` leaves checking mode out. `--control DIR`, a copy of the
 * current `src/`, is run as one more configuration: the same code under
 * another name, so its ratio to `off` (ideally 1.00) shows how much of a
 * ratio is noise on this machine.
 *
 * `--isolate` runs every configuration in a process of its own, so no
 * configuration's type feedback shapes another's optimised code (in one
 * process, the checking-mode runs go through the same functions as the
 * plain ones and can slow them down). Each round then starts one child per
 * workload and configuration, in rotating order, workloads inside rounds so
 * a round of each is spread over the whole run; a child parses its
 * workload, replays it once to warm up and reports its best of `--reps`
 * (default 3) replays. Slower to run (a child parses its trace each time),
 * but the numbers of each configuration are its own.
 */
import { type CompiledTrace, compileTrace } from "../src/trace/compile.ts";
import { parseTrace } from "../src/trace/parse.ts";
import type { PallocApi } from "../src/trace/api.ts";

type Replay = (c: CompiledTrace, api: PallocApi) => number;

interface Palloc {
  api: PallocApi;
  replay: Replay;
  /** The trace parser and compiler of the same `src/`. */
  compile: (text: string, file: string) => CompiledTrace;
}

type Config = "off" | "on" | "before" | "control";

const args = Deno.args;
const VALUED = ["--runs", "--before", "--control", "--reps", "--child"];
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt("--runs") ?? 5);
const reps = Number(opt("--reps") ?? 3);
const before = opt("--before");
const control = opt("--control");
const skipOn = args.includes("--off-only");
const isolate = args.includes("--isolate");
const child = opt("--child") as Config | undefined;
const only = args.filter((a, i) => !a.startsWith("--") && !VALUED.includes(args[i - 1]));
const benchDir = new URL("../../shared/bench/", import.meta.url).pathname;

async function load(srcDir: string): Promise<Palloc> {
  const apiMod = await import(`${srcDir}/trace/api.ts`);
  // The replay loop is trace/execute.ts; older trees (a --before checkout) had trace/replay_fast.ts.
  const fast = await import(`${srcDir}/trace/execute.ts`).catch(() =>
    import(`${srcDir}/trace/replay_fast.ts`)
  );
  const parse = await import(`${srcDir}/trace/parse.ts`);
  const comp = await import(`${srcDir}/trace/compile.ts`);
  return {
    api: await apiMod.loadPallocApi(),
    replay: fast.replayCompiled,
    compile: (text, file) => comp.compileTrace(parse.parseTrace(text, file)),
  };
}

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

function compileFile(file: string): CompiledTrace {
  return compileTrace(parseTrace(Deno.readTextFileSync(benchDir + file), file));
}

if (child !== undefined) {
  // A child of --isolate: one configuration, one workload; prints its best time in ms.
  const dir = child === "before"
    ? `${before}/src`
    : child === "control"
    ? `${control}/src`
    : new URL("../src", import.meta.url).pathname;
  const p = await load(dir);
  // Parsed and compiled by the same modules as the code measured, as in every other child.
  const c = p.compile(Deno.readTextFileSync(benchDir + only[0]), only[0]);
  once(p, c, child === "on");
  let best = Infinity;
  for (let r = 0; r < reps; r++) best = Math.min(best, once(p, c, child === "on"));
  console.log(JSON.stringify({ ms: best }));
  Deno.exit(0);
}

const files = [...Deno.readDirSync(benchDir)].map((e) => e.name).filter((f) =>
  f.endsWith(".trace") && (only.length === 0 || only.some((o) => f.includes(o)))
).sort();
const configs: Config[] = ["off"];
if (!skipOn) configs.push("on");
if (before !== undefined) configs.push("before");
if (control !== undefined) configs.push("control");

type Best = Record<Config, number>;
const best = new Map<string, Best>(
  files.map((f) => [f, { off: Infinity, on: Infinity, before: Infinity, control: Infinity }]),
);
const lengths = new Map<string, number>();

/** Runs one configuration of one workload in a child process; its best time in ms. */
async function inChild(config: Config, file: string): Promise<number> {
  const childArgs = ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname];
  childArgs.push("--child", config, "--reps", String(reps), file);
  if (before !== undefined) childArgs.push("--before", before);
  if (control !== undefined) childArgs.push("--control", control);
  const out = await new Deno.Command(Deno.execPath(), { args: childArgs, stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`child ${config} ${file} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout)).ms;
}

if (isolate) {
  for (const file of files) {
    lengths.set(file, compileFile(file).length);
  }
  for (let r = 0; r < runs; r++) {
    for (const file of files) {
      const b = best.get(file)!;
      for (let k = 0; k < configs.length; k++) {
        const config = configs[(r + k) % configs.length];
        b[config] = Math.min(b[config], await inChild(config, file));
      }
    }
    console.error(`round ${r + 1} of ${runs} done`);
  }
} else {
  const here = await load(new URL("../src", import.meta.url).pathname);
  const old = before === undefined ? null : await load(`${before}/src`);
  const same = control === undefined ? null : await load(`${control}/src`);
  for (const file of files) {
    const c = compileFile(file);
    lengths.set(file, c.length);
    const b = best.get(file)!;
    const run: Record<Config, () => number> = {
      off: () => once(here, c, false),
      on: () => once(here, c, true),
      before: () => once(old!, c, false),
      control: () => once(same!, c, false),
    };
    for (let r = 0; r <= runs; r++) {
      // The first round warms every configuration up and is not counted. The order rotates
      // from round to round, so no configuration always runs first (or right after another).
      for (let k = 0; k < configs.length; k++) {
        const config = configs[(r + k) % configs.length];
        const ms = run[config]();
        if (r > 0) b[config] = Math.min(b[config], ms);
      }
    }
  }
}

const rows: string[] = [];
const ratios: string[] = [];
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
for (const file of files) {
  const name = file.replace(/\.trace$/, "");
  const b = best.get(file)!;
  const length = lengths.get(file)!;
  const ns = (ms: number) => (ms * 1e6) / length;
  const pre = before === undefined ? "–" : f1(ns(b.before));
  const cost = before === undefined ? "–" : f2(b.off / b.before);
  const on = skipOn ? "–" : f1(ns(b.on));
  const onCost = skipOn ? "–" : f2(b.on / b.off);
  const noise = control === undefined ? "" : ` ${f2(b.control / b.off)} |`;
  rows.push(
    `| ${name} | ${length.toLocaleString("en-US")} | ${pre} | ${
      f1(ns(b.off))
    } | ${cost} | ${on} | ${onCost} |${noise}`,
  );
  if (control !== undefined) ratios.push(`RATIO ${name} control/off ${f2(b.control / b.off)}`);
  if (!skipOn) ratios.push(`RATIO ${name} checking-on/off ${onCost}`);
  if (before !== undefined) ratios.push(`RATIO ${name} always-on/before ${cost}`);
  console.error(`${name}: off ${f1(ns(b.off))} ns/op, on ${on} ns/op`);
}

console.log(
  [
    "| workload | ops | before ns/op | checks always on ns/op | ÷ before | checking mode ns/op | ÷ off |" +
    (control === undefined ? "" : " control ÷ off |"),
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (control === undefined ? "" : " ---: |"),
    ...rows,
  ].join("\n"),
);
console.log("\n" + ratios.join("\n"));
