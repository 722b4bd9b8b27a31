/**
 * `deno task fuzz [--minutes N] [--part all|properties|hardening] [--seed S]
 *                 [--property NAME]… [--runs N] [--out DIR] [--stop]`
 * `deno task fuzz --replay FUZZER:SEED` (one hardening round again, e.g. `corrupt:1234`)
 *
 * palloc's one fuzzing command. For N minutes (default 1) it runs, one after
 * the other on one core, half the time each:
 *
 * - the model-based properties of `spec/properties/` (valid and refused
 *   calls, checked against the pure model after every step), round-robin,
 *   each round with a fresh seed; a counterexample is shrunk, printed with
 *   its seed and replay path, and written as a trace;
 * - the hardening fuzzers of `spec/hardening/fuzz/`: (a) random and mutated
 *   trace files through the parser and replay engine, and conformance
 *   vectors unchanged, held to PostgreSQL's lines at offsets past 2^31,
 *   (b) random API call sequences with about a third invalid on purpose,
 *   in both modes and at three bases, verified after every call, their
 *   counters then compared with a reference replay and the model
 *   (`oracle.ts`), (c) flipped bits in headers, free lists and sentinels,
 *   which must be detected or provably harmless.
 *
 * It ends with the figures of both parts (commands executed and their
 * outcomes; calls made, invalid calls tried, errors raised, calls compared,
 * vectors replayed, corruptions found, which must be 0) and the process's
 * resident memory (printed with every progress line too: it stays flat unless
 * something keeps old heaps alive), and exits 1 when anything failed. Counterexamples
 * go to DIR (default `test-output/`).
 */
import { PROPERTIES, type PropertyConfig, runProperty } from "../spec/properties/properties.ts";
import { counters } from "../spec/properties/properties.ts";
import { formatHardeningFigures, fuzzHardening } from "../spec/hardening/fuzz/driver.ts";
import { replayRound } from "../spec/hardening/fuzz/run.ts";

const USAGE = "usage: deno task fuzz [--minutes N] [--part all|properties|hardening] [--seed S]\n" +
  "                       [--property NAME]… [--runs N] [--out DIR] [--stop]\n" +
  "       deno task fuzz --replay FUZZER:SEED";

interface Options {
  minutes: number;
  part: "all" | "properties" | "hardening";
  seed: number;
  properties: PropertyConfig[];
  runs: number;
  out: string;
  stop: boolean;
  replay?: string;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    minutes: 1,
    part: "all",
    seed: Date.now() % 1_000_000_000,
    properties: [],
    runs: 50,
    out: "test-output",
    stop: false,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--minutes") o.minutes = Number(value());
    else if (a === "--runs") o.runs = Number(value());
    else if (a === "--seed") o.seed = Number(value());
    else if (a === "--out") o.out = value();
    else if (a === "--stop") o.stop = true;
    else if (a === "--replay") o.replay = value();
    else if (a === "--part") {
      const p = value();
      if (p !== "all" && p !== "properties" && p !== "hardening") {
        throw new Error(`bad --part ${p}\n${USAGE}`);
      }
      o.part = p;
    } else if (a === "--property") {
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
  if (!(o.minutes > 0) || !(o.runs >= 1) || !Number.isInteger(o.seed)) {
    throw new Error(`bad --minutes, --runs or --seed\n${USAGE}`);
  }
  if (o.properties.length === 0) o.properties = Object.values(PROPERTIES);
  return o;
}

/** The process's resident memory in MiB: flat over a long run, or something is kept alive. */
function rssMiB(): number {
  return Math.round(Deno.memoryUsage().rss / 2 ** 20);
}

function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}

/** The property part: round-robin over the properties until `minutes` are spent. */
function fuzzProperties(o: Options, minutes: number): string[] {
  const start = performance.now();
  const deadline = start + minutes * 60_000;
  const names = o.properties.map((p) => p.name).join(", ");
  console.log(`properties: ${names} for ${minutes} min, ${o.runs} runs per round`);
  let rounds = 0, runs = 0, lastReport = start;
  const failures: string[] = [];
  outer: while (performance.now() < deadline) {
    for (const cfg of o.properties) {
      if (performance.now() >= deadline) break outer;
      const r = runProperty(cfg, { seed: randomSeed(), numRuns: o.runs, outDir: o.out });
      rounds++;
      runs += o.runs;
      if (r.failed) {
        failures.push(`${cfg.name} seed ${r.seed}: ${r.tracePath ?? "(no trace)"}`);
        console.log(r.report);
        if (o.stop) break outer;
      }
      if (performance.now() - lastReport > 60_000) {
        lastReport = performance.now();
        const min = ((lastReport - start) / 60_000).toFixed(1);
        console.log(
          `  ${min} min: ${rounds} rounds, ${counters.commands} commands, ` +
            `${failures.length} failures, rss ${rssMiB()} MiB`,
        );
      }
    }
  }
  const took = ((performance.now() - start) / 60_000).toFixed(1);
  const outcomes = Object.entries(counters.outcomes).sort((a, b) => b[1] - a[1]);
  console.log(
    `properties: ${took} min, ${rounds} rounds, ${runs} runs, ` +
      `${counters.commands.toLocaleString("en-US")} commands executed`,
  );
  console.log(`  outcomes: ${outcomes.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`  rss at the end: ${rssMiB()} MiB`);
  console.log(
    failures.length === 0 ? "  no counterexample found" : `  FAILURES:\n  ${failures.join("\n  ")}`,
  );
  return failures;
}

async function main(): Promise<number> {
  const o = parseArgs(Deno.args);
  if (o.replay !== undefined) {
    const [fuzzer, s] = o.replay.split(":");
    const failure = await replayRound(fuzzer, Number(s));
    console.log(failure === null ? "the round passes" : `${failure.message}\n${failure.trace}`);
    return failure === null ? 0 : 1;
  }
  const share = o.part === "all" ? o.minutes / 2 : o.minutes;
  let failed = false;
  if (o.part !== "hardening") failed = fuzzProperties(o, share).length > 0;
  if (o.part !== "properties" && !(failed && o.stop)) {
    console.log(`hardening: traces, calls and corruptions for ${share} min from seed ${o.seed}`);
    const r = await fuzzHardening({
      minutes: share,
      seed: o.seed,
      outDir: `${o.out}/fuzz-hardening`,
    });
    console.log(formatHardeningFigures(r.figures));
    console.log(`  rss at the end         ${rssMiB()} MiB`);
    if (r.failures.length > 0) console.log(`  counterexamples written to ${o.out}/fuzz-hardening`);
    failed ||= r.figures.failures > 0 || r.figures.corruptionsFound > 0;
  }
  return failed ? 1 : 0;
}

try {
  Deno.exit(await main());
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  Deno.exit(2);
}
