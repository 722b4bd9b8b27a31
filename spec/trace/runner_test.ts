import assert from "node:assert/strict";
import { loadPallocApi, type PallocApi } from "../../src/trace/api.ts";
import { findTraceFiles, formatFailure, runConformance } from "../../src/trace/runner.ts";

const api = await loadPallocApi();

const PASS = "create G aset TopMemoryContext 0 8192 262144\n= stat G 1 0 8192 7952 8192\n";
const FAIL = "create G aset TopMemoryContext 0 8192 262144\n= stat G 1 0 8192 1 8192\n";
const SLAB = "create S slab TopMemoryContext 8192 64\n= stat S 0 0 176 0 0\n";

/** A temporary folder of traces: a/pass, a/fail, b/slab, b/bad, c/notes.txt. */
async function vectors(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "trace-runner-" });
  await Deno.mkdir(`${dir}/a`);
  await Deno.mkdir(`${dir}/b/deeper`, { recursive: true });
  await Deno.writeTextFile(`${dir}/a/pass.trace`, PASS);
  await Deno.writeTextFile(`${dir}/a/fail.trace`, FAIL);
  await Deno.writeTextFile(`${dir}/b/deeper/slab.trace`, SLAB);
  await Deno.writeTextFile(`${dir}/b/bad.trace`, "create G aset TopMemoryContext 0 8192\n");
  await Deno.writeTextFile(`${dir}/b/notes.txt`, "not a trace");
  return dir;
}

const noSlab: PallocApi = {
  ...api,
  creators: { ...api.creators, slab: undefined },
  unavailable: new Map([["slab", "Module not found"]]),
};

Deno.test("trace files are found recursively and sorted; a file names itself", async () => {
  const dir = await vectors();
  try {
    assert.deepEqual(await findTraceFiles(dir), [
      `${dir}/a/fail.trace`,
      `${dir}/a/pass.trace`,
      `${dir}/b/bad.trace`,
      `${dir}/b/deeper/slab.trace`,
    ]);
    assert.deepEqual(await findTraceFiles(`${dir}/a/pass.trace`), [`${dir}/a/pass.trace`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the runner reports each failing file on one line and ends with the totals", async () => {
  const dir = await vectors();
  try {
    const log: string[] = [];
    const s = await runConformance([dir], { api, log: (l) => log.push(l) });
    assert.deepEqual([s.passed, s.failed, s.skipped], [2, 2, 0]);
    assert.equal(log.length, 3);
    assert.equal(
      log[0],
      `FAIL ${dir}/a/fail.trace:1: create G aset TopMemoryContext 0 8192 262144 — expected ` +
        `["= stat G 1 0 8192 1 8192"] actual ["= stat G 1 0 8192 7952 8192"]`,
    );
    assert.match(
      log[1],
      /^FAIL .*\/b\/bad\.trace: parse error: .*bad\.trace:1: .*takes 6 operands/,
    );
    assert.equal(log[2], "2 passed, 2 failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a trace needing an unavailable type fails, or is left out with --only-available", async () => {
  const dir = await vectors();
  try {
    const log: string[] = [];
    const s = await runConformance([`${dir}/b/deeper`], { api: noSlab, log: (l) => log.push(l) });
    assert.deepEqual([s.passed, s.failed], [0, 1]);
    assert.match(log[0], /slab\.trace:1: .*context type slab is not available: Module not found/);

    const log2: string[] = [];
    const s2 = await runConformance([dir], {
      api: noSlab,
      onlyAvailable: true,
      log: (l) => log2.push(l),
    });
    assert.deepEqual([s2.passed, s2.failed, s2.skipped], [1, 2, 1]);
    assert.equal(log2[log2.length - 2], "1 skipped (context types not available: slab)");
    assert.equal(log2[log2.length - 1], "1 passed, 2 failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verbose mode reports every file, and display controls how paths are shown", async () => {
  const dir = await vectors();
  try {
    const log: string[] = [];
    await runConformance([`${dir}/a`], {
      api,
      verbose: true,
      log: (l) => log.push(l),
      display: (p) => p.slice(dir.length + 1),
    });
    assert.equal(log.length, 3);
    assert.match(log[0], /^FAIL a\/fail\.trace:1: /);
    assert.equal(log[1], "ok   a/pass.trace (1 ops)");
    assert.equal(log[2], "1 passed, 1 failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a path that does not exist counts as a failure", async () => {
  const log: string[] = [];
  const s = await runConformance(["/nonexistent/vectors"], { api, log: (l) => log.push(l) });
  assert.equal(s.failed, 1);
  assert.deepEqual(log, [
    "FAIL /nonexistent/vectors: no such file or directory",
    "0 passed, 1 failed",
  ]);
});

Deno.test("a file listed twice runs once", async () => {
  const dir = await vectors();
  try {
    const s = await runConformance([`${dir}/a/pass.trace`, `${dir}/a`], { api });
    assert.equal(s.files.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a palloc that cannot even start fails the file instead of the run", async () => {
  const dir = await vectors();
  try {
    const broken: PallocApi = {
      ...api,
      mcxt: Object.create(api.mcxt, {
        MemoryContextInit: {
          value: () => {
            throw new RangeError("no memory");
          },
        },
      }),
    };
    const log: string[] = [];
    const s = await runConformance([`${dir}/a/pass.trace`], {
      api: broken,
      log: (l) => log.push(l),
    });
    assert.equal(s.failed, 1);
    assert.match(log[0], /pass\.trace: replay could not run: no memory$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failure with no mismatch is still one line", () => {
  assert.equal(
    formatFailure({ file: "x.trace", status: "failed", operations: 0, message: "why" }),
    "FAIL x.trace: why",
  );
});

Deno.test("the command-line tool prints the totals last and exits 1 on failure", async () => {
  const dir = await vectors();
  try {
    const tool = new URL("../../tools/conformance.ts", import.meta.url).pathname;
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", tool, ...args],
        cwd: "/",
        env: { INIT_CWD: "/" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, lines: new TextDecoder().decode(out.stdout).trimEnd().split("\n") };
    };
    const pass = await run(`${dir}/a/pass.trace`);
    assert.deepEqual(pass, { code: 0, lines: ["1 passed, 0 failed"] });
    const all = await run(dir, "--verbose");
    assert.equal(all.code, 1);
    assert.equal(all.lines[all.lines.length - 1], "2 passed, 2 failed");
    assert.ok(all.lines.some((l) => l.startsWith(`ok   ${dir.slice(1)}/a/pass.trace`)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
