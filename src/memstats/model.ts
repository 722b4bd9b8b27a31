/**
 * model.ts — the data model every memstats module shares.
 *
 * Owns the plain tree type ({@link MemNode}) that readers produce and renderers consume, the
 * {@link Dump} envelope around one parsed dump, the typed {@link MemstatsError}, and a few tiny
 * tree helpers (iterative walk, counting, own totals). Everything else in `src/memstats/` depends
 * on this file and nothing here depends on anything else, so the tree type stays usable on its
 * own (for example to feed palloc's live contexts into the renderer).
 *
 * @module
 */

/**
 * Byte and block figures of one context, or a sum of several. All values are plain integers.
 *
 * @example
 * ```ts
 * import { type Totals } from "@palloc/palloc/memstats";
 * const t: Totals = { totalBytes: 8192, nblocks: 1, freeBytes: 192, freeChunks: 0, usedBytes: 8000 };
 * ```
 */
export interface Totals {
  /** Bytes held in blocks (`total_bytes`). */
  totalBytes: number;
  /** Number of blocks (`total_nblocks`). */
  nblocks: number;
  /** Bytes in those blocks not handed out (`free_bytes`). */
  freeBytes: number;
  /** Number of free chunks (`free_chunks`); 0 where the format has no count (Bump). */
  freeChunks: number;
  /** `totalBytes - freeBytes` as the dump reported it (`used_bytes`). */
  usedBytes: number;
}

/**
 * One memory context — the renderer's and analyser's input.
 *
 * The figures are the context's *own* blocks; children are not included (use
 * `subtreeTotals` from `analyze.ts` for sums). A "N more child contexts containing …" line of a
 * text dump becomes a *summary node*: `summarizedCount` is set, its figures are the line's
 * figures, `name` is `"N more child contexts"`, and it has no children.
 *
 * @example
 * ```ts
 * import { type MemNode } from "@palloc/palloc/memstats";
 * const node: MemNode = {
 *   name: "TopMemoryContext", level: 0, totalBytes: 8192, nblocks: 1,
 *   freeBytes: 192, freeChunks: 0, usedBytes: 8000, children: [],
 * };
 * ```
 */
export interface MemNode extends Totals {
  /** Context name, e.g. `CacheMemoryContext`. Not unique. */
  name: string;
  /** Optional identifier (index name, query text, portal name). Absent when the dump has none. */
  ident?: string;
  /** `AllocSet`, `Generation`, `Slab`, `Bump` or any other name; absent when unknown. */
  type?: string;
  /** Depth in this tree: the root is 0, whatever base the source used (see `Dump.levelBase`). */
  level: number;
  /** Children in dump order (PostgreSQL lists the newest child first). */
  children: MemNode[];
  /** Set on summary nodes only: how many contexts the line stands for. */
  summarizedCount?: number;
  /** PG 18 Slab text only: the `<E> empty blocks` figure. */
  emptyBlocks?: number;
  /** Generation text only: the `(<N> chunks)` figure after the block count. */
  allocatedChunks?: number;
  /** 1-based line in the source text where this context was read, when read from text. */
  line?: number;
}

/**
 * Which form a dump was read from. `tree` means built in memory (for example by a walker).
 *
 * @example
 * ```ts
 * import { type DumpFormat } from "@palloc/palloc/memstats";
 * const f: DumpFormat = "csv";
 * ```
 */
export type DumpFormat = "log" | "stderr" | "csv" | "tree";

/**
 * Why a line was not used.
 *
 * @example
 * ```ts
 * import { readDump, type SkipReason } from "@palloc/palloc/memstats";
 * const reasons: SkipReason[] = readDump(await Deno.readFile("server.log")).skipped.map((s) => s.reason);
 * ```
 */
export type SkipReason =
  | "interleaved" // an unrelated line inside a dump block (another process, another message)
  | "foreign" // a dump line whose log_line_prefix names another process
  | "unreadable" // looks like part of the dump but does not follow the grammar
  | "orphan" // parses, but its level has no parent (level jump, second root)
  | "truncated"; // an unfinished record at the end of the input

/**
 * A line the reader could not use, with its 1-based line number in the input.
 *
 * @example
 * ```ts
 * import { readDumps, type SkippedLine } from "@palloc/palloc/memstats";
 * const skipped: SkippedLine[] = readDumps(await Deno.readFile("server.log"))[0].skipped;
 * for (const s of skipped) console.log(s.line, s.reason, s.text);
 * ```
 */
export interface SkippedLine {
  /** 1-based line number in the input text. */
  line: number;
  /** Why it was skipped. */
  reason: SkipReason;
  /** The line (cut to 200 characters). */
  text: string;
  /** Human-readable detail. */
  detail?: string;
}

/**
 * One parsed memory-context dump.
 *
 * @example
 * ```ts
 * import { type Dump, readDump } from "@palloc/palloc/memstats";
 * const d: Dump = readDump(await Deno.readTextFile("dump.log"));
 * console.log(d.format, d.pid, d.complete, d.skipped.length);
 * ```
 */
export interface Dump {
  /** The form it was read from. */
  format: DumpFormat;
  /** The level number the source gave its root: 0 (PG 14–17) or 1 (PG 18 and later). */
  levelBase: number;
  /** The root context (normally TopMemoryContext). */
  root: MemNode;
  /** The dump's own `Grand total` line, when it has one (text forms). */
  grandTotal?: Totals;
  /** Process id from the "logging memory contexts of PID …" line (log form). */
  pid?: number;
  /** CSV column set: `parent` (PG 14–16) or `path` (PG 17 and later). */
  csvColumns?: "parent" | "path";
  /** False when a text block ended without its Grand total line (a truncated or cut dump). */
  complete: boolean;
  /** Lines that were not used, with line numbers. Empty for a clean dump. */
  skipped: SkippedLine[];
  /** 1-based first and last line of the block in the input (0 when not read from text). */
  startLine: number;
  /** 1-based last line of the block in the input. */
  endLine: number;
  /** Label for reports, usually the file name. */
  source?: string;
}

