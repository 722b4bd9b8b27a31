import assert from "node:assert/strict";
import {
  CurrentMemoryContext,
  GetMemoryChunkContext,
  MemoryContextStatsLines,
  palloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { heap } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import { Context, contextOf, free, memoryContextOf, realloc, spaceOf } from "../../src/api/mod.ts";

Deno.test("Context.of gives one object per MemoryContext", () => {
  const top = Context.init();
  assert.equal(Context.of(TopMemoryContext), top);
  assert.equal(Context.top, top);
  const a = top.child.aset("a");
  assert.equal(Context.of(a.memoryContext), a);
  assert.equal(a.parent, top);
  assert.equal(top.children[0], a);
  assert.equal(contextOf(a.alloc(10)), a);
  assert.equal(memoryContextOf(a), a.memoryContext);
  assert.equal(memoryContextOf(a.memoryContext), a.memoryContext);
});

Deno.test("children of every type get their typed options", () => {
  const top = Context.init();
  const a = top.child.aset("a", { sizes: "small", ident: undefined });
  const g = top.child.generation("g", { initBlockSize: 16384, maxBlockSize: 65536 });
  const s = top.child.slab("s", { chunkSize: 40 });
  const b = top.child.bump("b", { sizes: "startSmall" });
  const named = top.createChild({ type: "aset", name: "named", ident: "query 7" });
  assert.deepEqual(
    [a, g, s, b, named].map((c) => c.toString()),
    ["a (AllocSet)", "g (Generation)", "s (Slab)", "b (Bump)", "named: query 7 (AllocSet)"],
  );
  // The options reached the creators: a first malloc of 1 KB (small) and of 16 KB (of which
  // Generation counts the keeper block, not its 128-byte header), and none for slab.
  assert.equal(a.memAllocated(), 1024);
  assert.equal(g.memAllocated(), 16384 - 128);
  assert.equal(s.memAllocated(), 0);
  assert.equal(spaceOf(s.alloc(40)), 48);
  assert.equal(s.memAllocated(), 8192);
  assert.throws(
    () => top.createChild({ type: "slab", name: "bad", chunkSize: 9000 }),
    (e) => e instanceof PgError && /too small/.test(e.message),
  );
  assert.throws(
    () => top.createChild({ type: "nope", name: "x" } as never),
    (e) => e instanceof PgError && e.sqlstate === "22023",
  );
});

Deno.test("run switches the current context and restores it, also on throw", () => {
  const top = Context.init();
  const work = top.child.aset("work");
  const inner = work.child.aset("inner");
  const p = work.run((ctx) => {
    assert.equal(ctx, work);
    assert.equal(Context.current, work);
    const q = inner.run(() => palloc(8));
    assert.equal(GetMemoryChunkContext(q), inner.memoryContext);
    assert.equal(Context.current, work);
    return palloc(16);
  });
  assert.equal(contextOf(p), work);
  assert.equal(CurrentMemoryContext, TopMemoryContext);
  const boom = new Error("boom");
  assert.throws(() =>
    work.run(() => {
      palloc(8);
      throw boom;
    }), (e) => e === boom);
  assert.equal(Context.current, top);
  assert.throws(() => inner.run(() => palloc(-1)), PgError);
  assert.equal(Context.current, top);
});

Deno.test("switchTo returns the previous context", () => {
  const top = Context.init();
  const work = top.child.aset("work");
  const old = work.switchTo();
  assert.equal(old, top);
  assert.equal(Context.current, work);
  old.switchTo();
  assert.equal(Context.current, top);
});

Deno.test("using deletes the context at the end of the block", () => {
  const top = Context.init();
  const held = heap.held;
  let seen: Context;
  {
    using scratch = top.child.generation("scratch"); // (a deleted AllocSet may be kept for reuse)
    scratch.alloc(50000);
    seen = scratch;
    assert.ok(heap.held > held);
  }
  assert.equal(seen.alive, false);
  assert.equal(heap.held, held);
  assert.deepEqual(top.children.map((c) => c.name), ["ErrorContext"]);
});

Deno.test("dispose is a no-op for a context already gone", () => {
  const top = Context.init();
  const parent = top.child.aset("parent");
  const kid = parent.child.generation("kid");
  parent.delete();
  assert.equal(kid.alive, false);
  kid[Symbol.dispose]();
  parent[Symbol.dispose]();
  assert.deepEqual(top.children.map((c) => c.name), ["ErrorContext"]);
});

Deno.test("a deleted context is a dead handle that raises PgError", () => {
  const top = Context.init();
  const a = top.child.aset("a");
  a.delete();
  assert.equal(a.alive, false);
  assert.throws(
    () => a.alloc(8),
    (e) => e instanceof PgError && /not a live context/.test(e.message),
  );
  assert.throws(() => a.reset(), PgError);
  assert.throws(() => a.stats(), PgError);
  // A recycled AllocSet comes back as a new object: the dead handle stays dead.
  const b = top.child.aset("b");
  assert.notEqual(b, a);
  assert.equal(b.memoryContext.header, a.memoryContext.header);
  assert.equal(a.alive, false);
  // Starting over kills every handle of the old heap.
  Context.init();
  assert.equal(b.alive, false);
});

Deno.test("onReset takes a function; callbacks run newest first and can be withdrawn", () => {
  const top = Context.init();
  const work = top.child.aset("work");
  const order: string[] = [];
  work.onReset(() => order.push("first"));
  const cancel = work.onReset(() => order.push("withdrawn"));
  work.onReset(() => order.push("third"));
  cancel();
  cancel(); // twice is fine
  work.reset();
  assert.deepEqual(order, ["third", "first"]);
  work.reset(); // callbacks run once
  assert.deepEqual(order, ["third", "first"]);
  const late = work.onReset(() => order.push("on delete"));
  work.delete();
  late(); // after it ran: nothing to withdraw
  assert.deepEqual(order, ["third", "first", "on delete"]);
});

Deno.test("reset, resetOnly, resetChildren and deleteChildren do what their names say", () => {
  const top = Context.init();
  const a = top.child.aset("a");
  const kid = a.child.aset("kid");
  kid.alloc(100);
  a.alloc(100);
  a.resetOnly();
  assert.equal(kid.alive, true);
  assert.equal(kid.isEmpty, false);
  a.resetChildren();
  assert.equal(kid.isEmpty, true);
  a.deleteChildren();
  assert.equal(kid.alive, false);
  const kid2 = a.child.bump("kid2");
  a.alloc(10);
  a.reset();
  assert.equal(kid2.alive, false);
  assert.equal(a.isEmpty, true);
});

Deno.test("setParent and setIdentifier", () => {
  const top = Context.init();
  const a = top.child.aset("a");
  const b = top.child.aset("b");
  b.setParent(a);
  assert.equal(b.parent, a);
  assert.throws(() => a.setParent(b), PgError);
  b.setIdentifier("SELECT 1");
  assert.equal(b.ident, "SELECT 1");
  assert.match(top.statsText(), /^ {4}b: .*: SELECT 1$/m);
  b.setIdentifier(null);
  assert.equal(b.ident, null);
});

Deno.test("free, realloc, contextOf and spaceOf call pfree, repalloc and friends", () => {
  const top = Context.init();
  const g = top.child.generation("g");
  let p = g.alloc(100);
  assert.equal(spaceOf(p), 112);
  heap.u8.fill(7, p, p + 100);
  p = realloc(p, 5000);
  assert.equal(heap.u8[p + 99], 7);
  assert.equal(contextOf(p), g);
  free(p);
  assert.equal(g.isEmpty, true);
  const b = top.child.bump("b");
  assert.throws(() => free(b.alloc(8)), PgError); // Bump chunks cannot be freed
});

Deno.test("allocAligned aligns and frees like any chunk", () => {
  const top = Context.init();
  const a = top.child.aset("a");
  const p = a.allocAligned(100, 256, true);
  assert.equal(p % 256, 0);
  assert.ok(heap.u8.subarray(p, p + 100).every((x) => x === 0));
  assert.equal(contextOf(p), a);
  free(p); // the underlying chunk goes on a freelist
  assert.equal(a.counters().freechunks, 1);
});

Deno.test("stats() is the data behind statsText()", () => {
  const top = Context.init();
  const q = top.child.aset("ExecutorState");
  const e = q.child.aset("ExprContext", { sizes: "small" });
  q.alloc(1200);
  for (let i = 0; i < 20; i++) e.alloc(48);
  const s = top.stats();
  assert.deepEqual(s.children.map((c) => [c.name, c.level, c.type]), [
    ["ExecutorState", 2, "AllocSet"],
    ["ErrorContext", 2, "AllocSet"],
  ]);
  const ec = s.children[0].children[0];
  assert.equal(ec.name, "ExprContext");
  assert.equal(ec.level, 3);
  const line =
    `ExprContext: ${ec.totalBytes} total in ${ec.nblocks} blocks; ${ec.freeBytes} free (${ec.freeChunks} chunks); ${ec.usedBytes} used`;
  const lines = MemoryContextStatsLines(TopMemoryContext, 100, 100);
  assert.equal(lines[2], "    " + line);
  assert.equal(top.statsText(), lines.join("\n"));
  assert.equal(ec.memAllocated, e.memAllocated(false));
  assert.deepEqual(
    top.statsText({ logForm: true }).split("\n"),
    MemoryContextStatsLines(TopMemoryContext, 100, 100, true),
  );
  assert.deepEqual(
    top.statsText({ maxLevel: 1, maxChildren: 1 }).split("\n"),
    MemoryContextStatsLines(TopMemoryContext, 1, 1),
  );
});
