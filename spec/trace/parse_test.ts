import assert from "node:assert/strict";
import { parseTrace, parseTraceBytes, readTraceFile } from "../../src/trace/parse.ts";
import { TraceParseError } from "../../src/trace/errors.ts";
import type { Expectation, Operation } from "../../src/trace/types.ts";

const CREATE_A = "create A aset TopMemoryContext 0 1024 8192";

/** The operations of a trace text. */
function ops(text: string): Operation[] {
  return parseTrace(text, "t.trace").steps.map((s) => s.op);
}

/** The expectations after the last operation of a trace text. */
function lastExpect(text: string): Expectation[] {
  const steps = parseTrace(text, "t.trace").steps;
  return steps[steps.length - 1].expect;
}

/** Asserts that parsing `text` fails on `line` with a reason matching `reason`. */
function assertBadLine(text: string, line: number, reason: RegExp): void {
  assert.throws(
    () => parseTrace(text, "bad.trace"),
    (err: unknown) => {
      assert.ok(err instanceof TraceParseError, `not a TraceParseError: ${err}`);
      assert.equal(err.file, "bad.trace");
      assert.equal(err.line, line, `line of: ${err.message}`);
      assert.match(err.reason, reason);
      assert.equal(err.message, `bad.trace:${line}: ${err.reason}`);
      return true;
    },
  );
}

Deno.test("every verb parses into its operation", () => {
  const text = [
    CREATE_A,
    "create G generation A 0 8192 65536",
    "create B bump A 0 8192 65536",
    "create S slab A 8192 64",
    "alloc p1 A 100",
    "alloc0 p2 A 0",
    "allocext p3 A 16 HUGE|NO_OOM|ZERO",
    "allocext p4 A 16 0",
    "aligned p5 A 100 64",
    "realloc p1 200",
    "free p1",
    "space p2",
    "owner p2",
    "reset G",
    "resetonly B",
    "resetchildren A",
    "setparent S TopMemoryContext",
    "ident S slab ident",
    "callback A cb1",
    "limit 4096",
    "limit none",
    "isempty A",
    "memallocated A 1",
    "memallocated A 0",
    "consumed A",
    "stats TopMemoryContext 100 3",
    "check",
    "deletechildren A",
    "delete S",
  ].join("\n");
  assert.deepEqual(ops(text), [
    {
      verb: "create",
      name: "A",
      type: "aset",
      parent: "TopMemoryContext",
      min: 0,
      init: 1024,
      max: 8192,
    },
    { verb: "create", name: "G", type: "generation", parent: "A", min: 0, init: 8192, max: 65536 },
    { verb: "create", name: "B", type: "bump", parent: "A", min: 0, init: 8192, max: 65536 },
    { verb: "create", name: "S", type: "slab", parent: "A", blockSize: 8192, chunkSize: 64 },
    { verb: "alloc", ptr: "p1", ctx: "A", size: 100 },
    { verb: "alloc0", ptr: "p2", ctx: "A", size: 0 },
    { verb: "allocext", ptr: "p3", ctx: "A", size: 16, flags: 7 },
    { verb: "allocext", ptr: "p4", ctx: "A", size: 16, flags: 0 },
    { verb: "aligned", ptr: "p5", ctx: "A", size: 100, alignto: 64 },
    { verb: "realloc", ptr: "p1", size: 200 },
    { verb: "free", ptr: "p1" },
    { verb: "space", ptr: "p2" },
    { verb: "owner", ptr: "p2" },
    { verb: "reset", ctx: "G" },
    { verb: "resetonly", ctx: "B" },
    { verb: "resetchildren", ctx: "A" },
    { verb: "setparent", ctx: "S", parent: "TopMemoryContext" },
    { verb: "ident", ctx: "S", text: "slab ident" },
    { verb: "callback", ctx: "A", id: "cb1" },
    { verb: "limit", bytes: 4096 },
    { verb: "limit", bytes: null },
    { verb: "isempty", ctx: "A" },
    { verb: "memallocated", ctx: "A", recurse: true },
    { verb: "memallocated", ctx: "A", recurse: false },
    { verb: "consumed", ctx: "A" },
    { verb: "stats", ctx: "TopMemoryContext", maxLevel: 100, maxChildren: 3 },
    { verb: "check" },
    { verb: "deletechildren", ctx: "A" },
    { verb: "delete", ctx: "S" },
  ]);
});

