/**
 * log_prefix.ts — what a `log_line_prefix` tells about a line: the PID, the time, user and db.
 *
 * memstats does not know a server's `log_line_prefix` setting, so it learns where the PID sits
 * from the dump headers themselves: a `logging memory contexts of PID N` line is written by
 * process N, so when `%p` is in the prefix, N appears in that header's prefix. A place in the
 * prefix is named by the characters around a run of digits and how many such runs with the
 * same surroundings precede it (`[` … `]`, first one: `%m [%p] ` and
 * `%t [%p]: [%l-1] user=%u,…` alike). A place is trusted only when every header that has it
 * shows its own PID there, so a prefix change in mid-file simply adds a second place, and a
 * prefix without `%p` yields none. Time (`%m`, `%t`), `user=…`/`db=…`/`app=…` and `user@db`
 * are read by their usual shapes; these are conveniences for reports, never used for routing.
 *
 * @module
 */

/** A run of decimal digits in a prefix and the name of its place. */
interface DigitRun {
  value: string;
  place: string;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The digit runs of a prefix with their place names (`before|after|ordinal`). */
function digitRuns(prefix: string): DigitRun[] {
  const runs: DigitRun[] = [];
  const seen = new Map<string, number>();
  let i = 0;
  while (i < prefix.length) {
    if (!isDigit(prefix.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < prefix.length && isDigit(prefix.charCodeAt(i))) i++;
    // A digit run glued to letters (hex session ids, `%c`) is not a place a PID can be.
    const before = start > 0 ? prefix[start - 1] : "^";
    const after = i < prefix.length ? prefix[i] : "$";
    if (/[A-Za-z]/.test(before) || /[A-Za-z]/.test(after)) continue;
    const key = `${before}|${after}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    runs.push({ value: prefix.slice(start, i), place: `${key}|${k}` });
  }
  return runs;
}

/**
 * Learns where the PID sits in a file's prefixes from its dump headers (prefix + the PID the
 * header names). Returns the trusted places, most used first; empty when no prefix has `%p`.
 */
export function learnPidPlaces(headers: { prefix: string; pid: number }[]): string[] {
  const ok = new Map<string, number>();
  const bad = new Set<string>();
  for (const h of headers) {
    const pid = String(h.pid);
    for (const r of digitRuns(h.prefix)) {
      if (r.value === pid) ok.set(r.place, (ok.get(r.place) ?? 0) + 1);
      else bad.add(r.place);
    }
  }
  return [...ok.entries()].filter(([p]) => !bad.has(p)).sort((a, b) => b[1] - a[1]).map((e) =>
    e[0]
  );
}

/** The PID a line's prefix shows at one of the learned places, or `undefined`. */
export function pidFromPrefix(prefix: string, places: string[]): number | undefined {
  if (places.length === 0 || prefix.length === 0) return undefined;
  const runs = digitRuns(prefix);
  for (const place of places) {
    for (const r of runs) if (r.place === place) return Number(r.value);
  }
  return undefined;
}

const TIME_RE =
  /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: ([A-Za-z][A-Za-z0-9+-]{1,5}|[+-]\d\d(?::?\d\d)?)(?=[\s\]]|$))?/;
const USER_RE = /(?:^|[\s,;])user=([^,\s;]*)/;
const DB_RE = /(?:^|[\s,;])db=([^,\s;]*)/;
const APP_RE = /(?:^|[\s,;])app=([^,;]*?)(?=,|;|\s\S+=|\s*$)/;
const AT_RE = /(?:^|\s)([A-Za-z_][\w$.-]*)@([A-Za-z_][\w$.-]*)(?=\s|$|[\],:])/;

/** Facts a prefix shows besides the PID (each only when found). */
export interface PrefixFacts {
  /** `%m` or `%t`, as printed. */
  time?: string;
  /** `%u`. */
  user?: string;
  /** `%d`. */
  database?: string;
  /** `%a`. */
  application?: string;
}

/** Reads time, user, database and application from a prefix by their common shapes. */
export function prefixFacts(prefix: string): PrefixFacts {
  const f: PrefixFacts = {};
  if (prefix.length === 0) return f;
  const t = TIME_RE.exec(prefix);
  if (t !== null) f.time = t[2] === undefined ? t[1] : `${t[1]} ${t[2]}`;
  const u = USER_RE.exec(prefix);
  const d = DB_RE.exec(prefix);
  if (u !== null && u[1] !== "" && u[1] !== "[unknown]") f.user = u[1];
  if (d !== null && d[1] !== "" && d[1] !== "[unknown]") f.database = d[1];
  const a = APP_RE.exec(prefix);
  if (a !== null && a[1] !== "" && a[1] !== "[unknown]") f.application = a[1];
  if (u === null && d === null) {
    const at = AT_RE.exec(prefix.slice(t === null ? 0 : t.index + t[0].length));
    if (at !== null) {
      f.user = at[1];
      f.database = at[2];
    }
  }
  return f;
}
