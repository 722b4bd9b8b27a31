/**
 * detect.ts — tells which of the three forms an input is in and dispatches to its reader.
 *
 * Callers (the CLI, tests, embedders) usually have a file and do not know its form. This file
 * decides: CSV by its header, server log by its "logging memory contexts of PID" line,
 * `MemoryContextStats` text by an unindented context line. It also refuses binary input with a
 * typed error before any reader sees it, so random bytes give `BINARY`, not a confusing parse.
 *
 * @module
 */

import { type Dump, type InputForm, MemstatsError, type Reading } from "./model.ts";
import { readCsv } from "./read_csv.ts";
import { readLogReading, throwEmpty } from "./read_log.ts";
import { looksLikeCsvlog, readCsvlogReading } from "./read_csvlog.ts";
import { looksLikeJsonlog, readJsonlogReading } from "./read_jsonlog.ts";
import {
  looksLikePsqlAligned,
  looksLikePsqlExpanded,
  readPsqlAligned,
  readPsqlExpanded,
} from "./read_psql.ts";
import { readStderr } from "./read_stderr.ts";
import type { ReadOptions } from "./tree_builder.ts";

/**
 * The text forms PostgreSQL produces (the same as {@link InputForm}).
 *
 * @example
 * ```ts
 * import { detectForm, type TextForm } from "./mod.ts";
 * const text = "TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used\n";
 * const form: TextForm | undefined = detectForm(text);
 * console.assert(form === "stderr");
 * ```
 */
export type TextForm = InputForm;

const LOG_HEADER = /LOG: {2}(?:[0-9A-Z]{5}: )?logging memory contexts of PID \d+/;
const STDERR_LINE = /^[^\s].*?: \d+ total in \d+ blocks/m;

/**
 * Tells which form a text is in: `log`, `stderr`, `csv`, `csvlog`, `jsonlog`, `psql-aligned`,
 * `psql-expanded`, or `undefined`.
 *
 * @example
 * ```ts
 * import { detectForm } from "./mod.ts";
 * console.assert(detectForm("name,ident,parent,level,total_bytes\n") === "csv");
 * console.assert(detectForm("LOG:  logging memory contexts of PID 7\n") === "log");
 * console.assert(detectForm("TopMemoryContext: 8192 total in 1 blocks; …") === "stderr");
 * console.assert(detectForm("just some text") === undefined);
 * ```
 */
export function detectForm(text: string): TextForm | undefined {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const nl = text.indexOf("\n", start);
  const first = text.slice(start, nl < 0 ? text.length : nl).trim().toLowerCase();
  const cols = first.split(",").map((c) => c.replace(/^"|"$/g, ""));
  if (cols.includes("name") && (cols.includes("total_bytes") || cols.includes("level"))) {
    return "csv";
  }
  const head = text.slice(start, start + 65536);
  const firstRaw = text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, "");
  if (looksLikeJsonlog(firstRaw)) return "jsonlog";
  if (looksLikeCsvlog(head)) return "csvlog";
  if (looksLikePsqlAligned(head)) return "psql-aligned";
  if (looksLikePsqlExpanded(head)) return "psql-expanded";
  if (LOG_HEADER.test(text)) return "log";
  if (STDERR_LINE.test(text)) return "stderr";
  return undefined;
}

const decoder = new TextDecoder("utf-8");

/**
 * Decodes file bytes as UTF-8, throwing {@link MemstatsError} `BINARY` for non-text input.
 *
 * @example
 * ```ts
 * import { decodeInput, MemstatsError } from "./mod.ts";
 * console.assert(decodeInput(new TextEncoder().encode("Grand total")) === "Grand total");
 * try {
 *   decodeInput(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x00]));
 *   console.assert(false, "binary input was accepted");
 * } catch (e) {
 *   console.assert(e instanceof MemstatsError && e.code === "BINARY");
 * }
 * ```
 */
export function decodeInput(bytes: Uint8Array): string {
  if (bytes.includes(0)) {
    throw new MemstatsError("BINARY", "the input holds NUL bytes: it is not a text dump");
  }
  const text = decoder.decode(bytes);
  let bad = 0;
  for (let i = text.indexOf("\ufffd"); i >= 0; i = text.indexOf("\ufffd", i + 1)) bad++;
  if (bad > 8 && bad > text.length / 100) {
    throw new MemstatsError("BINARY", `the input is not UTF-8 text (${bad} undecodable bytes)`);
  }
  return text;
}

/**
 * Options of {@link readDumps}.
 *
 * @example
 * ```ts
 * import { readDumps, type ReadDumpsOptions } from "./mod.ts";
 * const text = "TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used\n";
 * const opts: ReadDumpsOptions = { form: "stderr", source: "gdb.txt" };
 * const [dump] = readDumps(text, opts);
 * console.assert(dump.format === "stderr" && dump.source === "gdb.txt");
 * ```
 */
