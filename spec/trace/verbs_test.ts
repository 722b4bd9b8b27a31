// The verb table is the one description of the trace grammar: every row must agree with
// FORMAT.md, parse back what the writer writes, compile into the slots it names, and run
// through the replay loop; sizes above 2^53 reach palloc exactly.
import assert from "node:assert/strict";
import { loadPallocApi } from "../../src/trace/api.ts";
import { compileTrace, N_WIDE, nOperand, opCode, operand } from "../../src/trace/compile.ts";
import { replayCompiled } from "../../src/trace/execute.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { replayLines } from "../../src/trace/replay.ts";
import type { Operation, TraceEntry } from "../../src/trace/types.ts";
import { CREATE_TYPES, Op, type Operand, VERBS } from "../../src/trace/verbs.ts";
import { writeTrace } from "../../src/trace/write.ts";

const FORMAT = new URL("../../../shared/conformance/FORMAT.md", import.meta.url).pathname;

// A prefix that makes every sample operation valid: contexts A (id 2) and B (id 3), chunk p1
// (slot 0) live in A.
const PREFIX: TraceEntry[] = [
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
    expect: [],
  },
  {
    op: {
      verb: "create",
      name: "B",
      type: "aset",
      parent: "TopMemoryContext",
      min: 0,
      init: 1024,
      max: 8192,
    },
    expect: [],
  },
  { op: { verb: "alloc", ptr: "p1", ctx: "A", size: 8 }, expect: [] },
];
const CTX_IDS: Record<string, number> = { A: 2, B: 3 };

/** A sample value for operand `d` (the `k`-th of its verb). */
function sample(d: Operand, k: number): unknown {
  switch (d.kind) {
    case "newchunk":
      return "p9";
    case "chunk":
    case "freechunk":
      return "p1";
    case "ctx":
      return d.field === "parent" ? "B" : "A";
    case "size":
      return 64 << k;
    case "flags":
      return 5; // HUGE|ZERO
    case "small":
      return 3 + k;
    case "bool":
      return true;
    case "id":
      return "cb7";
    case "rest":
      return "some  text\twith spaces";
    case "limit":
      return 1 << 20;
  }
}

function sampleOp(verb: string, operands: readonly Operand[]): Operation {
  const op: Record<string, unknown> = { verb };
  operands.forEach((d, k) => (op[d.field] = sample(d, k)));
  return op as unknown as Operation;
}

Deno.test("every verb of the table is a row of FORMAT.md, operands spelled the same", async () => {
  const format = await Deno.readTextFile(FORMAT);
  for (const spec of Object.values(VERBS)) {
    const synopsis = [spec.verb, ...spec.operands.map((d) => d.label)].join(" ");
    assert.ok(format.includes("`" + synopsis + "`"), `FORMAT.md has no row \`${synopsis}\``);
  }
  for (const [type, spec] of Object.entries(CREATE_TYPES)) {
    const synopsis = `create NAME ${type} PARENT ${spec.sizes.map((d) => d.label).join(" ")}`;
    assert.ok(format.includes("`" + synopsis + "`"), `FORMAT.md has no row \`${synopsis}\``);
  }
});

Deno.test("every opcode belongs to exactly one row of the table", () => {
  const codes = [
    ...Object.values(VERBS).map((v) => v.code),
    ...Object.values(CREATE_TYPES).map((c) => c.code),
  ].sort((a, b) => a - b);
  assert.deepEqual(codes, Object.values(Op).sort((a, b) => a - b));
});

