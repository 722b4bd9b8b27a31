/**
 * The generators: sizes, context parameters and weighted command mixes.
 * Each property picks a mix that leans towards what it is about (tree
 * surgery, chunk churn, out of memory, refusals) while keeping every kind
 * of command possible, and every property checks everything after every
 * command.
 */
import type { Arbitrary, FastCheck } from "./fast_check.ts";
import * as M from "../model/mod.ts";
import {
  AllocCmd,
  type Base,
  CreateCmd,
  FillReserveCmd,
  FreeCmd,
  InspectCmd,
  ReallocCmd,
} from "./commands.ts";
import {
  CallbackCmd,
  IsEmptyCmd,
  LifetimeCmd,
  type LifetimeVerb,
  LimitCmd,
  LIMITS,
  MemLimitCmd,
  RecoverCmd,
  SetParentCmd,
  SwitchCmd,
} from "./commands_tree.ts";

/**
 * Command kinds a mix can weigh.
 *
 * @example
 * ```ts
 * import { type CommandKind, PROPERTIES } from "@palloc/palloc/testing";
 * const kinds = Object.keys(PROPERTIES.limits.mix.weights) as CommandKind[];
 * console.assert(kinds.includes("memlimit"));
 * ```
 */
export type CommandKind =
  | "create"
  | "alloc"
  | "fill"
  | "free"
  | "inspect"
  | "realloc"
  | "lifetime"
  | "setparent"
  | "callback"
  | "switch"
  | "isempty"
  | "limit"
  | "memlimit"
  | "recover";

/**
 * How often each kind of command is generated (missing: never), and which sizes.
 *
 * @example
 * ```ts
 * import { type Mix, propertyKit } from "@palloc/palloc/testing";
 * import fc from "fast-check";
 * const churn: Mix = { sizes: "valid", weights: { create: 1, alloc: 5, free: 4 } };
 * console.assert(propertyKit(fc).commands(churn).length === 10);
 * ```
 */
export interface Mix {
  /** Relative weights. */
  readonly weights: Partial<Record<CommandKind, number>>;
  /** "valid": sizes that can be served; "invalid": also sizes every verb refuses; "large": biased above chunk limits. */
  readonly sizes: "valid" | "invalid" | "large";
}

/** Indices commands pick their targets with (modulo the live list). */
export function indexArb(fc: FastCheck): Arbitrary<number> {
  return fc.nat({ max: 1 << 16 });
}

/** Request sizes that can be served, from empty to beyond every chunk limit. */
export function validSize(fc: FastCheck): Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 64 }), weight: 4 },
    { arbitrary: fc.integer({ min: 65, max: 1024 }), weight: 3 },
    { arbitrary: fc.integer({ min: 1025, max: 8192 }), weight: 2 },
    { arbitrary: fc.integer({ min: 8193, max: 40000 }), weight: 1 },
  );
}

/** Sizes every verb refuses, around MaxAllocSize, 2^53 and MaxAllocHugeSize. */
export function invalidSize(fc: FastCheck): Arbitrary<number | bigint> {
  return fc.constantFrom<number | bigint>(
    0x40000000,
    2 ** 32,
    2 ** 53,
    -1,
    2n ** 63n,
    2n ** 64n - 1n,
  );
}

/** Request sizes of a mix's kind. */
export function sizeArb(fc: FastCheck, kind: Mix["sizes"]): Arbitrary<number | bigint> {
  const valid: Arbitrary<number | bigint> = validSize(fc);
  if (kind === "invalid") {
    return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: invalidSize(fc), weight: 1 });
  }
  if (kind === "large") {
    return fc.oneof(
      { arbitrary: valid, weight: 2 },
      { arbitrary: fc.integer({ min: 8193, max: 70000 }), weight: 1 },
    );
  }
  return valid;
}

const blockSizes: ReadonlyArray<readonly [number, number, number]> = [
  [0, 1024, 8192],
  [0, 8192, 8 << 20],
  [0, 1024, 8 << 20],
  [8192, 8192, 8192],
  [0, 8192, 65536],
  [16384, 8192, 65536],
];

