/**
 * Self-tests of the property harness: the heap attribution, the chunk
 * patterns and the counterexample trace writer must work (and be able to
 * fail) before the properties built on them mean anything.
 */
import assert from "node:assert/strict";
import { heap } from "../../src/mcxt/context.ts";
import { TopMemoryContext } from "../../src/mcxt/mod.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { replayTrace } from "../../src/trace/replay.ts";
import type { TraceEntry } from "../../src/trace/types.ts";
import { api, counterexampleTrace } from "../../src/testing/trace.ts";
import { fillPattern, patternMismatch, World } from "../../src/testing/world.ts";

Deno.test("a fresh world attributes TopMemoryContext's and ErrorContext's blocks", () => {
  const w = new World();
  assert.equal(w.blocks.size, 2);
  let held = 0;
  for (const p of w.blocks.keys()) held += heap.sizeOf(p);
  assert.equal(held, heap.held);
});

Deno.test("chunk patterns notice a changed byte", () => {
  const w = new World();
  const p = heap.malloc(100);
  w.attribute(TopMemoryContext);
  fillPattern(7, p, 0, 100);
  assert.equal(patternMismatch(7, p, 0, 100), -1);
  heap.u8[p + 99] ^= 1;
  assert.equal(patternMismatch(7, p, 0, 100), 99);
  heap.u8[p + 99] ^= 1;
  heap.u8[p + 50] ^= 1;
  assert.equal(patternMismatch(7, p, 0, 100, true), 50);
});

Deno.test("a recorded run becomes a trace that replays, and a wrong model line shows", () => {
  const entries: TraceEntry[] = [
    {
      op: {
        verb: "create",
        name: "c2",
        type: "aset",
        parent: "TopMemoryContext",
        min: 0,
        init: 1024,
        max: 8192,
      },
      expect: [],
    },
    {
      op: { verb: "alloc", ptr: "p1", ctx: "c2", size: 100 },
      expect: [{ kind: "space", bytes: 136 }],
    },
    { op: { verb: "callback", ctx: "c2", id: "cb" }, expect: [] },
    { op: { verb: "reset", ctx: "c2" }, expect: [{ kind: "fired", ids: ["cb"] }] },
    { op: { verb: "isempty", ctx: "c2" }, expect: [{ kind: "bool", value: true }] },
  ];
  const text = counterexampleTrace(entries, ["demo"]);
  const good = replayTrace(parseTrace(text, "demo.trace"), api);
  assert.ok(good.ok, JSON.stringify(good.firstMismatch));
  entries[4] = { ...entries[4], expect: [{ kind: "bool", value: false }] };
  const bad = replayTrace(parseTrace(counterexampleTrace(entries, []), "bad.trace"), api);
  assert.equal(bad.ok, false);
  assert.equal(bad.firstMismatch?.op, "isempty c2");
});
