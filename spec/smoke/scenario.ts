/**
 * The smoke scenario: one function, given the palloc module, that builds a
 * tree, allocates through both faces, uses views, strings and a checked
 * view, grows a heap over a WebAssembly memory, resets, and reports
 * everything it saw as JSON-able data.
 *
 * It is run three ways — in Deno on the TypeScript sources, in Node 20 and
 * in headless Chromium on the bundle — and the three reports must be equal,
 * except for `env`, which says how the engine backed the WebAssembly heap.
 * It imports palloc's types only, so its own bundle contains just itself.
 */
import type * as Palloc from "../../mod.ts";

/** What the scenario reports. */
export interface SmokeReport {
  /** Checks that failed, by name (empty when all passed). */
  failures: string[];
  /** Stats text and numbers seen along the way. */
  seen: Record<string, unknown>;
  /** Engine facts that may differ between runtimes. */
  env: { wasmHeapResizable: boolean };
}

/** Runs the scenario against `P` (the palloc module namespace). */
export function scenario(P: typeof Palloc): SmokeReport {
  const failures: string[] = [];
  const seen: Record<string, unknown> = {};
  const check = (name: string, ok: boolean): void => {
    if (!ok) failures.push(name);
  };

  // The PostgreSQL face.
  P.MemoryContextInit();
  const query = P.AllocSetContextCreate(
    P.TopMemoryContext,
    "ExecutorState",
    ...P.ALLOCSET_DEFAULT_SIZES,
  );
  const exprs = P.AllocSetContextCreate(query, "ExprContext", ...P.ALLOCSET_SMALL_SIZES);
  const old = P.MemoryContextSwitchTo(query);
  const plan = P.palloc(1200);
  P.pfree(P.palloc(40));
  P.MemoryContextSwitchTo(old);
  for (let i = 0; i < 50; i++) P.MemoryContextAlloc(exprs, 48 + i);
  P.MemoryContextAlloc(query, 20000);
  seen.pgStats = P.MemoryContextStatsLines(P.TopMemoryContext, 100, 100);
  check("GetMemoryChunkContext", P.GetMemoryChunkContext(plan) === query);
  P.MemoryContextReset(exprs);
  seen.afterReset = P.MemoryContextStatsLines(P.TopMemoryContext, 100, 100);
  P.MemoryContextDelete(query);
  seen.afterDelete = P.MemoryContextStatsLines(P.TopMemoryContext, 100, 100);

  // The TypeScript face.
  const top = P.Context.init();
  const held = P.heap.held;
  const req = top.child.aset("request", { ident: "GET /" });
  const kids = [
    req.child.generation("gen"),
    req.child.slab("slab", { chunkSize: 64 }),
    req.child.bump("bump"),
  ];
  for (const k of kids) for (let i = 0; i < 20; i++) k.alloc(64);
  const xs = P.view(Float64Array, req.alloc(8 * 100), 100);
  for (let i = 0; i < 100; i++) xs[i] = i * 1.5;
  let sum = 0;
  for (const x of xs) sum += x;
  seen.sum = sum;
  const s = P.strdup(req, "grüße, 世界 🐘");
  seen.string = P.readString(s);
  seen.utf8Length = P.utf8Length("grüße, 世界 🐘");
  seen.space = P.spaceOf(s);
  check("contextOf", P.contextOf(s) === req);
  let restored = false;
  try {
    req.run(() => {
      P.palloc(10);
      throw new Error("inside run");
    });
  } catch {
    restored = P.Context.current === top;
  }
  check("run restores the current context on throw", restored);
  const v = P.checkedView(Int32Array, req.alloc(16), 4);
  v.set(3, 42);
  seen.tsStats = req.stats();
  seen.tsStatsText = top.statsText();
  req.reset();
  let stale = "";
  try {
    v.get(3);
  } catch (e) {
    stale = (e as Error).name;
  }
  seen.staleError = stale;
  check("kids deleted by reset", kids.every((k) => !k.alive));
  req[Symbol.dispose]();
  check("dispose deleted the context", !req.alive);
  seen.heldAfter = P.heap.held - held;

  // A heap over a WebAssembly memory, grown well past its start.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 512 });
  const wtop = P.Context.init({ memory, base: 1024 });
  const w = wtop.child.aset("wasm");
  const cv = P.checkedView(Float64Array, w.alloc(80), 10);
  cv.set(9, 2.5);
  const before = memory.buffer;
  for (let i = 0; i < 40; i++) w.alloc(100_000);
  seen.wasmPages = memory.buffer.byteLength / 65536;
  seen.wasmValue = cv.get(9);
  seen.wasmBytes = [...P.bytes(cv.pointer + 72, 8, cv.pointer)];
  w.reset();
  seen.wasmStats = wtop.statsText();
  return { failures, seen, env: { wasmHeapResizable: memory.buffer === before } };
}
