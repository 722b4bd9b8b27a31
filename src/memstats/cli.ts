/**
 * cli.ts — the `memstats` command: read PostgreSQL memory-context dumps and report on them.
 *
 * Published as the package's `./memstats/cli` entry, so a DBA runs it without cloning the
 * repository (`deno run -A jsr:@palloc/palloc/memstats/cli server.log`, or from a URL); in the
 * repository `deno task memstats` starts the same file. Only argument handling, file I/O and
 * printing live here; reading, analysis, diffing and drawing are the library's. {@link main}
 * takes its output sinks as parameters so tests run the command in-process. `--json` output is
 * streamed ({@link jsonChunks}), so neither a deep tree nor a huge dump overflows anything.
 *
 * @example
 * ```ts
 * import { main } from "@palloc/palloc/memstats/cli";
 * let out = "";
 * const code = await main(["--help"], { out: (t) => (out += t), err: () => {} });
 * console.assert(code === 0 && out.startsWith("usage: memstats FILE..."));
 * ```
 *
 * @module
 */

import { realpathSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { analyze } from "./analyze.ts";
import { readInput } from "./detect.ts";
import { diffDumps, groupChanges, largestChanges } from "./diff.ts";
import { formatAnalysis, formatBytes, formatDiff } from "./format.ts";
import { jsonChunks } from "./json_stream.ts";
import { type Dump, MemstatsError, type Reading } from "./model.ts";
import { renderDiffHtml } from "./render_diff_html.ts";
import { renderHtml } from "./render_html.ts";
import { renderIndex } from "./render_index.ts";
import { renderSvg } from "./render_svg.ts";
import { formatPidHistory, formatTimeline, pidHistory, timeline } from "./timeline.ts";
import { verdict } from "./verdict.ts";

const USAGE = `usage: memstats FILE... [options]

Reads PostgreSQL memory-context dumps (PG 14-18) and reports where the memory is:
  - server logs with pg_log_backend_memory_contexts() dumps: stderr (any log_line_prefix;
    put %p in it so dumps of several backends can be told apart), csvlog (.csv), jsonlog (.json);
    gdb MemoryContextStats() blocks inside them are read too
  - MemoryContextStats() text on its own
  - pg_backend_memory_contexts as COPY ... CSV HEADER, psql --csv, psql aligned or psql -x

A file with several dumps prints a timeline (one line per dump); pick one with FILE@K or --pid.

options:
  --list           one line per dump: time, PID, backend, user@db, contexts, Grand total, status
  --pid N          only the dumps of process N; several of them: totals over time and what grew
  --top N          rows per ranking (default 15)
  --diff A B       compare two dumps (FILE or FILE@K); with --html OUT writes the diff report
  --html OUT       write a self-contained HTML report; several dumps: OUT is an index page
                   linking OUT-1.html, OUT-2.html, ...
  --svg OUT        write a plain SVG icicle (several dumps: OUT-1.svg, ...)
  --color MODE     colour by "type" (default) or "free" ratio
  --json           print JSON instead of text (time, PID, user, database, application and
                   backend type per dump, the verdict, totals, rankings and the tree)
  --strict         exit 3 when a dump has skipped lines, is incomplete, mismatches its Grand
                   total, or dumps are interleaved
  -h, --help       show this help

exit status: 0 ok, 1 unreadable input, 2 bad arguments, 3 --strict found problems`;

/**
 * Where the command writes.
 *
 * @example
 * ```ts
 * import { type Io, main } from "@palloc/palloc/memstats/cli";
 * const seen: string[] = [];
 * const io: Io = { out: (t) => seen.push(t), err: (t) => seen.push(`! ${t}`) };
 * const code = await main(["--top"], io); // a value is missing
 * console.assert(code === 2 && seen[0].startsWith("! memstats: --top needs a value"));
 * ```
 */
export interface Io {
  /** Standard output. */
  out(text: string): unknown;
  /** Standard error (progress, warnings). */
  err(text: string): unknown;
}

// Standard output through Node's streams, which Deno provides too, so the same file is the
// command under `deno run` and the npm package's `bin`. A closed pipe (`memstats … | head`)
// ends the command quietly.
interface OutStream {
  write(text: string, done: (e?: Error | null) => void): boolean;
}
function writeAll(stream: OutStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (e) => {
      if (e === null || e === undefined) resolve();
      else if ((e as Error & { code?: string }).code === "EPIPE") process.exit(0);
      else reject(e);
    });
  });
}
const stdIo: Io = {
  out: (t) => writeAll(process.stdout, t),
  err: (t) => writeAll(process.stderr, t),
};

