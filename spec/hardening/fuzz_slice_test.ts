/**
 * CI's bounded slice of `deno task fuzz` (its hardening part): ten seconds of the three
 * fuzzers (mutated traces, API calls with invalid ones mixed in, corrupted
 * bytes under checking mode) from a fixed seed, so a failure reproduces.
 * Nothing may fail and no corruption may go undetected and be followed.
 */
import assert from "node:assert/strict";
import { runHardeningFuzz } from "./fuzz/run.ts";
import type { Failure } from "./fuzz/common.ts";

Deno.test("a bounded slice of the hardening fuzzers finds nothing", async () => {
  const failures: Failure[] = [];
  const f = await runHardeningFuzz({
    ms: 10_000,
    seed: 20261124,
    onFailure: (x) => failures.push(x),
  });
  assert.deepEqual(
    failures.map((x) => `${x.fuzzer}:${x.seed}: ${x.message}`),
    [],
    "replay one with: deno task fuzz --replay FUZZER:SEED",
  );
  assert.equal(f.corruptionsFound, 0);
  // Every fuzzer ran (the counts depend on the machine's load: no speed is asserted).
  assert.ok(f.invalid > 100 && f.traces > 2 && f.flips > 2, JSON.stringify(f));
  assert.equal(f.flips, f.flipsDetected + f.flipsHarmless);
});
