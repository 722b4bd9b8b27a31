/**
 * `deno task mutate [--list FILE] [--parallel N] [--only ID,…] [--smoke]`
 *
 * Mutation testing: applies each single-point mutation of a list
 * (default `tools/mutations.txt`) to a temporary copy of the repository —
 * never to the tree it is run from — runs the fast test subset the list names
 * for it, and reports the mutation killed (some test failed or timed out) or
 * survived. The unmutated copy must pass every subset first, so a kill is
 * the mutation's doing. `--smoke` runs only the first mutation and the
 * unmutated check (what CI can afford).
 *
 * List format, one mutation per block (blank lines and `#` comments between blocks):
 *
 * ```
 * @ ID FILE :: TEST [TEST…]
 * - text that occurs exactly once in FILE
 * + its replacement
 * ```
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One single-point mutation of the list. */
export interface Mutation {
  id: string;
  file: string;
  tests: string[];
  search: string;
  replace: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * What is wrong with `list` against the repository at `repo`: a text to mutate
 * that no longer occurs exactly once in its file (the source moved on), a file
 * or a test that does not exist, an id used twice. Empty when every mutation
 * can be applied. Checked before any copy is made, so a stale list is reported
 * whole instead of ending a run halfway.
 */
export function listProblems(list: Mutation[], repo: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of list) {
    if (seen.has(m.id)) problems.push(`${m.id}: id used twice`);
    seen.add(m.id);
    let text: string;
    try {
      text = Deno.readTextFileSync(join(repo, m.file));
    } catch {
      problems.push(`${m.id}: no file ${m.file}`);
      continue;
    }
    const at = text.indexOf(m.search);
    if (at < 0) problems.push(`${m.id}: the text to mutate is not in ${m.file}: ${m.search}`);
    else if (text.indexOf(m.search, at + 1) >= 0) {
      problems.push(`${m.id}: the text to mutate occurs more than once in ${m.file}`);
    }
    if (m.search === m.replace) problems.push(`${m.id}: the replacement is the same text`);
    for (const t of m.tests) {
      try {
        Deno.statSync(join(repo, t));
      } catch {
        problems.push(`${m.id}: no test ${t}`);
      }
    }
  }
  return problems;
}

/** Reads the mutation list (format in the file header). */
export function parseList(text: string): Mutation[] {
  const out: Mutation[] = [];
  let cur: Partial<Mutation> | null = null;
  for (const [i, line] of text.split("\n").entries()) {
    if (line.startsWith("@ ")) {
      const m = /^@ (\S+) (\S+) :: (.+)$/.exec(line);
      if (m === null) throw new Error(`line ${i + 1}: bad header ${line}`);
      cur = { id: m[1], file: m[2], tests: m[3].trim().split(/\s+/) };
    } else if (line.startsWith("- ") && cur !== null) cur.search = line.slice(2);
    else if ((line.startsWith("+ ") || line === "+") && cur !== null) {
      cur.replace = line.slice(2);
      if (cur.search === undefined) throw new Error(`line ${i + 1}: + before -`);
      out.push(cur as Mutation);
      cur = null;
    } else if (line.trim() !== "" && !line.startsWith("#")) {
      throw new Error(`line ${i + 1}: unexpected ${line}`);
    }
  }
  return out;
}

function parseArgs(args: string[]) {
  const o = {
    list: join(root, "tools/mutations.txt"),
    parallel: 2,
    only: [] as string[],
    smoke: false,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--list") o.list = args[++i];
    else if (a === "--parallel") o.parallel = Math.max(1, Number(args[++i]));
    else if (a === "--only") o.only = args[++i].split(",");
    else if (a === "--smoke") o.smoke = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** A copy of the repository (sources, specs, tools; no .git) beside a link to ../shared. */
async function makeCopy(k: number): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: `palloc-mutate-${k}-` });
  const repo = join(base, "repo");
  const files = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["ls-files", "-co", "--exclude-standard"], cwd: root })
      .output()).stdout,
  ).split("\n").filter((f) => f !== "");
  for (const f of files) {
    const to = join(repo, f);
    await Deno.mkdir(dirname(to), { recursive: true });
    try {
      await Deno.copyFile(join(root, f), to);
    } catch {
      // listed but deleted in the working tree
    }
  }
  await Deno.symlink(join(root, "..", "shared"), join(base, "shared"));
  return repo;
}

async function runTests(repo: string, tests: string[]): Promise<boolean> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", "--quiet", ...tests],
    cwd: repo,
    stdout: "null",
    stderr: "null",
    env: { NO_COLOR: "1" },
  });
  const child = cmd.spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 180_000); // a hang counts as a kill
  const status = await child.status;
  clearTimeout(timer);
  return status.success;
}

async function main() {
  const o = parseArgs(Deno.args);
  let list = parseList(await Deno.readTextFile(o.list));
  if (o.only.length > 0) list = list.filter((m) => o.only.includes(m.id));
  if (o.smoke) list = list.slice(0, 1);
  const problems = listProblems(list, root);
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`${problems.length} mutation(s) cannot be applied: fix ${o.list}`);
    Deno.exit(2);
  }
  const copies = await Promise.all(
    Array.from({ length: Math.min(o.parallel, list.length) }, (_, k) => makeCopy(k)),
  );
  // The unmutated copy must pass every subset the list uses.
  const subsets = [...new Set(list.map((m) => m.tests.join(" ")))];
  let next = 0;
  const baseline: string[] = [];
  await Promise.all(copies.map(async (repo) => {
    while (next < subsets.length) {
      const s = subsets[next++];
      if (!await runTests(repo, s.split(" "))) baseline.push(s);
    }
  }));
  if (baseline.length > 0) {
    console.error(`unmutated tests fail, no score: ${baseline.join("; ")}`);
    Deno.exit(2);
  }
  console.log(`unmutated: ${subsets.length} test subsets pass`);
  const results: Array<{ m: Mutation; killed: boolean }> = [];
  next = 0;
  const start = performance.now();
  await Promise.all(copies.map(async (repo) => {
    while (next < list.length) {
      const m = list[next++];
      const path = join(repo, m.file);
      const original = await Deno.readTextFile(path);
      const at = original.indexOf(m.search); // exactly once: \`listProblems\` checked it
      await Deno.writeTextFile(
        path,
        original.slice(0, at) + m.replace + original.slice(at + m.search.length),
      );
      const killed = !await runTests(repo, m.tests);
      await Deno.writeTextFile(path, original);
      results.push({ m, killed });
      console.log(`${killed ? "killed  " : "SURVIVED"} ${m.id} (${m.file})`);
    }
  }));
  for (const repo of copies) await Deno.remove(dirname(repo), { recursive: true });
  const killed = results.filter((r) => r.killed).length;
  const secs = Math.round((performance.now() - start) / 1000);
  console.log(
    `mutation score: ${killed}/${results.length} killed, ` +
      `${results.length - killed} survived (${secs} s, parallel ${copies.length})`,
  );
  if (o.smoke && killed !== results.length) Deno.exit(1);
}

if (import.meta.main) await main();
