/**
 * read_psql.ts — reads `select * from pg_backend_memory_contexts` as psql printed it: the
 * default aligned table (`|`-separated, padded, a `(N rows)` footer) and the `-x` expanded
 * form (`-[ RECORD n ]-` blocks of `column | value`), ASCII or Unicode line style, any
 * border. PG 14–16 columns (`parent`) and PG 17+ (`type`, `path`) are both read, by header.
 *
 * Each table row or record becomes a record of fields, and the tree is built by the same code
 * as for the CSV form (`read_csv.ts`). A value psql split over several lines (an ident with
 * newlines: `+` at the end of the cell, the rest on the next lines) is joined back. psql prints
 * NULL and the empty string alike, so an empty ident is read as none. The `wrapped` format
 * cuts values at the terminal width and cannot be read back: it is refused with a
 * `PSQL_FORM` error that names `--csv` instead.
 *
 * @module
 */

import { type Dump, MemstatsError } from "./model.ts";
import type { CsvRecord } from "./csv.ts";
import { readViewRecords } from "./read_csv.ts";
import type { ReadOptions } from "./tree_builder.ts";

/** Turns Unicode line drawing into ASCII so one parser reads both styles. */
function ascii(line: string): string {
  return line.replace(/[│║]/g, "|").replace(/[─═]/g, "-").replace(/[┼┬┴╪╤╧├┤┌┐└┘]/g, "+");
}

const RULE_RE = /^\+?-+(\+-+)*\+?$/;

/** True when a text looks like psql's aligned output of the view. */
export function looksLikePsqlAligned(text: string): boolean {
  const [a, b] = firstLines(text, 2).map(ascii);
  return a !== undefined && b !== undefined && a.includes("|") && /\bname\b/.test(a) &&
    /\blevel\b/.test(a) && RULE_RE.test(b.trim());
}

/** True when a text looks like psql's expanded (`-x`) output of the view. */
export function looksLikePsqlExpanded(text: string): boolean {
  const [a, b] = firstLines(text, 2).map(ascii);
  return a !== undefined && /^\+?-\[ RECORD 1 \]/.test(a) && b !== undefined &&
    /^\|? *name *\|/.test(b);
}

function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  for (const l of text.split("\n", 50)) {
    if (l.trim() === "") continue;
    out.push(l.replace(/\r$/, ""));
    if (out.length === n) break;
  }
  return out;
}

interface Line {
  text: string;
  no: number;
  start: number;
  end: number;
}

function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  let no = 1;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end).replace(/\r$/, "");
    out.push({ text: ascii(raw), no, start, end });
    start = end + 1;
    no++;
  }
  return out;
}

function cells(line: string, border: boolean): string[] {
  let l = line;
  if (border) l = l.replace(/^\s*\|/, "").replace(/\|\s*$/, "");
  return l.split("|");
}

/**
 * Reads psql's aligned table of `pg_backend_memory_contexts`.
 *
 * @example
 * ```ts
 * import { readPsqlAligned } from "./mod.ts";
 * const text = `       name       | ident |      parent      | level | total_bytes | total_nblocks | free_bytes | free_chunks | used_bytes
 * ------------------+-------+------------------+-------+-------------+---------------+------------+-------------+------------
 *  TopMemoryContext |       |                  |     0 |       97680 |             5 |      13680 |           8 |      84000
 *  ErrorContext     |       | TopMemoryContext |     1 |        8192 |             1 |       7928 |           6 |        264
 * (2 rows)
 * `;
 * const d = readPsqlAligned(text);
 * console.assert(d.format === "psql" && d.root.children[0].name === "ErrorContext");
 * console.assert(d.root.children[0].ident === undefined && d.skipped.length === 0);
 * ```
 */
export function readPsqlAligned(text: string, options: ReadOptions = {}): Dump {
  const lines = linesOf(text);
  let h = 0;
  while (h < lines.length && lines[h].text.trim() === "") h++;
  if (h + 1 >= lines.length || !RULE_RE.test(lines[h + 1].text.trim())) {
    throw wrongForm("no header and rule line (---+---) found");
  }
  const border = lines[h].text.trimStart().startsWith("|");
  const header = cells(lines[h].text, border).map((c) => c.trim());
  const n = header.length;
  const identAt = header.indexOf("ident");
  const records: CsvRecord[] = [{
    fields: header,
    quoted: header.map(() => false),
    line: lines[h].no,
    start: lines[h].start,
    end: lines[h].end,
  }];
  let prev: CsvRecord | undefined;
  let prevCells: string[] = [];
  for (let i = h + 2; i < lines.length; i++) {
    const l = lines[i];
    const t = l.text;
    if (t.trim() === "" || /^\(\d+ rows?\)$/.test(t.trim()) || RULE_RE.test(t.trim())) continue;
    let parts = cells(t, border);
    if (parts.length > n && identAt >= 0) {
      const extra = parts.length - n; // an ident holding "|"
      parts = [
        ...parts.slice(0, identAt),
        parts.slice(identAt, identAt + extra + 1).join("|"),
        ...parts.slice(identAt + extra + 1),
      ];
    }
    const values = parts.map((p) => p.replace(/^ /, "").trimEnd());
    const continuation = prev !== undefined && parts.length === n &&
      values.every((v, k) => v === "" || k === identAt || k === header.indexOf("name")) &&
      /\+$/.test(prevCells[identAt] ?? "");
    if (continuation && prev !== undefined) {
      prev.fields[identAt] = prev.fields[identAt].replace(/ *\+$/, "") + "\n" + values[identAt];
      prevCells = parts.map((p) => p.trimEnd());
      prev.end = l.end;
      continue;
    }
    const rec: CsvRecord = {
      fields: values.map((v) => v.trim()),
      quoted: values.map(() => false),
      line: l.no,
      start: l.start,
      end: l.end,
    };
    if (identAt >= 0 && values[identAt] !== undefined) rec.fields[identAt] = values[identAt];
    records.push(rec);
    prev = rec;
    prevCells = parts.map((p) => p.trimEnd());
  }
  return viewOrForm(records, text, options);
}

