/**
 * A heap the program has let go of is collected, with its contexts and its
 * whole linear memory, whatever was used in it. First memory limits: a limit
 * set in an abandoned heap must not keep that heap alive. Before limits became heap-local state, one module-wide map held
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

/**
 * Any per-heap state that a module keeps in a module-wide structure would
 * leak the same way. Each kind of use is abandoned eight times in a fresh
 * process and must be collected: plain contexts of every type, checking
 * mode, reset callbacks, the TypeScript face and its wrappers, checked
 * views, the aligned allocator, memory limits again, a delete (the release
 * walk kept its last context in a module variable: one heap stayed alive),
 * and the backend's standard contexts and portals (module globals until they
 * became state of the heap they were made in).
 */
Deno.test("abandoned heaps are collected, whatever was used in them", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const backend = new URL("../../src/backend.ts", import.meta.url).href;
  const code = `
    import * as p from ${JSON.stringify(mod)};
    import * as b from ${JSON.stringify(backend)};
    const uses = {
      types: () => {
        const t = p.TopMemoryContext;
        p.MemoryContextAlloc(p.AllocSetContextCreate(t, "a", 0, 8192, 8 << 20), 100);
        p.MemoryContextAlloc(p.GenerationContextCreate(t, "g", 0, 8192, 8 << 20), 100);
        p.MemoryContextAlloc(p.SlabContextCreate(t, "s", 8192, 64), 64);
        p.MemoryContextAlloc(p.BumpContextCreate(t, "b", 0, 8192, 8 << 20), 100);
        p.MemoryContextAllocAligned(t, 100, 64, 0);
        p.MemoryContextDelete(p.AllocSetContextCreate(t, "gone", 0, 1024, 8192));
      },
      checking: () => {
        const c = p.AllocSetContextCreate(p.TopMemoryContext, "c", 0, 8192, 8 << 20);
        p.pfree(p.MemoryContextAlloc(c, 100));
        p.MemoryContextAlloc(c, 50);
        p.MemoryContextReset(c);
      },
      callbacks: () => {
        const c = p.AllocSetContextCreate(p.TopMemoryContext, "c", 0, 8192, 8 << 20);
        p.MemoryContextRegisterResetCallback(c, { func: () => {}, arg: c });
        p.MemoryContextRegisterResetCallback(p.TopMemoryContext, { func: () => {}, arg: null });
      },
      face: () => {
        const top = p.Context.top;
        const kid = top.child.aset("kid");
        const v = p.checkedView(Float64Array, kid.alloc(64), 8, kid);
        v.set(0, 1.5);
        kid.limit = 1 << 20;
        kid.onReset(() => {});
      },
      limits: () => {
        const c = p.AllocSetContextCreate(p.TopMemoryContext, "c", 0, 8192, 8 << 20);
        p.MemoryContextSetLimit(c, 1 << 20);
      },
      // a plain delete and a checking-mode reset: the release walk remembered its last context
      delete: () => {
        p.MemoryContextDelete(p.AllocSetContextCreate(p.TopMemoryContext, "gone", 0, 1024, 8192));
      },
      // the backend's globals and portals: they belong to the heap they were made in
      backend: () => {
        b.BackendStart();
        b.StartTransaction();
        p.MemoryContextAlloc(b.CreatePortal("c1").context, 10);
        p.MemoryContextAlloc(b.CacheMemoryContext, 10);
      },
    };
    const out = {};
    for (const [name, use] of Object.entries(uses)) {
      const refs = [];
      for (let i = 0; i < 8; i++) {
        (() => {
          const options = { maxBytes: 64 << 20, checking: name === "checking" };
          if (name === "backend") b.PostmasterStart(options);
          else p.MemoryContextInit(options);
          const h = p.CurrentMemoryHeap;
          use();
          refs.push(new WeakRef(h));
        })();
      }
      p.MemoryContextInit(); // none of them is current any more
      for (let i = 0; i < 4; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 0));
      }
      out[name] = refs.filter((r) => r.deref() !== undefined).length;
    }
    console.log(JSON.stringify(out));
  `;
  const { stdout, code: rc } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", "--ext=js", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(rc, 0);
  const alive: Record<string, number> = JSON.parse(new TextDecoder().decode(stdout));
  assert.deepEqual(alive, {
    types: 0,
    checking: 0,
    callbacks: 0,
    face: 0,
    limits: 0,
    delete: 0,
    backend: 0,
  });
});