export interface ReadDumpsOptions extends ReadOptions {
  /** Skip detection and read the input as this form. */
  form?: TextForm;
}

/**
 * Reads every dump in a text or in file bytes, detecting the form. A log or stderr capture may
 * hold several dumps; a CSV holds one. Throws {@link MemstatsError} (`NO_DUMP`, `BINARY`,
 * `BAD_CSV_HEADER`, `EMPTY_DUMP`) when nothing can be read; lines it cannot use inside a dump
 * are listed in `Dump.skipped` with their line numbers.
 *
 * @example
 * ```ts
 * import { readDumps } from "./mod.ts";
 * const block = (pid: number) => `LOG:  logging memory contexts of PID ${pid}
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `;
 * const log = block(101) + "LOG:  checkpoint starting: time\n" + block(102);
 * const dumps = readDumps(new TextEncoder().encode(log), { source: "server.log" });
 * console.assert(dumps.map((d) => d.pid).join() === "101,102" && dumps[1].startLine === 5);
 * ```
 */
export function readDumps(input: string | Uint8Array, options: ReadDumpsOptions = {}): Dump[] {
  const r = readInput(input, options);
  if (r.dumps.length > 0) return r.dumps;
  throwEmpty({ ...r, headers: r.interleaved.length }, "no memory-context dump found");
}

/**
 * Reads an input of any form into a {@link Reading}: its dumps, the tangles of dumps that cannot
 * be told apart (log without `%p`), and dump lines outside any dump. Throws
 * {@link MemstatsError} (`NO_DUMP`, `BINARY`, `BAD_CSV_HEADER`, `EMPTY_DUMP`, `PSQL_FORM`) when
 * nothing can be read.
 *
 * @example
 * ```ts
 * import { readInput } from "./mod.ts";
 * const json = (pid: number, message: string) => JSON.stringify({ pid, error_severity: "LOG", message });
 * const top = "level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used";
 * const grand = "Grand total: 8192 bytes in 1 blocks; 0 free (0 chunks); 8192 used";
 * const lines = [
 *   json(5, "logging memory contexts of PID 5"), json(6, "logging memory contexts of PID 6"),
 *   json(6, top), json(5, top), json(5, grand), json(6, grand),
 * ];
 * const r = readInput(lines.join("\n") + "\n");
 * console.assert(r.form === "jsonlog" && r.dumps.map((d) => d.pid).join() === "5,6");
 * console.assert(r.dumps.every((d) => d.complete && d.skipped.length === 0));
 * ```
 */
export function readInput(input: string | Uint8Array, options: ReadDumpsOptions = {}): Reading {
  const text = typeof input === "string" ? input : decodeInput(input);
  if (typeof input === "string" && text.includes("\u0000")) {
    throw new MemstatsError("BINARY", "the input holds NUL characters: it is not a text dump");
  }
  const form = options.form ?? detectForm(text);
  const one = (d: Dump): Reading => ({ form: form!, dumps: [d], interleaved: [], stray: [] });
  switch (form) {
    case "csv":
      return one(readCsv(text, options));
    case "psql-aligned":
      return one(readPsqlAligned(text, options));
    case "psql-expanded":
      return one(readPsqlExpanded(text, options));
    case "stderr":
      return { form, dumps: readStderr(text, options), interleaved: [], stray: [] };
    case "log":
    case "csvlog":
    case "jsonlog": {
      const read = form === "log"
        ? readLogReading
        : form === "csvlog"
        ? readCsvlogReading
        : readJsonlogReading;
      const r = read(text, options);
      if (r.dumps.length === 0 && r.interleaved.length === 0) {
        throwEmpty(r, `no "logging memory contexts of PID" message in the ${form}`);
      }
      return { form, dumps: r.dumps, interleaved: r.interleaved, stray: r.stray };
    }
    default:
      throw new MemstatsError(
        "NO_DUMP",
        "no memory-context dump found: expected pg_log_backend_memory_contexts() log lines " +
          "(stderr, csvlog or jsonlog), MemoryContextStats() output, or pg_backend_memory_contexts " +
          "as CSV or psql output",
      );
  }
}

/**
 * Reads the first dump of an input (or the `index`-th, 0-based). Throws like {@link readDumps},
 * and `RangeError` when `index` is past the last dump.
 *
 * @example
 * ```ts
 * import { readDump } from "./mod.ts";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * TopMemoryContext: 16384 total in 2 blocks; 384 free (1 chunks); 16000 used
 * `;
 * const second = readDump(text, { index: 1 });
 * console.assert(second.format === "stderr" && second.root.totalBytes === 16384);
 * console.assert(!second.complete); // no Grand total line after it
 * ```
 */
export function readDump(
  input: string | Uint8Array,
  options: ReadDumpsOptions & { index?: number } = {},
): Dump {
  const all = readDumps(input, options);
  const i = options.index ?? 0;
  if (i < 0 || i >= all.length) throw new RangeError(`dump ${i} asked, input has ${all.length}`);
  return all[i];
}
