/**
 * The properties and how they run. Each property is fast-check's
 * model-based testing (`fc.commands` + `fc.modelRun`) over one command mix;
 * `runProperty` runs it and, on failure, reports everything needed to
 * replay it — seed, path and endOnFailure, the shrunk command list — and
 * writes the counterexample as a trace to `test-output/`.
 *
 * fast-check is the caller's (`fc` is the first argument everywhere; see
 * `fast_check.ts`), so the kit itself depends on nothing.
 *
 * In `deno test`, numRuns are bounded so that all properties together stay
 * within a couple of minutes on two cores; `PALLOC_PROP_RUNS` scales them
 * (e.g. 0.1 for a quick look, 10 for a long night), and `PALLOC_PROP_SEED`,
 * `PALLOC_PROP_PATH` and `PALLOC_PROP_REPLAY` (the command list's own replay
 * path) replay a reported failure exactly, as the report spells out. `deno task fuzz` runs the
 * same properties for as long as asked, with fresh seeds.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { commandArbitraries, type Mix } from "./arbitraries.ts";
import type { Arbitrary, Command, FastCheck, Property } from "./fast_check.ts";
import { counterexampleTrace } from "./trace.ts";
import { counters, type ModelBox, World } from "./world.ts";

/** A command of the model-based runs: it acts on the model box and on the real world. */
export type ModelCommand = Command<ModelBox, World>;

/**
 * One property: a name, what it is about, its command mix and its size in CI.
 *
 * @example
 * ```ts
 * import { type PropertyConfig, PROPERTIES, propertyKit } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const small: PropertyConfig = { ...PROPERTIES.tree, numRuns: 5, maxCommands: 20 };
 * console.assert(!propertyKit(fc).runProperty(small).failed);
 * ```
 */
export interface PropertyConfig {
  /** Short name (also the trace file's prefix). */
  readonly name: string;
  /** What the property is about, in a sentence. */
  readonly about: string;
  /** The commands it generates. */
  readonly mix: Mix;
  /** Runs in CI. */
  readonly numRuns: number;
  /** Longest command list. */
  readonly maxCommands: number;
}

/**
 * The properties (all of them check everything after every command; their mixes differ).
 *
 * @example
 * ```ts
 * import { PROPERTIES } from "@palloc/palloc/testing";
 * console.log(Object.keys(PROPERTIES)); // tree, chunks, counters, oom, refusals, limits
 * ```
 */
export const PROPERTIES: Record<string, PropertyConfig> = {
  tree: {
    name: "tree",
    about: "reset/delete verbs free exactly their subtree, callbacks run in PostgreSQL's order, " +
      "TopMemoryContext stays the root",
    mix: {
      sizes: "valid",
      weights: {
        create: 6,
        alloc: 6,
        free: 1,
        realloc: 1,
        lifetime: 5,
        setparent: 3,
        callback: 3,
        switch: 2,
        isempty: 1,
        recover: 1,
      },
    },
    numRuns: 600,
    maxCommands: 120,
  },
  chunks: {
    name: "chunks",
    about: "live chunks keep their bytes, never overlap, lie in their context's blocks, " +
      "and report the model's owner and space",
    mix: {
      sizes: "valid",
      weights: { create: 2, alloc: 8, free: 4, realloc: 5, inspect: 2, lifetime: 1, callback: 1 },
    },
    numRuns: 600,
    maxCommands: 120,
  },
  counters: {
    name: "counters",
    about: "counters keep their identities: MemConsumed, MemAllocated and the heap's held bytes",
    mix: {
      sizes: "large",
      weights: { create: 4, alloc: 6, free: 3, realloc: 3, lifetime: 3, setparent: 2, callback: 1 },
    },
    numRuns: 400,
    maxCommands: 120,
  },
  oom: {
    name: "oom",
    about: "on an exhausted heap requests fail with a catchable out of memory, ErrorContext " +
      "serves its reserve, and a reset makes the reserve whole again",
    mix: {
      sizes: "large",
      weights: {
        limit: 3,
        alloc: 6,
        fill: 2,
        realloc: 2,
        free: 2,
        recover: 2,
        create: 3,
        lifetime: 2,
        callback: 1,
        switch: 1,
      },
    },
    numRuns: 400,
    maxCommands: 100,
  },
  refusals: {
    name: "refusals",
    about: "the model's refusals are exactly palloc's typed errors, and a refused call " +
      "changes nothing",
    mix: {
      sizes: "invalid",
      weights: {
        create: 4,
        alloc: 6,
        free: 2,
        realloc: 3,
        inspect: 2,
        lifetime: 3,
        setparent: 3,
        switch: 2,
        callback: 1,
        memlimit: 1,
      },
    },
    numRuns: 600,
    maxCommands: 80,
  },
  limits: {
    name: "limits",
    about: "a subtree's memory limit refuses blocks past it with a catchable out of memory in " +
      "that subtree only, and a limited subtree never grows past its limit",
    mix: {
      sizes: "large",
      weights: {
        memlimit: 3,
        create: 4,
        alloc: 7,
        realloc: 3,
        free: 2,
        lifetime: 2,
        setparent: 1,
        callback: 1,
        limit: 1,
        fill: 1,
        recover: 1,
      },
    },
    numRuns: 400,
    maxCommands: 100,
  },
};

