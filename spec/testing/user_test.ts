/**
 * User code among the kit's random commands (`propertyKit(fc).userCommand`
 * and `checkAgainstModel`): well-behaved code passes however it uses its
 * context (children, AllocSet's context cache, out of memory), and each rule
 * it can break — leaking, touching contexts outside its own — fails with a
 * report that says which rule and where.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  AllocSetContextCreate,
  type MemoryContext,
  MemoryContextAlloc,
  MemoryContextDelete,
  pfree,
  TopMemoryContext,
} from "../../mod.ts";
import { propertyKit } from "../../src/testing/mod.ts";

const kit = propertyKit(fc);

/** Builds a list of `n` chunks in a scratch child of `ctx`, copies it into `ctx`, frees all. */
function wellBehaved(ctx: MemoryContext, n: number): void {
  const scratch = AllocSetContextCreate(
    ctx,
    "scratch",
    ...(n % 2 ? ALLOCSET_SMALL_SIZES : ALLOCSET_DEFAULT_SIZES),
  );
  for (let i = 0; i < n % 40; i++) MemoryContextAlloc(scratch, 16 + i * 37);
  const copy = MemoryContextAlloc(ctx, n);
  MemoryContextDelete(scratch);
  pfree(copy);
}

Deno.test("well-behaved user code passes among every kind of command, OOM and limits included", () => {
  const user = kit.userCommand(
    { name: "build", leavesEmpty: true, run: wellBehaved },
    fc.nat(3000),
  );
  for (const mix of ["tree", "oom", "limits"] as const) {
    const r = kit.checkAgainstModel(kit.commands(mix), {
      extraCommands: user,
      numRuns: 60,
      fromEnv: false,
      outDir: null,
    });
    assert.ok(r.commands > 500, `${mix}: only ${r.commands} commands ran`);
  }
});

function reportOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return String((e as Error).message);
  }
  assert.fail("expected a failure");
}

Deno.test("a leaking user command is caught, shrunk, and reported by rule, command, path and bytes", () => {
  const leaky = kit.userCommand({
    name: "leaky",
    leavesEmpty: true,
    run: (ctx, n: number) => {
      const p = MemoryContextAlloc(ctx, n);
      if (n < 1000) pfree(p);
    },
  }, fc.nat(5000));
  const report = reportOf(() =>
    kit.checkAgainstModel(kit.commands("chunks"), {
      extraCommands: leaky,
      fromEnv: false,
      outDir: null,
      seed: 7,
    })
  );
  assert.match(
    report,
    /^property "model" \(palloc agrees with the model after every command\) failed/,
  );
  assert.match(report, /replay with PALLOC_PROP_SEED=7 PALLOC_PROP_PATH=/);
  assert.match(
    report,
    /Counterexample: \[leaky\(parent \d+, 1000\)/,
    "shrunk to the smallest leak",
  );
  assert.match(
    report,
    /the user code leaked:\n {2}leaky\d+: \+1032 bytes in chunks \(240 used -> 1272 used, 1 -> 1 blocks\)/,
  );
  assert.match(report, /--- palloc\nTopMemoryContext: /);
});

Deno.test("user code that allocates outside its own context is caught", () => {
  const stray = kit.userCommand({
    name: "stray",
    run: (_ctx, n: number) => void MemoryContextAlloc(TopMemoryContext, n),
  }, fc.nat(100));
  const report = reportOf(() =>
    kit.checkAgainstModel(kit.commands("tree"), {
      extraCommands: stray,
      fromEnv: false,
      outDir: null,
    })
  );
  assert.match(
    report,
    /stray\(parent \d+, \d+\): the user code changed contexts outside its own: TopMemoryContext: /,
  );
});

Deno.test("user code that raises something else than out of memory fails the run", () => {
  const broken = kit.userCommand({
    name: "broken",
    run: () => {
      throw new TypeError("parser bug");
    },
  }, fc.constant(0));
  const report = reportOf(() =>
    kit.checkAgainstModel(kit.commands("tree"), {
      extraCommands: broken,
      fromEnv: false,
      outDir: null,
    })
  );
  assert.match(report, /broken\(parent 0, 0\): the user code raised TypeError: parser bug/);
});
