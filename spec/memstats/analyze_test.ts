// Analysis and comparison: subtree sums, top consumers, name groups, the Grand total check, and
// path-by-path diffs — on real dumps and on small hand-built trees where the answer is known.

import assert from "node:assert/strict";
import {
  analyze,
  checkGrandTotal,
  diffDumps,
  dumpFromTree,
  groupByName,
  largestChanges,
  type MemNode,
  readDump,
  subtreeTotals,
  topConsumers,
  treeFromWalker,
  writeLog,
} from "../../src/memstats/mod.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const HASH_BATCH_BYTES = 20265216; // HashBatchContext in pg18/05-hash-cursor.log
const ref = (p: string) => readDump(Deno.readFileSync(new URL(p, REF)), { source: p });

/** A small tree: node(name, own total, own free, ...children). */
function node(name: string, total: number, free: number, ...children: MemNode[]): MemNode {
  return {
    name,
    level: 0,
    totalBytes: total,
    nblocks: 1,
    freeBytes: free,
    freeChunks: free > 0 ? 1 : 0,
    usedBytes: total - free,
    children,
  };
}

Deno.test("subtree totals add each context's own bytes to all of its descendants'", () => {
  const b = node("B", 100, 10, node("C", 50, 5), node("D", 25, 0));
  const root = node("A", 1000, 100, b);
  const s = subtreeTotals(root);
  assert.equal(s.get(root)!.totalBytes, 1175);
  assert.equal(s.get(root)!.freeBytes, 115);
  assert.equal(s.get(root)!.contexts, 4);
  assert.equal(s.get(b)!.totalBytes, 175);
  assert.equal(s.get(b)!.nblocks, 3);
});

Deno.test("a summary line counts as the contexts it stands for", () => {
  const a = analyze(ref("pg18/02-catalog.log"));
  assert.equal(a.nodes, 144);
  assert.equal(a.contexts, 144 - 1 + 51);
});

Deno.test("top consumers are ranked by own total, used and free bytes, and by subtree", () => {
  const d = ref("pg18/05-hash-cursor.log");
  const byTotal = topConsumers(d.root, "total", 3);
  assert.deepEqual(byTotal.map((c) => c.node.name), [
    "HashBatchContext",
    "HashAgg table context",
    "HashAgg meta context",
  ]);
  assert.equal(
    byTotal[0].path,
    "TopMemoryContext > TopPortalContext > PortalContext [h] > ExecutorState > HashTableContext > HashBatchContext",
  );
  const byFree = topConsumers(d.root, "free", 200);
  for (let i = 1; i < byFree.length; i++) assert.ok(byFree[i - 1].freeBytes >= byFree[i].freeBytes);
  const bySubtree = topConsumers(d.root, "subtree", 2);
  assert.equal(bySubtree[0].node.name, "TopMemoryContext");
  assert.equal(bySubtree[0].subtreeBytes, d.grandTotal!.totalBytes);
  assert.equal(bySubtree[1].node.name, "TopPortalContext");
  const trx = topConsumers(d.root, "free", 300).find((c) =>
    c.node.name === "TransactionAbortContext"
  )!;
  assert.ok(trx.freeRatio > 0.99, "an idle abort context is almost all free");
  assert.deepEqual(topConsumers(d.root, "used", 0), []);
});

Deno.test("contexts are grouped by name with counts and byte sums", () => {
  const csv = ref("pg18/02-catalog.csv");
  const groups = groupByName(csv.root);
  const idx = groups.find((g) => g.name === "index info")!;
  assert.equal(idx.count, 142); // the reference README's count for 02-catalog
  let sum = 0;
  const visit = (n: MemNode) => {
    if (n.name === "index info") sum += n.totalBytes;
    n.children.forEach(visit);
  };
  visit(csv.root);
  assert.equal(idx.totalBytes, sum);
  for (let i = 1; i < groups.length; i++) {
    assert.ok(groups[i - 1].totalBytes >= groups[i].totalBytes);
  }
  const log = groupByName(ref("pg18/02-catalog.log").root);
  assert.equal(log.find((g) => g.name === "(more child contexts)")!.count, 51);
});

Deno.test("the Grand total check names the fields that disagree and the lines that do not add up", () => {
  const text = Deno.readTextFileSync(new URL("pg18/01-idle.log", REF)).replace(
    "LOG:  level: 2; ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 240 used",
    "LOG:  level: 2; ErrorContext: 8192 total in 1 blocks; 7952 free (3 chunks); 250 used",
  );
  assert.ok(text.includes("250 used"), "the edit applied");
  const d = readDump(text);
  const c = checkGrandTotal(d);
  assert.equal(c.status, "mismatch");
  assert.deepEqual(c.mismatched, ["usedBytes"]);
  assert.equal(c.computed.usedBytes - c.expected!.usedBytes, 10);
  assert.equal(c.badLines.length, 1);
  assert.equal(c.badLines[0].label, "ErrorContext");
  assert.equal(c.badLines[0].line, text.split("\n").findIndex((l) => l.includes("250 used")) + 1);
});