Deno.test("allocext flags are a bit mask in any order", () => {
  const flags = (f: string) =>
    (ops(`${CREATE_A}\nallocext p1 A 8 ${f}`)[1] as { flags: number }).flags;
  assert.equal(flags("HUGE"), 1);
  assert.equal(flags("NO_OOM"), 2);
  assert.equal(flags("ZERO"), 4);
  assert.equal(flags("ZERO|HUGE"), 5);
});

Deno.test("every expectation kind parses into its fields", () => {
  const parse = (opLines: string[], expectLines: string[]) =>
    lastExpect([CREATE_A, ...opLines, ...expectLines].join("\n"));
  assert.deepEqual(parse(["alloc p1 A 100"], ["= space 120", "= stat A 1 0 1024 680 1024"]), [
    { kind: "space", bytes: 120 },
    {
      kind: "stat",
      ctx: "A",
      nblocks: 1,
      freechunks: 0,
      totalspace: 1024,
      freespace: 680,
      memallocated: 1024,
    },
  ]);
  assert.deepEqual(
    parse(["alloc p1 A 2000000000"], ["= error invalid memory alloc request size 2000000000"]),
    [
      { kind: "error", message: "invalid memory alloc request size 2000000000" },
    ],
  );
  assert.deepEqual(parse(["allocext p1 A 99999999999 NO_OOM|HUGE"], ["= null"]), [{
    kind: "null",
  }]);
  assert.deepEqual(parse(["callback A x", "callback A y", "reset A"], ["= fired y x"]), [
    { kind: "fired", ids: ["y", "x"] },
  ]);
  assert.deepEqual(parse(["alloc p1 A 8", "owner p1"], ["= owner A"]), [{
    kind: "owner",
    name: "A",
  }]);
  assert.deepEqual(parse(["isempty A"], ["= bool 1"]), [{ kind: "bool", value: true }]);
  assert.deepEqual(parse(["isempty A"], ["= bool 0"]), [{ kind: "bool", value: false }]);
  assert.deepEqual(parse(["memallocated A 1"], ["= bytes 1024"]), [{ kind: "bytes", bytes: 1024 }]);
  assert.deepEqual(parse(["consumed A"], ["= counters 1 2 3 4"]), [
    { kind: "counters", nblocks: 1, freechunks: 2, totalspace: 3, freespace: 4 },
  ]);
  assert.deepEqual(parse(["stats A 1 1"], ["= line   A: 1024 total", "= line Grand total: x"]), [
    { kind: "line", text: "  A: 1024 total" },
    { kind: "line", text: "Grand total: x" },
  ]);
  assert.deepEqual(
    parse(["check"], ["= ctx A TopMemoryContext 1 1 0 1024 680 1024 0", "= text A: stats: id"]),
    [
      {
        kind: "ctx",
        name: "A",
        parent: "TopMemoryContext",
        level: 1,
        nblocks: 1,
        freechunks: 0,
        totalspace: 1024,
        freespace: 680,
        memallocated: 1024,
        empty: false,
      },
      { kind: "text", text: "A: stats: id" },
    ],
  );
});

Deno.test("sizes above 2^53 are parsed exactly as bigints and smaller ones as numbers", () => {
  const size = (s: string) =>
    (ops(`${CREATE_A}\nallocext p1 A ${s} HUGE`)[1] as { size: unknown }).size;
  assert.equal(size("9223372036854775807"), 9223372036854775807n);
  assert.equal(size("9223372036854775808"), 9223372036854775808n);
  assert.equal(size("4611686018427387904"), 4611686018427387904n);
  assert.equal(size("18446744073709551615"), 18446744073709551615n);
  assert.equal(size("9007199254740992"), 9007199254740992);
  assert.equal(typeof size("9007199254740992"), "number");
  assert.equal(size("9007199254740993"), 9007199254740993n);
  assert.equal(size("123456789012345"), 123456789012345);
  assert.deepEqual(ops("limit 9223372036854775808")[0], {
    verb: "limit",
    bytes: 9223372036854775808n,
  });
});

Deno.test("ident text is the rest of the line byte for byte, spaces, tabs and UTF-8 included", () => {
  const text = (rest: string) => (ops(`${CREATE_A}\nident A ${rest}`)[1] as { text: string }).text;
  assert.equal(text("two  spaces and trailing "), "two  spaces and trailing ");
  assert.equal(text("tab\there"), "tab\there");
  assert.equal(text("€uro ünï 日本"), "€uro ünï 日本");
  assert.equal(text(""), "");
  const bytes = new TextEncoder().encode(`${CREATE_A}\nident A é\t€ x\n`);
  const op = parseTraceBytes(bytes, "b.trace").steps[1].op as { text: string };
  assert.equal(op.text, "é\t€ x");
});

