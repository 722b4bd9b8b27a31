/**
 * The part of fast-check (version 4) the testing kit uses, described as
 * types only. The kit never imports fast-check: the caller hands in its own
 * `fc` (`import fc from "fast-check"` or `npm:fast-check@4`), so palloc
 * keeps zero dependencies and the caller's fast-check is the one that runs
 * (its arbitraries mix freely with the kit's). fast-check's own module is
 * assignable to `FastCheck`; `spec/testing/fast_check_test.ts` checks that
 * it stays so.
 */

/**
 * A generator of values of type `T` (fast-check's `Arbitrary<T>`, as far as the kit uses it).
 *
 * @example
 * ```ts
 * import { type Arbitrary } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const sizes: Arbitrary<number> = fc.nat({ max: 8192 }); // fast-check's own arbitraries fit
 * console.assert(typeof sizes.map === "function");
 * ```
 */
export interface Arbitrary<T> {
  /** The arbitrary of `mapper`'s results. */
  map<U>(mapper: (t: T) => U): Arbitrary<U>;
}

/**
 * One step of a model-based test (fast-check's `Command<Model, Real>`).
 *
 * @example
 * ```ts
 * import { type Command } from "@palloc/palloc/testing";
 * const noop: Command<{ n: number }, null> = {
 *   check: () => true,
 *   run: (m) => void m.n++,
 *   toString: () => "noop",
 * };
 * console.assert(noop.toString() === "noop");
 * ```
 */
export interface Command<Model extends object, Real> {
  /** May the command run in this model state? */
  check(m: Readonly<Model>): boolean;
  /** Runs the command on both sides, throwing when they disagree. */
  run(m: Model, r: Real): void;
  /** The command, for reports. */
  toString(): string;
}

/**
 * A fast-check property over values of `T` (opaque to the kit).
 *
 * @example
 * ```ts
 * import { type FastCheck, type Property } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const kit: FastCheck = fc;
 * const p: Property<[number]> = kit.property(kit.nat({ max: 9 }), (n) => void n);
 * console.assert(!kit.check(p, { numRuns: 3 }).failed);
 * ```
 */
export interface Property<T> {
  /** fast-check's own run entry (never called by the kit). */
  run(v: T): unknown;
}

/**
 * What `fc.check` found.
 *
 * @example
 * ```ts
 * import { type FastCheck, type RunDetails } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const kit: FastCheck = fc;
 * const d: RunDetails = kit.check(kit.property(kit.nat({ max: 9 }), (n) => {
 *   if (n > 5) throw new Error("too big");
 * }), { seed: 1, numRuns: 50 });
 * console.assert(d.failed && d.counterexample !== null);
 * ```
 */
export interface RunDetails {
  /** True when a counterexample was found. */
  readonly failed: boolean;
  /** The seed of the run. */
  readonly seed: number;
  /** The replay path of the counterexample. */
  readonly counterexamplePath: string | null;
  /** The shrunk counterexample (the property's arguments), or null. */
  readonly counterexample: unknown[] | null;
  /** What the counterexample threw. */
  readonly errorInstance: unknown;
}

/**
 * Parameters of `fc.check` the kit passes.
 *
 * @example
 * ```ts
 * import { type CheckParameters } from "@palloc/palloc/testing";
 * const replay: CheckParameters = { seed: 42, path: "3:1", endOnFailure: true };
 * console.assert(replay.seed === 42);
 * ```
 */
export interface CheckParameters {
  /** The seed. */
  seed?: number;
  /** A replay path. */
  path?: string;
  /** How many runs. */
  numRuns?: number;
  /** Stop at the first failure without shrinking. */
  endOnFailure?: boolean;
}

/**
 * `fc.oneof`'s weighted entry.
 *
 * @example
 * ```ts
 * import { type FastCheck, type WeightedArbitrary } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const kit: FastCheck = fc;
 * const often: WeightedArbitrary<number> = { arbitrary: kit.constant(1), weight: 9 };
 * const rare: WeightedArbitrary<number> = { arbitrary: kit.constant(2), weight: 1 };
 * console.assert(typeof kit.oneof(often, rare).map === "function");
 * ```
 */
export interface WeightedArbitrary<T> {
  /** The arbitrary. */
  arbitrary: Arbitrary<T>;
  /** Its relative weight. */
  weight: number;
}

/**
 * The fast-check functions the kit calls; pass fast-check's default export.
 *
 * @example
 * ```ts
 * import { type FastCheck } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const mine: FastCheck = fc; // fast-check 4's module is one
 * console.assert(mine.check(mine.property(mine.boolean(), () => {}), { numRuns: 5 }).failed === false);
 * ```
 */
export interface FastCheck {
  /** `fc.nat({ max })`. */
  nat(constraints: { max: number }): Arbitrary<number>;
  /** `fc.integer({ min, max })`. */
  integer(constraints: { min: number; max: number }): Arbitrary<number>;
  /** `fc.boolean()`. */
  boolean(): Arbitrary<boolean>;
  /** `fc.constant(value)`. */
  constant<T>(value: T): Arbitrary<T>;
  /** `fc.constantFrom(...values)`. */
  constantFrom<T>(...values: T[]): Arbitrary<T>;
  /** `fc.tuple(...arbitraries)`. */
  tuple<Ts extends unknown[]>(...arbs: { [K in keyof Ts]: Arbitrary<Ts[K]> }): Arbitrary<Ts>;
  /** `fc.oneof(...weighted)`. */
  oneof<T>(...arbs: WeightedArbitrary<T>[]): Arbitrary<T>;
  /** `fc.commands(arbitraries, constraints)`. */
  commands<Model extends object, Real>(
    commandArbs: Arbitrary<Command<Model, Real>>[],
    constraints: { maxCommands?: number; size?: "max"; replayPath?: string },
  ): Arbitrary<Iterable<Command<Model, Real>>>;
  /** `fc.modelRun(setup, commands)`. */
  modelRun<Model extends object, Real>(
    setup: () => { model: Model; real: Real },
    cmds: Iterable<Command<Model, Real>>,
  ): void;
  /** `fc.property(arbitrary, predicate)`. */
  property<T>(arb: Arbitrary<T>, predicate: (t: T) => void): Property<[T]>;
  /** `fc.check(property, parameters)`. */
  check<T>(property: Property<T>, parameters: CheckParameters): RunDetails;
  /** `fc.stringify(value)`. */
  stringify(value: unknown): string;
  /** `fc.defaultReportMessage(details)`. */
  defaultReportMessage(details: RunDetails): string | undefined;
}