Deno.test("a diff of two dumps of one backend shows the hash join's contexts appearing and going", () => {
  const before = ref("pg18/04-plpgsql-prepared.log");
  const during = ref("pg18/05-hash-cursor.log");
  const after = ref("pg18/06-after-hash.log");
  const grow = diffDumps(before, during);
  assert.equal(grow.after.totalBytes - grow.before.totalBytes, 57752576 - 3760960);
  const top = largestChanges(grow, 2);
  assert.deepEqual(top.map((e) => [e.status, e.after!.name]), [
    ["added", "HashBatchContext"],
    ["added", "HashAgg table context"],
  ]);
  assert.equal(top[0].deltaBytes, HASH_BATCH_BYTES);
  const portal = grow.entries.find((e) =>
    e.path === "TopMemoryContext > TopPortalContext > PortalContext [h]"
  )!;
  assert.equal(portal.status, "added");
  assert.equal(
    portal.deltaSubtree,
    grow.entries.filter((e) => e.path.startsWith(portal.path))
      .reduce((s, e) => s + e.deltaBytes, 0),
  );
  const shrink = diffDumps(during, after);
  assert.ok(shrink.counts.removed >= 15);
  assert.ok(
    shrink.entries.some((e) => e.status === "removed" && e.before!.name === "HashBatchContext"),
  );
  // The dumps before and after the hash join are the same apart from transient figures.
  const same = diffDumps(before, after);
  assert.equal(same.counts.added + same.counts.removed, 0);
});

Deno.test("a dump compared with itself is all 'same'", () => {
  const d = ref("pg15/05-hash-cursor.csv");
  const diff = diffDumps(d, d);
  assert.equal(diff.counts.same, diff.entries.length);
  assert.deepEqual(largestChanges(diff, 10), []);
});

Deno.test("same-named siblings are matched from the oldest, so a new child shows as added", () => {
  const a = node("Top", 100, 0, node("ExprContext", 10, 0), node("ExprContext", 20, 0));
  // A new ExprContext is pushed at the head of the list (newest first).
  const b = node(
    "Top",
    100,
    0,
    node("ExprContext", 99, 0),
    node("ExprContext", 10, 0),
    node("ExprContext", 20, 0),
  );
  const diff = diffDumps(a, b);
  assert.deepEqual(diff.entries.map((e) => [e.path, e.status]), [
    ["Top", "same"],
    ["Top > ExprContext#3", "added"],
    ["Top > ExprContext#2", "same"],
    ["Top > ExprContext#1", "same"],
  ]);
});

Deno.test("a tree built from a generic walker feeds the analysers and the log writer", () => {
  type Ctx = { id: string; size: number; free: number; kids: Ctx[]; kind?: string };
  const leaf: Ctx = { id: "ExecutorState", size: 8192, free: 4000, kids: [], kind: "AllocSet" };
  const top: Ctx = { id: "TopMemoryContext", size: 16384, free: 100, kids: [leaf, leaf] };
  const tree = treeFromWalker(top, {
    stats: (c) => ({
      name: c.id,
      type: c.kind,
      ident: c === leaf ? "q1" : null,
      totalBytes: c.size,
      nblocks: 2,
      freeBytes: c.free,
      freeChunks: 1,
    }),
    children: (c) => c.kids,
  });
  assert.equal(tree.children.length, 1, "a context reached twice is entered once");
  assert.equal(tree.children[0].usedBytes, 8192 - 4000);
  assert.equal(tree.children[0].level, 1);
  assert.equal(tree.ident, undefined);
  const dump = dumpFromTree(tree, { source: "palloc" });
  assert.equal(checkGrandTotal(dump).status, "ok");
  assert.equal(
    writeLog(dump, { pid: 9 }),
    [
      "LOG:  logging memory contexts of PID 9",
      "LOG:  level: 1; TopMemoryContext: 16384 total in 2 blocks; 100 free (1 chunks); 16284 used",
      "LOG:  level: 2; ExecutorState: 8192 total in 2 blocks; 4000 free (1 chunks); 4192 used: q1",
      "LOG:  Grand total: 24576 bytes in 4 blocks; 4100 free (2 chunks); 20476 used",
      "",
    ].join("\n"),
  );
  assert.equal(readDump(writeLog(dump)).root.children[0].ident, "q1");
});