/**
 * How to run a property.
 *
 * @example
 * ```ts
 * import { propertyKit, PROPERTIES, type RunParams } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const params: RunParams = { seed: 7, numRuns: 5, outDir: null };
 * console.assert(propertyKit(fc).runProperty(PROPERTIES.oom, params).seed === 7);
 * ```
 */
export interface RunParams {
  /** fast-check seed (random when absent). */
  seed?: number;
  /** Replay path of a reported failure. */
  path?: string;
  /** The command list's own replay path (the `replayPath` fast-check prints). */
  replayPath?: string;
  /** Runs (default: the property's CI numRuns). */
  numRuns?: number;
  /** Stop at the first failure without shrinking. */
  endOnFailure?: boolean;
  /** Where counterexample traces go (default `test-output`); null writes none. */
  outDir?: string | null;
}

/**
 * What a run found.
 *
 * @example
 * ```ts
 * import { propertyKit, PROPERTIES, type RunResult } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const r: RunResult = propertyKit(fc).runProperty(PROPERTIES.chunks, { numRuns: 5 });
 * console.assert(!r.failed && r.commands > 0 && r.report === "");
 * ```
 */
export interface RunResult {
  /** True when a counterexample was found. */
  failed: boolean;
  /** The seed used. */
  seed: number;
  /** Commands executed during the run (shrinking included). */
  commands: number;
  /** The report (seed, path, endOnFailure, counterexample, error). */
  report: string;
  /** Where the counterexample trace was written, if any. */
  tracePath?: string;
}

/** A named run over a list of command arbitraries (what `runCommands` needs). */
export interface CommandRun {
  /** Short name (the trace file's prefix and the report's first words). */
  readonly name: string;
  /** What the run is about, in a sentence. */
  readonly about: string;
  /** The commands it generates (each entry once per unit of weight). */
  readonly commands: readonly Arbitrary<ModelCommand>[];
  /** Runs. */
  readonly numRuns: number;
  /** Longest command list. */
  readonly maxCommands: number;
}

/** The fast-check property: random command lists from `commands`, each run on a fresh world. */
export function propertyOf(
  fc: FastCheck,
  commands: readonly Arbitrary<ModelCommand>[],
  maxCommands: number,
  replayPath?: string,
): Property<[Iterable<ModelCommand>]> {
  const arb = fc.commands([...commands], { maxCommands, size: "max", replayPath });
  return fc.property(arb, (cmds) => {
    fc.modelRun(() => ({ model: World.model(), real: new World() }), cmds);
  });
}

/** Runs `run` once with `params`; never throws for a counterexample (see `failed`). */
export function runCommands(fc: FastCheck, run: CommandRun, params: RunParams = {}): RunResult {
  const seed = params.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const endOnFailure = params.endOnFailure ?? false;
  const start = counters.commands;
  const details = fc.check(propertyOf(fc, run.commands, run.maxCommands, params.replayPath), {
    seed,
    path: params.path,
    numRuns: params.numRuns ?? run.numRuns,
    endOnFailure,
  });
  const commands = counters.commands - start;
  if (!details.failed) return { failed: false, seed, commands, report: "" };
  const example = details.counterexample?.[0] as Iterable<ModelCommand> | undefined;
  const shown = example === undefined ? "" : fc.stringify(example);
  const commandsPath = /replayPath="([^"]*)"/.exec(shown)?.[1] ?? "";
  const replay = `PALLOC_PROP_SEED=${details.seed} PALLOC_PROP_PATH=${details.counterexamplePath}` +
    ` PALLOC_PROP_REPLAY='${commandsPath}' (fc params: { seed: ${details.seed}, path: ` +
    `"${details.counterexamplePath}", endOnFailure: ${endOnFailure} }, fc.commands replayPath ` +
    `"${commandsPath}")`;
  const error = details.errorInstance instanceof Error
    ? `${details.errorInstance.name}: ${details.errorInstance.message}`
    : String(details.errorInstance);
  let report = `property "${run.name}" (${run.about}) failed\nreplay with ${replay}\n` +
    `${fc.defaultReportMessage(details)}\nerror: ${error.split("\n").slice(0, 80).join("\n")}`;
  let tracePath: string | undefined;
  if (example !== undefined && params.outDir !== null) {
    try {
      tracePath = writeCounterexample(fc, run, details.seed, example, replay, params.outDir);
      report += `\ncounterexample trace: ${tracePath} (replay: deno task conformance ${tracePath})`;
    } catch (e) {
      report += `\n(could not write the counterexample trace: ${e})`;
    }
  }
  return { failed: true, seed: details.seed, commands, report, tracePath };
}

