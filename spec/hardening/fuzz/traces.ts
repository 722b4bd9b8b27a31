/**
 * Hardening fuzzer (a): random and mutated trace files fed to the parser,
 * the compiler and the conformance replay engine.
 *
 * Promises checked: parsing either succeeds or throws a `TraceParseError`
 * whose line is a line of the text (and whose message names it); compiling
 * a parsed trace and replaying it never throw (a replay reports mismatches
 * as values); and after a replay on a heap in checking mode, whatever the
 * trace did, `MemoryContextCheck(TopMemoryContext)` and `heap.check()` pass.
 *
 * One trace round in 25 instead replays a conformance vector unchanged, its
 * expectations included, on a heap in checking mode or not (by the seed) and
 * with its offsets past 2^31 (a base of 2^31 + 4 KiB) in two rounds of three:
 * every counter, space, error and stats line must be what PostgreSQL 18
 * printed (`vectorRound`). The one vector that needs more than the 2 GiB left
 * above that base (it runs out of memory where PostgreSQL did not) is run at
 * base 0 instead.
 *
 * Inputs: the conformance vectors, mutated 1–6 times each (lines deleted,
 * duplicated, swapped or cut short; tokens replaced by junk, huge or
 * negative numbers, other verbs; invalid UTF-8), and traces made up from
 * scratch out of the verb table with random arguments.
 */
import { TraceParseError } from "../../../src/trace/errors.ts";
import { parseTrace, parseTraceBytes } from "../../../src/trace/parse.ts";
import { compileTrace } from "../../../src/trace/compile.ts";
import { replayTrace } from "../../../src/trace/replay.ts";
import type { PallocApi } from "../../../src/trace/api.ts";
import type { ParsedTrace } from "../../../src/trace/types.ts";
import { describe, type Failure, type Figures, FuzzFailure, Rng } from "./common.ts";

const VERBS = [
  "create",
  "alloc",
  "alloc0",
  "allocext",
  "aligned",
  "free",
  "realloc",
  "reset",
  "resetonly",
  "resetchildren",
  "delete",
  "deletechildren",
  "setparent",
  "ident",
  "callback",
  "limit",
  "space",
  "owner",
  "isempty",
  "memallocated",
  "consumed",
  "stats",
  "check",
];
const JUNK = [
  "",
  " ",
  "\t",
  "-1",
  "0",
  "1.5",
  "1e3",
  "0x10",
  "abc",
  "é",
  "\u0000",
  "\r",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551615",
  "18446744073709551616",
  "99999999999999999999999999",
  "HUGE|NO_OOM",
  "HUGE|",
  "ZERO|ZERO",
  "aset",
  "slab",
  "bump",
  "generation",
  "TopMemoryContext",
  "ErrorContext",
  "p1",
  "p2",
  "c1",
  "=",
  "= error out of memory",
  "none",
];

/** Makes a line of a trace from scratch. */
function randomLine(rng: Rng): string {
  const r = rng.int(20);
  if (r === 0) return "# " + rng.pick(JUNK);
  if (r === 1) {
    return "= " + rng.pick(["space", "stat", "null", "error", "bool", "bytes", "x"]) +
      " " + rng.pick(JUNK);
  }
  const ctx = () => rng.pick(["TopMemoryContext", "ErrorContext", "c1", "c2", "c3", "c4"]);
  const ptr = () => `p${rng.int(12)}`;
  const num = () => (rng.chance(0.85) ? String(rng.size()) : rng.pick(JUNK));
  const verb = rng.pick(VERBS);
  switch (verb) {
    case "create": {
      const type = rng.pick(["aset", "generation", "slab", "bump", "nope"]);
      const sizes = type === "slab"
        ? [8192, rng.int(300)]
        : [0, 1024 << rng.int(4), 8192 << rng.int(8)];
      return `create ${ctx()} ${type} ${ctx()} ${
        sizes.map((s) => rng.chance(0.9) ? s : num()).join(" ")
      }`;
    }
    case "alloc":
    case "alloc0":
      return `${verb} ${ptr()} ${ctx()} ${num()}`;
    case "allocext":
      return `allocext ${ptr()} ${ctx()} ${num()} ${
        rng.pick(["0", "HUGE", "NO_OOM", "ZERO", "HUGE|NO_OOM"])
      }`;
    case "aligned":
      return `aligned ${ptr()} ${ctx()} ${num()} ${
        rng.pick(["8", "16", "64", "4096", "3", num()])
      }`;
    case "free":
    case "space":
    case "owner":
      return `${verb} ${ptr()}`;
    case "realloc":
      return `realloc ${ptr()} ${num()}`;
    case "setparent":
      return `setparent ${ctx()} ${ctx()}`;
    case "ident":
      return `ident ${ctx()} ${rng.pick(JUNK)} x`;
    case "callback":
      return `callback ${ctx()} cb${rng.int(5)}`;
    case "limit":
      return `limit ${rng.chance(0.5) ? "none" : num()}`;
    case "memallocated":
      return `memallocated ${ctx()} ${rng.int(3)}`;
    case "stats":
      return `stats ${ctx()} ${rng.int(4)} ${rng.int(4)}`;
    case "check":
      return "check";
    default:
      return `${verb} ${ctx()}`;
  }
}

