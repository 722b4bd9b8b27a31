/**
 * write.ts — prints a tree back in PostgreSQL's three forms.
 *
 * The writers are the readers' mirror image: a reference dump read and written again gives
 * the same bytes, which is the strongest test the readers have. They also let a tree that did
 * not come from PostgreSQL (palloc's own contexts, a synthetic benchmark tree) be printed in a
 * form existing PostgreSQL tooling understands. Summary nodes ("more child contexts") exist only
 * in the text forms; the CSV writer leaves them out.
 *
 * @module
 */

import { flatTotals } from "./analyze.ts";
import { flatten } from "./flat.ts";
import { type Dump, isSummary, type MemNode, walk } from "./model.ts";
import { formatContextBody, formatGrandBody } from "./text_grammar.ts";

/**
 * Options of {@link writeLog}.
 *
 * @example
 * ```ts
 * import { readDump, writeLog, type WriteLogOptions } from "@palloc/palloc/memstats";
 * const text = `LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `;
 * const opts: WriteLogOptions = { pid: 4242, prefix: "[4242] " };
 * const log = writeLog(readDump(text), opts);
 * console.assert(log.startsWith("[4242] LOG:  logging memory contexts of PID 4242\n"));
 * console.assert(readDump(log).pid === 4242);
 * ```
 */
export interface WriteLogOptions {
  /** PID for the header line (default: the dump's, else 0). */
  pid?: number;
  /** Text put before each `LOG:  ` tag (a `log_line_prefix` result). Default empty. */
  prefix?: string;
}

function grandOf(dump: Dump) {
  return dump.grandTotal ?? flatTotals(flatten(dump.root), 0);
}

/**
 * Prints a dump in the server-log form (`LOG:  level: N; …`), as PostgreSQL would.
 *
 * @example
 * ```ts
 * import { readDump, writeLog } from "@palloc/palloc/memstats";
 * const text = `LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  level: 2; ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * LOG:  Grand total: 16384 bytes in 2 blocks; 8144 free (3 chunks); 8240 used
 * `;
 * console.assert(writeLog(readDump(text)) === text); // PostgreSQL's text, byte for byte
 * ```
 */
export function writeLog(dump: Dump, options: WriteLogOptions = {}): string {
  const prefix = options.prefix ?? "";
  const out: string[] = [
    `${prefix}LOG:  logging memory contexts of PID ${options.pid ?? dump.pid ?? 0}`,
  ];
  const base = dump.levelBase;
  walk(dump.root, (n) => {
    // A summary line carries its parent's level in this form.
    const level = n.level + base - (isSummary(n) ? 1 : 0);
    out.push(`${prefix}LOG:  level: ${level}; ${formatContextBody(n)}`);
  });
  out.push(`${prefix}LOG:  ${formatGrandBody(grandOf(dump))}`);
  return out.join("\n") + "\n";
}

/**
 * Prints a dump in the `MemoryContextStats()` form (two spaces per level).
 *
 * @example
 * ```ts
 * import { readDump, writeStderr } from "@palloc/palloc/memstats";
 * const csv = [
 *   "name,ident,type,level,path,total_bytes,total_nblocks,free_bytes,free_chunks,used_bytes",
 *   "TopMemoryContext,,AllocSet,1,{1},8192,1,192,0,8000",
 *   'ErrorContext,,AllocSet,2,"{1,2}",8192,1,7952,3,240',
 * ].join("\n");
 * const expected = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * Grand total: 16384 bytes in 2 blocks; 8144 free (3 chunks); 8240 used
 * `;
 * console.assert(writeStderr(readDump(csv)) === expected); // the Grand total is computed
 * ```
 */
export function writeStderr(dump: Dump): string {
  const out: string[] = [];
  walk(dump.root, (n) => out.push("  ".repeat(n.level) + formatContextBody(n)));
  out.push(formatGrandBody(grandOf(dump)));
  return out.join("\n") + "\n";
}

/**
 * Options of {@link writeCsv}.
 *
 * @example
 * ```ts
 * import { readDump, writeCsv, type WriteCsvOptions } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const opts: WriteCsvOptions = { columns: "parent", levelBase: 0 }; // PG 14-16 layout
 * const rows = writeCsv(readDump(text), opts).split("\n");
 * console.assert(rows[2] === "ErrorContext,,TopMemoryContext,1,8192,1,7952,3,240");
 * ```
 */
export interface WriteCsvOptions {
  /** `path`: PG 17+ columns, breadth-first rows. `parent`: PG 14–16, depth-first. */
  columns?: "path" | "parent";
  /** Level of the root (default: 1 for `path`, 0 for `parent`). */
  levelBase?: number;
}

function csvField(v: string | undefined, alwaysQuote = false): string {
  if (v === undefined) return "";
  if (alwaysQuote || v === "" || /[",\n\r]/.test(v) || v === "\\.") {
    return `"${v.replaceAll('"', '""')}"`;
  }
  return v;
}

function stats(n: MemNode): string {
  return `${n.totalBytes},${n.nblocks},${n.freeBytes},${n.freeChunks},${n.usedBytes}`;
}

/**
 * Prints a dump as `pg_backend_memory_contexts` CSV (PG 17+ `path` or PG 14–16 `parent` columns).
 *
 * @example
 * ```ts
 * import { readDump, writeCsv } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * `;
 * const rows = writeCsv(readDump(text)).split("\n"); // PG 17+ columns by default
 * console.assert(rows[0].startsWith("name,ident,type,level,path,"));
 * console.assert(rows[2] === 'ErrorContext,,AllocSet,2,"{1,2}",8192,1,7952,3,240');
 * ```
 */
export function writeCsv(dump: Dump, options: WriteCsvOptions = {}): string {
  const columns = options.columns ?? dump.csvColumns ?? "path";
  const base = options.levelBase ?? (columns === "path" ? 1 : 0);
  const out: string[] = [];
  if (columns === "parent") {
    out.push("name,ident,parent,level,total_bytes,total_nblocks,free_bytes,free_chunks,used_bytes");
    const parentName = new Map<MemNode, string>();
    walk(dump.root, (n, p) => {
      if (isSummary(n)) return;
      if (p !== undefined) parentName.set(n, p.name);
      out.push(
        `${csvField(n.name)},${csvField(n.ident)},${csvField(parentName.get(n))},` +
          `${n.level + base},${stats(n)}`,
      );
    });
  } else {
    out.push(
      "name,ident,type,level,path,total_bytes,total_nblocks,free_bytes,free_chunks,used_bytes",
    );
    // Ids are handed out breadth-first, as the view does; a path lists ids root to self.
    const queue: { n: MemNode; path: number[] }[] = [{ n: dump.root, path: [1] }];
    let nextId = 2;
    for (let i = 0; i < queue.length; i++) {
      const { n, path } = queue[i];
      out.push(
        `${csvField(n.name)},${csvField(n.ident)},${csvField(n.type)},` +
          `${n.level + base},${csvField(`{${path.join(",")}}`)},${stats(n)}`,
      );
      for (const c of n.children) {
        if (!isSummary(c)) queue.push({ n: c, path: [...path, nextId++] });
      }
    }
  }
  return out.join("\n") + "\n";
}
