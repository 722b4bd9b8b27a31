/**
 * The conformance runner as a library: find every `.trace` under the given
 * files and folders, replay each on a fresh palloc, and report per file. The
 * command-line tool (`tools/conformance.ts`) is a thin shell over
 * `runConformance`, so tests can run the same code on their own vectors.
 *
 * A trace that cannot be parsed, creates a context type whose module did not
 * load, or disagrees with palloc counts as failed. With `onlyAvailable`,
 * traces that need a missing type are left out and counted separately. With
 * `checking`, every trace runs on a heap in checking mode and must also pass
 * `MemoryContextCheck(TopMemoryContext)` and `heap.check()` at its end.
 */
import { loadPallocApi, type PallocApi } from "./api.ts";
import { TraceParseError } from "./errors.ts";
import { readTraceFile } from "./parse.ts";
import { CONFORMANCE_HEAP, type ReplayMismatch, replayTrace } from "./replay.ts";
import type { ParsedTrace } from "./types.ts";

/** The outcome for one trace file. */
export interface FileResult {
  /** Path as displayed (as found under the given root). */
  file: string;
  /** passed, failed, or skipped (needs an unavailable type, with `onlyAvailable`). */
  status: "passed" | "failed" | "skipped";
  /** Operations replayed. */
  operations: number;
  /** The first mismatch of a failed replay. */
  mismatch?: ReplayMismatch;
  /** Why the file failed or was skipped when there is no mismatch (parse error, missing type, …). */
  message?: string;
}

/** Totals of one run. */
export interface ConformanceSummary {
  /** Files whose replay matched. */
  passed: number;
  /** Files that did not parse, could not run, or disagreed (and paths not found). */
  failed: number;
  /** Files left out by `onlyAvailable`. */
  skipped: number;
  /** One entry per trace file, in the order they ran. */
  files: FileResult[];
}

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** Leave out traces that need a context type that did not load. */
  onlyAvailable?: boolean;
  /** Report every file, not only failures. */
  verbose?: boolean;
  /** Where report lines go (default: nowhere). */
  log?: (line: string) => void;
  /** The palloc to replay against (default: `loadPallocApi()`). */
  api?: PallocApi;
  /** How a file path is shown in reports (default: as found). */
  display?: (path: string) => string;
  /** Replay on heaps in checking mode and check the whole tree at the end of each trace. */
  checking?: boolean;
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/**
 * Every `.trace` file under `path` (itself, if it is a file), sorted by path.
 * Throws `Deno.errors.NotFound` when `path` does not exist.
 */
export async function findTraceFiles(path: string): Promise<string[]> {
  const info = await Deno.stat(path);
  if (info.isFile) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith(".trace")) {
        if (e.isFile || (e.isSymlink && (await Deno.stat(p)).isFile)) out.push(p);
      }
    }
  };
  await walk(path);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One-line description of a failed file. */
export function formatFailure(r: FileResult): string {
  const m = r.mismatch;
  if (m === undefined) return `FAIL ${r.file}: ${r.message ?? "failed"}`;
  const why = m.reason === undefined ? "" : ` ${m.reason};`;
  return `FAIL ${r.file}:${m.line}: ${m.op} —${why} expected ${JSON.stringify(m.expected)} actual ${
    JSON.stringify(m.actual)
  }`;
}

/** The types a trace needs that are not available, as text, or null. */
function missingTypes(trace: ParsedTrace, api: PallocApi): string | null {
  const missing: string[] = [];
  for (const t of trace.contextTypes) {
    if (api.creators[t] === undefined) missing.push(`${t} (${api.unavailable.get(t) ?? "?"})`);
  }
  const usesAligned = trace.steps.some((s) => s.op.verb === "aligned");
  if (usesAligned && api.allocAligned === null) {
    missing.push(`aligned (${api.unavailable.get("aligned") ?? "?"})`);
  }
  return missing.length === 0 ? null : `unavailable: ${missing.join(", ")}`;
}

/** Replays one trace file (no output). */
export async function runTraceFile(
  path: string,
  display: string,
  api: PallocApi,
  onlyAvailable = false,
  checking = false,
): Promise<FileResult> {
  let trace: ParsedTrace;
  try {
    trace = await readTraceFile(path, display);
  } catch (err) {
    const message = err instanceof TraceParseError ? `parse error: ${err.message}` : String(err);
    return { file: display, status: "failed", operations: 0, message };
  }
  const missing = missingTypes(trace, api);
  if (missing !== null && onlyAvailable) {
    return { file: display, status: "skipped", operations: 0, message: missing };
  }
  let result: ReturnType<typeof replayTrace>;
  try {
    result = replayTrace(trace, api, checking ? { heap: { ...CONFORMANCE_HEAP, checking } } : {});
    if (result.ok && checking) {
      api.mcxt.MemoryContextCheck(api.mcxt.TopMemoryContext);
      api.heap().check();
    }
  } catch (err) {
    // replayTrace reports operation failures itself; this is palloc failing to start.
    const message = `replay could not run: ${err instanceof Error ? err.message : String(err)}`;
    return { file: display, status: "failed", operations: 0, message };
  }
  if (result.ok) return { file: display, status: "passed", operations: result.operations };
  const r: FileResult = { file: display, status: "failed", operations: result.operations };
  if (result.firstMismatch !== undefined) r.mismatch = result.firstMismatch;
  if (missing !== null) r.message = missing;
  return r;
}

/**
 * Runs every trace under `paths` and reports through `options.log`: one line
 * per failing file, every file with `verbose`, the number of skipped files
 * (with `onlyAvailable`) and finally `N passed, M failed`.
 *
 * @example
 * ```ts
 * import { runConformance } from "./runner.ts";
 * const s = await runConformance(["../shared/conformance/pg18/aset"], { log: console.log });
 * Deno.exitCode = s.failed > 0 ? 1 : 0;
 * ```
 */
export async function runConformance(
  paths: readonly string[],
  options: ConformanceOptions = {},
): Promise<ConformanceSummary> {
  const log = options.log ?? (() => {});
  const api = options.api ?? await loadPallocApi();
  const summary: ConformanceSummary = { passed: 0, failed: 0, skipped: 0, files: [] };
  const seen = new Set<string>();
  for (const root of paths) {
    let files: string[];
    try {
      files = await findTraceFiles(root);
    } catch (err) {
      const r: FileResult = {
        file: options.display?.(root) ?? root,
        status: "failed",
        operations: 0,
        message: err instanceof Deno.errors.NotFound ? "no such file or directory" : String(err),
      };
      summary.failed++;
      summary.files.push(r);
      log(formatFailure(r));
      continue;
    }
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      const shown = options.display?.(file) ?? file;
      const r = await runTraceFile(
        file,
        shown,
        api,
        options.onlyAvailable === true,
        options.checking === true,
      );
      summary.files.push(r);
      summary[r.status]++;
      if (r.status === "failed") log(formatFailure(r));
      else if (options.verbose) {
        log(
          r.status === "passed"
            ? `ok   ${r.file} (${r.operations} ops)`
            : `skip ${r.file}: ${r.message}`,
        );
      }
    }
  }
  if (options.onlyAvailable) {
    const types = [...api.unavailable.keys()].join(", ");
    log(`${summary.skipped} skipped (context types not available: ${types || "none"})`);
  }
  log(`${summary.passed} passed, ${summary.failed} failed`);
  return summary;
}
