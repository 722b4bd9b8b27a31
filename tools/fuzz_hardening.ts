/**
 * `deno task fuzz:hardening [--minutes N] [--seed S] [--out DIR]`
 * `deno task fuzz:hardening --replay FUZZER:SEED` (one round again, e.g. `corrupt:1234`)
 *
 * Fuzzes palloc's defences for N minutes (default 1): (a) random and mutated
 * trace files through the parser, compiler and replay engine, (b) random API
 * call sequences with about a third of the calls invalid on purpose, on a
 * heap in checking mode, verified after every call, (c) single-bit
 * corruptions of headers, free lists and sentinels under checking mode,
 * which must be detected or provably harmless. The logic is in
 * `tools/hardening/`; see each file's header for what it promises.
 *
 * The fuzzers run in a worker; this thread is a watchdog (a round silent for
 * 60 s is a hang: the worker is ended, the round recorded as a failure, and a
 * new worker carries on from the next seed). At the end it prints the
 * figures — calls made, invalid calls tried, errors raised, corruptions found
 * (must be 0) — and writes every failure as a trace to DIR (default
 * `test-output/fuzz-hardening/`). Exit status 1 when anything failed.
 */
import { addFigures, type Failure, type Figures, newFigures } from "./hardening/common.ts";
import { replayRound } from "./hardening/run.ts";

const args = Deno.args;
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const minutes = Number(opt("--minutes") ?? 1);
const firstSeed = Number(opt("--seed") ?? (Date.now() % 1_000_000_000));
const root = new URL("..", import.meta.url).pathname;
const outDir = opt("--out") ?? `${root}test-output/fuzz-hardening`;
if (!(minutes > 0) || !Number.isInteger(firstSeed)) {
  console.error("usage: deno task fuzz:hardening [--minutes N] [--seed S] [--out DIR]");
  Deno.exit(2);
}

const replay = opt("--replay");
if (replay !== undefined) {
  const [fuzzer, s] = replay.split(":");
  const failure = await replayRound(fuzzer, Number(s));
  console.log(failure === null ? "the round passes" : `${failure.message}\n${failure.trace}`);
  Deno.exit(failure === null ? 0 : 1);
}

const HANG_MS = 60_000;
const total = newFigures();
const failures: Failure[] = [];
const deadline = performance.now() + minutes * 60_000;

/** Runs one worker from `seed` until the deadline or a hang; returns the seed to go on from. */
function runWorker(seed: number): Promise<number | null> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL("./hardening/worker.ts", import.meta.url).href, {
      type: "module",
    });
    let last = { figures: newFigures(), fuzzer: "calls", seed };
    let heard = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - heard < HANG_MS) return;
      clearInterval(watchdog);
      worker.terminate();
      addFigures(total, last.figures);
      total.failures++;
      failures.push({
        fuzzer: last.fuzzer,
        seed: last.seed,
        message: `no progress for ${HANG_MS / 1000} s (a hang) in round ${last.seed}`,
        trace: "",
      });
      resolve(last.seed + 1);
    }, 1000);
    worker.onmessage = (e) => {
      heard = performance.now();
      const m = e.data;
      if (m.type === "progress") {
        last = { figures: m.figures, fuzzer: m.fuzzer, seed: m.seed };
      } else if (m.type === "failure") {
        failures.push(m.failure);
        console.error(`FAIL ${m.failure.fuzzer} seed ${m.failure.seed}: ${m.failure.message}`);
      } else if (m.type === "done") {
        clearInterval(watchdog);
        worker.terminate();
        addFigures(total, m.figures as Figures);
        resolve(null);
      }
    };
    worker.postMessage({ ms: Math.max(0, deadline - performance.now()), seed });
  });
}

let seed: number | null = firstSeed;
while (seed !== null && performance.now() < deadline) seed = await runWorker(seed);

Deno.mkdirSync(outDir, { recursive: true });
for (const f of failures) {
  const file = `${outDir}/${f.fuzzer}-${f.seed}.trace`;
  const header = [
    `# fuzz:hardening counterexample: ${f.fuzzer} round, seed ${f.seed}`,
    `# ${f.message.replaceAll("\n", "\n# ")}`,
    `# replay: deno task fuzz:hardening --replay ${f.fuzzer}:${f.seed}`,
  ];
  Deno.writeTextFileSync(file, header.join("\n") + "\n" + f.trace + "\n");
}

const n = (x: number) => x.toLocaleString("en-US");
console.log(`fuzz:hardening: ${minutes} min from seed ${firstSeed}`);
console.log(`  calls made             ${n(total.calls)}`);
console.log(`  invalid calls tried    ${n(total.invalid)}`);
console.log(`  errors raised          ${n(total.errors)}`);
console.log(
  `  traces fuzzed          ${n(total.traces)} (${
    n(total.parseErrors)
  } malformed, each a TraceParseError naming its line)`,
);
console.log(
  `  corruptions made       ${n(total.flips)} (${n(total.flipsDetected)} detected, ${
    n(total.flipsHarmless)
  } in bytes nothing reads)`,
);
console.log(
  `  corruptions found      ${n(total.corruptionsFound)} (undetected and followed; must be 0)`,
);
console.log(
  `  failures               ${n(total.failures)}${
    failures.length > 0 ? ` (written to ${outDir})` : ""
  }`,
);
Deno.exit(total.failures > 0 || total.corruptionsFound > 0 ? 1 : 0);
