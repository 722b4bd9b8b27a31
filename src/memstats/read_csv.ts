/**
 * read_csv.ts — reads `pg_backend_memory_contexts` exported with `COPY … WITH CSV HEADER`.
 *
 * Two column sets exist. PG 14–16: `name,ident,parent,level,…` with a 0-based level, rows in
 * depth-first order and the parent given only by *name* (ambiguous), so the tree is rebuilt
 * with a depth stack and the parent name is checked against it. PG 17 and later:
 * `name,ident,type,level,path,…` where `path` lists context ids from the root down; the tree is
 * rebuilt from ids, so row order does not matter. A root path of `{1}` means paths include the
 * row's own id (PG 18); an empty root path means they stop at the parent, and row *n* is then
 * taken to have id *n* (the view numbers rows breadth-first). Columns are found by header name,
 * extra columns are ignored, and missing ones raise `BAD_CSV_HEADER`. A NULL ident (unquoted
 * empty field) is left out; an empty-string ident (`""`) is kept.
 *
 * @module
 */

import {
  type Dump,
  makeNode,
  type MemNode,
  MemstatsError,
  type SkippedLine,
  walk,
} from "./model.ts";
import { type CsvRecord, parseCsv, recordText } from "./csv.ts";
import { toInt } from "./text_grammar.ts";
import type { ReadOptions } from "./tree_builder.ts";

const NUMERIC = ["total_bytes", "total_nblocks", "free_bytes", "free_chunks", "used_bytes"];
const REQUIRED = ["name", "ident", "level", ...NUMERIC];

interface Row {
  node: MemNode;
  level: number;
  rec: CsvRecord;
  path?: number[];
  parentName?: string;
  index: number; // 1-based among data records
}

/**
 * Reads a `pg_backend_memory_contexts` CSV (`COPY … WITH CSV HEADER`), PG 14–16 or 17+ columns.
 *
 * @example
 * ```ts
 * import { readCsv } from "./mod.ts";
 * const dump = readCsv([
 *   "name,ident,type,level,path,total_bytes,total_nblocks,free_bytes,free_chunks,used_bytes",
 *   "TopMemoryContext,,AllocSet,1,{1},8192,1,192,0,8000",
 *   'TopPortalContext,,AllocSet,2,"{1,2}",8192,1,7936,0,256',
 *   'PortalContext,<unnamed>,AllocSet,3,"{1,2,3}",1024,1,592,0,432',
 * ].join("\n"));
 * console.assert(dump.csvColumns === "path" && dump.levelBase === 1);
 * console.assert(dump.root.children[0].children[0].ident === "<unnamed>");
 * ```
 */
export function readCsv(text: string, options: ReadOptions = {}): Dump {
  return readViewRecords(parseCsv(text), text, options, "csv");
}

/**
 * Builds the tree from records of the view (a header record, then one per context), whichever
 * text they were split from: COPY/psql CSV here, psql's aligned or expanded output in
 * `read_psql.ts`.
 */
