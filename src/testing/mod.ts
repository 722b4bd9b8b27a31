/**
 * # `@palloc/palloc/testing`: palloc's invariants for your own tests
 *
 * The checks palloc's own test suite holds itself to, for code built on
 * palloc — a parser, a server, a PostgreSQL-style extension:
 *
 * - `assertNoLeak(ctx, fn)` runs `fn` and fails when a context of `ctx`'s
 *   subtree holds more used bytes than before or a context was left behind;
 *   `expectHeapUnchanged(fn)` does the same for the whole tree and the heap.
 *   The error lists what grew, by path, with MemoryContextStats before and
 *   after.
 * - `assertStats(ctx, expected)` checks a context's figures in PostgreSQL's
 *   numbers (`"8192 total in 1 blocks; 7952 free (0 chunks); 240 used"`, or
 *   any of the fields) and prints the whole tree when they differ.
 * - `propertyKit(fc)` gives the model-based testing machinery: the command
 *   arbitraries (create, alloc in every flavour, free, realloc, the five
 *   reset/delete verbs, set-parent, callbacks, switching, heap exhaustion,
 *   memory limits, error recovery), `userCommand` to mix *your* code in, and
 *   `checkAgainstModel(commands, { extraCommands })`, which runs random
 *   command lists on palloc beside the pure model (`@palloc/palloc/model`)
 *   and checks every invariant after every command. A failure reports the
 *   seed, fast-check's path and the replay line, the shrunk commands, the
 *   model and MemoryContextStats side by side, and writes the counterexample
 *   as a trace (`test-output/counterexample-NAME-SEED.trace`).
 *
 * ## fast-check is yours, not palloc's
 *
 * palloc has no dependencies, and this module keeps it so: it never imports
 * fast-check. You pass your own — `propertyKit(fc)` with
 * `import fc from "fast-check"` (map `"fast-check": "npm:fast-check@4"` in
 * your `deno.json` imports, or `npm install fast-check` under Node). The kit
 * is typed against the small part of fast-check 4 it calls (`FastCheck`),
 * and your arbitraries mix with its own. `assertNoLeak`, `expectHeapUnchanged`
 * and `assertStats` need no fast-check at all.
 *
 * ## Deno and Node
 *
 * Failures are `node:assert` `AssertionError`s and plain `Error`s; traces are
 * written with `node:fs`; the replay variables are read with `node:process`.
 * So the same tests run under `deno test` and under Node's test runner
 * (`node --test`, with `import { test } from "node:test"`): the module
 * uses no `Deno` API.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { Context, MemoryContextAlloc, pfree } from "@palloc/palloc";
 * import { assertNoLeak, propertyKit } from "@palloc/palloc/testing";
 *
 * // A leak check around one request.
 * const top = Context.init();
 * const req = top.child.aset("request");
 * assertNoLeak(req, () => pfree(req.alloc(100)));
 *
 * // Your code among random palloc commands, checked against the model.
 * const kit = propertyKit(fc);
 * const echo = kit.userCommand({
 *   name: "echo",
 *   leavesEmpty: true, // it must free what it allocates
 *   run: (ctx, n: number) => pfree(MemoryContextAlloc(ctx, n)),
 * }, fc.nat({ max: 5000 }));
 * kit.checkAgainstModel(kit.commands("chunks"), { extraCommands: echo, numRuns: 20 });
 * ```
 *
 * @module
 */
import { commandArbitraries, type Mix } from "./arbitraries.ts";
import type { Arbitrary, FastCheck } from "./fast_check.ts";
import {
  checkAgainstModel,
  type ModelCommand,
  PROPERTIES,
  type PropertyConfig,
  type RunParams,
  runProperty,
  type RunResult,
  testProperty,
} from "./runner.ts";
import { type UserCode, UserCodeCmd } from "./user.ts";

export { assertNoLeak, diffTrees, expectHeapUnchanged, snapshotTree } from "./leaks.ts";
export type { AnyContext, ContextFigures, TreeSnapshot } from "./leaks.ts";
export { assertStats, type ExpectedStats } from "./stats.ts";
export type {
  Arbitrary,
  CheckParameters,
  Command,
  FastCheck,
  Property,
  RunDetails,
  WeightedArbitrary,
} from "./fast_check.ts";
export type { CommandKind, Mix } from "./arbitraries.ts";
export { PROPERTIES, type PropertyConfig, type RunParams, type RunResult } from "./runner.ts";
export type { UserCode } from "./user.ts";
// The palloc types the kit's signatures name (documented with the main entry point).
export type {
  ContextMethods,
  MemoryContext,
  MemoryContextCallback,
  MemoryContextCounters,
  MemoryHeap,
} from "../mcxt/context.ts";
export type {
  Backing,
  BackingOptions,
  BulkOps,
  GrowListener,
  Heap,
  HeapCore,
  HeapOptions,
  HeapStats,
} from "../heap/mod.ts";

