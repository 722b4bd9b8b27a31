/**
 * The benchmarks' one warm-up rule: replay until V8 has had time to finish
 * optimising, not a fixed count. V8 compiles the replay loop's optimised code
 * on a background thread, and for the whole replay with palloc inlined that
 * takes 15–20 ms; a workload that replays in 7 ms (bump-sort) would have its
 * first timed runs in the code that runs while that compile is pending. So a
 * system is replayed at least `WARMUP_MIN_RUNS` times and until
 * `WARMUP_MIN_MS` of replays have gone by — unless a single replay takes
 * longer than that (a slow peer), which then warms up once.
 */

/** Fewest warm-up replays. */
export const WARMUP_MIN_RUNS = 5;
/** Least time spent warming up, in milliseconds. */
export const WARMUP_MIN_MS = 300;

/**
 * Runs `setup` then `fn` until the rule above is met; returns how many
 * warm-up replays it took.
 *
 * @example
 * ```ts
 * import { warmUp } from "./warmup.ts";
 * let n = 0;
 * const runs = warmUp(() => n++, () => {});
 * console.assert(runs >= 5 && n === runs);
 * ```
 */
export function warmUp(fn: () => void, setup: () => void, minMs = WARMUP_MIN_MS): number {
  const start = performance.now();
  let runs = 0;
  for (;;) {
    setup();
    const t0 = performance.now();
    fn();
    runs++;
    const took = performance.now() - t0;
    if (runs === 1 && took > minMs) return runs;
    if (runs >= WARMUP_MIN_RUNS && performance.now() - start >= minMs) return runs;
  }
}
