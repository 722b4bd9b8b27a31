import assert from "node:assert/strict";
import { parseTrace, readTraceFile } from "../../src/trace/parse.ts";
import {
  formatExpectation,
  formatFlags,
  formatOperation,
  writeTrace,
} from "../../src/trace/write.ts";
import type { TraceEntry } from "../../src/trace/types.ts";

/** The entries of a parsed trace without line numbers. */
function entries(text: string): TraceEntry[] {
  return parseTrace(text).steps.map(({ op, expect }) => ({ op, expect: [...expect] }));
}

const SAMPLE: TraceEntry[] = [
  {
    op: {
      verb: "create",
      name: "A",
      type: "aset",
      parent: "TopMemoryContext",
      min: 0,
      init: 1024,
      max: 8192,
    },
    expect: [{
      kind: "stat",
      ctx: "A",
      nblocks: 1,
      freechunks: 0,
      totalspace: 1024,
      freespace: 760,
      memallocated: 1024,
    }],
  },
  {
    op: { verb: "create", name: "S", type: "slab", parent: "A", blockSize: 8192, chunkSize: 64 },
    expect: [],
  },
  {
    op: {
      verb: "create",
      name: "G",
      type: "generation",
      parent: "A",
      min: 0,
      init: 8192,
      max: 8192,
    },
    expect: [],
  },
  {
    op: { verb: "create", name: "B", type: "bump", parent: "S", min: 0, init: 8192, max: 8192 },
    expect: [],
  },
  {
    op: { verb: "alloc", ptr: "p1", ctx: "A", size: 100 },
    expect: [{ kind: "space", bytes: 120 }],
  },
  { op: { verb: "alloc0", ptr: "p2", ctx: "A", size: 0 }, expect: [] },
  {
    op: { verb: "allocext", ptr: "p3", ctx: "A", size: 9223372036854775808n, flags: 3 },
    expect: [{ kind: "null" }],
  },
  {
    op: { verb: "allocext", ptr: "p4", ctx: "A", size: 8, flags: 0 },
    expect: [{ kind: "error", message: "out of memory" }],
  },
  { op: { verb: "aligned", ptr: "p5", ctx: "G", size: 10, alignto: 4096 }, expect: [] },
  { op: { verb: "realloc", ptr: "p1", size: 4611686018427387904n }, expect: [] },
  { op: { verb: "space", ptr: "p1" }, expect: [{ kind: "space", bytes: 120 }] },
  { op: { verb: "owner", ptr: "p1" }, expect: [{ kind: "owner", name: "A" }] },
  { op: { verb: "free", ptr: "p1" }, expect: [] },
  { op: { verb: "ident", ctx: "A", text: " lead  and\ttab €" }, expect: [] },
  { op: { verb: "ident", ctx: "S", text: "" }, expect: [] },
  { op: { verb: "callback", ctx: "A", id: "cb1" }, expect: [] },
  { op: { verb: "setparent", ctx: "B", parent: "TopMemoryContext" }, expect: [] },
  { op: { verb: "limit", bytes: 0 }, expect: [] },
  { op: { verb: "limit", bytes: null }, expect: [] },
  { op: { verb: "limit", bytes: 18446744073709551615n }, expect: [] },
  { op: { verb: "isempty", ctx: "A" }, expect: [{ kind: "bool", value: false }] },
  { op: { verb: "memallocated", ctx: "A", recurse: true }, expect: [{ kind: "bytes", bytes: 1 }] },
  {
    op: { verb: "consumed", ctx: "A" },
    expect: [{ kind: "counters", nblocks: 1, freechunks: 2, totalspace: 3, freespace: 4 }],
  },
  {
    op: { verb: "stats", ctx: "A", maxLevel: 0, maxChildren: 0 },
    expect: [{ kind: "line", text: "A: 1 total" }, { kind: "line", text: "  x" }],
  },
  {
    op: { verb: "check" },
    expect: [
      {
        kind: "ctx",
        name: "A",
        parent: "TopMemoryContext",
        level: 1,
        nblocks: 1,
        freechunks: 0,
        totalspace: 1024,
        freespace: 760,
        memallocated: 1024,
        empty: true,
      },
      { kind: "text", text: "A: 1024 total in 1 blocks: ident" },
    ],
  },
  { op: { verb: "resetchildren", ctx: "A" }, expect: [] },
  { op: { verb: "resetonly", ctx: "A" }, expect: [] },
  { op: { verb: "reset", ctx: "A" }, expect: [{ kind: "fired", ids: ["cb1"] }] },
  { op: { verb: "deletechildren", ctx: "TopMemoryContext" }, expect: [] },
];

