/**
 * read_log.ts — reads the server-log form written by `pg_log_backend_memory_contexts()`.
 *
 * A block starts at a `LOG:  logging memory contexts of PID <pid>` line and ends at its
 * `LOG:  Grand total: …` line. Everything before the `LOG:  ` tag is the `log_line_prefix`,
 * whatever it is. Unrelated log lines inside a block are skipped and listed; when the header's
 * prefix shows the PID (`%p`), dump lines whose prefix shows another PID are skipped as foreign,
 * so two backends dumping at once can be told apart. The first `level:` line fixes the level
 * base (0 in PG 14–17, 1 in PG 18). A "more child contexts" line carries its *parent's* level.
 * With `log_error_verbosity = verbose` each line has a SQLSTATE after the tag and is followed
 * by a `LOCATION:` line; both are understood. Messages must be in English (`lc_messages = C`),
 * and only the plain-text log format is read (not csvlog or jsonlog).
 *
 * @module
 */

import { type Dump, MemstatsError } from "./model.ts";
import { parseContextBody, parseGrandBody, parseMoreBody } from "./text_grammar.ts";
import { BlockState, PROGRESS_EVERY, type ReadOptions, splitLines } from "./tree_builder.ts";

const TAG = "LOG:  ";
const HEADER_RE = /^(?:[0-9A-Z]{5}: )?logging memory contexts of PID (\d+)\s*$/;
/** `log_error_verbosity = verbose` adds a SQLSTATE after the tag and a LOCATION line. */
const SQLSTATE_RE = /^[0-9A-Z]{5}: /;
const LOCATION = "LOCATION:  ";
const LEVEL_RE = /^level: (\d+); (.*)$/;

function pidToken(pid: number): RegExp {
  return new RegExp(`(?<!\\d)${pid}(?!\\d)`);
}

/**
 * Reads every `pg_log_backend_memory_contexts()` block of a server log.
 *
 * @example
 * ```ts
 * import { readLog } from "./mod.ts";
 * const [dump] = readLog(`[42] LOG:  logging memory contexts of PID 42
 * [42] LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * [43] LOG:  level: 2; ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * [42] LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * console.assert(dump.pid === 42 && dump.levelBase === 1 && dump.complete);
 * console.assert(dump.skipped[0].line === 3 && dump.skipped[0].reason === "foreign"); // PID 43
 * ```
 */
export function readLog(text: string, options: ReadOptions = {}): Dump[] {
  const lines = splitLines(text);
  const endsCleanly = text.endsWith("\n");
  const dumps: Dump[] = [];
  let block: BlockState | undefined;
  let pidRe: RegExp | undefined; // set when the header's prefix shows the PID
  let headers = 0;

  const close = (endLine: number) => {
    if (block === undefined) return;
    const d = block.finish("log", endLine, options.source);
    if (d !== undefined) dumps.push(d);
    block = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    if (options.onProgress !== undefined && i % PROGRESS_EVERY === 0 && i > 0) {
      options.onProgress(i, lines.length);
    }
    const line = lines[i];
    const lineNo = i + 1;
    const at = line.indexOf(TAG);
    if (at >= 0 && line.includes("logging memory contexts of PID", at)) {
      const m = HEADER_RE.exec(line.slice(at + TAG.length));
      if (m !== null) {
        close(i);
        headers++;
        const pid = Number(m[1]);
        block = new BlockState(lineNo, pid);
        const prefix = line.slice(0, at);
        pidRe = pidToken(pid).test(prefix) ? pidToken(pid) : undefined;
        continue;
      }
    }
    if (block === undefined) continue; // log outside any dump is none of our business
    if (at < 0 && line.includes(LOCATION)) continue; // verbose mode's source location
    if (at < 0) {
      block.skip(lineNo, "interleaved", line, "not a LOG line");
      continue;
    }
    let body = line.slice(at + TAG.length);
    if (SQLSTATE_RE.test(body)) body = body.slice(7);
    const isDumpLine = body.startsWith("level: ") || body.startsWith("Grand total:");
    if (!isDumpLine) {
      block.skip(lineNo, "interleaved", line, "another log message");
      continue;
    }
    if (pidRe !== undefined && !pidRe.test(line.slice(0, at))) {
      block.skip(lineNo, "foreign", line, "log_line_prefix shows another process");
      continue;
    }
    const last = i === lines.length - 1 && !endsCleanly;
    if (body.startsWith("Grand total:")) {
      const g = parseGrandBody(body);
      if (g !== undefined && "totals" in g) {
        block.grandTotal = g.totals;
        close(lineNo);
      } else {
        block.skip(lineNo, last ? "truncated" : "unreadable", line, "bad Grand total line");
      }
      continue;
    }
    readLevelLine(block, body, line, lineNo, last);
  }
  close(lines.length);
  options.onProgress?.(lines.length, lines.length);
  if (headers === 0) {
    throw new MemstatsError("NO_DUMP", 'no "logging memory contexts of PID" line in the input');
  }
  if (dumps.length === 0) {
    throw new MemstatsError("EMPTY_DUMP", "the dump block holds no readable context line");
  }
  return dumps;
}

function readLevelLine(
  block: BlockState,
  body: string,
  line: string,
  lineNo: number,
  last: boolean,
): void {
  const bad = last ? "truncated" : "unreadable";
  const m = LEVEL_RE.exec(body);
  const level = m === null ? undefined : Number(m[1]);
  if (m === null || !Number.isSafeInteger(level)) {
    block.skip(lineNo, bad, line, "bad level field");
    return;
  }
  const rest = m[2];
  const more = parseMoreBody(rest);
  const parsed = more ?? parseContextBody(rest);
  if (parsed === undefined || "error" in parsed) {
    block.skip(lineNo, bad, line, parsed === undefined ? "not a context line" : parsed.error);
    return;
  }
  const node = parsed.node;
  node.line = lineNo;
  if (block.levelBase === undefined) {
    if (more !== undefined || level! > 1) {
      block.skip(lineNo, "orphan", line, "the block's root context line is missing");
      return;
    }
    block.levelBase = level!;
  }
  const depth = level! - block.levelBase;
  const why = more !== undefined
    ? block.builder.addSummary(node, depth)
    : block.builder.addContext(node, depth);
  if (why !== undefined) block.skip(lineNo, "orphan", line, why);
}
