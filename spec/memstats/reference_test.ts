// memstats against the real PostgreSQL 15 and 18 dumps in shared/reference/: every file is
// read, its totals match its Grand total, it prints back byte for byte, and the CSV and log of
// one moment describe the same tree apart from the differences the reference README explains.

import assert from "node:assert/strict";
import {
  checkGrandTotal,
  clipIdent,
  countNodes,
  diffDumps,
  type Dump,
  isSummary,
  type MemNode,
  readDumps,
  subtreeTotals,
  walk,
  writeCsv,
  writeLog,
  writeStderr,
} from "../../src/memstats/mod.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const VERSIONS = ["pg15", "pg18"] as const;

function files(version: string): string[] {
  return [...Deno.readDirSync(new URL(`${version}/`, REF))]
    .map((e) => e.name)
    .filter((n) => /\.(log|csv|txt)$/.test(n))
    .sort();
}

function read(version: string, name: string): Dump {
  const dumps = readDumps(Deno.readFileSync(new URL(`${version}/${name}`, REF)), {
    source: `${version}/${name}`,
  });
  assert.equal(dumps.length, 1, `${name} holds one dump`);
  return dumps[0];
}

function find(root: MemNode, pred: (n: MemNode) => boolean): MemNode[] {
  const out: MemNode[] = [];
  walk(root, (n) => pred(n) && out.push(n));
  return out;
}

Deno.test("every reference file of both versions is read without a skipped line", () => {
  let seen = 0;
  for (const v of VERSIONS) {
    const names = files(v);
    assert.ok(names.length >= 20, `${v} has its files`);
    for (const name of names) {
      const text = Deno.readTextFileSync(new URL(`${v}/${name}`, REF));
      const d = read(v, name);
      seen++;
      assert.deepEqual(d.skipped, [], name);
      assert.equal(d.complete, true, name);
      assert.equal(d.root.name, "TopMemoryContext", name);
      const expectedForm = name.endsWith(".csv") ? "csv" : name.endsWith(".txt") ? "stderr" : "log";
      assert.equal(d.format, expectedForm, name);
      // One node per context line (text) or per data row (CSV; a row ends in five numbers).
      const pattern = expectedForm === "csv" ? /,\d+,\d+,\d+,\d+,\d+$/ : / total in \d+ blocks/;
      const expectedNodes = text.split("\n").filter((l) => pattern.test(l)).length;
      assert.equal(countNodes(d.root), expectedNodes, name);
      // PG 15 numbers levels from 0, PG 18 from 1; the stderr form has no level numbers.
      if (expectedForm !== "stderr") assert.equal(d.levelBase, v === "pg15" ? 0 : 1, name);
      if (expectedForm === "csv") assert.equal(d.csvColumns, v === "pg15" ? "parent" : "path");
    }
  }
  assert.equal(seen, 46);
});

Deno.test("the computed totals of every text dump equal its Grand total line", () => {
  for (const v of VERSIONS) {
    for (const name of files(v).filter((n) => !n.endsWith(".csv"))) {
      const d = read(v, name);
      const check = checkGrandTotal(d);
      assert.equal(check.status, "ok", `${v}/${name}: ${check.mismatched}`);
      assert.deepEqual(check.computed, d.grandTotal);
      assert.deepEqual(check.badLines, [], `${name}: used = total - free on every line`);
      const sums = subtreeTotals(d.root).get(d.root)!;
      assert.equal(sums.totalBytes, d.grandTotal!.totalBytes);
    }
  }
});

Deno.test("the CSV files have no Grand total, and their rows still satisfy used = total - free", () => {
  for (const v of VERSIONS) {
    for (const name of files(v).filter((n) => n.endsWith(".csv"))) {
      const check = checkGrandTotal(read(v, name));
      assert.equal(check.status, "absent");
      assert.deepEqual(check.badLines, []);
    }
  }
});

Deno.test("every reference file printed back from its tree gives the same bytes", () => {
  for (const v of VERSIONS) {
    for (const name of files(v)) {
      const text = Deno.readTextFileSync(new URL(`${v}/${name}`, REF));
      const d = read(v, name);
      const out = d.format === "log"
        ? writeLog(d)
        : d.format === "stderr"
        ? writeStderr(d)
        : writeCsv(d);
      assert.equal(out, text, `${v}/${name}`);
    }
  }
});

