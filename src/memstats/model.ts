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
 * import { readDump, type Totals } from "./mod.ts";
 * const dump = readDump(`LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * const t: Totals = dump.grandTotal!;
 * console.assert(t.totalBytes === 8192 && t.usedBytes === t.totalBytes - t.freeBytes);
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
 * import { type MemNode, readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ExecutorState: 8192 total in 1 blocks; 7552 free (0 chunks); 640 used
 *   3 more child contexts containing 24576 total in 3 blocks; 23856 free (9 chunks); 720 used
 * `;
 * const root: MemNode = readDump(text).root;
 * const [child, summary] = root.children;
 * console.assert(child.name === "ExecutorState" && child.level === 1 && child.type === "AllocSet");
 * console.assert(summary.name === "3 more child contexts" && summary.summarizedCount === 3);
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
 * import { type DumpFormat, readDump } from "./mod.ts";
 * const csv = [
 *   "name,ident,parent,level,total_bytes,total_nblocks,free_bytes,free_chunks,used_bytes",
 *   "TopMemoryContext,,,0,8192,1,192,0,8000",
 * ].join("\n");
 * const format: DumpFormat = readDump(csv).format;
 * console.assert(format === "csv");
 * ```
 */
export type DumpFormat = "log" | "stderr" | "csv" | "csvlog" | "jsonlog" | "psql" | "tree";

/**
 * Why a line was not used.
 *
 * @example
 * ```ts
 * import { readDump, type SkipReason } from "./mod.ts";
 * const dump = readDump(`LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  checkpoint starting: time
 * LOG:  level: 3; ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `);
 * const reasons: SkipReason[] = dump.skipped.map((s) => s.reason);
 * console.assert(reasons.join() === "interleaved,orphan"); // level 3 has no level-2 parent
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
 * import { readDumps, type SkippedLine } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 *   MessageContext: 8192 total in 1 blo`; // the capture was cut off
 * const skipped: SkippedLine[] = readDumps(text)[0].skipped;
 * console.assert(skipped.length === 1 && skipped[0].line === 3);
 * console.assert(skipped[0].reason === "truncated" && skipped[0].text.endsWith("in 1 blo"));
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
 * import { type Dump, readDump } from "./mod.ts";
 * const d: Dump = readDump(`LOG:  logging memory contexts of PID 4242
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * console.assert(d.format === "log" && d.pid === 4242 && d.levelBase === 1 && d.complete);
 * console.assert(d.startLine === 1 && d.endLine === 3 && d.skipped.length === 0);
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
  /** When the dump was logged: the `%m`/`%t` prefix field or the csvlog/jsonlog timestamp. */
  time?: string;
  /** Session user, when the log says (csvlog/jsonlog, or `user=%u` / `%u@%d` in the prefix). */
  user?: string;
  /** Database, when the log says. */
  database?: string;
  /** `application_name`, when the log says. */
  application?: string;
  /** `backend_type` (csvlog/jsonlog), e.g. `client backend`, `checkpointer`. */
  backendType?: string;
}

/**
 * Dumps of several processes whose lines cannot be told apart: their header lines overlap and
 * the `log_line_prefix` has no `%p`. They are reported, never guessed at.
 *
 * @example
 * ```ts
 * import { readInput } from "./mod.ts";
 * const head = (pid: number) => `LOG:  logging memory contexts of PID ${pid}`;
 * const top = "LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used";
 * const grand = "LOG:  Grand total: 8192 bytes in 1 blocks; 0 free (0 chunks); 8192 used";
 * const r = readInput([head(1), top, head(2), top, grand, grand].join("\n") + "\n");
 * console.assert(r.dumps.length === 0 && r.interleaved[0].pids.join() === "1,2");
 * console.assert(r.interleaved[0].startLine === 1 && r.interleaved[0].endLine === 6);
 * ```
 */
export interface Interleaving {
  /** The PIDs their header lines name, in order. */
  pids: number[];
  /** 1-based lines of those headers. */
  headerLines: number[];
  /** First line of the tangle. */
  startLine: number;
  /** Last line of the tangle. */
  endLine: number;
  /** Times of the headers, when the prefix shows them. */
  time?: string;
}

/**
 * Everything read from one input: the dumps, the tangles that could not be split, and dump-like
 * lines that belong to no dump (for example a process whose header line is not in the file).
 *
 * @example
 * ```ts
 * import { readInput } from "./mod.ts";
 * const r = readInput(`2026-01-01 10:00:00 UTC [7] LOG:  logging memory contexts of PID 7
 * 2026-01-01 10:00:00 UTC [7] LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used
 * 2026-01-01 10:00:00 UTC [9] LOG:  level: 2; Lost: 1024 total in 1 blocks; 0 free (0 chunks); 1024 used
 * 2026-01-01 10:00:00 UTC [7] LOG:  Grand total: 8192 bytes in 1 blocks; 0 free (0 chunks); 8192 used
 * `);
 * console.assert(r.form === "log" && r.dumps[0].pid === 7 && r.dumps[0].complete);
 * console.assert(r.dumps[0].time === "2026-01-01 10:00:00 UTC");
 * console.assert(r.stray.length === 1 && r.stray[0].line === 3); // PID 9 has no header here
 * ```
 */
