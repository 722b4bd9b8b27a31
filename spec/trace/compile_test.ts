import assert from "node:assert/strict";
import { compileTrace, N_WIDE, nOperand, Op, opCode, operand } from "../../src/trace/compile.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { loadPallocApi } from "../../src/trace/api.ts";
import { replayCompiled } from "../../src/trace/execute.ts";
import { replayTrace } from "../../src/trace/replay.ts";

const TEXT = [
  "create A aset TopMemoryContext 0 1024 8192",
  "create S slab A 8192 64",
  "alloc p1 A 100",
  "alloc0 p2 S 64",
  "free p1",
  "allocext p3 A 16 HUGE|ZERO",
  "aligned p4 A 100 64",
  "realloc p3 300",
  "space p3",
  "owner p3",
  "reset S",
  "resetonly S",
  "resetchildren A",
  "setparent S ErrorContext",
  "ident S some text",
  "callback A cb",
  "limit 100000",
  "limit none",
  "isempty A",
  "memallocated A 1",
  "consumed A",
  "stats A 2 3",
  "check",
  "deletechildren A",
  "delete A",
].join("\n");

Deno.test("every verb compiles to its opcode with operands in the documented slots", () => {
  const c = compileTrace(parseTrace(TEXT, "c.trace"));
  assert.equal(c.file, "c.trace");
  assert.equal(c.length, 25);
  assert.deepEqual(Array.from({ length: c.length }, (_, i) => opCode(c, i)), [
    Op.CREATE_ASET,
    Op.CREATE_SLAB,
    Op.ALLOC,
    Op.ALLOC0,
    Op.FREE,
    Op.ALLOCEXT,
    Op.ALIGNED,
    Op.REALLOC,
    Op.SPACE,
    Op.OWNER,
    Op.RESET,
    Op.RESETONLY,
    Op.RESETCHILDREN,
    Op.SETPARENT,
    Op.IDENT,
    Op.CALLBACK,
    Op.LIMIT,
    Op.LIMIT,
    Op.ISEMPTY,
    Op.MEMALLOCATED,
    Op.CONSUMED,
    Op.STATS,
    Op.CHECK,
    Op.DELETECHILDREN,
    Op.DELETE,
  ]);
  assert.deepEqual(c.contextNames, ["TopMemoryContext", "ErrorContext", "A", "S"]);
  // create A under Top, create S under A; their sizes in createArgs.
  assert.deepEqual(
    [operand(c, "a", 0), operand(c, "b", 0), operand(c, "a", 1), operand(c, "b", 1)],
    [0, 2, 2, 3],
  );
  assert.deepEqual([...c.createArgs], [0, 1024, 8192, 8192, 64, 0]);
  assert.deepEqual([operand(c, "n", 0), operand(c, "n", 1)], [0, 3]);
  // alloc p1 in A: slot 0, size 100; alloc0 p2 in S: slot 1.
  assert.deepEqual([operand(c, "a", 2), operand(c, "b", 2), operand(c, "n", 2)], [0, 2, 100]);
  assert.deepEqual([operand(c, "a", 3), operand(c, "b", 3), operand(c, "n", 3)], [1, 3, 64]);
  // p1 was freed, so p3 reuses slot 0; flags and alignto go to m.
  assert.equal(operand(c, "a", 4), 0);
  assert.deepEqual([operand(c, "a", 5), operand(c, "n", 5), c.m[5]], [0, 16, 5]);
  assert.deepEqual([operand(c, "a", 6), operand(c, "n", 6), c.m[6]], [2, 100, 64]);
  assert.deepEqual([operand(c, "a", 7), operand(c, "n", 7)], [0, 300]);
  assert.equal(c.slotCount, 3);
  assert.deepEqual([operand(c, "a", 13), operand(c, "b", 13)], [1, 3]);
  assert.deepEqual(c.strings, ["some text", "cb"]);
  assert.deepEqual([operand(c, "a", 14), operand(c, "a", 15)], [0, 1]);
  // limit none does not fit the Int32Array n: marked N_WIDE, kept in wide.
  assert.deepEqual([operand(c, "n", 16), operand(c, "n", 17), c.wide[17]], [
    100000,
    N_WIDE,
    Infinity,
  ]);
  assert.deepEqual([nOperand(c, 16), nOperand(c, 17)], [100000, Infinity]);
  assert.deepEqual([operand(c, "a", 19), operand(c, "b", 19)], [1, 2]);
  assert.deepEqual([operand(c, "a", 21), operand(c, "b", 21), operand(c, "n", 21)], [2, 2, 3]);
  assert.deepEqual([...c.lines.slice(0, 3)], [1, 2, 3]);
});

Deno.test("a free that failed keeps its slot taken", () => {
  const c = compileTrace(parseTrace(
    "create B bump TopMemoryContext 0 8192 8192\nalloc p1 B 8\nfree p1\n" +
      "= error pfree is not supported by the bump memory allocator\nalloc p2 B 8\n",
  ));
  assert.equal(operand(c, "a", 3), 1);
  assert.equal(c.slotCount, 2);
});

Deno.test("the fast replay leaves palloc in the same state as the checking replay", async () => {
  const api = await loadPallocApi();
  const text = [
    "create A aset TopMemoryContext 0 1024 8192",
    "create G generation A 0 8192 65536",
    "create S slab A 8192 64",
    "alloc p1 A 100",
    "alloc0 p2 S 64",
    "alloc p3 G 1000",
    "realloc p1 3000",
    "free p2",
    "callback G x",
    "reset G",
    "alloc p4 G 50",
    "check",
  ].join("\n");
  const trace = parseTrace(text);
  const r = replayTrace(trace, api, { lenient: true });
  assert.ok(r.ok, JSON.stringify(r.firstMismatch));
  const checked = api.mcxt.MemoryContextStatsLines(api.mcxt.TopMemoryContext, 100, 100);

  api.mcxt.MemoryContextInit();
  assert.equal(replayCompiled(compileTrace(trace), api), 12);
  const fast = api.mcxt.MemoryContextStatsLines(api.mcxt.TopMemoryContext, 100, 100);
  assert.deepEqual(fast, checked);
});

Deno.test("a failing operation in the fast replay names the file and line", async () => {
  const api = await loadPallocApi();
  api.mcxt.MemoryContextInit();
  const c = compileTrace(
    parseTrace("create A aset TopMemoryContext 0 1024 8192\n\nalloc p1 A 2000000000\n", "f.trace"),
  );
  assert.throws(
    () => replayCompiled(c, api),
    /^Error: f\.trace:3: .*invalid memory alloc request size/,
  );
});
