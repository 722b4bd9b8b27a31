/**
 * Several heaps in one program (`MemoryHeap`, `MemoryHeapSwitchTo`,
 * `Context.init()` returning a root of its own), palloc before any init, and
 * the traps of the API face: `run` with an async function, wrong-typed sizes
 * and non-context arguments, PostgreSQL's four arguments of
 * `MemoryContextStatsDetail`. (`dumpFromTree(ctx.stats())` is memstats'
 * own test: spec/memstats/deep_test.ts.)
 */
import assert from "node:assert/strict";
import {
  ALLOCSET_DEFAULT_SIZES,
  AllocSetContextCreate,
  BumpContextCreate,
  Context,
  CurrentMemoryContext,
  CurrentMemoryHeap,
  GetMemoryChunkContext,
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextReset,
  MemoryContextStatsDetail,
  MemoryContextStatsLines,
  MemoryContextSwitchTo,
  MemoryHeapOf,
  MemoryHeapSwitchTo,
  palloc,
  pfree,
  PgError,
  setLogSink,
  TopMemoryContext,
} from "../../mod.ts";

function pgError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof PgError, `expected a PgError, got ${e}`);
    assert.match(e.message + " " + (e.detail ?? ""), pattern);
    return true;
  };
}

Deno.test("two libraries, two heaps: each allocates, resets and reads stats in its own", () => {
  // library A: its heap, its cache context
  const a = MemoryContextInit();
  const cacheA = AllocSetContextCreate(a.top, "libA cache", ...ALLOCSET_DEFAULT_SIZES);
  const pa = MemoryContextAlloc(cacheA, 100);
  a.heap.u8.fill(0xaa, pa, pa + 100);

  // library B starts later: a second init no longer kills A's contexts
  const b = MemoryContextInit();
  assert.equal(CurrentMemoryHeap, b);
  assert.notEqual(a.heap, b.heap);
  const cacheB = AllocSetContextCreate(b.top, "libB cache", ...ALLOCSET_DEFAULT_SIZES);
  const pb = MemoryContextAlloc(cacheB, 100);
  b.heap.u8.fill(0xbb, pb, pb + 100);
  assert.equal(TopMemoryContext, b.top);

  // A's context with B current: a typed error naming both heaps and the fix, nothing changes
  assert.throws(
    () => MemoryContextAlloc(cacheA, 8),
    pgError(/belongs to heap \d+.*current heap is heap \d+.*MemoryHeapSwitchTo/s),
  );
  assert.throws(() => MemoryContextReset(cacheA), pgError(/belongs to heap/));
  assert.throws(() => MemoryContextSwitchTo(cacheA), pgError(/belongs to heap/));
  assert.throws(
    () => AllocSetContextCreate(cacheA, "x", ...ALLOCSET_DEFAULT_SIZES),
    pgError(/belongs to heap/),
  );
  assert.equal(CurrentMemoryContext, b.top);

  // back to A: its tree, its current context, its bytes
  assert.equal(MemoryHeapSwitchTo(a), b);
  assert.equal(TopMemoryContext, a.top);
  assert.equal(CurrentMemoryContext, a.top);
  assert.equal(GetMemoryChunkContext(pa), cacheA);
  assert.ok(a.heap.u8.subarray(pa, pa + 100).every((x) => x === 0xaa));
  const lines = MemoryContextStatsLines(a.top, 100, 100);
  assert.ok(lines.some((l) => l.includes("libA cache")));
  assert.ok(!lines.some((l) => l.includes("libB cache")));
  MemoryContextReset(cacheA);
  assert.equal(MemoryHeapOf(cacheA), a);

  // B is untouched by A's reset
  b.run(() => {
    assert.equal(GetMemoryChunkContext(pb), cacheB);
    assert.ok(b.heap.u8.subarray(pb, pb + 100).every((x) => x === 0xbb));
    MemoryContextDelete(cacheB);
  });
  assert.equal(CurrentMemoryHeap, a);
  assert.equal(MemoryHeapOf(cacheB), null);
});

Deno.test("a WebAssembly memory as one heap, JS scratch as another, bump state kept apart", () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16 });
  const wasm = MemoryContextInit({ memory });
  assert.equal(wasm.heap.u8.buffer, memory.buffer);
  const arena = BumpContextCreate(wasm.top, "wasm arena", ...ALLOCSET_DEFAULT_SIZES);
  const pw = MemoryContextAlloc(arena, 64);

  const scratch = MemoryContextInit({ initialBytes: 1 << 16 });
  const tmp = BumpContextCreate(scratch.top, "scratch", ...ALLOCSET_DEFAULT_SIZES);
  const ps = MemoryContextAlloc(tmp, 64);
  assert.throws(() => pfree(ps), pgError(/not supported by the bump memory allocator/));

  wasm.run(() => {
    // the header-less bump chunk is found in its own heap's index
    assert.throws(() => pfree(pw), pgError(/not supported by the bump memory allocator/));
    MemoryContextReset(arena);
    const p = palloc(32);
    assert.equal(GetMemoryChunkContext(p), wasm.top);
    pfree(p);
  });
  assert.equal(CurrentMemoryHeap, scratch);
});