export interface Reading {
  /** Which form the input was in. */
  form: InputForm;
  /** The dumps, in the order their first lines appear. */
  dumps: Dump[];
  /** Dumps that could not be told apart (no `%p` in the prefix). */
  interleaved: Interleaving[];
  /** Dump lines outside any dump, with line numbers. */
  stray: SkippedLine[];
}

/**
 * The input forms memstats reads.
 *
 * @example
 * ```ts
 * import { detectForm, type InputForm } from "./mod.ts";
 * const form: InputForm | undefined = detectForm('{"timestamp":"2026-01-01 10:00:00 UTC","pid":7,"message":"x"}\n');
 * console.assert(form === "jsonlog");
 * ```
 */
export type InputForm =
  | "log" // a stderr log file (any log_line_prefix), gdb MemoryContextStats blocks included
  | "stderr" // MemoryContextStats() text alone
  | "csv" // pg_backend_memory_contexts as COPY CSV or psql --csv
  | "csvlog" // log_destination = csvlog
  | "jsonlog" // log_destination = jsonlog
  | "psql-aligned" // psql's default table output
  | "psql-expanded"; // psql -x

/**
 * Machine-readable error kinds.
 *
 * @example
 * ```ts
 * import { MemstatsError, type MemstatsErrorCode, readDumps } from "./mod.ts";
 * let code: MemstatsErrorCode | undefined;
 * try {
 *   readDumps(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x00])); // an ELF header, not a dump
 * } catch (e) {
 *   if (e instanceof MemstatsError) code = e.code;
 * }
 * console.assert(code === "BINARY");
 * ```
 */
export type MemstatsErrorCode =
  | "NO_DUMP" // nothing that looks like a memory-context dump
  | "BINARY" // input is not text
  | "BAD_CSV_HEADER" // CSV header lacks required columns
  | "EMPTY_DUMP" // a block was found but no context in it could be read
  | "INTERLEAVED" // only dumps of several processes that cannot be told apart (add %p)
  | "PSQL_FORM"; // psql output in a form that cannot be read back (the message says which to use)

/**
 * The error every memstats reader throws for input it cannot use at all.
 *
 * @example
 * ```ts
 * import { MemstatsError, readDumps } from "./mod.ts";
 * let error: unknown;
 * try {
 *   readDumps("name,level\nTopMemoryContext,1\n"); // a CSV, but not pg_backend_memory_contexts
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof MemstatsError && error.code === "BAD_CSV_HEADER");
 * console.assert(error instanceof MemstatsError && error.line === 1);
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
 * import { emptyTotals } from "./mod.ts";
 * const t = emptyTotals();
 * console.assert(t.totalBytes === 0 && t.nblocks === 0 && t.freeBytes === 0 && t.usedBytes === 0);
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
 * import { addTotals, emptyTotals, readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const root = readDump(text).root;
 * const sum = addTotals(addTotals(emptyTotals(), root), root.children[0]);
 * console.assert(sum.totalBytes === 16384 && sum.freeChunks === 3 && sum.usedBytes === 8240);
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
 * import { ownTotals, readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const own = ownTotals(readDump(text).root);
 * console.assert(own.totalBytes === 8192 && own.usedBytes === 8000); // children not included
 * console.assert(Object.keys(own).length === 5); // just the five figures
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
 * import { readDump, walk } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   TopPortalContext: 8192 total in 1 blocks; 7936 free (0 chunks); 256 used
 *     PortalContext: 1024 total in 1 blocks; 592 free (0 chunks); 432 used: <unnamed>
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const seen: string[] = [];
 * walk(readDump(text).root, (n, parent) => seen.push(`${parent?.name ?? "-"} > ${n.name}`));
 * console.assert(seen[2] === "TopPortalContext > PortalContext" && seen.length === 4);
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
 * import { countNodes, readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 *   5 more child contexts containing 40960 total in 5 blocks; 39760 free (5 chunks); 1200 used
 * `;
 * console.assert(countNodes(readDump(text).root) === 3); // the summary line counts once
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
 * import { isSummary, readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 *   5 more child contexts containing 40960 total in 5 blocks; 39760 free (5 chunks); 1200 used
 * `;
 * const [error, more] = readDump(text).root.children;
 * console.assert(!isSummary(error) && isSummary(more) && more.summarizedCount === 5);
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
