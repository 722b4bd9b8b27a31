/**
 * The worker `driver.ts` runs the hardening fuzzers in (for `deno task fuzz`), so that its
 * main thread can act as a watchdog: were a corrupted link ever to send a
 * walk into an endless loop, the worker stops reporting, and the main thread
 * ends it and records the round that hung as a failure.
 *
 * Messages out: `progress` (figures, the round about to run), `failure`,
 * `done` (final figures). Message in: `{ ms, seed }` to start.
 */
import { runHardeningFuzz } from "./run.ts";

interface Start {
  ms: number;
  seed: number;
}

/** The worker's global scope, as far as this file uses it. */
const scope = self as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent<Start>) => void) | null;
};
const post = (m: unknown) => scope.postMessage(m);

scope.onmessage = async (e: MessageEvent<Start>) => {
  const figures = await runHardeningFuzz({
    ms: e.data.ms,
    seed: e.data.seed,
    onFailure: (failure) => post({ type: "failure", failure }),
    onProgress: (figures, fuzzer, seed) => post({ type: "progress", figures, fuzzer, seed }),
  });
  post({ type: "done", figures });
};
