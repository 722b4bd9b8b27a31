/**
 * npm package smoke test: `tools/build_npm.ts` builds the package, `npm pack` packs it, and the
 * tarball is installed offline into a fresh Node project, as a user of npm would get it. There a
 * script imports `@palloc/palloc` and `@palloc/palloc/memstats` by name, allocates, resets and
 * reads statistics, and must print exactly what the same script prints under Deno against the
 * sources (the import map of deno.json); a TypeScript consumer is type-checked against the
 * package's `.d.ts` (with a deliberate type error that must be reported); and when the package
 * has a `bin`, the memstats command runs on a real PostgreSQL dump. Skipped only when `node` is
 * missing and CI is unset; under CI a missing node fails.
 */
import assert from "node:assert/strict";
import { buildNpm, findNode, packNpm, runNodeTool, tsc } from "../../tools/build_npm.ts";
import { codeBlocks } from "../../tools/readme_blocks.ts";
import { underCI } from "./dist.ts";

const root = new URL("../..", import.meta.url).pathname;
const MARK = "NPM-RESULT ";

/** Runs in Node from the installed tarball, and in Deno from the sources; prints one JSON line. */
const CONSUMER = `import { Context } from "@palloc/palloc";
import { analyze, readDump } from "@palloc/palloc/memstats";

const top = Context.init();
const work = top.child.aset("work");
for (let i = 0; i < 100; i++) work.alloc(64 + i);
const pick = (s) => [s.name, s.type, s.totalBytes, s.nblocks, s.freeBytes, s.freeChunks, s.usedBytes];
const full = pick(work.stats());
work.reset();
const empty = pick(work.stats());
const text = top.statsText();
const check = analyze(readDump(text + "\\n"), 3).check.status;
console.log(${JSON.stringify(MARK)} + JSON.stringify({ full, empty, text, check }));
`;

/** Type-checked against the package's declarations; the marked line must be an error. */
const TS_CONSUMER = `import { Context, type ContextStats } from "@palloc/palloc";
import { type MemNode, treeFromWalker } from "@palloc/palloc/memstats";

const top: Context = Context.init();
const stats: ContextStats = top.stats();
const tree: MemNode = treeFromWalker(stats, { stats: (s) => s, children: (s) => s.children });
export const bytes: number = tree.totalBytes + stats.usedBytes;
// @ts-expect-error: a size is a number or a bigint, never a string
top.alloc("10");
`;