Deno.test("parse(write(x)) gives back x for every verb and expectation", () => {
  const text = writeTrace(SAMPLE, { header: ["round trip", "second line"] });
  assert.ok(text.startsWith("# round trip\n# second line\n"));
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(entries(text), SAMPLE);
});

Deno.test("write(parse(text)) gives back the text of a canonical trace", () => {
  const text = "create A aset TopMemoryContext 0 1024 8192\n= stat A 1 0 1024 760 1024\n" +
    "allocext p1 A 9223372036854775807 HUGE|NO_OOM|ZERO\n= null\n= stat A 1 0 1024 760 1024\n" +
    "ident A a\tb  c \n";
  assert.equal(writeTrace(entries(text)), text);
});

Deno.test("each operation and expectation is spelled as FORMAT.md spells it", () => {
  assert.equal(formatOperation({ verb: "limit", bytes: null }), "limit none");
  assert.equal(
    formatOperation({ verb: "memallocated", ctx: "X", recurse: false }),
    "memallocated X 0",
  );
  assert.equal(formatFlags(0), "0");
  assert.equal(formatFlags(7), "HUGE|NO_OOM|ZERO");
  assert.equal(formatFlags(6), "NO_OOM|ZERO");
  assert.equal(formatExpectation({ kind: "bool", value: true }), "= bool 1");
  assert.equal(formatExpectation({ kind: "fired", ids: ["a", "b"] }), "= fired a b");
  assert.equal(writeTrace([]), "");
});

Deno.test("values the format cannot hold are refused instead of written", () => {
  assert.throws(() => formatOperation({ verb: "free", ptr: "p 1" }), RangeError);
  assert.throws(() => formatOperation({ verb: "free", ptr: "" }), RangeError);
  assert.throws(() => formatOperation({ verb: "ident", ctx: "A", text: "two\nlines" }), RangeError);
  assert.throws(
    () => formatOperation({ verb: "alloc", ptr: "p1", ctx: "A", size: -1 }),
    RangeError,
  );
  assert.throws(
    () => formatOperation({ verb: "alloc", ptr: "p1", ctx: "A", size: 1.5 }),
    RangeError,
  );
  assert.throws(
    () => formatOperation({ verb: "alloc", ptr: "p1", ctx: "A", size: 2n ** 64n }),
    RangeError,
  );
  assert.throws(
    () => formatOperation({ verb: "alloc", ptr: "p1", ctx: "A", size: 5n }),
    RangeError,
  );
  assert.throws(() => formatFlags(8), RangeError);
  assert.throws(() => formatExpectation({ kind: "fired", ids: [] }), RangeError);
  assert.throws(() => formatExpectation({ kind: "error", message: "" }), RangeError);
  assert.throws(
    () => formatOperation({ verb: "stats", ctx: "A", maxLevel: -1, maxChildren: 0 }),
    RangeError,
  );
});

Deno.test("every PostgreSQL conformance vector is written back line for line", async () => {
  const root = new URL("../../../shared/conformance/pg18/", import.meta.url);
  let files = 0;
  const walk = async (dir: URL): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".trace")) {
        const path = new URL(e.name, dir).pathname;
        const original = (await Deno.readTextFile(path)).split("\n")
          .filter((l) => l !== "" && !l.startsWith("#"));
        const t = await readTraceFile(path);
        const written = writeTrace(t.steps).split("\n").filter((l) => l !== "");
        assert.deepEqual(written, original, path);
        files++;
      }
    }
  };
  try {
    await walk(root);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return; // vectors not checked out here
    throw err;
  }
  assert.ok(files >= 100);
});