Deno.test("each row writes, parses back and compiles into the slots it names", () => {
  for (const spec of Object.values(VERBS)) {
    const op = sampleOp(spec.verb, spec.operands);
    const text = writeTrace([...PREFIX, { op, expect: [] }]);
    const parsed = parseTrace(text);
    const last = parsed.steps[parsed.steps.length - 1].op;
    assert.deepEqual(last, op, `${spec.verb}: ${text}`);
    const c = compileTrace(parsed);
    const i = c.length - 1;
    assert.equal(opCode(c, i), spec.code, spec.verb);
    spec.operands.forEach((d, k) => {
      const got = operand(c, d.slot, i);
      const v = sample(d, k);
      const want = d.kind === "ctx"
        ? CTX_IDS[v as string]
        : d.kind === "chunk" || d.kind === "freechunk"
        ? 0
        : d.kind === "newchunk"
        ? 1
        : d.kind === "bool"
        ? 1
        : d.kind === "id" || d.kind === "rest"
        ? c.strings.indexOf(v as string)
        : v;
      assert.equal(got, want, `${spec.verb} ${d.label} in ${d.slot}`);
      if (d.kind === "id" || d.kind === "rest") assert.ok((want as number) >= 0);
    });
  }
  for (const [type, spec] of Object.entries(CREATE_TYPES)) {
    const op = { ...sampleOp("create", spec.sizes), name: "N", type, parent: "A" } as Operation;
    const parsed = parseTrace(writeTrace([...PREFIX, { op, expect: [] }]));
    assert.deepEqual(parsed.steps[3].op, op);
    const c = compileTrace(parsed);
    assert.equal(opCode(c, 3), spec.code);
    assert.equal(operand(c, "a", 3), 2);
    assert.equal(operand(c, "b", 3), 4);
    const k = operand(c, "n", 3);
    assert.deepEqual(
      [...c.createArgs.subarray(k, k + spec.sizes.length)],
      spec.sizes.map((_, j) => 64 << j),
    );
  }
});

Deno.test("the replay loop runs every row of the table", async () => {
  const api = await loadPallocApi();
  for (const spec of Object.values(VERBS)) {
    const op = sampleOp(spec.verb, spec.operands);
    const c = compileTrace(parseTrace(writeTrace([...PREFIX, { op, expect: [] }]), spec.verb));
    api.mcxt.MemoryContextInit();
    assert.equal(replayCompiled(c, api), PREFIX.length + 1, spec.verb);
  }
});

Deno.test("sizes above 2^53 reach palloc exactly through the compiled form", async () => {
  const api = await loadPallocApi();
  const text = [
    "create A aset TopMemoryContext 0 1024 8192",
    "allocext p1 A 18446744073709551615 NO_OOM",
    "alloc p2 A 9007199254740993",
    "alloc p3 A 8",
    "realloc p3 9007199254740993",
  ].join("\n");
  const c = compileTrace(parseTrace(text));
  assert.ok(operand(c, "n", 1) === N_WIDE && c.wide[1] === 18446744073709551615n);
  assert.ok(operand(c, "n", 4) === N_WIDE && c.wide[4] === 9007199254740993n);
  const lines = replayLines(parseTrace(text), api);
  assert.equal(lines[1][0], "= error invalid memory alloc request size 18446744073709551615");
  assert.equal(lines[2][0], "= error invalid memory alloc request size 9007199254740993");
  assert.equal(lines[4][0], "= error invalid memory alloc request size 9007199254740993");
});

Deno.test("sizes on both sides of 2^31 reach palloc exactly through the Int32Array n", async () => {
  const api = await loadPallocApi();
  const sizes = [2 ** 31 - 1, 2 ** 31, 2 ** 32 + 8, 2 ** 53];
  const text = [
    "create A aset TopMemoryContext 0 1024 8192",
    ...sizes.map((s, k) => `alloc p${k} A ${s}`),
  ].join("\n");
  const c = compileTrace(parseTrace(text));
  // Only 2^31 - 1 fits n; the others are kept in wide, as numbers.
  assert.deepEqual([1, 2, 3, 4].map((i) => operand(c, "n", i)), [
    2 ** 31 - 1,
    N_WIDE,
    N_WIDE,
    N_WIDE,
  ]);
  assert.deepEqual([1, 2, 3, 4].map((i) => nOperand(c, i)), sizes);
  const lines = replayLines(parseTrace(text), api);
  sizes.forEach((s, k) =>
    assert.equal(lines[k + 1][0], `= error invalid memory alloc request size ${s}`)
  );
});
