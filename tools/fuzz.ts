/**
 * `deno task fuzz [--minutes N] [--property NAME]… [--runs N] [--out DIR] [--stop]`
 *
 * Runs the model-based properties of `spec/properties/` for as long as
 * asked (default 1 minute), round-robin, each round with a fresh seed.
 * Prints progress, then how many commands were executed and what their
 * outcomes were. A counterexample is reported with its seed and replay
 * path and written to `DIR/counterexample-<seed>.trace` (default
 * `test-output/`), replayable with `deno task conformance`. Exits 1 when
 * any property failed; `--stop` stops at the first failure.
 */
import { PROPERTIES, type PropertyConfig, runProperty } from "../spec/properties/runner_test.ts";
import { counters } from "../spec/properties/world_test.ts";

const USAGE =
  "usage: deno task fuzz [--minutes N] [--property NAME]… [--runs N] [--out DIR] [--stop]";

interface Options {
  minutes: number;
  properties: PropertyConfig[];
  runs: number;
  out: string;
  stop: boolean;
}

function parseArgs(args: string[]): Options {
  const o: Options = { minutes: 1, properties: [], runs: 50, out: "test-output", stop: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--minutes") o.minutes = Number(value());
    else if (a === "--runs") o.runs = Number(value());
    else if (a === "--out") o.out = value();
    else if (a === "--stop") o.stop = true;
    else if (a === "--property") {
      const name = value();
      const cfg = PROPERTIES[name];
      if (cfg === undefined) {
        throw new Error(`no property ${name}; known: ${Object.keys(PROPERTIES).join(", ")}`);
      }
      o.properties.push(cfg);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!(o.minutes > 0) || !(o.runs >= 1)) throw new Error(`bad --minutes or --runs\n${USAGE}`);
  if (o.properties.length === 0) o.properties = Object.values(PROPERTIES);
  return o;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}

function main(): number {
  const o = parseArgs(Deno.args);
  const start = performance.now();
  const deadline = start + o.minutes * 60_000;
  const names = o.properties.map((p) => p.name).join(", ");
  console.log(`fuzzing ${names} for ${o.minutes} min, ${o.runs} runs per round`);
  let rounds = 0, runs = 0, lastReport = start;
  const failures: string[] = [];
  outer: while (performance.now() < deadline) {
    for (const cfg of o.properties) {
      if (performance.now() >= deadline) break outer;
      const seed = randomSeed();
      const r = runProperty(cfg, { seed, numRuns: o.runs, outDir: o.out });
      rounds++;
      runs += o.runs;
      if (r.failed) {
        failures.push(`${cfg.name} seed ${r.seed}: ${r.tracePath ?? "(no trace)"}`);
        console.log(r.report);
        if (o.stop) break outer;
      }
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const min = ((lastReport - start) / 60_000).toFixed(1);
        console.log(
          `${min} min: ${rounds} rounds, ${counters.commands} commands, ${failures.length} failures`,
        );
      }
    }
  }
  const minutes = ((performance.now() - start) / 60_000).toFixed(1);
  console.log(
    `\n${minutes} min: ${rounds} rounds, ${runs} runs, ${counters.commands} commands executed`,
  );
  const outcomes = Object.entries(counters.outcomes).sort((a, b) => b[1] - a[1]);
  console.log(`outcomes: ${outcomes.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(
    failures.length === 0 ? "no counterexample found" : `FAILURES:\n${failures.join("\n")}`,
  );
  return failures.length === 0 ? 0 : 1;
}

try {
  Deno.exit(main());
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  Deno.exit(2);
}
