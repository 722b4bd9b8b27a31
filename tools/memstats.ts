/**
 * tools/memstats.ts — command-line shell around `src/memstats/` (`deno task memstats`).
 *
 * Only argument handling, file I/O and printing live here; reading, analysis, diffing and
 * drawing are the library's. `main` takes its output sinks as parameters so tests can run the
 * CLI in-process.
 *
 *   deno task memstats FILE… [--top N] [--diff A B] [--html OUT] [--svg OUT] [--json]
 *                            [--color type|free] [--strict]
 *
 * @module
 */

import {
  analyze,
  diffDumps,
  type Dump,
  formatAnalysis,
  formatBytes,
  formatDiff,
  largestChanges,
  MemstatsError,
  readDumps,
  renderHtml,
  renderSvg,
} from "../src/memstats/mod.ts";

const USAGE = `usage: deno task memstats FILE... [options]

Reads PostgreSQL memory-context dumps (pg_log_backend_memory_contexts() server log,
MemoryContextStats() stderr text, or pg_backend_memory_contexts CSV; PG 14-18) and reports
totals, top consumers, name groups and the Grand total check.

options:
  --top N          rows per ranking (default 15)
  --diff A B       compare two dumps path by path (FILE or FILE@K for the K-th dump in a file)
  --html OUT       write a self-contained HTML report (one per dump: OUT, OUT-2.html, ...)
  --svg OUT        write a plain SVG icicle
  --color MODE     colour by "type" (default) or "free" ratio
  --json           print JSON instead of text
  --strict         exit 3 when a dump has skipped lines, is incomplete, or mismatches its total
  -h, --help       show this help

exit status: 0 ok, 1 unreadable input, 2 bad arguments, 3 --strict found problems`;

/** Where the CLI writes. */
export interface Io {
  /** Standard output. */
  out(text: string): void;
  /** Standard error (progress, warnings). */
  err(text: string): void;
}

const stdIo: Io = {
  out: (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
  err: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
};

interface Args {
  files: string[];
  top: number;
  diff?: [string, string];
  html?: string;
  svg?: string;
  json: boolean;
  strict: boolean;
  color: "type" | "free";
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { files: [], top: 15, json: false, strict: false, color: "type" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    try {
      if (arg === "--top") {
        a.top = Number(value());
        if (!Number.isInteger(a.top) || a.top < 0) return "--top needs a whole number";
      } else if (arg === "--diff") a.diff = [value(), value()];
      else if (arg === "--html") a.html = value();
      else if (arg === "--svg") a.svg = value();
      else if (arg === "--json") a.json = true;
      else if (arg === "--strict") a.strict = true;
      else if (arg === "--color") {
        const c = value();
        if (c !== "type" && c !== "free") return '--color is "type" or "free"';
        a.color = c;
      } else if (arg === "-h" || arg === "--help") return "";
      else if (arg.startsWith("-")) return `unknown option ${arg}`;
      else a.files.push(arg);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (a.files.length === 0 && a.diff === undefined) return "no input file";
  return a;
}

async function load(spec: string, io: Io): Promise<Dump[]> {
  const at = /^(.*)@(\d+)$/.exec(spec);
  const exists = async (p: string) => await Deno.stat(p).then(() => true, () => false);
  const [path, pick] = at !== null && !(await exists(spec)) ? [at[1], Number(at[2])] : [spec, 0];
  const bytes = await Deno.readFile(path);
  const big = bytes.length > 1 << 20;
  if (big) io.err(`memstats: reading ${path} (${formatBytes(bytes.length)})\n`);
  const dumps = readDumps(bytes, {
    source: path,
    onProgress: big ? (d, t) => io.err(`memstats: ${path}: ${d}/${t} lines\n`) : undefined,
  });
  if (dumps.length > 1) dumps.forEach((d, i) => (d.source = `${path}@${i + 1}`));
  if (pick === 0) return dumps;
  if (pick > dumps.length) throw new Error(`${path} holds ${dumps.length} dump(s), not ${pick}`);
  return [dumps[pick - 1]];
}

function outName(base: string, i: number): string {
  if (i === 0) return base;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? `${base.slice(0, dot)}-${i + 1}${base.slice(dot)}` : `${base}-${i + 1}`;
}

function jsonDump(d: Dump, top: number) {
  const a = analyze(d, top);
  const strip = (cs: typeof a.topByTotal) => cs.map(({ node: _node, ...rest }) => rest);
  return {
    source: d.source,
    format: d.format,
    pid: d.pid,
    levelBase: d.levelBase,
    csvColumns: d.csvColumns,
    complete: d.complete,
    lines: [d.startLine, d.endLine],
    skipped: d.skipped,
    contexts: a.contexts,
    totals: a.totals,
    check: a.check,
    topByTotal: strip(a.topByTotal),
    topByUsed: strip(a.topByUsed),
    topByFree: strip(a.topByFree),
    topBySubtree: strip(a.topBySubtree),
    groups: a.groups,
    tree: d.root,
  };
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: Io = stdIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    if (args === "") {
      io.out(USAGE + "\n");
      return 0;
    }
    io.err(`memstats: ${args}\n${USAGE}\n`);
    return 2;
  }
  const dumps: Dump[] = [];
  let pair: [Dump, Dump] | undefined;
  try {
    for (const f of args.files) dumps.push(...await load(f, io));
    if (args.diff !== undefined) {
      pair = [(await load(args.diff[0], io))[0], (await load(args.diff[1], io))[0]];
    }
  } catch (e) {
    const why = e instanceof MemstatsError ? `${e.code}: ${e.message}` : (e as Error).message;
    io.err(`memstats: ${why}\n`);
    return 1;
  }
  let problems = 0;
  const json: Record<string, unknown> = {};
  if (args.json) json.dumps = dumps.map((d) => jsonDump(d, args.top));
  for (const d of dumps) {
    const a = analyze(d, args.top);
    if (d.skipped.length > 0 || !d.complete || a.check.status === "mismatch") problems++;
    if (!args.json) io.out(formatAnalysis(d, a, args.top) + "\n");
  }
  if (pair !== undefined) {
    const diff = diffDumps(pair[0], pair[1]);
    if (args.json) {
      json.diff = {
        before: diff.before,
        after: diff.after,
        counts: diff.counts,
        changes: largestChanges(diff, Number.MAX_SAFE_INTEGER).map((
          { before: _b, after: _a, ...e },
        ) => e),
      };
    } else io.out(formatDiff(pair[0], pair[1], diff, args.top));
  }
  if (args.json) io.out(JSON.stringify(json, null, 1) + "\n");
  const drawn = dumps.length > 0 ? dumps : pair !== undefined ? [pair[1]] : [];
  for (
    const [flag, render] of [
      [args.html, (d: Dump) => renderHtml(d, { colorBy: args.color, top: Math.max(args.top, 25) })],
      [args.svg, (d: Dump) => renderSvg(d, { colorBy: args.color })],
    ] as const
  ) {
    if (flag === undefined) continue;
    for (let i = 0; i < drawn.length; i++) {
      const out = outName(flag, i);
      await Deno.writeTextFile(out, render(drawn[i]));
      io.err(`memstats: wrote ${out}\n`);
    }
  }
  return args.strict && problems > 0 ? 3 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
