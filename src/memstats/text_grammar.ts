/**
 * text_grammar.ts — the line grammar shared by the two text forms (server log and stderr).
 *
 * `pg_log_backend_memory_contexts()` and `MemoryContextStats()` print the same three kinds of
 * line: one per context (`<name>: <stats>[: <ident>]`, where the stats wording reveals the
 * context type), a summary line (`<K> more child contexts containing …`) and a `Grand total`
 * line. The two readers differ only in how a line is framed (log tag and `level:` vs
 * indentation), so the parsing and printing of the line bodies lives here, once. The ident
 * clipping the text forms apply (100 bytes, `...`, control characters to spaces) is here too,
 * because comparing a CSV dump with a text dump needs it.
 *
 * @module
 */

import { makeNode, type MemNode, type Totals } from "./model.ts";

// name: T total in B blocks[ (N chunks)]; [E empty blocks; ]F free[ (C chunks)]; U used[: ident]
const CONTEXT_RE =
  /^(.*?): (\d+) total in (\d+) blocks(?: \((\d+) chunks\))?; (?:(\d+) empty blocks; )?(\d+) free(?: \((\d+) chunks\))?; (\d+) used(?:: (.*))?$/;
const MORE_RE =
  /^(\d+) more child contexts containing (\d+) total in (\d+) blocks; (\d+) free \((\d+) chunks\); (\d+) used$/;
const GRAND_RE =
  /^Grand total: (\d+) bytes in (\d+) blocks; (\d+) free \((\d+) chunks\); (\d+) used$/;

/** Parses a decimal digit string; `undefined` when it does not fit exactly in a JS number. */
export function toInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Result of parsing one line body: a node (without level) or an error text. */
export type LineParse = { node: MemNode } | { error: string };

/** Parses `<name>: <stats>[: <ident>]`; returns `undefined` when the body is not of that shape. */
export function parseContextBody(body: string): LineParse | undefined {
  const m = CONTEXT_RE.exec(body);
  if (m === null) return undefined;
  const nums = [m[2], m[3], m[6], m[8]].map(toInt);
  const allocated = toInt(m[4]);
  const empty = toInt(m[5]);
  const freeChunks = m[7] === undefined ? 0 : toInt(m[7]);
  if (
    nums.some((n) => n === undefined) || freeChunks === undefined ||
    (m[4] !== undefined && allocated === undefined) || (m[5] !== undefined && empty === undefined)
  ) {
    return { error: "a number is too large to be exact" };
  }
  const [totalBytes, nblocks, freeBytes, usedBytes] = nums as number[];
  let type = "AllocSet"; // also PG 15's Slab, which prints identically
  if (m[4] !== undefined) type = "Generation";
  else if (m[5] !== undefined) type = "Slab";
  else if (m[7] === undefined) type = "Bump";
  const node = makeNode(m[1], { totalBytes, nblocks, freeBytes, freeChunks, usedBytes });
  node.type = type;
  node.ident = m[9];
  node.allocatedChunks = allocated;
  node.emptyBlocks = empty;
  return { node };
}

/** Parses `<K> more child contexts containing …`; `undefined` when the body is not one. */
export function parseMoreBody(body: string): LineParse | undefined {
  const m = MORE_RE.exec(body);
  if (m === null) return undefined;
  const v = m.slice(1, 7).map(toInt);
  if (v.some((n) => n === undefined)) return { error: "a number is too large to be exact" };
  const [count, totalBytes, nblocks, freeBytes, freeChunks, usedBytes] = v as number[];
  const node = makeNode(`${count} more child contexts`, {
    totalBytes,
    nblocks,
    freeBytes,
    freeChunks,
    usedBytes,
  });
  node.summarizedCount = count;
  return { node };
}

/** Parses `Grand total: …`; `undefined` when the body is not one. */
export function parseGrandBody(body: string): { totals: Totals } | { error: string } | undefined {
  const m = GRAND_RE.exec(body);
  if (m === null) return body.startsWith("Grand total:") ? { error: "bad Grand total" } : undefined;
  const v = m.slice(1, 6).map(toInt);
  if (v.some((n) => n === undefined)) return { error: "a number is too large to be exact" };
  const [totalBytes, nblocks, freeBytes, freeChunks, usedBytes] = v as number[];
  return { totals: { totalBytes, nblocks, freeBytes, freeChunks, usedBytes } };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * An ident as the text forms print it: control characters to spaces, cut at 100 bytes + `...`.
 *
 * @example
 * ```ts
 * import { clipIdent } from "@palloc/palloc/memstats";
 * console.assert(clipIdent("SELECT 1\nFROM t") === "SELECT 1 FROM t");
 * const long = clipIdent("SELECT " + "x, ".repeat(50) + "1");
 * console.assert(long.length === 103 && long.endsWith("...")); // 100 bytes, then "..."
 * ```
 */
export function clipIdent(ident: string): string {
  // deno-lint-ignore no-control-regex
  const clean = ident.replace(/[\x00-\x1f\x7f]/g, " ");
  if (clean.length <= 25) return clean; // at most 4 bytes per UTF-16 unit pair: cannot exceed 100
  const bytes = encoder.encode(clean);
  if (bytes.length <= 100) return clean;
  let cut = 100;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // do not split a character
  return decoder.decode(bytes.subarray(0, cut)) + "...";
}

/** Formats a context's stats the way PostgreSQL does for its type (without name and ident). */
export function formatStats(n: MemNode): string {
  const head = `${n.totalBytes} total in ${n.nblocks} blocks`;
  if (n.type === "Generation") {
    return `${head} (${
      n.allocatedChunks ?? 0
    } chunks); ${n.freeBytes} free (${n.freeChunks} chunks); ${n.usedBytes} used`;
  }
  if (n.type === "Bump") return `${head}; ${n.freeBytes} free; ${n.usedBytes} used`;
  const empty = n.emptyBlocks === undefined ? "" : `${n.emptyBlocks} empty blocks; `;
  return `${head}; ${empty}${n.freeBytes} free (${n.freeChunks} chunks); ${n.usedBytes} used`;
}

/** Formats a whole context line body: `<name>: <stats>[: <clipped ident>]`. */
export function formatContextBody(n: MemNode): string {
  if (n.summarizedCount !== undefined) {
    return `${n.summarizedCount} more child contexts containing ${n.totalBytes} total in ${n.nblocks} blocks; ${n.freeBytes} free (${n.freeChunks} chunks); ${n.usedBytes} used`;
  }
  const ident = n.ident === undefined ? "" : `: ${clipIdent(n.ident)}`;
  return `${n.name}: ${formatStats(n)}${ident}`;
}

/** Formats a Grand total line body. */
export function formatGrandBody(t: Totals): string {
  return `Grand total: ${t.totalBytes} bytes in ${t.nblocks} blocks; ${t.freeBytes} free (${t.freeChunks} chunks); ${t.usedBytes} used`;
}
