import assert from "node:assert/strict";
import { loadPallocApi, type McxtModule, type PallocApi } from "../../src/trace/api.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { replayLines, replayTrace } from "../../src/trace/replay.ts";
import { PgError } from "../../src/elog.ts";

const api = await loadPallocApi();

/** `api` with some mcxt functions replaced (the rest stay live module bindings). */
function standIn(overrides: Partial<Record<keyof McxtModule, unknown>>): PallocApi {
  const mcxt = Object.create(api.mcxt) as Record<string, unknown>;
  for (const [name, value] of Object.entries(overrides)) {
    Object.defineProperty(mcxt, name, { value, enumerable: true });
  }
  return { ...api, mcxt: mcxt as unknown as McxtModule };
}

/** The lines palloc produces for each operation of `text`. */
function lines(text: string, with_: PallocApi = api): string[][] {
  return replayLines(parseTrace(text, "l.trace"), with_);
}

const GROWTH = [
  "create G aset TopMemoryContext 0 8192 262144",
  "= stat G 1 0 8192 7952 8192",
  "alloc p1 G 4000",
  "= space 4104",
  "= stat G 1 0 8192 3848 8192",
  "alloc p2 G 4000",
  "= space 4104",
  "= stat G 2 6 16384 7896 16384",
].join("\n");

Deno.test("a trace whose lines PostgreSQL printed replays cleanly", () => {
  const r = replayTrace(parseTrace(GROWTH, "growth.trace"), api);
  assert.deepEqual(r, { ok: true, operations: 3 });
});

Deno.test("the first differing line is reported with file, line, operation, expected and actual", () => {
  const text = GROWTH.replace("= stat G 2 6 16384 7896 16384", "= stat G 2 6 16384 7000 16384");
  const r = replayTrace(parseTrace(text, "growth.trace"), api);
  assert.equal(r.ok, false);
  assert.equal(r.operations, 3);
  assert.deepEqual(r.firstMismatch, {
    file: "growth.trace",
    line: 6,
    op: "alloc p2 G 4000",
    expected: ["= space 4104", "= stat G 2 6 16384 7000 16384"],
    actual: ["= space 4104", "= stat G 2 6 16384 7896 16384"],
  });
});

Deno.test("a missing expectation line is a mismatch unless the replay is lenient", () => {
  const trace = parseTrace("create A aset TopMemoryContext 0 1024 8192\n", "m.trace");
  const strict = replayTrace(trace, api);
  assert.equal(strict.ok, false);
  assert.deepEqual(strict.firstMismatch?.expected, []);
  assert.match(strict.firstMismatch?.actual[0] ?? "", /^= stat A 1 0 \d+ \d+ 1024$/);
  assert.deepEqual(replayTrace(trace, api, { lenient: true }), { ok: true, operations: 1 });
});

Deno.test("a PostgreSQL error becomes an error line followed by the stat line", () => {
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 1073741824\n" +
      "allocext p2 A 9223372036854775808 HUGE\nallocext p3 A 9223372036854775807 HUGE|NO_OOM\n",
  );
  assert.equal(out[1][0], "= error invalid memory alloc request size 1073741824");
  assert.match(out[1][1], /^= stat A /);
  assert.equal(out[2][0], "= error invalid memory alloc request size 9223372036854775808");
  assert.equal(out[3][0], "= null");
  assert.equal(out[3].length, 2);
});

Deno.test("callbacks fire newest first, children before parents, reported before the stat line", () => {
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\ncallback A x\ncallback A y\nreset A\n" +
      "callback A z\ncreate B aset A 0 1024 8192\ncallback B w\ndelete A\n",
  );
  assert.equal(out[3][0], "= fired y x");
  assert.match(out[3][1], /^= stat A /);
  // MemoryContextDelete works bottom up: B's callbacks run before A's.
  assert.deepEqual(out[7], ["= fired w z"]);
});

Deno.test("delete, limit and check print no stat line; a failed create prints nothing", () => {
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\nlimit 0\ncreate B aset A 0 1024 8192\n" +
      "limit none\ndelete A\ncheck\n",
  );
  assert.deepEqual(out[1], []);
  assert.deepEqual(out[2], ["= error out of memory"]);
  assert.deepEqual(out[3], []);
  assert.deepEqual(out[4], []);
  assert.deepEqual(out[5], []);
});

Deno.test("each verb's result comes before space and stat", () => {
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 100\nspace p1\nowner p1\n" +
      "isempty A\nmemallocated A 1\nconsumed A\nstats A 0 0\nrealloc p1 10\n",
  );
  assert.deepEqual(out[1].map((l) => l.split(" ").slice(0, 2).join(" ")), ["= space", "= stat"]);
  assert.deepEqual(out[2].map((l) => l.split(" ")[1]), ["space", "stat"]);
  assert.equal(out[3][0], "= owner A");
  assert.equal(out[4][0], "= bool 0");
  assert.equal(out[5][0], "= bytes 1024");
  assert.match(out[6][0], /^= counters 1 \d+ 1024 \d+$/);
  assert.match(out[7][0], /^= line A: 1024 total in 1 blocks;/);
  assert.match(out[7][1], /^= line Grand total: 1024 bytes in 1 blocks;/);
  assert.match(out[7][2], /^= stat A /);
  assert.deepEqual(out[8].map((l) => l.split(" ")[1]), ["space", "stat"]);
});