Deno.test("comments, blank lines and line numbers are handled", () => {
  const t = parseTrace(`# header\n\n${CREATE_A}\n# mid\nalloc p1 A 8\n= space 24\n\n`, "c.trace");
  assert.equal(t.file, "c.trace");
  assert.deepEqual(t.steps.map((s) => s.line), [3, 5]);
  assert.equal(t.expectationCount, 1);
  assert.deepEqual([...t.contextTypes], ["aset"]);
});

Deno.test("a malformed operation line is a TraceParseError naming its line", () => {
  assertBadLine(`${CREATE_A}\nallocate p1 A 8`, 2, /unknown verb "allocate"/);
  assertBadLine(`${CREATE_A}\nalloc p1 A`, 2, /takes 3 operands, got 2/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8 9`, 2, /takes 3 operands, got 4/);
  assertBadLine(`${CREATE_A}\nfree`, 2, /takes 1 operand, got 0/);
  assertBadLine(`${CREATE_A}\n\ncheck now`, 3, /takes 0 operands/);
  assertBadLine("create A aset TopMemoryContext 0 1024", 1, /takes 6 operands/);
  assertBadLine("create S slab TopMemoryContext 8192 64 1", 1, /takes 5 operands/);
  assertBadLine("create A pool TopMemoryContext 0 1 2", 1, /unknown context type "pool"/);
  assertBadLine(`${CREATE_A}\nident A`, 2, /"ident" takes CTX and TEXT/);
  assertBadLine(`${CREATE_A}\nalloc  p1 A 8`, 2, /empty token/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8 `, 2, /empty token/);
  assertBadLine(`${CREATE_A}\n alloc p1 A 8`, 2, /starts with a space/);
  assertBadLine(`${CREATE_A}\nmemallocated A 2`, 2, /RECURSE must be 0 or 1/);
  assertBadLine("limit some", 1, /bad number for BYTES/);
});

Deno.test("a bad number is a TraceParseError", () => {
  for (const bad of ["-1", "+1", "1.5", "0x10", "1e3", "007", "", "18446744073709551616", "12a"]) {
    const line = bad === "" ? `${CREATE_A}\nalloc p1 A  ` : `${CREATE_A}\nalloc p1 A ${bad}`;
    assertBadLine(line, 2, bad === "" ? /empty token/ : /bad number for SIZE/);
  }
  assertBadLine(`${CREATE_A}\nstats A 99999999999 1`, 2, /MAXLEVEL .* out of range/);
  assertBadLine(`${CREATE_A}\nisempty A\n= bool 2`, 3, /must be 0 or 1/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\n= space x`, 3, /bad number for BYTES/);
});

Deno.test("an unknown allocext flag is a TraceParseError", () => {
  assertBadLine(`${CREATE_A}\nallocext p1 A 8 HUGE|BIG`, 2, /unknown allocext flag "BIG"/);
  assertBadLine(`${CREATE_A}\nallocext p1 A 8 huge`, 2, /unknown allocext flag/);
  assertBadLine(`${CREATE_A}\nallocext p1 A 8 HUGE|`, 2, /unknown allocext flag ""/);
  assertBadLine(`${CREATE_A}\nallocext p1 A 8 ZERO|ZERO`, 2, /given twice/);
});

Deno.test("an expectation with no operation before it is a TraceParseError", () => {
  assertBadLine("# only a comment\n= stat A 1 0 8192 7952 8192", 2, /no operation before it/);
});

Deno.test("a malformed or misplaced expectation is a TraceParseError", () => {
  assertBadLine(`${CREATE_A}\n= what 1`, 2, /unknown expectation kind "what"/);
  assertBadLine(`${CREATE_A}\n=stat`, 2, /malformed expectation/);
  assertBadLine(`${CREATE_A}\n= stat A 1 0 1024 680`, 2, /takes 6 operands, got 5/);
  assertBadLine(`${CREATE_A}\n= error`, 2, /needs text/);
  assertBadLine(`${CREATE_A}\n= error `, 2, /needs a message/);
  assertBadLine(`${CREATE_A}\n= fired`, 2, /at least one ID/);
  assertBadLine(`${CREATE_A}\n= fired x`, 2, /"= fired" cannot follow "create"/);
  assertBadLine(`${CREATE_A}\n= owner A`, 2, /cannot follow "create"/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\n= null`, 3, /"= null" cannot follow "alloc"/);
  assertBadLine(`${CREATE_A}\nallocext p1 A 8 HUGE\n= null`, 3, /cannot follow/);
  assertBadLine(`${CREATE_A}\ndelete A\n= stat A 1 0 1 1 1`, 3, /"= stat" cannot follow "delete"/);
  assertBadLine(`${CREATE_A}\ncheck\n= text A: x`, 3, /must follow a "= ctx" line/);
  assertBadLine(`${CREATE_A}\nisempty A\n= line x`, 3, /cannot follow "isempty"/);
});

