/**
 * `deno task test`: everything CI checks, in one command, ending with the
 * plain line `N passed, M failed` that CI reads (Deno's own summary line is
 * not one it understands).
 *
 * Steps: Chromium is installed first when missing (browser tests need it);
 * then the unit, property and tool tests in `spec/` (each Deno test counts
 * once), the conformance vectors (each trace file counts once), every
 * example (each counts once), the source checks (fmt, lint, type check,
 * doc lint, publish dry run; each counts once), the JSDoc examples of the
 * files the entry points (mod.ts, ./memstats) export from, run by `deno test --doc` (all together count
 * once), and every ```ts block of the README, type-checked and run as a program of its own
 * (`tools/readme_blocks.ts`; each counts once). Every step runs even when an earlier one failed, so one red test
 * does not hide another.
 */
import { runBlocks } from "./readme_blocks.ts";

const deno = Deno.execPath();
const root = new URL("..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
const failures: string[] = [];

async function run(
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; out: string }> {
  const cmd = new Deno.Command(deno, { args, cwd: root, stdout: "piped", stderr: "piped", env });
  const { code, stdout, stderr } = await cmd.output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  return { code, out };
}

function tally(name: string, ok: boolean, detail = ""): void {
  if (ok) passed++;
  else {
    failed++;
    failures.push(name + (detail ? `\n${detail}` : ""));
  }
  console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
}

const ESC = String.fromCharCode(27);
const strip = (s: string) =>
  s.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, ""))).join("");

// 0. The browser tests need Debian's chromium; install it when it is missing.
try {
  Deno.statSync("/usr/bin/chromium");
} catch {
  console.log("== installing chromium (tools/install-chromium.sh)");
  const inst = await new Deno.Command("bash", { args: ["tools/install-chromium.sh"], cwd: root })
    .output();
  if (!inst.success) console.log(new TextDecoder().decode(inst.stderr).slice(-2000));
}

// 1. spec/: Deno's test runner; its summary gives the counts.
{
  console.log("== spec/ (deno test)");
  const { code, out } = await run(["test", "-A", "--parallel", "spec/"], { DENO_JOBS: "2" });
  const text = strip(out);
  const m = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(text);
  if (m) {
    passed += Number(m[2]);
    failed += Number(m[3]);
    console.log(
      text.split("\n").filter((l) => /^(ok|FAILED) \||=>|ERRORS|FAILURES/.test(l)).join("\n"),
    );
    if (Number(m[3]) > 0 || code !== 0) failures.push("spec/:\n" + text.slice(-6000));
    if (code !== 0 && Number(m[3]) === 0) tally("spec/ runner exit code", false, text.slice(-3000));
  } else {
    tally("spec/ (no summary)", false, text.slice(-6000));
  }
}

// 2. Conformance vectors: one test per trace file.
{
  console.log("== conformance");
  const { code, out } = await run(["run", "-A", "tools/conformance.ts"]);
  const m = /^(\d+) passed, (\d+) failed$/m.exec(out);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    console.log(out.trim().split("\n").slice(-12).join("\n"));
    if (Number(m[2]) > 0) failures.push("conformance:\n" + out.slice(-4000));
  } else tally("conformance (no summary)", false, out.slice(-4000));
  if (code !== 0 && !(m && Number(m[2]) > 0)) {
    tally("conformance exit code", false, out.slice(-2000));
  }
}

// 3. Examples: each must run to completion.
{
  console.log("== examples");
  const names = [...Deno.readDirSync(root + "examples")].filter((e) =>
    e.isFile && e.name.endsWith(".ts")
  )
    .map((e) => e.name).sort();
  for (const name of names) {
    const { code, out } = await run(["run", "-A", `examples/${name}`]);
    tally(`example ${name}`, code === 0, out.slice(-2000));
  }
}

/** The files of deno.json's exports (mod.ts, src/memstats/mod.ts, …). */
function entryPoints(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${root}deno.json`));
  return Object.values(config.exports as Record<string, string>).map((e) => e.replace(/^\.\//, ""));
}

// 4. Source checks.
{
  console.log("== source checks");
  const checks: Array<[string, string[]]> = [
    ["deno fmt --check", ["fmt", "--check"]],
    ["deno lint", ["lint"]],
    ["deno check", ["check", "mod.ts", "src/", "tools/", "examples/", "bench/", "spec/"]],
    ["deno doc --lint (every entry point)", ["doc", "--lint", ...entryPoints()]],
    ["deno publish --dry-run", ["publish", "--dry-run", "--allow-dirty"]],
  ];
  for (const [name, args] of checks) {
    const { code, out } = await run(args);
    tally(name, code === 0, strip(out).slice(-3000));
  }
}

// 5. Doc examples: `deno test --doc` over the files that define the exports of every entry
// point in deno.json (from `deno doc --json`), each example its own test module. console.assert does not throw, so
// an "Assertion failed" line in the output fails the step as well.
{
  console.log("== doc examples");
  const entries = entryPoints();
  const files = new Set(entries);
  for (const entry of entries) {
    const doc = await new Deno.Command(deno, { args: ["doc", "--json", entry], cwd: root })
      .output();
    try {
      type Symbols = { declarations: { location: { filename: string } }[] }[];
      const json = JSON.parse(new TextDecoder().decode(doc.stdout));
      for (const node of Object.values(json.nodes as Record<string, { symbols: Symbols }>)) {
        for (const d of node.symbols.flatMap((symbol) => symbol.declarations)) {
          const f = d.location.filename;
          if (f.startsWith(`file://${root}`)) files.add(f.slice(`file://${root}`.length));
        }
      }
    } catch (e) {
      tally(`doc examples: deno doc --json ${entry}`, false, String(e));
    }
  }
  const { code, out } = await run(["test", "-A", "--doc", "--parallel", ...[...files].sort()], {
    DENO_JOBS: "2",
  });
  const text = strip(out);
  const m = /(ok|FAILED) \| (\d+) passed \| (\d+) failed/.exec(text);
  if (m) console.log(`${m[2]} examples passed, ${m[3]} failed, in ${files.size} files`);
  const asserts = text.split("\n").filter((l) => l.includes("Assertion failed"));
  const detail = [...asserts, text.slice(-4000)].join("\n");
  tally("doc examples run", code === 0 && asserts.length === 0, detail);
}

// 6. README code blocks: each ```ts block is a program, type-checked and run in a temporary
// directory with palloc imported by its public names (tools/readme_blocks.ts); each counts once.
{
  console.log("== README blocks");
  for (const r of await runBlocks(["README.md"])) tally(`README block ${r.name}`, r.ok, r.detail);
}

if (failures.length > 0) {
  console.log("\n== failures");
  for (const f of failures) console.log(f + "\n");
}
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);