interface Args {
  files: string[];
  top: number;
  diff?: [string, string];
  html?: string;
  svg?: string;
  json: boolean;
  strict: boolean;
  list: boolean;
  pid?: number;
  color: "type" | "free";
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { files: [], top: 15, json: false, strict: false, list: false, color: "type" };
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
      } else if (arg === "--pid") {
        a.pid = Number(value());
        if (!Number.isSafeInteger(a.pid) || a.pid < 0) return "--pid needs a process id";
      } else if (arg === "--diff") a.diff = [value(), value()];
      else if (arg === "--html") a.html = value();
      else if (arg === "--svg") a.svg = value();
      else if (arg === "--json") a.json = true;
      else if (arg === "--list") a.list = true;
      else if (arg === "--strict") a.strict = true;
      else if (arg === "--color") {
        const c = value();
        if (c !== "type" && c !== "free") return '--color is "type" or "free"';
        a.color = c;
      } else if (arg === "-h" || arg === "--help") return "";
      else if (arg.startsWith("-") && arg !== "-") return `unknown option ${arg}`;
      else a.files.push(arg);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (a.files.length === 0 && a.diff === undefined) return "no input file";
  return a;
}

interface Loaded {
  path: string;
  reading: Reading;
  /** The dumps asked for (all, or the one FILE@K names). */
  dumps: Dump[];
}

async function load(spec: string, io: Io): Promise<Loaded> {
  const at = /^(.*)@(\d+)$/.exec(spec);
  const exists = async (p: string) => await stat(p).then(() => true, () => false);
  const [path, pick] = at !== null && !(await exists(spec)) ? [at[1], Number(at[2])] : [spec, 0];
  const bytes = new Uint8Array(await readFile(path));
  const big = bytes.length > 1 << 20;
  if (big) await io.err(`memstats: reading ${path} (${formatBytes(bytes.length)})\n`);
  const progress: string[] = [];
  const reading = readInput(bytes, {
    source: path,
    onProgress: big
      ? (d, t) => void progress.push(`memstats: ${path}: ${d}/${t} lines\n`)
      : undefined,
  });
  for (const p of progress) await io.err(p);
  const dumps = reading.dumps;
  if (dumps.length > 1) dumps.forEach((d, i) => (d.source = `${path}@${i + 1}`));
  if (pick === 0) return { path, reading, dumps };
  if (pick > dumps.length) throw new Error(`${path} holds ${dumps.length} dump(s), not ${pick}`);
  return { path, reading, dumps: [dumps[pick - 1]] };
}

