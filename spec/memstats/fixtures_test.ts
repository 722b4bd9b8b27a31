// memstats against real logs of a busy PostgreSQL 15 server (spec/memstats/fixtures/pg15/, made
// by tools/pg/make_fixtures.sh: pgbench with 4 clients while every process was asked for its
// memory contexts, logged to stderr with three prefixes, csvlog and jsonlog, plus a gdb
// MemoryContextStats block and psql's three forms of the view). Expectations are counted from
// the raw files here, independently of the reader.

import assert from "node:assert/strict";
import { type Dump, MemstatsError, readInput, walk, writeLog } from "../../src/memstats/mod.ts";
import { main } from "../../src/memstats/cli.ts";
import { seededRandom } from "../../src/memstats/synthetic.ts";

const FIX = new URL("./fixtures/pg15/", import.meta.url);
const text = (n: string) => Deno.readTextFileSync(new URL(n, FIX));
const LOGS = ["prefix-m-p.log", "prefix-t-p-l.log", "prefix-change-gdb.log"];
const STRUCTURED = [
  "prefix-m-p.csv",
  "prefix-m-p.json",
  "prefix-change-gdb.csv",
  "prefix-change-gdb.json",
];
const HEADER = /logging memory contexts of PID (\d+)/g;

/** PIDs of the header messages, in file order, counted from the raw text. */
const headerPids = (t: string) => [...t.matchAll(HEADER)].map((m) => Number(m[1]));
/** The tree and figures of a dump as text, without line numbers or source. */
const shape = (d: Dump) => writeLog({ ...d, pid: 1 });

/** Own sums of the five figures over every line, compared with the dump's own Grand total. */
function sumsToGrandTotal(d: Dump): boolean {
  const s = { totalBytes: 0, nblocks: 0, freeBytes: 0, freeChunks: 0, usedBytes: 0 };
  walk(d.root, (n) => {
    s.totalBytes += n.totalBytes;
    s.nblocks += n.nblocks;
    s.freeBytes += n.freeBytes;
    s.freeChunks += n.freeChunks;
    s.usedBytes += n.usedBytes;
  });
  const g = d.grandTotal!;
  return s.totalBytes === g.totalBytes && s.nblocks === g.nblocks &&
    s.freeBytes === g.freeBytes && s.freeChunks === g.freeChunks && s.usedBytes === g.usedBytes;
}

Deno.test("every dump of every real log has its PID and sums to its own Grand total", () => {
  for (const f of [...LOGS, ...STRUCTURED]) {
    const t = text(f);
    const r = readInput(t, { source: f });
    const logged = r.dumps.filter((d) => d.format !== "stderr");
    assert.deepEqual(
      logged.map((d) => d.pid).sort(),
      headerPids(t).sort(),
      `${f}: one dump per header`,
    );
    const gdb = t.split("\n").filter((l) => l.startsWith("TopMemoryContext: ")).length;
    assert.equal(r.dumps.length - logged.length, gdb, `${f}: gdb blocks`);
    assert.deepEqual(r.interleaved, [], f);
    assert.deepEqual(r.stray, [], f);
    for (const d of r.dumps) {
      const what = `${f} lines ${d.startLine}-${d.endLine}`;
      assert.ok(d.complete, `${what}: complete`);
      assert.deepEqual(d.skipped, [], what);
      assert.ok(sumsToGrandTotal(d), `${what}: lines sum to the Grand total field by field`);
    }
  }
});

Deno.test("overlapping dumps of different backends come out whole, each line from its own PID", () => {
  for (const f of ["prefix-m-p.log", "prefix-t-p-l.log"]) {
    const t = text(f);
    const lines = t.split("\n");
    const dumps = readInput(t).dumps;
    const overlapping = dumps.filter((d) =>
      dumps.some((e) => e !== d && e.startLine < d.endLine && d.startLine < e.endLine)
    );
    assert.ok(
      overlapping.length >= 4,
      `${f}: the capture really interleaved (${overlapping.length})`,
    );
    for (const d of dumps) {
      walk(d.root, (n) => {
        assert.ok(lines[n.line! - 1].includes(`[${d.pid}]`), `${f}:${n.line} is PID ${d.pid}'s`);
      });
    }
  }
});

Deno.test("the stderr log, csvlog and jsonlog of one capture give the same dumps", () => {
  for (const base of ["prefix-m-p", "prefix-change-gdb"]) {
    const [log, csv, json] = ["log", "csv", "json"].map((x) => readInput(text(`${base}.${x}`)));
    assert.equal(csv.form, "csvlog");
    assert.equal(json.form, "jsonlog");
    const key = (r: typeof log) =>
      r.dumps.filter((d) => d.format !== "stderr").map((d) => `${d.pid}\n${shape(d)}`).sort();
    assert.deepEqual(key(csv), key(log), `${base}: csvlog = stderr log`);
    assert.deepEqual(key(json), key(log), `${base}: jsonlog = stderr log`);
    for (const d of [...csv.dumps, ...json.dumps]) {
      assert.ok(d.time !== undefined && d.backendType !== undefined, "time and backend type");
    }
    assert.ok(csv.dumps.some((d) => d.user === "postgres" && d.database === "bench"));
  }
});