/**
 * Applies one random mutation to `lines` in place. With `semantic`, only
 * mutations that keep lines well formed (so more texts reach the replay):
 * lines deleted, duplicated, swapped or made up, sizes changed.
 */
function mutate(rng: Rng, lines: string[], semantic: boolean): void {
  const i = rng.int(lines.length + 1);
  const line = lines[i] ?? "";
  const tokens = line.split(" ");
  if (semantic) {
    // Lines that bind no name can go or come twice without the parser minding.
    const free =
      /^(free|realloc|reset|resetonly|resetchildren|delete|deletechildren|space|owner|check|stats|limit|isempty|memallocated|consumed|ident|setparent) /;
    const k = rng.int(10);
    if (k < 5) {
      const at = tokens.findIndex((t, j) => j > 1 && /^\d+$/.test(t));
      if (at > 0) tokens[at] = String(rng.chance(0.9) ? rng.size() : rng.u32() * 2 ** 21);
      lines[i] = tokens.join(" ");
    } else if (free.test(line) || line === "check") {
      mutateLines(rng, lines, i, line, k < 8 ? 0 : 1);
    }
    return;
  }
  switch (rng.int(9)) {
    case 0:
    case 1:
    case 2:
      mutateLines(rng, lines, i, line, rng.int(3));
      break;
    case 3:
      tokens[rng.int(tokens.length)] = rng.pick(JUNK);
      lines[i] = tokens.join(" ");
      break;
    case 4:
      lines[i] = line.slice(0, rng.int(line.length + 1));
      break;
    case 5:
      lines.splice(i, 0, randomLine(rng));
      break;
    case 6:
      tokens[0] = rng.pick(VERBS);
      lines[i] = tokens.join(" ");
      break;
    case 7:
      lines[i] = line + " " + rng.pick(JUNK);
      break;
    default:
      tokens[rng.int(tokens.length)] = String(rng.u32() * (rng.chance(0.5) ? 1 : 2 ** 20));
      lines[i] = tokens.join(" ");
  }
}

/** Deletes (0), duplicates (1) or swaps (2) line `i`. */
function mutateLines(rng: Rng, lines: string[], i: number, line: string, how: number): void {
  if (how === 0) lines.splice(i, 1);
  else if (how === 1) lines.splice(i, 0, line);
  else {
    const j = rng.int(lines.length);
    [lines[i], lines[j]] = [lines[j] ?? "", line];
  }
}

