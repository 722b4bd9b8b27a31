/**
 * Memory limits are per heap: a limit set in a heap the program has let go
 * of must not keep that heap (its contexts and its whole linear memory)
 * alive. Before limits became heap-local state, one module-wide map held
 * every limited context strongly, so each abandoned heap with a limit
 * leaked; the 60-minute fuzz run died of it ("Fatal JavaScript out of
 * memory" after ~16 minutes of the limits property).
 */
import assert from "node:assert/strict";
import {
  AllocSetContextCreate,
  MemoryContextGetLimit,
  MemoryContextInit,
  MemoryContextSetLimit,
  TopMemoryContext,
} from "../../mod.ts";

Deno.test("limits: a heap's limits are its own and come back with it", () => {
  const a = MemoryContextInit();
  const capped = AllocSetContextCreate(TopMemoryContext, "capped", 0, 8192, 8 << 20);
  MemoryContextSetLimit(capped, 1 << 20);
  const b = MemoryContextInit();
  const other = AllocSetContextCreate(TopMemoryContext, "other", 0, 8192, 8 << 20);
  assert.equal(MemoryContextGetLimit(other), null);
  assert.ok(b.current);
  a.run(() => assert.equal(MemoryContextGetLimit(capped), 1 << 20));
});

Deno.test("limits: a limit does not keep an abandoned heap alive", async () => {
  // A fresh process with --expose-gc, so the collector can be asked to run.
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = `
    import * as p from ${JSON.stringify(mod)};
    const refs = [];
    function abandon() {
      const h = p.MemoryContextInit({ maxBytes: 64 << 20 });
      const c = p.AllocSetContextCreate(p.TopMemoryContext, "capped", 0, 8192, 8 << 20);
      p.MemoryContextSetLimit(c, 1 << 20);
      p.MemoryContextAlloc(c, 1000);
      refs.push(new WeakRef(h));
    }
    for (let i = 0; i < 8; i++) abandon();
    p.MemoryContextInit(); // the last limited heap is no longer current either
    for (let i = 0; i < 4; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 0));
    }
    console.log(JSON.stringify(refs.map((r) => r.deref() !== undefined)));
  `;
  const { stdout, code: rc } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", "--ext=js", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(rc, 0);
  const alive: boolean[] = JSON.parse(new TextDecoder().decode(stdout));
  assert.equal(alive.length, 8);
  assert.deepEqual(alive, alive.map(() => false), `heaps still alive: ${alive}`);
});
