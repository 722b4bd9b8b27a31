/**
 * The project's own properties, run through the public testing kit
 * (`src/testing/`, exported as `@palloc/palloc/testing`) with the dev
 * dependency fast-check: the same runner, commands and checks a user gets,
 * so there is one implementation. `tools/fuzz.ts` imports this file too.
 */
import fc from "fast-check";
import {
  PROPERTIES,
  type PropertyConfig,
  type RunParams,
  runProperty as runWith,
  type RunResult,
  testProperty as testWith,
} from "../../src/testing/runner.ts";

export { counters } from "../../src/testing/world.ts";
export { PROPERTIES, type PropertyConfig };

/** Runs property `cfg` once with `params` (see `src/testing/runner.ts`). */
export function runProperty(cfg: PropertyConfig, params: RunParams = {}): RunResult {
  return runWith(fc, cfg, params);
}

/** The `Deno.test` body of property `cfg`: CI-sized, replayable from PALLOC_PROP_* variables. */
export function testProperty(cfg: PropertyConfig): () => void {
  return testWith(fc, cfg);
}
