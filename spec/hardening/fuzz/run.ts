/**
 * Runs the three hardening fuzzers for a time budget (or a round count), interleaved round by
 * round (about half the rounds API calls, a quarter each traces and
 * corruption), from consecutive seeds. Shared by the command (inside its
 * worker) and by the bounded slice CI runs (`spec/hardening/fuzz_slice_test.ts`).
 */
import { loadPallocApi } from "../../../src/trace/api.ts";
import { type Failure, type Figures, FuzzFailure, newFigures } from "./common.ts";
import { callRound } from "./calls.ts";
import { corruptRound } from "./corrupt.ts";
import { loadCorpus, traceRound } from "./traces.ts";

/** Options of `runHardeningFuzz`. */
export interface RunOptions {
  /** Stop starting rounds after this many milliseconds. */
  ms: number;
  /**
   * Run exactly this many rounds instead (`ms` is then ignored): a bounded,
   * reproducible run whatever the machine's speed, as CI's slice is.
   */
  rounds?: number;
  /** Seed of the first round; round k uses seed + k. */
  seed: number;
  /** Calls per API round (default 300). */
  steps?: number;
  /** Called with every failure (the run goes on). */
  onFailure?: (f: Failure) => void;
  /** Called about once a second with the figures so far and the round about to run. */
  onProgress?: (figures: Figures, fuzzer: string, seed: number) => void;
}

const CORPUS_ROOT = new URL("../../../../shared/conformance", import.meta.url).pathname;

/** Runs rounds until the budget is spent; returns the figures. */
export async function runHardeningFuzz(o: RunOptions): Promise<Figures> {
  const api = await loadPallocApi();
  const corpus = loadCorpus(CORPUS_ROOT);
  const figures = newFigures();
  const start = performance.now();
  let lastReport = 0;
  const more = (k: number) =>
    o.rounds !== undefined ? k < o.rounds : performance.now() - start < o.ms;
  for (let k = 0; more(k); k++) {
    const seed = (o.seed + k) >>> 0;
    const which = k % 4 === 1 ? "traces" : k % 4 === 3 ? "corrupt" : "calls";
    const now = performance.now();
    if (o.onProgress !== undefined && now - lastReport > 1000) {
      lastReport = now;
      o.onProgress(figures, which, seed);
    }
    const failure = which === "calls"
      ? callRound(seed, o.steps ?? 300, figures, api)
      : which === "traces"
      ? traceRound(api, corpus, seed, figures)
      : corruptRound(seed, figures, api);
    figures.rounds[which === "calls" ? 0 : which === "traces" ? 1 : 2]++;
    if (failure !== null) {
      figures.failures++;
      o.onFailure?.(failure);
    }
  }
  return figures;
}

/** Runs the one round `fuzzer` ("calls", "traces" or "corrupt") makes from `seed`. */
export async function replayRound(fuzzer: string, seed: number): Promise<Failure | null> {
  const figures = newFigures();
  if (fuzzer === "calls") return callRound(seed, 300, figures, await loadPallocApi());
  if (fuzzer === "corrupt") return corruptRound(seed, figures, await loadPallocApi());
  if (fuzzer === "traces") {
    return traceRound(await loadPallocApi(), loadCorpus(CORPUS_ROOT), seed, figures);
  }
  throw new FuzzFailure(`no fuzzer named ${fuzzer}`);
}
