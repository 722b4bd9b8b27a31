/**
 * memstats — read, compare and draw PostgreSQL memory-context dumps (PG 14 to 18).
 *
 * PostgreSQL reports its memory contexts in three forms, all of which this module reads:
 *
 * - the server log written by `pg_log_backend_memory_contexts()` (any `log_line_prefix`,
 *   unrelated lines interleaved),
 * - the `MemoryContextStats()` text a backend prints to stderr (indentation gives the level),
 * - the `pg_backend_memory_contexts` view exported with `COPY … WITH CSV HEADER` (PG 14–16
 *   `parent` columns and PG 17+ `type`/`path` columns).
 *
 * Every reader returns a {@link Dump} around a plain {@link MemNode} tree. On that tree the
 * module computes subtree totals, top consumers, name groups and the Grand total check, diffs
 * two dumps path by path, writes the tree back in any of the three forms, and draws it as an
 * SVG icicle or a self-contained HTML report. Trees that do not come from PostgreSQL — such as
 * palloc's own contexts — enter through {@link treeFromWalker}.
 *
 * This entry point is separate from palloc's core (`@palloc/palloc`) and has no dependencies.
 *
 * @example Read a dump, check it and draw it
 * ```ts
 * import { analyze, readDump, renderHtml } from "./mod.ts";
 *
 * const dump = readDump(`LOG:  logging memory contexts of PID 7
 * LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * LOG:  level: 2; ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used
 * LOG:  Grand total: 16384 bytes in 2 blocks; 8144 free (3 chunks); 8240 used
 * `);
 * const report = analyze(dump, 10);
 * console.assert(report.check.status === "ok" && report.contexts === 2);
 * const html = renderHtml(dump);
 * console.assert(html.startsWith("<!DOCTYPE html>"));
 * ```
 *
 * @module
 */

export {
  addTotals,
  countNodes,
  emptyTotals,
  isSummary,
  MemstatsError,
  ownTotals,
  walk,
} from "./model.ts";
export type {
  Dump,
  DumpFormat,
  InputForm,
  Interleaving,
  MemNode,
  MemstatsErrorCode,
  Reading,
  SkippedLine,
  SkipReason,
  Totals,
} from "./model.ts";

// Reading
export { decodeInput, detectForm, readDump, readDumps, readInput } from "./detect.ts";
export type { ReadDumpsOptions, TextForm } from "./detect.ts";
export { readLog } from "./read_log.ts";
export { readCsvlog } from "./read_csvlog.ts";
export { readJsonlog } from "./read_jsonlog.ts";
export { readPsqlAligned, readPsqlExpanded } from "./read_psql.ts";
export { readStderr } from "./read_stderr.ts";
export { readCsv } from "./read_csv.ts";
export type { ReadOptions } from "./tree_builder.ts";

// Analysis and comparison
export { analyze, checkGrandTotal, groupByName, subtreeTotals } from "./analyze.ts";
export type { Analysis, BadLine, GrandTotalCheck, NameGroup, SubtreeTotals } from "./analyze.ts";
export { nodeLabel, nodePath, topConsumers } from "./rank.ts";
export type { Consumer, RankBy } from "./rank.ts";
export { diffDumps, groupChanges, largestChanges } from "./diff.ts";
export type { DiffEntry, DiffStatus, DumpDiff, NameChange } from "./diff.ts";

// Writing PostgreSQL's forms back
export { writeCsv, writeLog, writeStderr } from "./write.ts";
export type { WriteCsvOptions, WriteLogOptions } from "./write.ts";
export { clipIdent } from "./text_grammar.ts";

// Drawing
export { icicleLayout } from "./layout.ts";
export type { Cell, IcicleLayout, LayoutOptions } from "./layout.ts";
export { renderSvg } from "./render_svg.ts";
export type { ColorBy, SvgOptions } from "./render_svg.ts";
export { renderHtml } from "./render_html.ts";
export type { HtmlOptions } from "./render_html.ts";

// Trees from elsewhere (palloc's own contexts)
export { dumpFromTree, treeFromWalker } from "./walker.ts";
export type { ContextStats, ContextWalker, DumpFromTreeOptions, StatsTree } from "./walker.ts";

// Text reports
export { describeDump, formatAnalysis, formatBytes, formatDelta, formatDiff } from "./format.ts";
export { verdict } from "./verdict.ts";
export { jsonChunks } from "./json_stream.ts";
export {
  formatPidHistory,
  formatTimeline,
  guessBackendType,
  pidHistory,
  timeline,
} from "./timeline.ts";
export type { PidHistory, TimelineRow } from "./timeline.ts";
export { renderIndex } from "./render_index.ts";
export { renderDiffHtml } from "./render_diff_html.ts";
