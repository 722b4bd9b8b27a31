/**
 * `deno task conformance [PATH…] [--only-available] [--verbose] [--checking]`
 *
 * Replays PostgreSQL 18.3's conformance traces against palloc and prints one
 * line per failing file, then `N passed, M failed`; exits 1 when any failed.
 * Without PATH it runs `../shared/conformance` next to the repository (found
 * from this file's location, so any working directory works). Relative PATHs
 * are taken from the directory the task was started in. `--checking` replays
 * every trace on a heap in checking mode (see `src/checking.ts`) and checks the
 * whole tree at each trace's end. All logic lives in `src/trace/runner.ts`.
 */
import { runConformance } from "../src/trace/runner.ts";

const USAGE = "usage: deno task conformance [PATH…] [--only-available] [--verbose] [--checking]";

/** Where the user started the command (`deno task` runs from the repository root). */
function startDir(): string {
  try {
    return Deno.env.get("INIT_CWD") ?? Deno.cwd();
  } catch {
    return Deno.cwd();
  }
}

function segments(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  return out;
}

/** `path` made absolute against `base` and normalized (POSIX paths). */
function absolute(path: string, base: string): string {
  return "/" + segments(path.startsWith("/") ? path : `${base}/${path}`).join("/");
}

/** Absolute `path` relative to absolute `base`, for display. */
function relative(path: string, base: string): string {
  const p = segments(path);
  const b = segments(base);
  let i = 0;
  while (i < p.length && i < b.length && p[i] === b[i]) i++;
  const rel = [...b.slice(i).map(() => ".."), ...p.slice(i)].join("/");
  return rel === "" ? "." : rel;
}

async function main(): Promise<number> {
  let onlyAvailable = false;
  let verbose = false;
  let checking = false;
  const paths: string[] = [];
  for (const arg of Deno.args) {
    if (arg === "--only-available") onlyAvailable = true;
    else if (arg === "--verbose" || arg === "-v") verbose = true;
    else if (arg === "--checking") checking = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      return 0;
    } else if (arg.startsWith("-")) {
      console.error(`unknown option ${arg}\n${USAGE}`);
      return 2;
    } else paths.push(arg);
  }
  const cwd = startDir();
  const roots = paths.length > 0 ? paths.map((p) => absolute(p, cwd)) : [
    absolute(
      decodeURIComponent(new URL("../../shared/conformance", import.meta.url).pathname),
      "/",
    ),
  ];
  const summary = await runConformance(roots, {
    onlyAvailable,
    verbose,
    checking,
    log: (line) => console.log(line),
    display: (file) => relative(file, cwd),
  });
  return summary.failed > 0 ? 1 : 0;
}

Deno.exit(await main());
