/**
 * Dense numbering of chunk tokens. Traces name chunks `p1`, `p2`, … and a
 * benchmark trace binds half a million of them, so hashing every token
 * string into a Map dominates parsing. Tokens of the form `p<decimal>` are
 * turned into their number without hashing; any other spelling falls back to
 * a Map. Both the parser (liveness) and the compiler (chunk slots) use it.
 */

const MAX_FAST = 1 << 24;

/** Assigns each distinct token a dense index 0, 1, 2, … in first-seen order. */
export class TokenIndex {
  /** `p<N>` → dense index + 1 (0 = not seen). */
  private fast = new Int32Array(1024);
  private readonly slow = new Map<string, number>();
  private count = 0;

  /** Number of distinct tokens seen. */
  get size(): number {
    return this.count;
  }

  /** The dense index of `token`, or -1 when it has not been added. */
  get(token: string): number {
    const n = fastNumber(token);
    if (n >= 0) return n < this.fast.length ? this.fast[n] - 1 : -1;
    return this.slow.get(token) ?? -1;
  }

  /** The dense index of `token`, adding it when new. */
  add(token: string): number {
    const n = fastNumber(token);
    if (n >= 0) {
      let fast = this.fast;
      if (n >= fast.length) {
        let len = fast.length * 2;
        while (len <= n) len *= 2;
        const grown = new Int32Array(len);
        grown.set(fast);
        this.fast = fast = grown;
      }
      const id = fast[n];
      if (id !== 0) return id - 1;
      fast[n] = ++this.count;
      return this.count - 1;
    }
    const id = this.slow.get(token);
    if (id !== undefined) return id;
    this.slow.set(token, this.count);
    return this.count++;
  }
}

/** N for a token `p<N>` in canonical decimal with N < 2^24, else -1. */
function fastNumber(token: string): number {
  const len = token.length;
  if (len < 2 || len > 9 || token.charCodeAt(0) !== 112 /* p */) return -1;
  let c = token.charCodeAt(1);
  if (c < 48 || c > 57 || (c === 48 && len > 2)) return -1;
  let v = c - 48;
  for (let i = 2; i < len; i++) {
    c = token.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v < MAX_FAST ? v : -1;
}