const MOMENTS = [
  "01-idle",
  "02-catalog",
  "03-cursor-sort",
  "04-plpgsql-prepared",
  "05-hash-cursor",
  "06-after-hash",
  "10-cursor-srf-tuplestore",
  "12-long-ident",
];

Deno.test("the CSV and the log of one moment give the same tree except for the expected parts", () => {
  // Expected differences (shared/reference/README.md):
  // 1. The CSV was taken by a COPY and the log by a SELECT, so the children of the running
  //    statement's portal (PortalContext "<unnamed>") differ: COPY / COPY TO vs ExecutorState.
  // 2. The log prints at most 100 children per parent; the rest are one "more child contexts"
  //    line. Those are the parent's oldest children, i.e. the last K in the CSV.
  const RUNNING = "TopMemoryContext > TopPortalContext > PortalContext [<unnamed>] > ";
  for (const v of VERSIONS) {
    for (const m of MOMENTS) {
      const csv = read(v, `${m}.csv`);
      const log = read(v, `${m}.log`);
      const diff = diffDumps(csv, log);
      const onlyCsv = diff.entries.filter((e) =>
        e.status === "removed" || e.status === "summarised"
      );
      const onlyLog = diff.entries.filter((e) => e.status === "added");
      const unexplained = [...onlyCsv, ...onlyLog].filter((e) => !e.path.startsWith(RUNNING));
      const summaries = onlyLog.filter((e) => e.after !== undefined && isSummary(e.after));
      const cut = new Set<MemNode>();
      for (const s of summaries) {
        const parentPath = s.path.slice(0, s.path.lastIndexOf(" > "));
        const parent = diff.entries.find((e) => e.path === parentPath)!;
        const csvKids = parent.before!.children;
        const k = s.after!.summarizedCount!;
        for (const c of csvKids.slice(csvKids.length - k)) cut.add(c);
      }
      const left = unexplained.filter((e) =>
        !(e.after !== undefined && isSummary(e.after)) &&
        !(e.before !== undefined && cut.has(e.before))
      );
      assert.deepEqual(left.map((e) => `${e.status} ${e.path}`), [], `${v} ${m}`);
      // Each summary's K equals the number of CSV children it stands for.
      assert.equal(
        onlyCsv.filter((e) => cut.has(e.before!)).length,
        [...cut].length,
        `${v} ${m}: the summarised children are exactly the unmatched CSV ones`,
      );
      // The diff calls exactly those "summarised" (not printed), never "removed" (freed).
      const summarised = diff.entries.filter((e) => e.status === "summarised");
      assert.equal(summarised.length, cut.size, `${v} ${m}: summarised count`);
      assert.ok(summarised.every((e) => cut.has(e.before!)), `${v} ${m}: summarised = cut`);
      // The running statement's portal really is where the forms differ.
      const csvNames = onlyCsv.filter((e) => e.path.startsWith(RUNNING)).map((e) => e.before!.name);
      const logNames = onlyLog.filter((e) => e.path.startsWith(RUNNING)).map((e) => e.after!.name);
      assert.ok(csvNames.includes("COPY") && csvNames.includes("COPY TO"), `${v} ${m}`);
      assert.ok(logNames.includes("ExecutorState") && logNames.includes("printtup"), `${v} ${m}`);
    }
  }
});

Deno.test("catalog-heavy moments summarise CacheMemoryContext's oldest children in the log", () => {
  const log = read("pg18", "02-catalog.log");
  const cache = log.root.children.find((c) => c.name === "CacheMemoryContext")!;
  const last = cache.children[cache.children.length - 1];
  assert.equal(last.summarizedCount, 51);
  assert.equal(last.totalBytes, 128176);
  assert.equal(cache.children.length, 101);
  const csv = read("pg18", "02-catalog.csv");
  const csvCache = csv.root.children.find((c) => c.name === "CacheMemoryContext")!;
  assert.equal(csvCache.children.length, 151);
});

