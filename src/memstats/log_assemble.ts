/**
 * log_assemble.ts — routes the records of a server log to the dumps they belong to.
 *
 * Every log destination (stderr with any `log_line_prefix`, csvlog, jsonlog) is first turned
 * into {@link LogRecord}s: line number, PID when the destination shows it, severity, message.
 * This file then puts each `pg_log_backend_memory_contexts()` line into its own process's dump:
 * a `logging memory contexts of PID N` header opens a dump for that PID and its `Grand total`
 * closes it, so dumps of several backends that overlap in the file come out whole. Records
 * without a PID (a prefix without `%p`) are attributed only while exactly one such dump is
 * open; when a second header arrives before the first dump ended, the tangle is reported as an
 * {@link Interleaving} with its line range — never guessed at. Bare `MemoryContextStats()`
 * lines (gdb, no tag, no PID) form blocks of their own, found by content and indentation.
 *
 * @module
 */

import type { Dump, DumpFormat, Interleaving, SkippedLine } from "./model.ts";
import { parseContextBody, parseGrandBody, parseMoreBody } from "./text_grammar.ts";
import { BlockState } from "./tree_builder.ts";

/** One log message, whatever destination it came from. */
export interface LogRecord {
  /** 1-based line the record starts on. */
  line: number;
  /** Process id, when the destination shows it (csvlog, jsonlog, `%p`). */
  pid?: number;
  /** `LOG`, `ERROR`, … ; `undefined` for a bare line (no tag: `MemoryContextStats` on stderr). */
  severity?: string;
  /** The message (after the tag, SQLSTATE removed), or the whole bare line. */
  body: string;
  /** The line as written, for skipped-line reports. */
  raw: string;
  /** True for a final record the input cut off (no newline, unclosed quote). */
  cut: boolean;
  /** Report facts from the destination or prefix. */
  time?: string;
  /** `%u` / `user_name`. */
  user?: string;
  /** `%d` / `database_name`. */
  database?: string;
  /** `%a` / `application_name`. */
  application?: string;
  /** csvlog/jsonlog `backend_type`. */
  backendType?: string;
}

const HEADER_RE = /^logging memory contexts of PID (\d+)\s*$/;
const LEVEL_RE = /^level: (\d+); (.*)$/;

interface Open {
  block: BlockState;
  header: LogRecord;
  tangle?: Tangle;
}

interface Tangle {
  blocks: Open[];
  startLine: number;
  endLine: number;
  grands: number;
}

/** What {@link assemble} found. */
export interface Assembled {
  /** Whole or cut dumps, in the order of their first line. */
  dumps: Dump[];
  /** Tangles of dumps that could not be told apart. */
  interleaved: Interleaving[];
  /** Dump lines that belong to no open dump. */
  stray: SkippedLine[];
  /** Number of dump headers seen. */
  headers: number;
}

