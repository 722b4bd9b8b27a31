/**
 * The example project's own tests, written with `@palloc/palloc/testing`:
 * the parser is correct, random JSON never leaks (per request, and among the
 * kit's random palloc commands, out of memory and memory limits included),
 * and the deliberately leaky variant is caught with a readable report.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Context, type MemoryContext } from "@palloc/palloc";
import { assertNoLeak, expectHeapUnchanged, propertyKit } from "@palloc/palloc/testing";
import { freeJson, leakyFreeJson, parseJson, toValue } from "./parser.ts";

const kit = propertyKit(fc);

/** The error `f` throws (the test fails when it throws none). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new assert.AssertionError({ message: "expected the check to fail" });
}
const json = fc.json({ maxDepth: 4 });

Deno.test("parseJson builds the value JSON.parse sees", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  fc.assert(
    fc.property(json, (text) => {
      const root = parseJson(text, req.memoryContext);
      assert.deepEqual(toValue(root), JSON.parse(text));
      freeJson(root);
    }),
    { numRuns: 200 },
  );
});

Deno.test("property: parsing and freeing random JSON leaves the request context as it was", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  fc.assert(
    fc.property(json, (text) => {
      assertNoLeak(req, () => freeJson(parseJson(text, req.memoryContext)));
    }),
    { numRuns: 200 },
  );
  // and a whole request, context included, leaves the heap as it found it
  expectHeapUnchanged(() => {
    const r = top.child.aset("request 2");
    freeJson(parseJson('{"a":[1,2,{"b":"c"}]}', r.memoryContext));
    r.delete();
  });
});

const parseAndFree = (free: (root: number) => void) => (ctx: MemoryContext, text: string) =>
  free(parseJson(text, ctx));

Deno.test("property: the parser among random palloc commands, OOM and limits included", () => {
  const parse = kit.userCommand(
    { name: "parse", leavesEmpty: true, run: parseAndFree(freeJson) },
    json,
  );
  for (const mix of ["chunks", "oom", "limits"] as const) {
    kit.checkAgainstModel(kit.commands(mix), {
      name: `json-${mix}`,
      extraCommands: parse,
      numRuns: 40,
    });
  }
});

Deno.test("the leaky variant is caught: assertNoLeak names the context and the bytes", () => {
  const top = Context.init();
  const req = top.child.aset("request");
  const error = thrown(
    () => assertNoLeak(req, () => leakyFreeJson(parseJson('{"id":1}', req.memoryContext))),
  );
  // The key "id": its 2 bytes (an 8-byte chunk, 16 with its header) and its 16-byte node (24).
  assert.match(
    error.message,
    /^assertNoLeak: "request" holds more than before\nwhat grew \(by path\):/,
  );
  assert.match(
    error.message,
    /\n {2}request: \+40 bytes in chunks \(240 used -> 280 used, 1 -> 1 blocks\)\n/,
  );
  assert.match(
    error.message,
    /--- MemoryContextStats after\nrequest: 8192 total in 1 blocks; \d+ free \(\d+ chunks\); 280 used/,
  );
});

Deno.test("the leaky variant is caught among random commands, shrunk to one small object", () => {
  const leaky = kit.userCommand({
    name: "parse",
    leavesEmpty: true,
    run: parseAndFree(leakyFreeJson),
  }, json);
  const error = thrown(() =>
    kit.checkAgainstModel(kit.commands("chunks"), {
      name: "json-leaky",
      extraCommands: leaky,
      fromEnv: false,
      outDir: null,
      seed: 42,
    })
  );
  assert.match(
    error.message,
    /^property "json-leaky" \(.*\) failed\nreplay with PALLOC_PROP_SEED=42 /,
  );
  assert.match(error.message, /Counterexample: \[parse\(parent \d+, "\{\\"\\":null\}"\)/);
  assert.match(error.message, /the user code leaked:\n {2}parse\d+: \+\d+ bytes in chunks/);
});
