/**
 * What the three hardening fuzzers share: a small seeded random generator
 * (runs are reproducible from their seed), the figures they add up, and the
 * failure record a counterexample is written from.
 *
 * A failure is anything the hardening promises rule out: an exception that
 * is not a PgError (or TraceParseError for trace text), a refused call that
 * changed something, a valid call that failed, a corruption that no check
 * noticed and that then did damage.
 */

/** xorshift32: fast, seedable, good enough to pick operations. */
export class Rng {
  #s: number;
  /** A generator starting from `seed` (0 is replaced by a fixed constant). */
  constructor(seed: number) {
    this.#s = (seed >>> 0) || 0x9e3779b9;
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** A size skewed towards small values, sometimes large. */
  size(): number {
    const r = this.int(100);
    if (r < 60) return this.int(129);
    if (r < 90) return this.int(2049);
    if (r < 98) return this.int(40000);
    return this.int(1 << 20);
  }
}

/** The figures a run adds up and prints at the end. */
export interface Figures {
  /** Rounds run: call rounds, trace rounds (vector rounds included), corruption rounds. */
  rounds: [number, number, number];
  /** palloc API calls made (valid and invalid). */
  calls: number;
  /** Calls that were invalid on purpose. */
  invalid: number;
  /** Typed errors (PgError) raised, by valid and invalid calls. */
  errors: number;
  /** Trace texts fed to the parser. */
  traces: number;
  /** Malformed trace lines reported as TraceParseError naming their line. */
  parseErrors: number;
  /** Bytes of heap memory corrupted on purpose. */
  flips: number;
  /** Corruptions a check or an operation reported with a typed error. */
  flipsDetected: number;
  /** Corruptions that went unnoticed but did no harm (unused bytes, high halves). */
  flipsHarmless: number;
  /** Corruptions that went unnoticed and were followed into damage: must stay 0. */
  corruptionsFound: number;
  /** Failures of any kind (each also written as a counterexample). */
  failures: number;
  /** Trace operations of call rounds replayed through the model and the reference palloc. */
  compared: number;
  /** Conformance vectors replayed unchanged, held to PostgreSQL's lines. */
  vectors: number;
}

/** All-zero figures. */
export function newFigures(): Figures {
  return {
    rounds: [0, 0, 0],
    calls: 0,
    invalid: 0,
    errors: 0,
    traces: 0,
    parseErrors: 0,
    flips: 0,
    flipsDetected: 0,
    flipsHarmless: 0,
    corruptionsFound: 0,
    failures: 0,
    compared: 0,
    vectors: 0,
  };
}

/** Adds `b` into `a`. */
export function addFigures(a: Figures, b: Figures): void {
  for (const k of Object.keys(a) as Array<keyof Figures>) {
    if (k === "rounds") a.rounds = a.rounds.map((n, i) => n + b.rounds[i]) as Figures["rounds"];
    else a[k] += b[k];
  }
}

/** A failure: which fuzzer, its seed, what went wrong, and the trace that led there. */
export interface Failure {
  /** "traces", "calls" or "corrupt". */
  fuzzer: string;
  /** The seed that reproduces it. */
  seed: number;
  /** What went wrong. */
  message: string;
  /** The operations up to the failure, as trace text (invalid calls as comments). */
  trace: string;
}

/** Thrown inside a fuzzer to end one round as a failure. */
export class FuzzFailure extends Error {
  /** Marks a broken promise found by a fuzzer. */
  constructor(message: string) {
    super(message);
    this.name = "FuzzFailure";
  }
}

/** A short description of any thrown value. */
export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