export function readViewRecords(
  records: CsvRecord[],
  text: string,
  options: ReadOptions,
  format: "csv" | "psql",
): Dump {
  if (records.length === 0) throw new MemstatsError("NO_DUMP", "the CSV input is empty");
  const header = records[0].fields.map((f) => f.trim().toLowerCase());
  const col = new Map<string, number>();
  header.forEach((h, i) => col.has(h) || col.set(h, i));
  const missing = REQUIRED.filter((c) => !col.has(c));
  const mode = col.has("path") ? "path" : col.has("parent") ? "parent" : undefined;
  if (mode === undefined) missing.push("path (PG 17+) or parent (PG 14-16)");
  if (missing.length > 0) {
    throw new MemstatsError(
      "BAD_CSV_HEADER",
      `CSV header lacks column(s): ${missing.join(", ")}; expected the columns of ` +
        "pg_backend_memory_contexts (name,ident,[type,]level,path|parent,total_bytes," +
        "total_nblocks,free_bytes,free_chunks,used_bytes)",
      records[0].line,
    );
  }
  const skipped: SkippedLine[] = [];
  const skip = (rec: CsvRecord, reason: SkippedLine["reason"], detail: string) =>
    skipped.push({ line: rec.line, reason, text: recordText(text, rec), detail });

  const cols = colsOf(col);
  const rows: Row[] = [];
  for (let r = 1; r < records.length; r++) {
    if (options.onProgress !== undefined && r % 50_000 === 0) {
      options.onProgress(r, records.length);
    }
    const rec = records[r];
    const lastRec = r === records.length - 1;
    if (rec.problem !== undefined) {
      const truncated = rec.problem === "unterminated quoted field";
      skip(rec, truncated ? "truncated" : "unreadable", rec.problem);
      continue;
    }
    if (rec.fields.length !== header.length) {
      const reason = lastRec && rec.fields.length < header.length ? "truncated" : "unreadable";
      skip(rec, reason, `${rec.fields.length} fields, header has ${header.length}`);
      continue;
    }
    const row = toRow(rec, cols, r);
    if (typeof row === "string") skip(rec, lastRec ? "truncated" : "unreadable", row);
    else rows.push(row);
  }
  options.onProgress?.(records.length, records.length);
  if (rows.length === 0) throw new MemstatsError("EMPTY_DUMP", "no readable row in the CSV");
  const built = mode === "path" ? linkByPath(rows, skip) : linkByParent(rows, skip);
  skipped.sort((a, b) => a.line - b.line);
  const dump: Dump = {
    format,
    levelBase: built.levelBase,
    root: built.root,
    csvColumns: mode!,
    complete: !skipped.some((s) => s.reason === "truncated"),
    skipped,
    startLine: records[0].line,
    endLine: records[records.length - 1].line,
  };
  if (options.source !== undefined) dump.source = options.source;
  return dump;
}

/** Column positions, looked up once. */
interface Cols {
  name: number;
  ident: number;
  type: number; // -1 when absent
  level: number;
  path: number; // -1 when absent
  parent: number; // -1 when absent
  nums: number[]; // NUMERIC order
}

function colsOf(col: Map<string, number>): Cols {
  return {
    name: col.get("name")!,
    ident: col.get("ident")!,
    type: col.get("type") ?? -1,
    level: col.get("level")!,
    path: col.get("path") ?? -1,
    parent: col.get("parent") ?? -1,
    nums: NUMERIC.map((c) => col.get(c)!),
  };
}

/** A non-negative decimal integer that fits exactly, else undefined. */
function wholeNumber(s: string): number | undefined {
  if (s.length === 0) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return toInt(s);
}

/** Parses `{1,2,3}` (spaces allowed); undefined when malformed. */
function parsePath(raw: string): number[] | undefined {
  const t = raw.trim();
  if (t.length < 2 || t.charCodeAt(0) !== 123 || t.charCodeAt(t.length - 1) !== 125) {
    return undefined;
  }
  const inner = t.slice(1, -1).trim();
  if (inner === "") return [];
  const parts = inner.split(",");
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const v = wholeNumber(parts[i].trim());
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}

function toRow(rec: CsvRecord, c: Cols, index: number): Row | string {
  const f = rec.fields;
  const level = wholeNumber(f[c.level]);
  const totalBytes = wholeNumber(f[c.nums[0]]);
  const nblocks = wholeNumber(f[c.nums[1]]);
  const freeBytes = wholeNumber(f[c.nums[2]]);
  const freeChunks = wholeNumber(f[c.nums[3]]);
  const usedBytes = wholeNumber(f[c.nums[4]]);
  if (
    level === undefined || totalBytes === undefined || nblocks === undefined ||
    freeBytes === undefined || freeChunks === undefined || usedBytes === undefined
  ) {
    return "a level or size field is not a whole number that fits exactly";
  }
  const node = makeNode(f[c.name], { totalBytes, nblocks, freeBytes, freeChunks, usedBytes });
  node.line = rec.line;
  if (f[c.ident] !== "" || rec.quoted[c.ident]) node.ident = f[c.ident];
  if (c.type >= 0 && f[c.type] !== "") node.type = f[c.type];
  const row: Row = { node, level, rec, index, path: undefined, parentName: undefined };
  if (c.parent >= 0 && c.path < 0) {
    row.parentName = f[c.parent];
    return row;
  }
  const path = parsePath(f[c.path]);
  if (path === undefined) return "path is not an integer array like {1,2,3}";
  row.path = path;
  return row;
}

