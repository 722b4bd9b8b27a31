/**
 * The long-running driver of the hardening fuzzers, used by `deno task fuzz`:
 * it runs `runHardeningFuzz` in a worker and watches it from this thread. A
 * round silent for 60 s is a hang: the worker is ended, the round recorded as
 * a failure, and a new worker carries on from the next seed. Failures are
 * written as traces with their replay command; the figures are printed in
 * the form the issue asks for (calls made, invalid calls tried, errors
 * raised, corruptions found).
 */
import { addFigures, type Failure, type Figures, newFigures } from "./common.ts";

/** Options of `fuzzHardening`. */
export interface DriverOptions {
  /** How long to fuzz, in minutes. */
  minutes: number;
  /** Seed of the first round. */
  seed: number;
  /** Where counterexamples are written. */
  outDir: string;
}

/** What a driver run found. */
export interface DriverResult {
  /** The summed figures of every worker. */
  figures: Figures;
  /** Every failure, also written to `outDir`. */
  failures: Failure[];
}

const HANG_MS = 60_000;

/** Fuzzes for `o.minutes`, restarting the worker after a hang; writes failures to `o.outDir`. */
export async function fuzzHardening(o: DriverOptions): Promise<DriverResult> {
  const total = newFigures();
  const failures: Failure[] = [];
  const deadline = performance.now() + o.minutes * 60_000;
  const runWorker = (seed: number): Promise<number | null> =>
    new Promise((resolve) => {
      const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
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

  let seed: number | null = o.seed;
  while (seed !== null && performance.now() < deadline) seed = await runWorker(seed);

  Deno.mkdirSync(o.outDir, { recursive: true });
  for (const f of failures) {
    const header = [
      `# fuzz counterexample: hardening ${f.fuzzer} round, seed ${f.seed}`,
      `# ${f.message.replaceAll("\n", "\n# ")}`,
      `# replay: deno task fuzz --replay ${f.fuzzer}:${f.seed}`,
    ];
    Deno.writeTextFileSync(
      `${o.outDir}/${f.fuzzer}-${f.seed}.trace`,
      header.join("\n") + "\n" + f.trace + "\n",
    );
  }
  return { figures: total, failures };
}

/** The figures as printed at the end of a run, one per line. */
export function formatHardeningFigures(f: Figures): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    `  rounds                 ${n(f.rounds[0] + f.rounds[1] + f.rounds[2])} (${
      n(f.rounds[0])
    } calls, ` +
    `${n(f.rounds[1])} traces, ${n(f.rounds[2])} corruption)`,
    `  calls made             ${n(f.calls)}`,
    `  invalid calls tried    ${n(f.invalid)}`,
    `  errors raised          ${n(f.errors)}`,
    `  traces fuzzed          ${n(f.traces)} (${n(f.parseErrors)} malformed, ` +
    `each a TraceParseError naming its line)`,
    `  corruptions made       ${n(f.flips)} (${n(f.flipsDetected)} detected, ` +
    `${n(f.flipsHarmless)} in bytes nothing reads)`,
    `  calls compared         ${n(f.compared)} trace operations of call and corruption rounds ` +
    `replayed on the reference palloc and the model`,
    `  vectors replayed       ${n(f.vectors)} (unchanged, held to PostgreSQL's lines)`,
    `  corruptions found      ${n(f.corruptionsFound)} (undetected and followed; must be 0)`,
    `  failures               ${n(f.failures)}`,
  ].join("\n");
}