function outName(base: string, k: number): string {
  const dot = base.lastIndexOf(".");
  return dot > 0 ? `${base.slice(0, dot)}-${k}${base.slice(dot)}` : `${base}-${k}`;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

function jsonDump(d: Dump, top: number) {
  const a = analyze(d, top);
  const strip = (cs: typeof a.topByTotal) => cs.map(({ node: _node, ...rest }) => rest);
  return {
    source: d.source,
    format: d.format,
    pid: d.pid,
    time: d.time,
    user: d.user,
    database: d.database,
    application: d.application,
    backendType: d.backendType,
    levelBase: d.levelBase,
    csvColumns: d.csvColumns,
    complete: d.complete,
    lines: [d.startLine, d.endLine],
    verdict: verdict(d),
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

function problemsOf(d: Dump): boolean {
  return d.skipped.length > 0 || !d.complete || analyze(d, 0).check.status === "mismatch";
}

function interleaveText(r: Reading, path: string): string {
  return r.interleaved.map((t) =>
    `${path}: INTERLEAVED lines ${t.startLine}-${t.endLine}: dumps of PIDs ${
      t.pids.join(", ")
    } (headers at lines ${t.headerLines.join(", ")}) overlap and the log_line_prefix shows ` +
    "no PID, so their lines cannot be told apart; add %p to log_line_prefix or use csvlog/jsonlog\n"
  ).join("");
}

function strayText(r: Reading, path: string): string {
  if (r.stray.length === 0) return "";
  const out = [`${path}: ${r.stray.length} dump line(s) outside any dump:`];
  for (const s of r.stray.slice(0, 10)) {
    out.push(`  line ${s.line}: ${s.reason}${s.detail ? ` (${s.detail})` : ""}: ${s.text}`);
  }
  if (r.stray.length > 10) out.push(`  … and ${r.stray.length - 10} more`);
  return out.join("\n") + "\n";
}

/**
 * Runs the command with `argv` (the arguments after the program name); returns the exit status
 * (0 ok, 1 unreadable input, 2 bad arguments, 3 `--strict` found problems).
 *
 * @example
 * ```ts
 * import { main } from "@palloc/palloc/memstats/cli";
 * const file = await Deno.makeTempFile({ suffix: ".log" });
 * await Deno.writeTextFile(file, `[7] LOG:  logging memory contexts of PID 7
 * [7] LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 192 free (0 chunks); 8000 used
 * [7] LOG:  Grand total: 8192 bytes in 1 blocks; 192 free (0 chunks); 8000 used
 * `);
 * let out = "";
 * const code = await main([file, "--list"], { out: (t) => (out += t), err: () => {} });
 * await Deno.remove(file);
 * console.assert(code === 0 && /\n +1 +7 .* ok /.test(out));
 * ```
 */
export async function main(argv: string[], io: Io = stdIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    if (args === "") {
      await io.out(USAGE + "\n");
      return 0;
    }
    await io.err(`memstats: ${args}\n${USAGE}\n`);
    return 2;
  }
  const inputs: Loaded[] = [];
  let pair: [Dump, Dump] | undefined;
  try {
    for (const f of args.files) inputs.push(await load(f, io));
    if (args.diff !== undefined) {
      const [a, b] = [await load(args.diff[0], io), await load(args.diff[1], io)];
      const first = (l: Loaded, spec: string) => {
        if (l.dumps.length === 0) throw new Error(`${spec}: no whole dump to compare`);
        return l.dumps[0];
      };
      pair = [first(a, args.diff[0]), first(b, args.diff[1])];
    }
  } catch (e) {
    const why = e instanceof MemstatsError ? `${e.code}: ${e.message}` : (e as Error).message;
    await io.err(`memstats: ${why}\n`);
    return 1;
  }
  let problems = 0;
  for (const l of inputs) {
    if (args.pid !== undefined) l.dumps = l.dumps.filter((d) => d.pid === args.pid);
    problems += l.reading.interleaved.length + (l.reading.stray.length > 0 ? 1 : 0);
    for (const d of l.dumps) if (problemsOf(d)) problems++;
  }
  if (args.pid !== undefined && inputs.length > 0 && inputs.every((l) => l.dumps.length === 0)) {
    await io.err(`memstats: no dump of PID ${args.pid} in the input\n`);
    return 1;
  }
  const dumps = inputs.flatMap((l) => l.dumps);

  if (args.json) {
    const json: Record<string, unknown> = {
      inputs: inputs.map((l) => ({
        path: l.path,
        form: l.reading.form,
        timeline: timeline({ ...l.reading, dumps: l.dumps }),
        interleaved: l.reading.interleaved,
        stray: l.reading.stray,
      })),
    };
    if (!args.list) json.dumps = dumps.map((d) => jsonDump(d, args.top));
    if (pair !== undefined) {
      const diff = diffDumps(pair[0], pair[1]);
      json.diff = {
        before: diff.before,
        after: diff.after,
        counts: diff.counts,
        byName: groupChanges(diff),
        changes: largestChanges(diff, Number.MAX_SAFE_INTEGER).map((
          { before: _b, after: _a, ...e },
        ) => e),
      };
    }
    for (const chunk of jsonChunks(json)) await io.out(chunk);
    await io.out("\n");
  } else {
    for (const l of inputs) {
      const multi = l.reading.dumps.length + l.reading.interleaved.length > 1;
      const showList = args.list || (multi && l.dumps.length > 1 && args.pid === undefined);
      await io.out(interleaveText(l.reading, l.path));
      await io.out(strayText(l.reading, l.path));
      if (showList) {
        const r = { ...l.reading, dumps: l.dumps };
        await io.out(`${l.path}: ${l.dumps.length} dump(s), ${l.reading.form}\n`);
        await io.out(
          formatTimeline(timeline(args.pid === undefined ? r : { ...r, interleaved: [] })),
        );
        if (!args.list) {
          await io.out(
            `for one dump's report: memstats ${l.path}@K, or --pid N for one backend over time\n`,
          );
        }
        continue;
      }
      if (args.pid !== undefined && l.dumps.length > 1) {
        await io.out(formatPidHistory(pidHistory(l.dumps, args.pid), args.top) + "\n");
        const last = l.dumps[l.dumps.length - 1];
        await io.out(`latest dump of PID ${args.pid}:\n`);
        await io.out(
          `${verdict(last)}\n${formatAnalysis(last, analyze(last, args.top), args.top)}\n`,
        );
        continue;
      }
      for (const d of l.dumps) {
        await io.out(`${verdict(d)}\n${formatAnalysis(d, analyze(d, args.top), args.top)}\n`);
      }
    }
    if (pair !== undefined) {
      const diff = diffDumps(pair[0], pair[1]);
      await io.out(formatDiff(pair[0], pair[1], diff, args.top));
    }
  }

  const renderOne = (d: Dump) =>
    renderHtml(d, { colorBy: args.color, top: Math.max(args.top, 25) });
  if (args.html !== undefined) {
    if (pair !== undefined) {
      await writeFile(args.html, renderDiffHtml(pair[0], pair[1], diffDumps(...pair)));
      await io.err(`memstats: wrote ${args.html} (diff)\n`);
    } else if (dumps.length === 1 && inputs.every((l) => l.reading.interleaved.length === 0)) {
      await writeFile(args.html, renderOne(dumps[0]));
      await io.err(`memstats: wrote ${args.html}\n`);
    } else {
      let k = 0;
      const pages: string[] = [];
      for (const l of inputs) {
        const start = k;
        for (const d of l.dumps) {
          const out = outName(args.html, ++k);
          await writeFile(out, renderOne(d));
          pages.push(out);
        }
        if (inputs.length === 1) {
          const index = renderIndex(
            { ...l.reading, dumps: l.dumps },
            (i) => baseName(outName(args.html!, start + i)),
            l.path,
          );
          await writeFile(args.html, index);
        }
      }
      if (inputs.length > 1) {
        const all: Reading = {
          form: inputs[0].reading.form,
          dumps,
          interleaved: [],
          stray: [],
        };
        await writeFile(
          args.html,
          renderIndex(all, (i) => baseName(outName(args.html!, i)), args.files.join(", ")),
        );
      }
      await io.err(`memstats: wrote ${args.html} (index) and ${pages.length} report(s)\n`);
    }
  }
  if (args.svg !== undefined) {
    const drawn = dumps.length > 0 ? dumps : pair !== undefined ? [pair[1]] : [];
    for (let i = 0; i < drawn.length; i++) {
      const out = drawn.length === 1 ? args.svg : outName(args.svg, i + 1);
      await writeFile(out, renderSvg(drawn[i], { colorBy: args.color }));
      await io.err(`memstats: wrote ${out}\n`);
    }
  }
  return args.strict && problems > 0 ? 3 : 0;
}

/** True when this file is the program being run (Deno's `import.meta.main`, Node's argv[1]). */
function isProgram(): boolean {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isProgram()) process.exit(await main(process.argv.slice(2)));
