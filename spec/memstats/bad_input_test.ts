// Bad input: random bytes, truncated files, CSVs with missing columns or broken rows, logs with
// prefixes and interleaved lines. Each gives a typed MemstatsError or a dump whose skipped
// lines are listed with line numbers — never a crash and never a silently dropped line.

import assert from "node:assert/strict";
import {
  type Dump,
  MemstatsError,
  readCsv,
  readDump,
  readDumps,
  readInput,
  readLog,
  readStderr,
  writeLog,
} from "../../src/memstats/mod.ts";
import { seededRandom } from "../../src/memstats/synthetic.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const ref = (p: string) => Deno.readTextFileSync(new URL(p, REF));

function throwsCode(f: () => unknown, code: string, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof MemstatsError, `expected MemstatsError, got ${e}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A tree's shape and figures without line numbers, for comparing two reads. */
const shape = (d: Dump) => writeLog({ ...d, pid: 1 });

Deno.test("random bytes are refused as binary input with a typed error", () => {
  const rnd = seededRandom(7);
  for (let round = 0; round < 20; round++) {
    const bytes = Uint8Array.from({ length: 4096 }, () => Math.floor(rnd() * 256));
    throwsCode(() => readDumps(bytes), "BINARY");
  }
});

Deno.test("text with no dump in it, or nothing at all, is reported as NO_DUMP", () => {
  throwsCode(() => readDumps(""), "NO_DUMP");
  throwsCode(() => readDumps("hello\nworld\n"), "NO_DUMP", /no memory-context dump/);
  throwsCode(() => readDumps(new TextEncoder().encode("LOG:  checkpoint starting\n")), "NO_DUMP");
  throwsCode(() => readLog("LOG:  database system is ready\n"), "NO_DUMP");
  throwsCode(() => readStderr("  indented: but no root\n"), "NO_DUMP");
});

Deno.test("a log cut in the middle of a line keeps what it read and names the cut line", () => {
  const text = ref("pg18/01-idle.log");
  const lines = text.split("\n");
  const cut = lines.slice(0, 40).join("\n") + "\n" + lines[40].slice(0, 30); // line 41, half
  const d = readDump(cut);
  assert.equal(d.complete, false);
  assert.equal(d.grandTotal, undefined);
  assert.deepEqual(d.skipped.map((s) => [s.line, s.reason]), [[41, "truncated"]]);
  assert.equal(d.endLine, 41);
  // 39 context lines (2..40) were read.
  let n = 0;
  const count = (x: Dump["root"]) => {
    n++;
    x.children.forEach(count);
  };
  count(d.root);
  assert.equal(n, 39);
});

Deno.test("a dump header followed by nothing readable is EMPTY_DUMP", () => {
  throwsCode(
    () => readLog("LOG:  logging memory contexts of PID 5\nLOG:  level: 1; Top"),
    "EMPTY_DUMP",
  );
});

Deno.test("a CSV cut inside a quoted multi-line ident reports the record as truncated", () => {
  const text = ref("pg18/12-long-ident.csv");
  const at = text.indexOf("PREPARE long_q") + 40;
  const d = readCsv(text.slice(0, at));
  assert.equal(d.complete, false);
  assert.equal(d.skipped.length, 1);
  assert.equal(d.skipped[0].reason, "truncated");
  assert.equal(d.skipped[0].line, 34); // the record starts on line 34 of the file
  assert.equal(d.root.name, "TopMemoryContext");
});

Deno.test("a CSV without the view's columns is refused, naming the missing ones", () => {
  throwsCode(
    () => readDumps("name,ident,level,total_bytes\nTopMemoryContext,,1,8192\n"),
    "BAD_CSV_HEADER",
    /total_nblocks, free_bytes, free_chunks, used_bytes, path \(PG 17\+\) or parent/,
  );
  const pg18 = ref("pg18/01-idle.csv").replace(",free_chunks,", ",chunks_free,");
  throwsCode(() => readCsv(pg18), "BAD_CSV_HEADER", /free_chunks/);
});

Deno.test("broken CSV rows are skipped with their line numbers and the rest is read", () => {
  const lines = ref("pg18/01-idle.csv").split("\n");
  lines[2] = lines[2].replace(/,\d+$/, ",lots"); // a size that is not a number
  lines[3] = lines[3].replace(/(,\d+){3}$/, ""); // too few fields
  lines[4] = lines[4].replace(/,8192,/, ",99999999999999999999,"); // not exact in a JS number
  const d = readCsv(lines.join("\n"));
  assert.deepEqual(d.skipped.map((s) => [s.line, s.reason]), [
    [3, "unreadable"],
    [4, "unreadable"],
    [5, "unreadable"],
  ]);
  assert.match(d.skipped[1].detail!, /7 fields, header has 10/);
  const total = readCsv(ref("pg18/01-idle.csv"));
  let a = 0, b = 0;
  const walkCount = (n: Dump["root"], f: () => void) => {
    f();
    n.children.forEach((c) => walkCount(c, f));
  };
  walkCount(d.root, () => a++);
  walkCount(total.root, () => b++);
  assert.equal(a, b - 3, "only the three bad rows are missing");
});

Deno.test("a CSV row whose parent is missing is reported as an orphan, with its subtree", () => {
  // Drop PortalContext (id 24); its descendants then have no way to the root.
  const text = ref("pg18/01-idle.csv").split("\n").filter((l) => !l.includes('"{1,14,24}"'))
    .join("\n");
  const d = readCsv(text);
  const orphans = d.skipped.filter((s) => s.reason === "orphan");
  assert.equal(orphans.length, 7, "PortalContext's seven descendants");
  assert.ok(orphans.every((o) => o.text.includes("{1,14,24,")));
});

Deno.test("PG 15 CSV rows whose parent name does not match the row above are orphans", () => {
  const lines = ref("pg15/01-idle.csv").split("\n");
  lines[16] = lines[16].replace(",PortalContext,", ",NoSuchParent,");
  const d = readCsv(lines.join("\n"));
  // COPY is refused, and so are its three descendants, which then have no parent.
  assert.deepEqual(d.skipped.map((s) => [s.line, s.reason]), [
    [17, "orphan"],
    [18, "orphan"],
    [19, "orphan"],
    [20, "orphan"],
  ]);
  assert.match(d.skipped[0].detail!, /NoSuchParent/);
});

Deno.test("PG 18 CSV rows in any order rebuild the same tree from their paths", () => {
  const [header, ...rows] = ref("pg18/02-catalog.csv").trimEnd().split("\n");
  const rnd = seededRandom(3);
  const shuffled = rows.map((r) => ({ r, k: rnd() })).sort((a, b) => a.k - b.k).map((x) => x.r);
  const a = readCsv([header, ...rows].join("\n") + "\n");
  const b = readCsv([header, ...shuffled].join("\n") + "\n");
  assert.deepEqual(b.skipped, []);
  assert.equal(shape(b), shape(a));
});

Deno.test("a log with a line prefix and interleaved lines gives the clean tree and lists the rest", () => {
  const clean = ref("pg18/01-idle.log").trimEnd().split("\n");
  const pre = (pid: number) => `2025-11-24 14:00:00.123 UTC [${pid}] `;
  const out: string[] = ["2025-11-24 13:59:59.000 UTC [1] LOG:  checkpoint starting: time"];
  clean.forEach((l, i) => {
    out.push(pre(14702) + l);
    if (i === 5) out.push(pre(999) + "LOG:  checkpoint complete: wrote 3 buffers");
    if (i === 9) {
      out.push(
        pre(999) + "LOG:  level: 2; Intruder: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used",
      );
    }
    if (i === 20) out.push("\tcontinuation of a multi-line message");
    if (i === 30) out.push(pre(14702) + "ERROR:  something else went wrong");
  });
  const r = readInput(out.join("\n") + "\n");
  const [d] = r.dumps;
  assert.equal(r.dumps.length, 1);
  assert.equal(d.pid, 14702);
  assert.equal(d.complete, true);
  // Lines of other processes are routed away by the PID in their prefix: PID 999's checkpoint
  // message and a continuation line are not this dump's business; its own ERROR line is listed.
  assert.deepEqual(d.skipped.map((s) => [s.line, s.reason]), [[36, "interleaved"]]);
  // PID 999's context line has no dump of its own in the file: listed, never put in 14702's.
  assert.deepEqual(r.stray.map((s) => [s.line, s.reason]), [[13, "orphan"]]);
  assert.equal(shape(d), shape(readDump(ref("pg18/01-idle.log"))));
});

Deno.test("a log holding two dumps gives both, each with its own PID", () => {
  const text = ref("pg18/08-checkpointer.log") + "LOG:  unrelated\n" +
    ref("pg15/09-io-worker.log".replace("pg15", "pg18"));
  const dumps = readLog(text);
  assert.deepEqual(dumps.map((d) => d.pid), [14652, 14649]);
  assert.ok(dumps.every((d) => d.complete && d.skipped.length === 0));
});

Deno.test("a dump cut off by its own process's next dump is kept and marked incomplete", () => {
  const pre = (t: string) => t.trimEnd().split("\n").map((l) => `[14652] ${l}`).join("\n") + "\n";
  const cut = ref("pg18/08-checkpointer.log").split("\n").slice(0, 6).join("\n");
  const dumps = readLog(pre(cut) + pre(ref("pg18/08-checkpointer.log")));
  assert.equal(dumps.length, 2);
  assert.equal(dumps[0].complete, false);
  assert.equal(dumps[0].endLine, 6);
  assert.equal(dumps[1].complete, true);
});

Deno.test("without a PID in the prefix, a header inside an open dump is reported INTERLEAVED", () => {
  const a = ref("pg18/08-checkpointer.log").split("\n").slice(0, 6).join("\n") + "\n";
  const text = a + ref("pg18/09-io-worker.log");
  const r = readInput(text);
  assert.equal(r.dumps.length, 0, "neither dump may be reported whole");
  assert.deepEqual(r.interleaved.map((t) => [t.pids, t.startLine, t.headerLines]), [
    [[14652, 14649], 1, [1, 7]],
  ]);
  throwsCode(() => readLog(text), "INTERLEAVED", /lines 1-\d+ .*add %p/);
});

Deno.test("a level that jumps past its parent, or a second root, is an orphan line", () => {
  const text = [
    "LOG:  logging memory contexts of PID 1",
    "LOG:  level: 1; TopMemoryContext: 8192 total in 1 blocks; 0 free (0 chunks); 8192 used",
    "LOG:  level: 3; TooDeep: 1024 total in 1 blocks; 0 free (0 chunks); 1024 used",
    "LOG:  level: 1; AnotherRoot: 1024 total in 1 blocks; 0 free (0 chunks); 1024 used",
    "LOG:  level: 2; Fine: 1024 total in 1 blocks; 24 free (1 chunks); 1000 used",
    "LOG:  level: 2; Huge: 99999999999999999999 total in 1 blocks; 0 free (0 chunks); 1 used",
    "LOG:  level: 2; Garbled total in blocks",
    "LOG:  Grand total: 9216 bytes in 2 blocks; 24 free (1 chunks); 9192 used",
  ].join("\n") + "\n";
  const d = readDump(text);
  assert.deepEqual(d.skipped.map((s) => [s.line, s.reason]), [
    [3, "orphan"],
    [4, "orphan"],
    [6, "unreadable"],
    [7, "unreadable"],
  ]);
  assert.match(d.skipped[0].detail!, /level jumps/);
  assert.match(d.skipped[2].detail!, /too large/);
  assert.deepEqual(d.root.children.map((c) => c.name), ["Fine"]);
});

Deno.test("stderr text with another process's line inside the block skips just that line", () => {
  const lines = ref("pg18/13-stderr-stats.txt").split("\n");
  lines.splice(
    10,
    0,
    "2025-11-24 14:00:00 UTC [77] LOG:  automatic vacuum of table",
    "   odd: 1 total in 1 blocks; 0 free (0 chunks); 1 used",
  );
  const d = readDump(lines.join("\n"));
  assert.deepEqual(d.skipped.map((s) => [s.line, s.reason]), [[11, "interleaved"], [
    12,
    "unreadable",
  ]]);
  assert.equal(shape(d), shape(readDump(ref("pg18/13-stderr-stats.txt"))));
});

Deno.test("a verbose log (SQLSTATE after the tag, LOCATION lines) reads like a plain one", () => {
  const plain = ref("pg15/08-checkpointer.log");
  const verbose = plain.trimEnd().split("\n").flatMap((l) => [
    l.replace("LOG:  ", "LOG:  00000: "),
    "LOCATION:  MemoryContextStatsPrint, mcxt.c:1234",
  ]).join("\n") + "\n";
  const d = readDump(verbose);
  assert.deepEqual(d.skipped, []);
  assert.equal(d.complete, true);
  assert.equal(shape(d), shape(readDump(plain)));
});