/** Runs the property `cfg` (the kit's commands of its mix) once with `params`. */
export function runProperty(fc: FastCheck, cfg: PropertyConfig, params: RunParams = {}): RunResult {
  return runCommands(fc, { ...cfg, commands: commandArbitraries(fc, cfg.mix) }, params);
}

/** Replays the shrunk commands once more to record them, and writes the trace. */
function writeCounterexample(
  fc: FastCheck,
  run: CommandRun,
  seed: number,
  cmds: Iterable<ModelCommand>,
  replay: string,
  outDir: string | undefined,
): string {
  let world: World | undefined;
  try {
    const setup = () => {
      world = new World();
      return { model: World.model() as ModelBox, real: world };
    };
    fc.modelRun(setup, cmds);
  } catch {
    // the counterexample fails again, as it should; `world` holds what ran
  }
  if (world === undefined) throw new Error("the counterexample did not run");
  const header = [
    `counterexample of property "${run.name}": ${run.about}`,
    `found by fast-check: ${replay}`,
    `commands: ${world.log.join("; ")}`,
    "expectations: the model's lines where it has an opinion, palloc's otherwise",
    "(switching the current context and memory limits have no trace verb and are left out)",
  ];
  const dir = outDir ?? "test-output";
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/counterexample-${run.name}-${seed}.trace`;
  writeFileSync(path, counterexampleTrace(world.trace, header));
  return path;
}

/** A number from the environment variable `name` (Deno or Node), or undefined. */
export function envNumber(name: string): number | undefined {
  const v = envString(name);
  return v === undefined ? undefined : Number(v);
}

/** The environment variable `name` (Deno or Node), or undefined when unset or empty. */
export function envString(name: string): string | undefined {
  try {
    const v = process.env[name];
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined; // no permission to read the environment: nothing to replay
  }
}

/**
 * The run parameters a test uses: `numRuns` scaled by `PALLOC_PROP_RUNS`, and
 * `PALLOC_PROP_SEED`, `PALLOC_PROP_PATH`, `PALLOC_PROP_REPLAY` when set (the
 * replay line of a report sets exactly these).
 */
export function paramsFromEnv(numRuns: number): RunParams {
  const scale = envNumber("PALLOC_PROP_RUNS") ?? 1;
  return {
    seed: envNumber("PALLOC_PROP_SEED"),
    path: envString("PALLOC_PROP_PATH"),
    replayPath: envString("PALLOC_PROP_REPLAY"),
    numRuns: Math.max(1, Math.round(numRuns * scale)),
  };
}

/** A test body for property `cfg`: CI-sized, replayable from the environment, throws the report. */
export function testProperty(fc: FastCheck, cfg: PropertyConfig): () => void {
  return () => {
    const result = runProperty(fc, cfg, paramsFromEnv(cfg.numRuns));
    if (result.failed) throw new Error(result.report);
  };
}

/** Options of `checkAgainstModel`. */
export interface CheckOptions extends RunParams {
  /** More commands to mix in: the caller's own (e.g. `UserCodeCmd`s), as fast-check arbitraries. */
  extraCommands?: readonly Arbitrary<ModelCommand>[];
  /** Names the run in the report and the trace file (default "model"). */
  name?: string;
  /** What the run is about, for the report. */
  about?: string;
  /** Longest command list (default 60). */
  maxCommands?: number;
  /** Read PALLOC_PROP_SEED/PATH/REPLAY/RUNS from the environment (default true). */
  fromEnv?: boolean;
}

/**
 * Random command lists of `commands` and `extraCommands`, each run on a
 * fresh palloc beside the model, every invariant checked after every
 * command. Throws an Error with the report (seed, path, replay line, the
 * shrunk commands, the model and MemoryContextStats side by side, and where
 * the counterexample trace was written); returns the run's figures otherwise.
 */
export function checkAgainstModel(
  fc: FastCheck,
  commands: readonly Arbitrary<ModelCommand>[],
  options: CheckOptions = {},
): RunResult {
  const numRuns = options.numRuns ?? 100;
  const env = options.fromEnv === false ? { numRuns } : paramsFromEnv(numRuns);
  const result = runCommands(fc, {
    name: options.name ?? "model",
    about: options.about ?? "palloc agrees with the model after every command",
    commands: [...commands, ...(options.extraCommands ?? [])],
    numRuns,
    maxCommands: options.maxCommands ?? 60,
  }, {
    ...options,
    seed: options.seed ?? env.seed,
    path: options.path ?? env.path,
    replayPath: options.replayPath ?? env.replayPath,
    numRuns: env.numRuns,
  });
  if (result.failed) throw new Error(result.report);
  return result;
}