Deno.test("bump chunks get no space line", () => {
  const out = lines("create B bump TopMemoryContext 0 8192 8192\nalloc p1 B 100\n");
  assert.equal(out[1].length, 1);
  assert.match(out[1][0], /^= stat B /);
});

Deno.test("check lists trace-made contexts depth first, newest child first, below ErrorContext too", () => {
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\ncreate B aset A 0 1024 8192\n" +
      "create C generation TopMemoryContext 0 8192 8192\ncreate D aset ErrorContext 0 1024 8192\n" +
      "ident B b ident\ncheck\n",
  );
  const ctx = out[5].filter((l) => l.startsWith("= ctx ")).map((l) => l.split(" ").slice(2, 5));
  assert.deepEqual(ctx, [
    ["C", "TopMemoryContext", "1"],
    ["A", "TopMemoryContext", "1"],
    ["B", "A", "2"],
    ["D", "ErrorContext", "2"],
  ]);
  assert.equal(out[5].length, 8);
  assert.match(out[5][5], /^= text B: 1024 total in 1 blocks; .*: b ident$/);
  assert.match(out[5][0], / 1$/, "C is empty");
  assert.match(out[5][2], / 0$/, "A has a child, so it is not empty");
});

Deno.test("a non-zero byte in an alloc0 chunk is a mismatch", () => {
  const dirty = standIn({
    MemoryContextAllocZero: (ctx: never, size: number) => {
      const p = api.mcxt.MemoryContextAlloc(ctx, size);
      api.heap().u8[p + 3] = 9;
      return p;
    },
  });
  const out = lines("create A aset TopMemoryContext 0 1024 8192\nalloc0 p1 A 16\n", dirty);
  assert.equal(out[1][0], "! byte 3 of the zeroed chunk is 9, not 0");
});

Deno.test("a non-zero byte deep inside a big zeroed chunk is found", () => {
  const dirty = standIn({
    MemoryContextAllocExtended: (ctx: never, size: number, flags: number) => {
      const p = api.mcxt.MemoryContextAllocExtended(ctx, size, flags);
      api.heap().u8[p + 99_998] = 1;
      return p;
    },
  });
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\nallocext p1 A 100000 ZERO\n",
    dirty,
  );
  assert.equal(out[1][0], "! byte 99998 of the zeroed chunk is 1, not 0");
  const clean = lines("create A aset TopMemoryContext 0 1024 8192\nallocext p1 A 100001 ZERO\n");
  assert.match(clean[1][0], /^= space /);
});

Deno.test("a realloc that loses the chunk's bytes is a mismatch", () => {
  const lossy = standIn({
    repalloc: (p: number, size: number) => {
      const q = api.mcxt.repalloc(p, size);
      api.heap().u8[q] ^= 0xff;
      return q;
    },
  });
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 16\nrealloc p1 400\n",
    lossy,
  );
  assert.match(out[2][0], /^! contents of chunk p1 lost: byte 0 is \d+, was \d+$/);
});

Deno.test("overlapping chunks are caught at the next check", () => {
  let last = 0;
  const overlapping = standIn({
    MemoryContextAlloc: (ctx: never, size: number) => {
      if (last !== 0) return last;
      last = api.mcxt.MemoryContextAlloc(ctx, size);
      return last;
    },
  });
  const out = lines(
    "create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 16\nalloc p2 A 16\ncheck\n",
    overlapping,
  );
  assert.ok(out[3].some((l) => l.startsWith("! contents of chunk p1 lost")), out[3].join("\n"));
});

Deno.test("an exception that is not a PgError fails the replay at its line without crashing", () => {
  const broken = standIn({
    pfree: () => {
      throw new TypeError("boom");
    },
  });
  const r = replayTrace(
    parseTrace("create A aset TopMemoryContext 0 1024 8192\nalloc p1 A 8\n\nfree p1\n", "x.trace"),
    broken,
    { lenient: true },
  );
  assert.equal(r.ok, false);
  assert.equal(r.firstMismatch?.line, 4);
  assert.equal(r.firstMismatch?.op, "free p1");
  assert.match(r.firstMismatch?.reason ?? "", /^exception: TypeError: boom/);
});

Deno.test("a PgError thrown by a stand-in is reported like PostgreSQL's", () => {
  const refusing = standIn({
    MemoryContextIsEmpty: () => {
      throw new PgError("XX000", "nope");
    },
  });
  const out = lines("isempty TopMemoryContext\n", refusing);
  assert.equal(out[0][0], "= error nope");
  assert.match(out[0][1], /^= stat TopMemoryContext /);
});

Deno.test("a context type that is not available makes the trace fail", () => {
  const noSlab: PallocApi = {
    ...api,
    creators: { ...api.creators, slab: undefined },
    unavailable: new Map([["slab", "Module not found"]]),
  };
  const r = replayTrace(parseTrace("create S slab TopMemoryContext 8192 64\n", "s.trace"), noSlab);
  assert.equal(r.ok, false);
  assert.equal(r.firstMismatch?.reason, "context type slab is not available: Module not found");
});