/**
 * A command of the kit's model-based runs, as the kit hands it out
 * (`commands`, `userCommand`); opaque to callers, who only combine them.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { type Arbitrary, type KitCommand, propertyKit } from "@palloc/palloc/testing";
 * const kit = propertyKit(fc);
 * const noop = kit.userCommand({ name: "noop", run: () => {} }, fc.constant(0));
 * const all: Arbitrary<KitCommand>[] = [...kit.commands("tree"), ...noop];
 * console.assert(!kit.checkAgainstModel(all, { numRuns: 3, outDir: null }).failed);
 * ```
 */
export interface KitCommand {
  /** The command, for reports (it names its arguments, not its targets). */
  toString(): string;
}

/**
 * Options of `checkAgainstModel`: `RunParams` (seed, path, replay path,
 * runs, endOnFailure, trace directory) and the run's own.
 *
 * @example
 * ```ts
 * import type { KitCheckOptions } from "@palloc/palloc/testing";
 * const quick: KitCheckOptions = { numRuns: 10, maxCommands: 20, outDir: null, fromEnv: false };
 * console.assert(quick.numRuns === 10);
 * ```
 */
export interface KitCheckOptions extends RunParams {
  /** Your own commands (e.g. from `userCommand`), mixed in with the kit's. */
  extraCommands?: readonly Arbitrary<KitCommand>[];
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
 * The model-based testing machinery, bound to the caller's fast-check (see
 * `propertyKit`).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { type PropertyKit, propertyKit } from "@palloc/palloc/testing";
 * const kit: PropertyKit = propertyKit(fc);
 * console.assert(kit.commands("oom").length > 10);
 * ```
 */
export interface PropertyKit {
  /**
   * The kit's command arbitraries: those of one of palloc's own properties
   * (`"tree"`, `"chunks"`, `"counters"`, `"oom"`, `"refusals"`, `"limits"`;
   * default `"tree"`), or of a mix of your own weights (each arbitrary once
   * per unit of weight).
   */
  commands(mix?: keyof typeof PROPERTIES | Mix): Arbitrary<KitCommand>[];
  /**
   * Your code as a command: `run(ctx, input)` on a fresh context under a
   * random live one, with `input` from your arbitrary, checked by the rules
   * of `UserCode`; `weight` copies (default 3) so it comes up often.
   */
  userCommand<T>(code: UserCode<T>, input: Arbitrary<T>, weight?: number): Arbitrary<KitCommand>[];
  /**
   * Random command lists, each run on a fresh palloc beside the model, every
   * invariant checked after every command. Throws an Error with the report
   * (seed, path and replay line, the shrunk commands, the model and
   * MemoryContextStats side by side, the counterexample trace's path);
   * returns the run's figures otherwise.
   */
  checkAgainstModel(
    commands: readonly Arbitrary<KitCommand>[],
    options?: KitCheckOptions,
  ): RunResult;
  /** Runs one of palloc's own properties once; never throws for a counterexample. */
  runProperty(cfg: PropertyConfig, params?: RunParams): RunResult;
  /** A test body for one of palloc's own properties (CI-sized, replayable from the environment). */
  testProperty(cfg: PropertyConfig): () => void;
}

/**
 * The model-based testing machinery bound to `fc` (your fast-check 4).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { propertyKit } from "@palloc/palloc/testing";
 * const kit = propertyKit(fc);
 * const result = kit.checkAgainstModel(kit.commands("refusals"), { numRuns: 10 });
 * console.log(`${result.commands} commands checked`);
 * ```
 */
export function propertyKit(fc: FastCheck): PropertyKit {
  const index = fc.nat({ max: 1 << 16 });
  return {
    commands: (mix = "tree") =>
      commandArbitraries(fc, typeof mix === "string" ? PROPERTIES[mix].mix : mix),
    userCommand: <T>(code: UserCode<T>, input: Arbitrary<T>, weight = 3) => {
      const arb = fc.tuple(index, input).map(([p, x]) => new UserCodeCmd(code, p, x));
      return Array.from({ length: weight }, () => arb);
    },
    checkAgainstModel: (commands, options = {}) =>
      checkAgainstModel(fc, commands as readonly Arbitrary<ModelCommand>[], {
        ...options,
        extraCommands: options.extraCommands as readonly Arbitrary<ModelCommand>[] | undefined,
      }),
    runProperty: (cfg, params) => runProperty(fc, cfg, params),
    testProperty: (cfg) => testProperty(fc, cfg),
  };
}