Deno.test("the stderr form indents a summary like the children it replaces", () => {
  const shallow = read("pg18", "13-stderr-stats-shallow.txt");
  const kids = shallow.root.children;
  assert.equal(kids.length, 6);
  assert.equal(kids[5].summarizedCount, 184);
  assert.equal(kids[5].level, 1);
  assert.equal(kids[3].name, "RegexpCacheMemoryContext");
  assert.equal(kids[3].children.length, 5);
  const all = read("pg18", "13-stderr-stats-all.txt");
  assert.equal(find(all.root, isSummary).length, 0, "limits of 1000 summarise nothing");
  assert.deepEqual(checkGrandTotal(all).computed, checkGrandTotal(shallow).computed);
});

Deno.test("context types are told from the wording of the text stats", () => {
  const wal = read("pg18", "11-walsender-logical.log");
  const byName = (d: Dump, n: string) => find(d.root, (x) => x.name === n)[0];
  assert.equal(byName(wal, "TXN").type, "Slab");
  assert.equal(byName(wal, "TXN").emptyBlocks, 0);
  assert.equal(byName(wal, "Change").emptyBlocks, 5);
  assert.equal(byName(wal, "Tuples").type, "Generation");
  assert.equal(byName(wal, "Tuples").allocatedChunks, 423);
  assert.equal(byName(read("pg18", "05-hash-cursor.log"), "HashAgg table context").type, "Bump");
  // PG 15 prints Slab like AllocSet: the type cannot be told apart there.
  assert.equal(byName(read("pg15", "11-walsender-logical.log"), "TXN").type, "AllocSet");
  // The CSV says the type outright in PG 18 and not at all in PG 15.
  assert.equal(byName(read("pg18", "03-cursor-sort.csv"), "Caller tuples").type, "Bump");
  assert.equal(byName(read("pg15", "03-cursor-sort.csv"), "Caller tuples").type, undefined);
});

Deno.test("a long multi-line ident is kept whole in the CSV and clipped to 100 bytes in the log", () => {
  for (const v of VERSIONS) {
    const pick = (d: Dump) =>
      find(
        d.root,
        (n) => n.ident?.startsWith("PREPARE long_q") === true && n.name === "CachedPlanSource",
      )[0];
    const full = pick(read(v, "12-long-ident.csv")).ident!;
    const clipped = pick(read(v, "12-long-ident.log")).ident!;
    assert.ok(full.includes("\n"), "the CSV keeps newlines");
    assert.ok(full.length > 103);
    assert.ok(clipped.endsWith("..."));
    assert.ok(!clipped.includes("\n"));
    assert.equal(new TextEncoder().encode(clipped).length, 103);
    assert.equal(clipIdent(full), clipped);
  }
});

Deno.test("PG 15 CSV parents come from names and PG 18 CSV parents from paths", () => {
  const pathOf = (d: Dump, name: string) => {
    const chain: string[] = [];
    const parents = new Map<MemNode, MemNode>();
    walk(d.root, (n, p) => p && parents.set(n, p));
    for (
      let n: MemNode | undefined = find(d.root, (x) => x.name === name)[0];
      n;
      n = parents.get(n)
    ) {
      chain.unshift(n.name);
    }
    return chain.join(" > ");
  };
  assert.equal(
    pathOf(read("pg18", "01-idle.csv"), "pg_get_backend_memory_contexts"),
    "TopMemoryContext > TopPortalContext > PortalContext > COPY > ExecutorState > ExprContext > pg_get_backend_memory_contexts",
  );
  assert.equal(
    pathOf(read("pg15", "01-idle.csv"), "Table function arguments"),
    "TopMemoryContext > TopPortalContext > PortalContext > COPY > ExecutorState > Table function arguments",
  );
  // Children are kept newest first: ErrorContext, the oldest, is TopMemoryContext's last.
  for (const v of VERSIONS) {
    for (const f of ["01-idle.csv", "01-idle.log"]) {
      const kids = read(v, f).root.children;
      assert.equal(kids[kids.length - 1].name, "ErrorContext", `${v}/${f}`);
    }
  }
});

Deno.test("the PG 15 autovacuum launcher dump has the Postmaster context the README mentions", () => {
  const d = read("pg15", "07-autovacuum-launcher.log");
  const pm = d.root.children.find((c) => c.name === "Postmaster")!;
  assert.equal(pm.totalBytes, 8192);
  assert.equal(pm.freeBytes, 7304);
  assert.deepEqual(pm.children.map((c) => c.name).sort(), [
    "hba parser context",
    "ident parser context",
  ]);
});
