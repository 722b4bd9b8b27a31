// The command-line shell (src/memstats/cli.ts, the `./memstats/cli` entry), run in-process with captured output.

import assert from "node:assert/strict";
import { main } from "../../src/memstats/cli.ts";
import { dumpFromTree, writeLog } from "../../src/memstats/mod.ts";
import { syntheticTree } from "../../src/memstats/synthetic.ts";

const REF = new URL("../../../shared/reference/", import.meta.url).pathname;

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

Deno.test("the CLI prints totals, the Grand total check, rankings and name groups", async () => {
  const r = await run(`${REF}pg18/02-catalog.log`, "--top", "3");
  assert.equal(r.code, 0);
  assert.match(r.out, /server log \(pg_log_backend_memory_contexts\), PID 14702, level base 1/);
  assert.match(r.out, /Grand total: 3600192 bytes — matches/);
  assert.match(r.out, /Top 3 by own total bytes:\n.*\n.*CacheMemoryContext/);
  assert.match(r.out, /\n +91 .*index info\n/);
});

Deno.test("the CLI's JSON output carries the tree, the check and the rankings", async () => {
  const r = await run(`${REF}pg15/02-catalog.csv`, "--json", "--top", "2");
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.dumps.length, 1);
  const d = j.dumps[0];
  assert.equal(d.format, "csv");
  assert.equal(d.csvColumns, "parent");
  assert.equal(d.check.status, "absent");
  assert.equal(d.topByTotal.length, 2);
  assert.equal(d.tree.name, "TopMemoryContext");
  assert.ok(d.tree.children.length > 10);
});

Deno.test("the CLI diffs two dumps and lists what grew", async () => {
  const r = await run(
    "--diff",
    `${REF}pg18/04-plpgsql-prepared.log`,
    `${REF}pg18/05-hash-cursor.log`,
    "--top",
    "1",
  );
  assert.equal(r.code, 0);
  assert.match(r.out, /\+51\.5 MiB/);
  assert.match(r.out, /added +TopMemoryContext > .* > HashBatchContext\n$/);
});

Deno.test("the CLI writes the HTML report and the SVG", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await run(
      `${REF}pg18/11-walsender-logical.log`,
      "--html",
      `${dir}/r.html`,
      "--svg",
      `${dir}/r.svg`,
      "--color",
      "free",
    );
    assert.equal(r.code, 0);
    assert.match(r.err, /wrote .*r\.html/);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.match(html, /data-color="free" class="on"/);
    const svg = await Deno.readTextFile(`${dir}/r.svg`);
    assert.equal((svg.match(/<rect class="ctx"/g) ?? []).length, 124);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI reports unreadable input with the error code and exit status 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/junk.bin`,
      Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256),
    );
    const r = await run(`${dir}/junk.bin`);
    assert.equal(r.code, 1);
    assert.match(r.err, /BINARY/);
    const missing = await run(`${dir}/nope.log`);
    assert.equal(missing.code, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI rejects bad arguments with usage and exit status 2", async () => {
  assert.equal((await run()).code, 2);
  assert.equal((await run("--top", "x", "f")).code, 2);
  assert.equal((await run("--color", "pink", "f")).code, 2);
  const r = await run("--frobnicate", "f");
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option --frobnicate\nusage:/);
  assert.match((await run("--help")).out, /^usage: memstats FILE/);
});

Deno.test("with --strict the CLI exits 3 when a dump has skipped lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = await Deno.readTextFile(`${REF}pg18/08-checkpointer.log`);
    await Deno.writeTextFile(`${dir}/x.log`, text.replace("\n", "\nsomething else\n"));
    const r = await run(`${dir}/x.log`, "--strict");
    assert.equal(r.code, 3);
    assert.match(r.out, /1 skipped line\(s\):\n {2}line 2: interleaved/);
    assert.equal((await run(`${REF}pg18/08-checkpointer.log`, "--strict")).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI shows progress on stderr for big inputs and picks dumps with FILE@K", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = writeLog(dumpFromTree(syntheticTree(60_000, 5)), { pid: 1 });
    const small = await Deno.readTextFile(`${REF}pg18/08-checkpointer.log`);
    await Deno.writeTextFile(`${dir}/big.log`, big + small);
    const r = await run(`${dir}/big.log@2`, "--top", "1");
    assert.equal(r.code, 0);
    assert.match(r.err, /reading .*big\.log \(\d+\.?\d* MiB\)/);
    assert.match(r.err, /50000\/\d+ lines/);
    assert.match(r.out, /big\.log@2: .*PID 14652/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