Deno.test("a chunk token bound twice is a TraceParseError", () => {
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\nalloc p1 A 8`, 3, /bound twice \(first at line 2\)/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\nfree p1\nalloc0 p1 A 8`, 4, /bound twice/);
});

Deno.test("a chunk used before binding, after free, after failure or after its reset is refused", () => {
  assertBadLine(`${CREATE_A}\nfree p9`, 2, /"p9" is used before it is bound/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\nfree p1\nspace p1`, 4, /after it was freed \(line 3\)/);
  assertBadLine(
    `${CREATE_A}\nalloc p1 A 2000000000\n= error invalid memory alloc request size 2000000000\nfree p1`,
    4,
    /allocation failed/,
  );
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\nreset A\nrealloc p1 9`, 4, /dead: context "A"/);
  assertBadLine(`${CREATE_A}\nalloc p1 A 8\nresetonly A\nowner p1`, 4, /dead/);
  assertBadLine(
    `${CREATE_A}\ncreate B aset A 0 1024 8192\nalloc p1 B 8\nresetchildren A\nfree p1`,
    5,
    /dead: context "B"/,
  );
});

Deno.test("a chunk survives a free that failed (bump chunks)", () => {
  const t = parseTrace(
    "create B bump TopMemoryContext 0 8192 8192\nalloc p1 B 8\nfree p1\n" +
      "= error pfree is not supported by the bump memory allocator\nspace p1\n",
  );
  assert.equal(t.steps.length, 4);
});

Deno.test("a context used before creation or after deletion is refused", () => {
  assertBadLine("alloc p1 Nope 8", 1, /context "Nope" is used before it is created/);
  assertBadLine("create A aset Nope 0 1024 8192", 1, /"Nope" is used before/);
  assertBadLine(`${CREATE_A}\n${CREATE_A}`, 2, /context "A" already exists/);
  assertBadLine(
    `${CREATE_A}\ndelete A\nisempty A`,
    3,
    /"A" is used after it was deleted \(line 2\)/,
  );
  assertBadLine(
    `${CREATE_A}\ncreate B aset A 0 1024 8192\nreset A\nalloc p1 B 8`,
    4,
    /"B" is used after it was deleted \(line 3\)/,
  );
  assertBadLine(
    `${CREATE_A}\ncreate B aset A 0 1024 8192\ndeletechildren A\nident B x`,
    4,
    /"B" is used after/,
  );
  assertBadLine(
    `create A slab TopMemoryContext 10 64\n= error block size 10 for slab is too small for 64-byte chunks\nalloc p1 A 8`,
    3,
    /"A" is used before it is created/,
  );
});

Deno.test("setparent moves a subtree, and a cycle is refused", () => {
  const text =
    `${CREATE_A}\ncreate B aset A 0 1024 8192\ncreate C aset TopMemoryContext 0 1024 8192\n` +
    "setparent B C\nreset A\nalloc p1 B 8\n";
  assert.equal(parseTrace(text).steps.length, 6);
  assertBadLine(`${CREATE_A}\ncreate B aset A 0 1024 8192\nsetparent A B`, 3, /its own ancestor/);
  assertBadLine(`${CREATE_A}\nsetparent A A`, 2, /its own ancestor/);
});

Deno.test("a deleted context's name may be created again", () => {
  assert.equal(parseTrace(`${CREATE_A}\ndelete A\n${CREATE_A}\nalloc p1 A 8\n`).steps.length, 4);
});

Deno.test("invalid UTF-8 is a TraceParseError on its line", () => {
  const head = new TextEncoder().encode(`${CREATE_A}\nident A ok\nident A `);
  const bytes = new Uint8Array([...head, 0xff, 0xfe, 10]);
  assert.throws(
    () => parseTraceBytes(bytes, "u.trace"),
    (e: unknown) => e instanceof TraceParseError && e.line === 3 && /UTF-8/.test(e.reason),
  );
});

Deno.test("every PostgreSQL conformance vector parses", async () => {
  const root = new URL("../../../shared/conformance/pg18/", import.meta.url);
  let files = 0;
  const walk = async (dir: URL): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".trace")) {
        const t = await readTraceFile(new URL(e.name, dir).pathname);
        assert.ok(t.steps.length > 0);
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
  assert.ok(files >= 100, `only ${files} vectors found`);
});