Deno.test("a test with a fresh heap touches no other", () => {
  const outer = MemoryContextInit();
  const keep = AllocSetContextCreate(outer.top, "outer", ...ALLOCSET_DEFAULT_SIZES);
  const before = MemoryContextStatsLines(outer.top, 100, 100).join("\n");
  const fresh = MemoryContextInit({ checking: true });
  for (let i = 0; i < 100; i++) palloc(i + 1);
  MemoryContextReset(fresh.top);
  MemoryHeapSwitchTo(outer);
  assert.equal(MemoryContextStatsLines(outer.top, 100, 100).join("\n"), before);
  MemoryContextDelete(keep);
});

Deno.test("Context.init() returns a root of its own; methods refuse another heap, run switches", () => {
  const a = Context.init();
  const libA = a.child.aset("libA");
  const b = Context.init();
  assert.ok(b.heap.current && !a.heap.current);
  assert.throws(() => libA.alloc(8), pgError(/belongs to heap/));
  const p = libA.run(() => palloc(8));
  assert.ok(b.heap.current);
  assert.equal(CurrentMemoryContext, b.memoryContext);
  a.heap.run(() => assert.equal(GetMemoryChunkContext(p), libA.memoryContext));
  assert.equal(Context.top, b);
});

Deno.test("palloc before init: a typed error saying what to call", async () => {
  // a fresh process, since this one has initialized palloc already
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = `
    import * as p from ${JSON.stringify(mod)};
    const calls = {
      palloc: () => p.palloc(8),
      pfree: () => p.pfree(64),
      MemoryContextAlloc: () => p.MemoryContextAlloc(p.TopMemoryContext, 8),
      AllocSetContextCreate: () => p.AllocSetContextCreate(null, "x", ...p.ALLOCSET_DEFAULT_SIZES),
      MemoryContextSwitchTo: () => p.MemoryContextSwitchTo(p.TopMemoryContext),
      MemoryContextReset: () => p.MemoryContextReset(p.TopMemoryContext),
      MemoryContextStats: () => p.MemoryContextStats(p.TopMemoryContext),
      "Context.top": () => p.Context.top,
      "Context.current": () => p.Context.current,
    };
    const out = {};
    for (const [name, f] of Object.entries(calls)) {
      try { f(); out[name] = "no error"; } catch (e) { out[name] = e.name + ": " + e.message; }
    }
    console.log(JSON.stringify(out));
  `;
  const { stdout, code: rc } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(rc, 0);
  const out = JSON.parse(new TextDecoder().decode(stdout));
  for (const [name, text] of Object.entries(out)) {
    assert.match(
      String(text),
      /^PgError: palloc is not initialized: call MemoryContextInit\(\) \(or Context\.init\(\)\) first$/,
      name,
    );
  }
  assert.equal(Object.keys(out).length, 9);
});

Deno.test("run refuses an async function, naming the fix; the context is switched back", async () => {
  const top = Context.init();
  const work = top.child.aset("work");
  assert.throws(
    // deno-lint-ignore require-await
    () => work.run(async () => palloc(8)),
    pgError(/returned a promise.*Allocate before the first await, or switch explicitly/s),
  );
  assert.equal(Context.current, top);
  assert.throws(() => work.run(() => ({ then() {} })), pgError(/returned a promise/));
  await Promise.resolve(); // no unhandled rejection from the refused promise
  assert.equal(work.run(() => 7), 7);
});

Deno.test("wrong-typed sizes and non-context arguments name the type received", () => {
  MemoryContextInit();
  // deno-lint-ignore no-explicit-any
  const anyPalloc = palloc as (size: any) => number;
  assert.throws(() => anyPalloc("10"), pgError(/expected a number or bigint, got string "10"/));
  assert.throws(() => anyPalloc(undefined), pgError(/got undefined/));
  assert.throws(() => anyPalloc({}), pgError(/got object Object/));
  // deno-lint-ignore no-explicit-any
  const anyCreate = AllocSetContextCreate as (parent: any, ...rest: any[]) => unknown;
  assert.throws(
    () => anyCreate(undefined, "x", ...ALLOCSET_DEFAULT_SIZES),
    pgError(/expected a MemoryContext, got undefined/),
  );
  assert.throws(
    () => anyCreate({ name: "fake" }, "x", ...ALLOCSET_DEFAULT_SIZES),
    pgError(/expected a MemoryContext, got object Object/),
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => Context.of(42 as any), pgError(/expected a MemoryContext, got number 42/));
  // deno-lint-ignore no-explicit-any
  assert.throws(() => pfree("64" as any), pgError(/expected a number, got string "64"/));
});

Deno.test("MemoryContextStatsDetail takes PostgreSQL's four arguments", () => {
  MemoryContextInit();
  const seen: string[] = [];
  const old = setLogSink((level, text) => seen.push(`${level}: ${text}`));
  const err = console.error;
  const printed: string[] = [];
  console.error = (line: string) => printed.push(line);
  try {
    MemoryContextStatsDetail(TopMemoryContext, 100, 100, false);
    MemoryContextStatsDetail(TopMemoryContext, 100, 100, true);
  } finally {
    console.error = err;
    setLogSink(old);
  }
  assert.deepEqual(
    seen,
    MemoryContextStatsLines(TopMemoryContext, 100, 100, true).map((l) => `LOG: ${l}`),
  );
  assert.deepEqual(printed, MemoryContextStatsLines(TopMemoryContext, 100, 100));
});
