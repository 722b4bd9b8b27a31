/**
 * read_stderr.ts — reads the `MemoryContextStats()` form that a backend prints to stderr.
 *
 * That form has no log tag, no PID and no `level:` field: depth is two spaces per level, the
 * root is the one unindented context line, and the block ends at an unindented `Grand total`
 * line. So a block is found by content: an unindented line that parses as a context starts
 * one. A "more child contexts" line is indented like the children it stands for (one step
 * deeper than its parent) — unlike the log form. Other lines inside a block (another process
 * writing to the same file) are skipped and listed with their line numbers.
 *
 * @module
 */

import { type Dump, MemstatsError } from "./model.ts";
import { parseContextBody, parseGrandBody, parseMoreBody } from "./text_grammar.ts";
import { BlockState, PROGRESS_EVERY, type ReadOptions, splitLines } from "./tree_builder.ts";

/**
 * Reads every `MemoryContextStats()` block of a stderr capture.
 *
 * @example
 * ```ts
 * import { readStderr } from "@palloc/palloc/memstats";
 * const text = `TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 *   tuplestore tuples: 32768 total in 3 blocks (200 chunks); 1024 free (0 chunks); 31744 used
 *   Caller tuples: 16384 total in 2 blocks; 384 free; 16000 used
 * Grand total: 57344 bytes in 6 blocks; 1600 free (0 chunks); 55744 used
 * `;
 * const [dump] = readStderr(text);
 * const types = dump.root.children.map((c) => c.type); // told by the stats wording
 * console.assert(types.join() === "Generation,Bump" && dump.complete);
 * ```
 */
export function readStderr(text: string, options: ReadOptions = {}): Dump[] {
  const lines = splitLines(text);
  const endsCleanly = text.endsWith("\n");
  const dumps: Dump[] = [];
  let block: BlockState | undefined;

  const close = (endLine: number) => {
    if (block === undefined) return;
    const d = block.finish("stderr", endLine, options.source);
    if (d !== undefined) dumps.push(d);
    block = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    if (options.onProgress !== undefined && i % PROGRESS_EVERY === 0 && i > 0) {
      options.onProgress(i, lines.length);
    }
    const line = lines[i];
    const lineNo = i + 1;
    const last = i === lines.length - 1 && !endsCleanly;
    let indent = 0;
    while (indent < line.length && line.charCodeAt(indent) === 32) indent++;

    if (indent === 0) {
      if (block !== undefined && line.startsWith("Grand total:")) {
        const g = parseGrandBody(line);
        if (g !== undefined && "totals" in g) {
          block.grandTotal = g.totals;
          close(lineNo);
        } else {
          block.skip(lineNo, last ? "truncated" : "unreadable", line, "bad Grand total line");
        }
        continue;
      }
      const root = line.includes(" total in ") ? parseContextBody(line) : undefined;
      if (root !== undefined && "node" in root) {
        close(i); // an unfinished block before this one is kept, marked incomplete
        block = new BlockState(lineNo);
        block.levelBase = 0;
        root.node.line = lineNo;
        block.builder.addContext(root.node, 0);
        continue;
      }
      block?.skip(lineNo, last ? "truncated" : "interleaved", line, "not part of the dump");
      continue;
    }
    if (block === undefined) continue;
    const body = line.slice(indent);
    const more = parseMoreBody(body);
    const parsed = more ?? parseContextBody(body);
    if (parsed === undefined || "error" in parsed) {
      const looksOurs = body.includes(" total in ") && body.includes(" blocks");
      const reason = last ? "truncated" : looksOurs ? "unreadable" : "interleaved";
      block.skip(lineNo, reason, line, parsed === undefined ? "not a context line" : parsed.error);
      continue;
    }
    if (indent % 2 !== 0) {
      block.skip(lineNo, "unreadable", line, `odd indentation (${indent} spaces)`);
      continue;
    }
    const depth = indent / 2;
    parsed.node.line = lineNo;
    const why = more !== undefined
      ? block.builder.addSummary(parsed.node, depth - 1)
      : block.builder.addContext(parsed.node, depth);
    if (why !== undefined) block.skip(lineNo, "orphan", line, why);
  }
  close(lines.length);
  options.onProgress?.(lines.length, lines.length);
  if (dumps.length === 0) {
    throw new MemstatsError("NO_DUMP", "no MemoryContextStats block (unindented context line)");
  }
  return dumps;
}