/** Routes records to dumps (see the file comment). Never throws. */
export function assemble(
  records: LogRecord[],
  format: DumpFormat,
  source: string | undefined,
  lastLine: number,
): Assembled {
  const finished: { dump: Dump; start: number }[] = [];
  const interleaved: Interleaving[] = [];
  const stray: SkippedLine[] = [];
  const keyed = new Map<number, Open>();
  let unkeyed: Open[] = [];
  let tangle: Tangle | undefined;
  let bare: BlockState | undefined;
  let headers = 0;

  const strayLine = (r: LogRecord, reason: SkippedLine["reason"], detail: string) =>
    stray.push({ line: r.line, reason, text: r.raw.slice(0, 200), detail });

  const finish = (o: Open, endLine: number) => {
    const d = o.block.finish(format, endLine, source);
    if (d === undefined) return;
    const h = o.header;
    if (h.time !== undefined) d.time = h.time;
    if (h.user !== undefined) d.user = h.user;
    if (h.database !== undefined) d.database = h.database;
    if (h.application !== undefined) d.application = h.application;
    if (h.backendType !== undefined) d.backendType = h.backendType;
    finished.push({ dump: d, start: o.block.startLine });
  };
  const closeTangle = () => {
    if (tangle === undefined) return;
    const t = tangle;
    const i: Interleaving = {
      pids: t.blocks.map((b) => b.block.pid!),
      headerLines: t.blocks.map((b) => b.header.line),
      startLine: t.startLine,
      endLine: t.endLine,
    };
    const time = t.blocks[0].header.time;
    if (time !== undefined) i.time = time;
    interleaved.push(i);
    tangle = undefined;
    unkeyed = unkeyed.filter((o) => o.tangle !== t);
  };
  const finishBare = (endLine: number) => {
    if (bare === undefined) return;
    const d = bare.finish("stderr", endLine, source);
    if (d !== undefined) finished.push({ dump: d, start: bare.startLine });
    bare = undefined;
  };

  for (const r of records) {
    if (r.severity === undefined) {
      const root = r.body.charCodeAt(0) !== 32 && r.body.includes(" total in ");
      if (bare === undefined && !root && unkeyed.length === 1 && tangle === undefined) {
        unkeyed[0].block.skip(r.line, "interleaved", r.raw, "not a log line");
        continue;
      }
      bare = bareLine(r, bare, finishBare);
      continue;
    }
    if (bare !== undefined) bare.skip(r.line, "interleaved", r.raw, "a log line inside the block");
    const isLog = r.severity === "LOG";
    const h = isLog ? HEADER_RE.exec(r.body) : null;
    if (h !== null) {
      headers++;
      const pid = Number(h[1]);
      const o: Open = { block: new BlockState(r.line, pid), header: r };
      if (r.pid !== undefined) {
        const prev = keyed.get(r.pid);
        if (prev !== undefined) finish(prev, r.line - 1); // cut by its own next dump
        keyed.set(r.pid, o);
        continue;
      }
      if (tangle !== undefined) {
        o.tangle = tangle;
        tangle.blocks.push(o);
        tangle.endLine = r.line;
      } else if (unkeyed.length > 0) {
        // A second dump starts before the first one ended: the lines cannot be told apart.
        tangle = {
          blocks: [...unkeyed, o],
          startLine: unkeyed[0].block.startLine,
          endLine: r.line,
          grands: 0,
        };
        for (const b of tangle.blocks) b.tangle = tangle;
      }
      unkeyed.push(o);
      continue;
    }
    const dumpLine = isLog && (r.body.startsWith("level: ") || r.body.startsWith("Grand total:"));
    let target: Open | undefined;
    if (r.pid !== undefined) {
      target = keyed.get(r.pid);
      if (target === undefined && unkeyed.length === 1 && tangle === undefined && !dumpLine) {
        continue; // another process's message while an unkeyed dump is open: not ours
      }
    } else if (tangle !== undefined) {
      tangle.endLine = r.line;
      if (dumpLine && r.body.startsWith("Grand total:")) {
        tangle.grands++;
        if (tangle.grands >= tangle.blocks.length) closeTangle();
      }
      continue;
    } else if (unkeyed.length === 1) target = unkeyed[0];
    if (target === undefined) {
      if (dumpLine) strayLine(r, "orphan", "no open dump for this line's process");
      continue;
    }
    if (!dumpLine) {
      target.block.skip(r.line, "interleaved", r.raw, "another log message");
      continue;
    }
    const closed = dumpBody(target.block, r);
    if (closed) {
      finish(target, r.line);
      if (r.pid !== undefined && keyed.get(r.pid) === target) keyed.delete(r.pid);
      else unkeyed = unkeyed.filter((o) => o !== target);
    }
  }
  finishBare(lastLine);
  if (tangle !== undefined) {
    tangle.endLine = lastLine;
    closeTangle();
  }
  for (const o of [...keyed.values(), ...unkeyed]) finish(o, lastLine);
  finished.sort((a, b) => a.start - b.start);
  return { dumps: finished.map((f) => f.dump), interleaved, stray, headers };
}

