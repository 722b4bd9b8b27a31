/**
 * CI's bounded slice of `deno task fuzz` (its hardening part): a fixed number of rounds of the
 * three fuzzers (mutated traces and conformance vectors, API calls with invalid ones mixed in,
 * corrupted bytes under checking mode) from a fixed seed, so a run is the same on every machine
 * and a failure reproduces. Its 200 call rounds walk both modes and all three bases (0, past
 * 2^31, near 2^32), with and without acting callbacks, and each one's compared trace is
 * replayed against the reference palloc and the model (`fuzz/oracle.ts`). Nothing may fail and
 * no corruption may go undetected and be followed.
 */
import assert from "node:assert/strict";
import { runHardeningFuzz } from "./fuzz/run.ts";
import type { Failure } from "./fuzz/common.ts";
import { callShape } from "./fuzz/calls.ts";

const SEED = 20261124;
const ROUNDS = 400;

Deno.test("a bounded slice of the hardening fuzzers finds nothing", async () => {
  const failures: Failure[] = [];
  const f = await runHardeningFuzz({
    ms: 0,
    rounds: ROUNDS,
    seed: SEED,
    onFailure: (x) => failures.push(x),
  });
  assert.deepEqual(
    failures.map((x) => `${x.fuzzer}:${x.seed}: ${x.message}`),
    [],
    "replay one with: deno task fuzz --replay FUZZER:SEED",
  );
  assert.equal(f.corruptionsFound, 0);
  assert.equal(f.flips, f.flipsDetected + f.flipsHarmless);
  // Every fuzzer ran, the oracles compared, and vectors were held to PostgreSQL.
  assert.ok(f.invalid > 10_000 && f.traces > 50 && f.flips > 50, JSON.stringify(f));
  assert.ok(f.compared > 20_000 && f.vectors >= 2, JSON.stringify(f));
});

Deno.test("the slice's call rounds cover both modes, three bases, callbacks or not", () => {
  const shapes = new Set<string>();
  for (let k = 0; k < ROUNDS; k += 2) { // call rounds: k % 4 is 0 or 2 (run.ts)
    const s = callShape(SEED + k);
    shapes.add(`${s.checking} ${s.base} ${s.callbacks}`);
  }
  assert.equal(shapes.size, 12);
});