const TSCONFIG = {
  compilerOptions: {
    module: "NodeNext",
    moduleResolution: "NodeNext",
    target: "ES2022",
    lib: ["ES2024", "ESNext.Disposable", "DOM"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  },
  files: ["consumer.ts"],
};

const node = await findNode();

function report(stdout: string, who: string): Record<string, unknown> {
  const line = stdout.split("\n").find((l) => l.startsWith(MARK));
  assert.ok(line !== undefined, `no report in ${who}'s output:\n${stdout}`);
  return JSON.parse(line.slice(MARK.length));
}

async function output(cmd: string, args: string[], cwd: string, env?: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const err = new TextDecoder().decode(out.stderr);
  return { code: out.code, stdout: text, all: `${text}\n${err}` };
}

Deno.test({
  name: "the npm tarball installs into a Node 20 project and works there as in Deno",
  ignore: node === null && !underCI(),
  async fn() {
    assert.ok(node !== null, "node is not on PATH (CI needs Node 20 and npm)");
    const tmp = await Deno.makeTempDir({ prefix: "palloc-npm-test-" });
    try {
      const build = await buildNpm(`${tmp}/package`);
      const tarball = await packNpm(build.dir, `${tmp}/packed`);
      const contents = (await output("tar", ["tzf", tarball], tmp)).stdout.split("\n");
      for (const f of ["package.json", "README.md", "LICENSE"]) {
        assert.ok(contents.includes(`package/${f}`), `${f} is not in the tarball`);
      }
      for (const e of build.entries) {
        for (const f of [e.js, e.dts]) {
          assert.ok(contents.includes(`package/${f.slice(2)}`), `${f} is not in the tarball`);
        }
      }

      // A fresh project, the tarball installed without the network (it has no dependency).
      const project = `${tmp}/project`;
      await Deno.mkdir(project);
      await Deno.writeTextFile(
        `${project}/package.json`,
        JSON.stringify({ name: "palloc-consumer", private: true, type: "module" }),
      );
      await runNodeTool(
        "npm",
        ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball],
        project,
      );
      const installed = JSON.parse(
        await Deno.readTextFile(`${project}/node_modules/@palloc/palloc/package.json`),
      );
      assert.equal(installed.version, build.version);
      assert.deepEqual(Object.keys(installed.exports), build.entries.map((e) => e.key));

      await Deno.writeTextFile(`${project}/consumer.mjs`, CONSUMER);
      const inNode = await output(node.path, ["consumer.mjs"], project);
      assert.equal(inNode.code, 0, `node ${node.version} failed:\n${inNode.all}`);
      const fromNode = report(inNode.stdout, "node");

      // The same script under Deno, resolving the names through deno.json's import map.
      await Deno.mkdir(`${tmp}/deno`);
      await Deno.writeTextFile(`${tmp}/deno/consumer.mjs`, CONSUMER);
      const inDeno = await output(
        Deno.execPath(),
        ["run", "--config", `${root}deno.json`, "consumer.mjs"],
        `${tmp}/deno`,
      );
      assert.equal(inDeno.code, 0, `deno failed:\n${inDeno.all}`);
      assert.deepEqual(fromNode, report(inDeno.stdout, "deno"));

      const full = fromNode.full as (string | number)[];
      const empty = fromNode.empty as (string | number)[];
      assert.deepEqual(full.slice(0, 2), ["work", "AllocSet"]);
      assert.ok(full[6] > empty[6], `reset freed nothing: ${full} then ${empty}`);
      assert.equal(fromNode.check, "ok");
      assert.match(String(fromNode.text), /^TopMemoryContext: \d+ total in \d+ blocks;/);
      assert.match(String(fromNode.text), /\n {2}work: \d+ total/);

      // The README's first program, which has no type annotation, runs in Node as it is.
      const readme = await Deno.readTextFile(`${root}README.md`);
      const at = readme.indexOf("**A first program**");
      const first = codeBlocks("README.md", readme.slice(at)).find((b) => b.lang === "ts");
      assert.ok(at >= 0 && first !== undefined, "the README has no first program");
      await Deno.writeTextFile(`${project}/first.mjs`, first.code);
      const firstRun = await output(node.path, ["first.mjs"], project);
      assert.equal(firstRun.code, 0, `the README's first program failed in Node:\n${firstRun.all}`);

      // A TypeScript consumer, checked against the .d.ts through the package's exports.
      await Deno.writeTextFile(`${project}/consumer.ts`, TS_CONSUMER);
      await Deno.writeTextFile(`${project}/tsconfig.json`, JSON.stringify(TSCONFIG));
      await tsc(["-p", "tsconfig.json"], project);
      await Deno.writeTextFile(
        `${project}/consumer.ts`,
        TS_CONSUMER.replace("// @ts-expect-error", "//"),
      );
      await assert.rejects(
        tsc(["-p", "tsconfig.json"], project),
        /TS2345/,
        "the declarations let a string through as a size",
      );

      // The memstats command, when the package has one.
      if (build.bin === null) {
        console.log(`no bin checked: ${build.notes.join("; ")}`);
      } else {
        const bin = `${project}/node_modules/.bin/${build.bin.name}`;
        const dir = node.path.slice(0, node.path.lastIndexOf("/"));
        const env = { PATH: `${dir}:${Deno.env.get("PATH") ?? ""}` };
        const help = await output(bin, ["--help"], project, env);
        assert.equal(help.code, 0, `${build.bin.name} --help failed:\n${help.all}`);
        assert.match(help.all, /usage/i);
        const log = `${root}../shared/reference/pg18/05-hash-cursor.log`;
        const run = await output(bin, [log], project, env);
        assert.equal(run.code, 0, `${build.bin.name} ${log} failed:\n${run.all}`);
        assert.match(run.stdout, /HashBatchContext/);
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