/** Applies a `level:` or `Grand total:` message to its dump; true when it closed the dump. */
function dumpBody(block: BlockState, r: LogRecord): boolean {
  const bad = r.cut ? "truncated" : "unreadable";
  if (r.body.startsWith("Grand total:")) {
    const g = parseGrandBody(r.body);
    if (g !== undefined && "totals" in g) {
      block.grandTotal = g.totals;
      return true;
    }
    block.skip(r.line, bad, r.raw, "bad Grand total line");
    return false;
  }
  const m = LEVEL_RE.exec(r.body);
  const level = m === null ? undefined : Number(m[1]);
  if (m === null || !Number.isSafeInteger(level)) {
    block.skip(r.line, bad, r.raw, "bad level field");
    return false;
  }
  const rest = m[2];
  const more = parseMoreBody(rest);
  const parsed = more ?? parseContextBody(rest);
  if (parsed === undefined || "error" in parsed) {
    block.skip(r.line, bad, r.raw, parsed === undefined ? "not a context line" : parsed.error);
    return false;
  }
  const node = parsed.node;
  node.line = r.line;
  if (block.levelBase === undefined) {
    if (more !== undefined || level! > 1) {
      block.skip(r.line, "orphan", r.raw, "the block's root context line is missing");
      return false;
    }
    block.levelBase = level!;
  }
  const depth = level! - block.levelBase;
  const why = more !== undefined
    ? block.builder.addSummary(node, depth)
    : block.builder.addContext(node, depth);
  if (why !== undefined) block.skip(r.line, "orphan", r.raw, why);
  return false;
}

/** One bare (untagged) line: part of a `MemoryContextStats()` block or unrelated text. */
function bareLine(
  r: LogRecord,
  bare: BlockState | undefined,
  finishBare: (endLine: number) => void,
): BlockState | undefined {
  const line = r.body;
  let indent = 0;
  while (indent < line.length && line.charCodeAt(indent) === 32) indent++;
  if (indent === 0) {
    if (bare !== undefined && line.startsWith("Grand total:")) {
      const g = parseGrandBody(line);
      if (g !== undefined && "totals" in g) {
        bare.grandTotal = g.totals;
        finishBare(r.line);
        return undefined;
      }
      bare.skip(r.line, r.cut ? "truncated" : "unreadable", line, "bad Grand total line");
      return bare;
    }
    const root = line.includes(" total in ") ? parseContextBody(line) : undefined;
    if (root !== undefined && "node" in root) {
      finishBare(r.line - 1); // an unfinished block before this one is kept, marked incomplete
      const b = new BlockState(r.line);
      b.levelBase = 0;
      root.node.line = r.line;
      b.builder.addContext(root.node, 0);
      return b;
    }
    bare?.skip(r.line, r.cut ? "truncated" : "interleaved", line, "not part of the dump");
    return bare;
  }
  if (bare === undefined) return undefined;
  const body = line.slice(indent);
  const more = parseMoreBody(body);
  const parsed = more ?? parseContextBody(body);
  if (parsed === undefined || "error" in parsed) {
    const looksOurs = body.includes(" total in ") && body.includes(" blocks");
    const reason = r.cut ? "truncated" : looksOurs ? "unreadable" : "interleaved";
    bare.skip(r.line, reason, line, parsed === undefined ? "not a context line" : parsed.error);
    return bare;
  }
  if (indent % 2 !== 0) {
    bare.skip(r.line, "unreadable", line, `odd indentation (${indent} spaces)`);
    return bare;
  }
  const depth = indent / 2;
  parsed.node.line = r.line;
  const why = more !== undefined
    ? bare.builder.addSummary(parsed.node, depth - 1)
    : bare.builder.addContext(parsed.node, depth);
  if (why !== undefined) bare.skip(r.line, "orphan", line, why);
  return bare;
}