Deno.test("a prefix without %p: overlapping dumps are INTERLEAVED, separate ones are whole", () => {
  const t = text("prefix-no-pid.log");
  const r = readInput(t);
  assert.equal(r.dumps.length, 0, "no dump may be attributed without a PID");
  assert.equal(r.interleaved.length, 1);
  assert.deepEqual(r.interleaved[0].pids, headerPids(t));
  const lines = t.split("\n");
  assert.deepEqual(
    r.interleaved[0].headerLines,
    lines.flatMap((l, i) => (l.includes("logging memory contexts") ? [i + 1] : [])),
  );
  // The same real dumps one after the other, prefix without PID: each is read whole.
  const keyed = readInput(text("prefix-m-p.log"));
  const src = text("prefix-m-p.log").split("\n");
  const serial: string[] = [];
  for (const d of keyed.dumps) {
    for (let i = d.startLine; i <= d.endLine; i++) {
      if (src[i - 1].includes(`[${d.pid}] `)) serial.push(src[i - 1].replace(`[${d.pid}] `, ""));
    }
  }
  const again = readInput(serial.join("\n") + "\n");
  assert.deepEqual(again.interleaved, []);
  assert.deepEqual(again.dumps.map(shape), keyed.dumps.map(shape));
});

Deno.test("psql's aligned, -x and --csv output of the view read to the same tree", () => {
  const aligned = readInput(text("psql-aligned.txt"));
  const expanded = readInput(text("psql-expanded.txt"));
  const csv = readInput(text("psql-csv.csv"));
  assert.equal(aligned.form, "psql-aligned");
  assert.equal(expanded.form, "psql-expanded");
  assert.equal(csv.form, "csv");
  const rows = Number(/\((\d+) rows\)/.exec(text("psql-aligned.txt"))![1]);
  for (const r of [aligned, expanded, csv]) {
    assert.deepEqual(r.dumps[0].skipped, []);
    let n = 0;
    walk(r.dumps[0].root, () => n++);
    assert.equal(n, rows);
  }
  assert.equal(shape(aligned.dumps[0]), shape(csv.dumps[0]));
  assert.equal(shape(expanded.dumps[0]), shape(csv.dumps[0]));
});

Deno.test("psql output that cannot be read is refused with an error naming --csv", () => {
  const bad = [
    " name | level\n------+------\n TopMemoryContext | 0\n", // columns missing
    "no table here\n",
  ];
  for (const [i, t] of bad.entries()) {
    assert.throws(
      () => readInput(t, { form: i === 0 ? "psql-aligned" : "psql-expanded" }),
      (e: unknown) =>
        e instanceof MemstatsError && e.code === "PSQL_FORM" && /--csv/.test(e.message),
    );
  }
});

Deno.test("cut or damaged real logs never crash and never report a damaged dump as whole", () => {
  const rnd = seededRandom(16);
  for (const f of [...LOGS, ...STRUCTURED]) {
    const t = text(f);
    const full = readInput(t);
    const okShapes = new Set(full.dumps.map(shape));
    const lines = t.split("\n");
    for (let round = 0; round < 12; round++) {
      let damaged: string;
      if (round % 2 === 0) damaged = t.slice(0, Math.floor(rnd() * t.length)); // cut anywhere
      else {
        const at = Math.floor(rnd() * (lines.length - 1));
        damaged = [...lines.slice(0, at), ...lines.slice(at + 1)].join("\n"); // drop a line
      }
      let r;
      try {
        r = readInput(damaged);
      } catch (e) {
        assert.ok(e instanceof MemstatsError, `${f} round ${round}: ${e}`);
        continue;
      }
      for (const d of r.dumps) {
        const whole = d.complete && d.skipped.length === 0 && sumsToGrandTotal(d);
        if (whole) {
          assert.ok(okShapes.has(shape(d)), `${f} round ${round}: a changed dump passed as whole`);
        }
      }
      for (const s of [...r.stray, ...r.dumps.flatMap((d) => d.skipped)]) {
        assert.ok(s.line >= 1 && s.line <= lines.length, "skipped lines carry line numbers");
      }
    }
  }
});

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

Deno.test("the CLI lists a busy log as a timeline and follows one backend with --pid", async () => {
  const f = new URL("prefix-m-p.log", FIX).pathname;
  const list = await cli(f);
  assert.equal(list.code, 0);
  const rows = list.out.split("\n").filter((l) => /^ +\d+ +2026-/.test(l));
  assert.equal(rows.length, headerPids(text("prefix-m-p.log")).length);
  assert.ok(rows.every((l) => / ok /.test(l)));
  const pid = headerPids(text("prefix-m-p.log"))[0];
  const one = await cli(f, "--pid", String(pid));
  assert.match(one.out, new RegExp(`PID ${pid}: 2 dumps, `));
  assert.match(one.out, /latest dump of PID/);
  const noPid = await cli(new URL("prefix-no-pid.log", FIX).pathname, "--strict");
  assert.equal(noPid.code, 3);
  assert.match(noPid.out, /INTERLEAVED lines 1-\d+: .*add %p to log_line_prefix/);
});

Deno.test("the CLI's JSON carries time, PID, user, database, application and backend type", async () => {
  const r = await cli(new URL("prefix-m-p.csv", FIX).pathname, "--json", "--top", "1");
  const j = JSON.parse(r.out);
  const client = j.dumps.find((d: { backendType?: string }) => d.backendType === "client backend");
  assert.ok(client.time && client.pid && client.user && client.database && client.application);
  assert.equal(j.inputs[0].timeline.length, j.dumps.length);
  assert.match(client.verdict, / of 2\.01 MiB /); // one sentence about this dump's total
});