/**
 * Machine-readable error kinds.
 *
 * @example
 * ```ts
 * import { type MemstatsErrorCode, MemstatsError } from "@palloc/palloc/memstats";
 * const isBinary = (e: MemstatsError): boolean => e.code === ("BINARY" satisfies MemstatsErrorCode);
 * ```
 */
export type MemstatsErrorCode =
  | "NO_DUMP" // nothing that looks like a memory-context dump
  | "BINARY" // input is not text
  | "BAD_CSV_HEADER" // CSV header lacks required columns
  | "EMPTY_DUMP"; // a block was found but no context in it could be read

/**
 * The error every memstats reader throws for input it cannot use at all.
 *
 * @example
 * ```ts
 * import { MemstatsError, readDumps } from "@palloc/palloc/memstats";
 * try {
 *   readDumps("not a dump");
 * } catch (e) {
 *   if (e instanceof MemstatsError) console.log(e.code); // "NO_DUMP"
 * }
 * ```
 */
export class MemstatsError extends Error {
  /** What went wrong, for programs. */
  readonly code: MemstatsErrorCode;
  /** 1-based line the problem was found on, when there is one. */
  readonly line?: number;
  /** Builds the error. */
  constructor(code: MemstatsErrorCode, message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = "MemstatsError";
    this.code = code;
    this.line = line;
  }
}

/**
 * A zeroed {@link Totals}.
 *
 * @example
 * ```ts
 * import { emptyTotals } from "@palloc/palloc/memstats";
 * console.log(emptyTotals().totalBytes); // 0
 * ```
 */
export function emptyTotals(): Totals {
  return { totalBytes: 0, nblocks: 0, freeBytes: 0, freeChunks: 0, usedBytes: 0 };
}

/**
 * Adds `b` into `a` (mutates and returns `a`).
 *
 * @example
 * ```ts
 * import { addTotals, emptyTotals } from "@palloc/palloc/memstats";
 * const sum = addTotals(emptyTotals(), { totalBytes: 8192, nblocks: 1, freeBytes: 100, freeChunks: 1, usedBytes: 8092 });
 * ```
 */
export function addTotals(a: Totals, b: Totals): Totals {
  a.totalBytes += b.totalBytes;
  a.nblocks += b.nblocks;
  a.freeBytes += b.freeBytes;
  a.freeChunks += b.freeChunks;
  a.usedBytes += b.usedBytes;
  return a;
}

/**
 * The five figures of a node, copied into a fresh object.
 *
 * @example
 * ```ts
 * import { ownTotals, readDump } from "@palloc/palloc/memstats";
 * const own = ownTotals(readDump(await Deno.readTextFile("dump.log")).root);
 * ```
 */
export function ownTotals(n: Totals): Totals {
  return {
    totalBytes: n.totalBytes,
    nblocks: n.nblocks,
    freeBytes: n.freeBytes,
    freeChunks: n.freeChunks,
    usedBytes: n.usedBytes,
  };
}

/**
 * Visits every node depth-first (pre-order), without recursion.
 *
 * @example
 * ```ts
 * import { readDump, walk } from "@palloc/palloc/memstats";
 * let ctx = 0;
 * walk(readDump(await Deno.readTextFile("dump.log")).root, () => ctx++);
 * ```
 */
export function walk(
  root: MemNode,
  visit: (node: MemNode, parent: MemNode | undefined) => void,
): void {
  const nodes: MemNode[] = [root];
  const parents: (MemNode | undefined)[] = [undefined];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    visit(node, parents.pop());
    const kids = node.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      nodes.push(kids[i]);
      parents.push(node);
    }
  }
}

/**
 * Number of nodes in a tree (a summary node counts once).
 *
 * @example
 * ```ts
 * import { countNodes, readDump } from "@palloc/palloc/memstats";
 * console.log(countNodes(readDump(await Deno.readTextFile("dump.log")).root));
 * ```
 */
export function countNodes(root: MemNode): number {
  let n = 0;
  walk(root, () => n++);
  return n;
}

/**
 * True for a "N more child contexts" summary node.
 *
 * @example
 * ```ts
 * import { isSummary, readDump } from "@palloc/palloc/memstats";
 * const root = readDump(await Deno.readTextFile("dump.log")).root;
 * console.log(root.children.filter(isSummary).length);
 * ```
 */
export function isSummary(node: MemNode): boolean {
  return node.summarizedCount !== undefined;
}

/**
 * A node with every field present (optional ones `undefined`) in one fixed order. The readers
 * build all nodes through this so that they share one object shape, which keeps property
 * access fast on trees of 100,000 contexts. Callers may build nodes any other way.
 */
export function makeNode(name: string, t: Totals, level = 0): MemNode {
  return {
    name,
    ident: undefined,
    type: undefined,
    level,
    totalBytes: t.totalBytes,
    nblocks: t.nblocks,
    freeBytes: t.freeBytes,
    freeChunks: t.freeChunks,
    usedBytes: t.usedBytes,
    children: [],
    summarizedCount: undefined,
    emptyBlocks: undefined,
    allocatedChunks: undefined,
    line: undefined,
  };
}
