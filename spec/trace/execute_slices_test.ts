/**
 * `replayCompiled` runs a trace in slices of `REPLAY_SLICE` operations (so
 * V8 optimizes the loop for a normal call, not only on-stack): every
 * operation runs exactly once, in order, across the slice boundaries — the
 * heap ends byte for byte as one `execute` over the whole trace leaves it —
 * and an operation that fails in a later slice is still named by its line.
 */
import assert from "node:assert/strict";
import { compileTrace } from "../../src/trace/compile.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { loadPallocApi } from "../../src/trace/api.ts";
import { execute, newReplayState, REPLAY_SLICE, replayCompiled } from "../../src/trace/execute.ts";

const api = await loadPallocApi();

/** A trace of about 2.5 slices whose chunks and contexts live across the boundaries. */
function crossingTrace(): string {
  const lines = [
    "create T aset TopMemoryContext 0 8192 8388608",
    "create S slab T 8192 64",
    "create G generation T 0 8192 8388608",
  ];
  let n = 0;
  let ctx = 0;
  while (lines.length < REPLAY_SLICE * 2.5) {
    n++;
    lines.push(`alloc p${n} T ${8 + (n * 37) % 500}`);
    lines.push(`alloc s${n} S 64`);
    lines.push(`alloc g${n} G ${16 + (n * 13) % 200}`);
    // Free what was made 7 steps ago, so each free's alloc is often in the slice before.
    if (n > 7) lines.push(`free p${n - 7}`, `free s${n - 7}`, `free g${n - 7}`);
    if (n % 5 === 0) lines.push(`realloc p${n} ${900 + n % 300}`);
    if (n % 400 === 0) {
      ctx++;
      lines.push(`create E${ctx} aset T 0 1024 8192`, `alloc e${ctx} E${ctx} 300`);
      if (ctx > 1) lines.push(`delete E${ctx - 1}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Every byte of the heap's memory, and the tree's total, after `run` on a fresh heap. */
function heapAfter(run: () => void): { bytes: Uint8Array; total: number } {
  api.mcxt.MemoryContextInit();
  run();
  const h = api.heap();
  return {
    bytes: h.u8.slice(0, h.u8.length),
    total: api.mcxt.MemoryContextMemAllocated(api.mcxt.TopMemoryContext, true),
  };
}

Deno.test("replayCompiled: a trace across slice boundaries leaves the heap as one execute call does", () => {
  const c = compileTrace(parseTrace(crossingTrace(), "slices.trace"));
  assert.ok(c.length > 2 * REPLAY_SLICE, `trace of ${c.length} operations spans 3 slices`);
  const whole = heapAfter(() => {
    const st = newReplayState(api);
    st.release = true;
    execute(c, st, api, 0, c.length);
  });
  const sliced = heapAfter(() => assert.equal(replayCompiled(c, api), c.length));
  assert.equal(sliced.total, whole.total);
  assert.equal(sliced.bytes.length, whole.bytes.length);
  assert.ok(sliced.bytes.every((b, k) => b === whole.bytes[k]), "same bytes everywhere");
});

Deno.test("replayCompiled: an operation failing in a later slice is named by its own line", () => {
  const lines = ["create T aset TopMemoryContext 0 8192 8388608", "create S slab T 8192 64"];
  for (let n = 1; lines.length < REPLAY_SLICE + 100; n++) lines.push(`alloc p${n} S 64`);
  lines.push("realloc p1 100"); // Slab cannot resize: an ERROR, in the second slice
  lines.push("alloc q T 10");
  const c = compileTrace(parseTrace(lines.join("\n") + "\n", "fails.trace"));
  api.mcxt.MemoryContextInit();
  assert.throws(
    () => replayCompiled(c, api),
    (err: Error) => {
      assert.match(err.message, new RegExp(`^fails\\.trace:${REPLAY_SLICE + 101}: `));
      assert.match(err.message, /slab allocator does not support realloc/);
      return true;
    },
  );
});
