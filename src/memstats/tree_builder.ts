/**
 * tree_builder.ts — turns a depth-first list of (depth, context) lines into a tree.
 *
 * Both text forms print contexts in depth-first pre-order with a depth per line (a `level:`
 * number or an indentation). Rebuilding the tree from that is the same stack walk for both, so
 * it lives here. The builder never throws: a line whose depth has no parent is refused with a
 * reason, and the caller records it as a skipped line.
 *
 * @module
 */

import type { Dump, DumpFormat, MemNode, SkippedLine, SkipReason, Totals } from "./model.ts";

/** Stack-based builder for depth-first dumps. Depths are 0-based (root = 0). */
export class TreeBuilder {
  /** The root, once a depth-0 line was added. */
  root: MemNode | undefined;
  private stack: MemNode[] = [];

  /**
   * Adds a context at `depth`. Returns `undefined` on success, or why the line cannot be placed.
   */
  addContext(node: MemNode, depth: number): string | undefined {
    if (depth === 0) {
      if (this.root !== undefined) return "a second root context in one dump";
      this.root = node;
      node.level = 0;
      this.stack = [node];
      return undefined;
    }
    if (this.root === undefined) return "context line before the root context";
    if (depth > this.stack.length) {
      return `level jumps from ${this.stack.length - 1} to ${depth}: no parent`;
    }
    const parent = this.stack[depth - 1];
    node.level = depth;
    parent.children.push(node);
    this.stack.length = depth;
    this.stack.push(node);
    return undefined;
  }

  /**
   * Adds a "more child contexts" summary whose parent is at `parentDepth`. Returns `undefined`
   * on success or the reason it cannot be placed.
   */
  addSummary(node: MemNode, parentDepth: number): string | undefined {
    if (this.root === undefined) return "summary line before the root context";
    if (parentDepth < 0 || parentDepth >= this.stack.length) {
      return `summary line names level ${parentDepth}, which has no open context`;
    }
    const parent = this.stack[parentDepth];
    node.level = parentDepth + 1;
    parent.children.push(node);
    // The summary is printed after the parent's printed children: deeper contexts are closed.
    this.stack.length = parentDepth + 1;
    return undefined;
  }
}

/** A text block being read: its tree, its skipped lines and where it started. */
export class BlockState {
  /** The tree under construction. */
  readonly builder: TreeBuilder = new TreeBuilder();
  /** Lines of this block that were not used. */
  readonly skipped: SkippedLine[] = [];
  /** The Grand total line, once seen. */
  grandTotal: Totals | undefined;
  /** The level number of the root line, once seen. */
  levelBase: number | undefined;

  /** Starts a block at 1-based line `startLine`. */
  constructor(readonly startLine: number, readonly pid?: number) {}

  /** Records a skipped line. */
  skip(line: number, reason: SkipReason, text: string, detail?: string): void {
    const entry: SkippedLine = { line, reason, text: text.slice(0, 200) };
    if (detail !== undefined) entry.detail = detail;
    this.skipped.push(entry);
  }

  /** Closes the block; `undefined` when it holds no context at all. */
  finish(format: DumpFormat, endLine: number, source: string | undefined): Dump | undefined {
    const root = this.builder.root;
    if (root === undefined) return undefined;
    const dump: Dump = {
      format,
      levelBase: this.levelBase ?? 0,
      root,
      complete: this.grandTotal !== undefined,
      skipped: this.skipped,
      startLine: this.startLine,
      endLine,
    };
    if (this.grandTotal !== undefined) dump.grandTotal = this.grandTotal;
    if (this.pid !== undefined) dump.pid = this.pid;
    if (source !== undefined) dump.source = source;
    return dump;
  }
}

/**
 * Options every reader accepts.
 *
 * @example
 * ```ts
 * import { readLog, type ReadOptions } from "@palloc/palloc/memstats";
 * const text = `LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * `;
 * const calls: string[] = [];
 * const onProgress = (done: number, all: number) => calls.push(`${done}/${all}`);
 * const opts: ReadOptions = { source: "pg.log", onProgress };
 * const [dump] = readLog(text, opts);
 * console.assert(dump.source === "pg.log" && calls.join() === "2/2"); // always a final call
 * ```
 */
export interface ReadOptions {
  /** Label stored in `Dump.source` (for example the file name). */
  source?: string;
  /** Called now and then with (lines done, lines in all) while reading big inputs. */
  onProgress?: (done: number, total: number) => void;
}

/** Splits text into lines, dropping a final empty line and any `\r` before `\n`. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.endsWith("\r")) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** How often readers report progress, in lines. */
export const PROGRESS_EVERY = 50_000;