/** Builds the tree; a column set that is not the view's becomes a `PSQL_FORM` error. */
function viewOrForm(records: CsvRecord[], text: string, options: ReadOptions): Dump {
  try {
    return readViewRecords(records, text, options, "psql");
  } catch (e) {
    if (e instanceof MemstatsError && e.code === "BAD_CSV_HEADER") {
      throw wrongForm(`the columns are not those of select * from pg_backend_memory_contexts`);
    }
    throw e;
  }
}

/**
 * Reads psql's expanded (`-x`) output of `pg_backend_memory_contexts`.
 *
 * @example
 * ```ts
 * import { readPsqlExpanded } from "./mod.ts";
 * const text = `-[ RECORD 1 ]-+-----------------
 * name          | TopMemoryContext
 * ident         |
 * parent        |
 * level         | 0
 * total_bytes   | 97680
 * total_nblocks | 5
 * free_bytes    | 13680
 * free_chunks   | 8
 * used_bytes    | 84000
 * -[ RECORD 2 ]-+-----------------
 * name          | ErrorContext
 * ident         |
 * parent        | TopMemoryContext
 * level         | 1
 * total_bytes   | 8192
 * total_nblocks | 1
 * free_bytes    | 7928
 * free_chunks   | 6
 * used_bytes    | 264
 * `;
 * const d = readPsqlExpanded(text);
 * console.assert(d.format === "psql" && d.root.children[0].freeChunks === 6);
 * ```
 */
export function readPsqlExpanded(text: string, options: ReadOptions = {}): Dump {
  const lines = linesOf(text);
  const recs: { line: Line; values: Map<string, string>; last?: string }[] = [];
  let cur: (typeof recs)[number] | undefined;
  for (const l of lines) {
    const t = l.text;
    if (/^\+?-\[ RECORD \d+ \]/.test(t)) {
      cur = { line: l, values: new Map() };
      recs.push(cur);
      continue;
    }
    if (cur === undefined || t.trim() === "" || /^\(\d+ rows?\)$/.test(t.trim())) continue;
    const border = t.trimStart().startsWith("|");
    const body = border ? t.replace(/^\s*\| ?/, "").replace(/ ?\|\s*$/, "") : t;
    const bar = body.indexOf("|");
    if (bar < 0) continue;
    const key = body.slice(0, bar).trim();
    const value = body.slice(bar + 1).replace(/^ /, "").trimEnd();
    if (key === "" && cur.last !== undefined) {
      const before = cur.values.get(cur.last) ?? "";
      cur.values.set(cur.last, before.replace(/ *\+$/, "") + "\n" + value);
      continue;
    }
    cur.values.set(key, value);
    cur.last = key;
  }
  if (recs.length === 0) throw wrongForm("no -[ RECORD n ]- block found");
  const header = [...recs[0].values.keys()];
  const records: CsvRecord[] = [{
    fields: header,
    quoted: header.map(() => false),
    line: recs[0].line.no,
    start: recs[0].line.start,
    end: recs[0].line.end,
  }];
  for (const r of recs) {
    const fields = header.map((k) => r.values.get(k) ?? "");
    records.push({
      fields: fields.map((v, k) => (header[k] === "ident" ? v : v.trim())),
      quoted: fields.map(() => false),
      line: r.line.no,
      start: r.line.start,
      end: r.line.end,
    });
  }
  return viewOrForm(records, text, options);
}

function wrongForm(why: string): MemstatsError {
  return new MemstatsError(
    "PSQL_FORM",
    `cannot read this psql output (${why}); print the view with psql --csv ` +
      "(or COPY (SELECT * FROM pg_backend_memory_contexts) TO STDOUT WITH CSV HEADER), " +
      "or in psql's default aligned or -x expanded format, not \\pset format wrapped",
  );
}
