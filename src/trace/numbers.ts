/**
 * Exact unsigned 64-bit decimals, the only kind of number a trace holds.
 * Parsing must never round: values up to 2^53 become `number`s (fast path, no
 * BigInt involved for short tokens), larger ones `bigint`s. Only canonical
 * spellings are accepted (no sign, no leading zeros, no spaces), so writing a
 * parsed value back gives the same text.
 */
import type { Size } from "./types.ts";

const TWO_POW_53 = 2n ** 53n;
const U64_MAX = 2n ** 64n - 1n;

/**
 * Parses a canonical unsigned 64-bit decimal. Returns the value (a `number`
 * when ≤ 2^53, else a `bigint`), or `undefined` when `token` is not one.
 */
export function parseU64(token: string): Size | undefined {
  const n = token.length;
  if (n === 0 || n > 20) return undefined;
  const first = token.charCodeAt(0);
  if (first < 48 || first > 57 || (first === 48 && n > 1)) return undefined;
  if (n <= 15) {
    // At most 15 digits: always exact in a double.
    let v = first - 48;
    for (let i = 1; i < n; i++) {
      const c = token.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      v = v * 10 + (c - 48);
    }
    return v;
  }
  for (let i = 1; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const big = BigInt(token);
  if (big > U64_MAX) return undefined;
  return big <= TWO_POW_53 ? Number(big) : big;
}

/** True when `v` is a valid Size: a non-negative integer ≤ 2^53, or a bigint in (2^53, 2^64). */
export function isSize(v: unknown): v is Size {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v >= 0 : v === 2 ** 53;
  if (typeof v === "bigint") return v > TWO_POW_53 && v <= U64_MAX;
  return false;
}

/** The decimal text of a size (exact for both representations). */
export function formatU64(v: Size): string {
  return typeof v === "bigint" ? v.toString() : String(v);
}