/** Context parameters for all four types (with `tooSmall`, also slabs that cannot hold a chunk). */
export function contextSpec(fc: FastCheck, tooSmall: boolean): Arbitrary<M.ContextSpec> {
  const sized = fc.tuple(
    fc.constantFrom<"aset" | "generation" | "bump">("aset", "generation", "bump"),
    fc.constantFrom(...blockSizes),
  ).map(([kind, [min, init, max]]): M.ContextSpec => ({
    kind,
    minContextSize: min,
    initBlockSize: init,
    maxBlockSize: max,
  }));
  const slab = fc.tuple(
    fc.constantFrom(...(tooSmall ? [64, 1024, 8192] : [1024, 8192, 65536])),
    fc.constantFrom(...(tooSmall ? [0, 24, 100, 2000] : [0, 8, 20, 24, 40, 100, 500])),
  ).map(([blockSize, chunkSize]): M.ContextSpec => ({ kind: "slab", blockSize, chunkSize }));
  return fc.oneof<M.ContextSpec>({ arbitrary: sized, weight: 3 }, { arbitrary: slab, weight: 1 });
}

const FLAGS = [0, M.ALLOC_HUGE, M.ALLOC_NO_OOM, M.ALLOC_ZERO, M.ALLOC_HUGE | M.ALLOC_NO_OOM];
const VERBS: LifetimeVerb[] = ["reset", "resetonly", "resetchildren", "delete", "deletechildren"];

/** One arbitrary per command kind of `mix`, with its weight. */
export function commandArbitraries(fc: FastCheck, mix: Mix): Arbitrary<Base>[] {
  const size = sizeArb(fc, mix.sizes);
  const index = indexArb(fc);
  const make: Record<CommandKind, Arbitrary<Base>> = {
    create: fc.tuple(index, contextSpec(fc, mix.sizes === "invalid"))
      .map(([p, s]) => new CreateCmd(p, s)),
    alloc: fc.tuple(
      index,
      size,
      fc.constantFrom<"alloc" | "alloc0" | "palloc" | "ext">(
        "alloc",
        "alloc",
        "alloc0",
        "palloc",
        "ext",
      ),
      fc.constantFrom(...FLAGS),
      fc.boolean(),
    ).map(([c, n, how, flags, exact]) => new AllocCmd(c, n, how, how === "ext" ? flags : 0, exact)),
    fill: fc.integer({ min: 0, max: 1024 }).map((n) => new FillReserveCmd(n)),
    free: index.map((c) => new FreeCmd(c)),
    inspect: fc.tuple(index, fc.constantFrom<"space" | "owner">("space", "owner"))
      .map(([c, what]) => new InspectCmd(c, what)),
    realloc: fc.tuple(index, size).map(([c, n]) => new ReallocCmd(c, n)),
    lifetime: fc.tuple(index, fc.constantFrom(...VERBS)).map(([c, v]) => new LifetimeCmd(c, v)),
    setparent: fc.tuple(index, index).map(([c, p]) => new SetParentCmd(c, p)),
    callback: index.map((c) => new CallbackCmd(c)),
    switch: index.map((c) => new SwitchCmd(c)),
    isempty: index.map((c) => new IsEmptyCmd(c)),
    limit: fc.boolean().map((b) => new LimitCmd(b)),
    memlimit: fc.tuple(
      index,
      mix.sizes === "invalid"
        ? fc.constantFrom<number | null>(...LIMITS, -1, 0.5)
        : fc.constantFrom<number | null>(...LIMITS),
    ).map(([c, b]) => new MemLimitCmd(c, b)),
    recover: fc.constant(new RecoverCmd()),
  };
  const out: Arbitrary<Base>[] = [];
  for (const [kind, weight] of Object.entries(mix.weights) as Array<[CommandKind, number]>) {
    for (let i = 0; i < weight; i++) out.push(make[kind]);
  }
  return out;
}