/** One round: make a text, parse it, and when it parses compile and replay it. */
export function traceRound(
  api: PallocApi,
  corpus: readonly string[],
  seed: number,
  figures: Figures,
): Failure | null {
  const rng = new Rng(seed);
  // Trace rounds get every fourth seed (`run.ts`): `seed >>> 2` counts them.
  const j = seed >>> 2;
  if (corpus.length > 0 && j % 25 === 0) {
    return vectorRound(api, rng.pick(corpus), seed, j / 25, figures);
  }
  let lines: string[];
  const semantic = rng.chance(0.5);
  if (corpus.length > 0 && rng.chance(0.8)) {
    lines = rng.pick(corpus).split("\n");
    // Semantic rounds drop the expectations, so the replay runs every operation (lenient).
    if (semantic) lines = lines.filter((l) => !l.startsWith("="));
    for (let k = 1 + rng.int(6); k > 0; k--) mutate(rng, lines, semantic);
  } else {
    lines = Array.from({ length: 1 + rng.int(60) }, () => randomLine(rng));
  }
  const text = lines.join("\n");
  figures.traces++;
  try {
    const parsed = parse(rng, text, lines.length);
    if (parsed === null) {
      figures.parseErrors++;
      return null;
    }
    compileTrace(parsed);
    const checking = rng.chance(0.8);
    const base = [0, 2 ** 31 + 4096, 2 ** 32 - (64 << 20)][j % 3];
    const heapOptions = { maxBytes: base + (32 << 20), checking, base };
    const lenient = semantic || rng.chance(0.5);
    const result = replayTrace(parsed, api, { heap: heapOptions, lenient });
    figures.calls += result.operations;
    if (checking) {
      api.mcxt.MemoryContextCheck(api.mcxt.TopMemoryContext);
      api.heap().check();
    }
    return null;
  } catch (e) {
    return { fuzzer: "traces", seed, message: describe(e), trace: text };
  }
}

/** Replays one vector unchanged, held to PostgreSQL's lines (see the file's header). */
function vectorRound(
  api: PallocApi,
  text: string,
  seed: number,
  k: number,
  figures: Figures,
): Failure | null {
  // `k` counts vector rounds: consecutive ones walk both modes and three bases (two high).
  const checking = (k & 1) === 0;
  const run = (base: number) =>
    replayTrace(parseTrace(text, "vector.trace"), api, {
      heap: { maxBytes: 2 ** 32, checking, base },
    });
  try {
    let r = run(k % 3 === 0 ? 0 : 2 ** 31 + 4096);
    const m = r.firstMismatch;
    const huge = m !== undefined && m.op.split(" ").some((t) => Number(t) >= 2 ** 29);
    if (huge && m!.actual[0] === "= error out of memory" && k % 3 !== 0) {
      r = run(0); // no room for it in the 2 GiB above the high base
    }
    figures.calls += r.operations;
    figures.vectors++;
    if (!r.ok) {
      const f = r.firstMismatch!;
      throw new FuzzFailure(
        `a conformance vector differs from PostgreSQL (checking ${checking}) at line ${f.line}: ` +
          `${f.op}\n  PostgreSQL: ${f.expected.join(" | ")}\n  palloc:     ${
            f.actual.join(" | ")
          }` +
          (f.reason === undefined ? "" : `\n  ${f.reason}`),
      );
    }
    if (checking) {
      api.mcxt.MemoryContextCheck(api.mcxt.TopMemoryContext);
      api.heap().check();
    }
    return null;
  } catch (e) {
    return { fuzzer: "traces", seed, message: describe(e), trace: text };
  }
}

/** Parses as text or as bytes; null for a proper TraceParseError, a FuzzFailure otherwise. */
function parse(rng: Rng, text: string, nlines: number): ParsedTrace | null {
  try {
    if (!rng.chance(0.2)) return parseTrace(text, "fuzz.trace");
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > 0 && rng.chance(0.5)) bytes[rng.int(bytes.length)] = 0x80 | rng.int(0x80);
    return parseTraceBytes(bytes, "fuzz.trace");
  } catch (e) {
    if (!(e instanceof TraceParseError)) throw e;
    if (!Number.isInteger(e.line) || e.line < 1 || e.line > nlines + 1) {
      throw new FuzzFailure(`TraceParseError names line ${e.line} of a ${nlines}-line text`);
    }
    if (!e.message.startsWith(`fuzz.trace:${e.line}: `)) {
      throw new FuzzFailure(`TraceParseError message does not name its line: ${e.message}`);
    }
    return null;
  }
}

/** The conformance vectors' texts, the corpus mutations start from. */
export function loadCorpus(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of Deno.readDirSync(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".trace")) out.push(Deno.readTextFileSync(p));
    }
  };
  try {
    walk(root);
  } catch {
    // No vectors next to the repository: random traces only.
  }
  return out.sort();
}