type Skip = (rec: CsvRecord, reason: SkippedLine["reason"], detail: string) => void;
interface Built {
  root: MemNode;
  levelBase: number;
}

function pickRoot(rows: Row[]): Row {
  let root = rows[0];
  for (const r of rows) if (r.level < root.level) root = r;
  return root;
}

/** Fixes `level` from the real tree and reports rows that never got attached to the root. */
function finishTree(
  root: Row,
  rows: Row[],
  placed: (r: Row, k: number) => boolean,
  considered: (r: Row, k: number) => boolean,
  skip: Skip,
): Built {
  walk(root.node, (n, p) => (n.level = p === undefined ? 0 : p.level + 1));
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (considered(r, k) && !placed(r, k)) {
      skip(r.rec, "orphan", "its parent context is not in the dump");
    }
  }
  return { root: root.node, levelBase: root.level };
}

function linkByPath(rows: Row[], skip: Skip): Built {
  const root = pickRoot(rows);
  const rootK = rows.indexOf(root);
  const selfIncluded = root.path!.length > 0;
  const n = rows.length;
  const idOf = (r: Row) => selfIncluded ? r.path![r.path!.length - 1] : r.index;
  const byId = new Map<number, number>(); // id -> row position
  const alive = new Uint8Array(n);
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    const id = idOf(r);
    if (id === undefined || byId.has(id)) {
      skip(r.rec, "unreadable", id === undefined ? "empty path" : `duplicate context id ${id}`);
      continue;
    }
    byId.set(id, k);
    alive[k] = 1;
    order.push(k);
  }
  // Link children to parents in id order: ids are handed out breadth-first along each child
  // list, so ascending ids restore the sibling order even if the rows were re-sorted.
  if (order.some((k, i) => i > 0 && idOf(rows[k])! < idOf(rows[order[i - 1]])!)) {
    order.sort((a, b) => idOf(rows[a])! - idOf(rows[b])!);
  }
  const parentOf = new Int32Array(n).fill(-1);
  for (const k of order) {
    if (k === rootK) continue;
    const p = rows[k].path!;
    const parentId = selfIncluded ? p[p.length - 2] : p[p.length - 1];
    const pk = parentId === undefined ? undefined : byId.get(parentId);
    if (pk === undefined || pk === k) continue; // reported as orphan below
    parentOf[k] = pk;
    rows[pk].node.children.push(rows[k].node);
  }
  // Which rows reach the root? 0 unknown, 1 yes, 2 no, 3 being visited (a cycle ends there).
  const state = new Uint8Array(n);
  state[rootK] = 1;
  const chain: number[] = [];
  for (const k of order) {
    chain.length = 0;
    let cur = k;
    while (cur >= 0 && state[cur] === 0) {
      state[cur] = 3;
      chain.push(cur);
      cur = parentOf[cur];
    }
    const ok = cur >= 0 && state[cur] === 1;
    for (const c of chain) state[c] = ok ? 1 : 2;
  }
  return finishTree(
    root,
    rows,
    (_, k) => alive[k] === 1 && state[k] === 1,
    (_, k) => alive[k] === 1,
    skip,
  );
}

function linkByParent(rows: Row[], skip: Skip): Built {
  const root = rows[0];
  const placed = new Set<Row>([root]);
  const stack: Row[] = [root];
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i];
    const depth = r.level - root.level;
    if (depth < 1 || depth > stack.length) {
      skip(r.rec, "orphan", `level ${r.level} has no parent above it (rows out of order?)`);
      continue;
    }
    const parent = stack[depth - 1];
    if (parent.node.name !== r.parentName) {
      skip(
        r.rec,
        "orphan",
        `parent column says "${r.parentName}" but the context above is "${parent.node.name}"`,
      );
      continue;
    }
    parent.node.children.push(r.node);
    placed.add(r);
    stack.length = depth;
    stack.push(r);
  }
  return finishTree(root, [], () => true, () => false, skip);
}
