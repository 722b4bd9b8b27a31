import assert from "node:assert/strict";
import { heap } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import {
  MemoryContextDelete,
  MemoryContextReset,
  MemoryContextResetOnly,
} from "../../src/mcxt/mod.ts";
import { CheckedView, checkedView, Context, StaleViewError, view } from "../../src/api/mod.ts";

function assertStale(fn: () => unknown, why: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof StaleViewError, `expected StaleViewError, got ${e}`);
    assert.ok(e instanceof PgError);
    assert.equal(e.sqlstate, "55000");
    assert.match(e.message, why);
    return true;
  });
}

Deno.test("a checked view reads and writes like the typed array it wraps", () => {
  const top = Context.init();
  const p = top.alloc(8 * 4);
  const v = checkedView(Float64Array, p, 4);
  v.set(2, 6.25);
  assert.equal(v.get(2), 6.25);
  assert.equal(view(Float64Array, p, 4)[2], 6.25);
  assert.equal(v.context, top);
  assert.equal(v.pointer, p);
  assert.equal(v.length, 4);
  assert.equal(v.array()[2], 6.25);
  const copy = v.copy();
  v.set(2, 1);
  assert.equal(copy[2], 6.25, "copy() is independent of the heap");
  const big = checkedView(BigUint64Array, top.alloc(16), 2);
  big.set(1, 2n ** 63n);
  assert.equal(big.get(1), 2n ** 63n);
});

Deno.test("out-of-range indexes are refused, not read as undefined", () => {
  const top = Context.init();
  const v = checkedView(Int32Array, top.alloc(16), 4);
  for (const bad of [-1, 4, 1.5, NaN]) {
    assert.throws(
      () => v.get(bad),
      (e) => e instanceof PgError && /outside 0\.\.3/.test(e.message),
    );
    assert.throws(() => v.set(bad, 1), PgError);
  }
});

Deno.test("reset makes every earlier view stale; a new view of the new epoch works", () => {
  const top = Context.init();
  const work = top.child.aset("work");
  const p = work.alloc(64);
  const a = checkedView(Uint8Array, p, 64);
  const b = checkedView(Float64Array, p, 8);
  a.set(0, 1);
  work.reset();
  assert.equal(a.valid, false);
  assert.equal(b.valid, false);
  assertStale(() => a.get(0), /context "work" was reset/);
  assertStale(() => b.set(0, 1), /was reset/);
  assertStale(() => b.array(), /was reset/);
  // The memory now belongs to someone else: a new chunk lands in the same place.
  const q = work.alloc(64);
  assert.equal(q, p);
  const c = checkedView(Uint8Array, q, 64);
  c.set(0, 2);
  assert.equal(c.get(0), 2);
  assertStale(() => a.get(0), /was reset/);
  MemoryContextResetOnly(work.memoryContext); // through the PostgreSQL face too
  assertStale(() => c.get(0), /was reset/);
});

Deno.test("delete, a parent's reset or delete, and starting over make views stale", () => {
  const top = Context.init();
  const parent = top.child.aset("parent");
  const kid = parent.child.generation("kid");
  const k = checkedView(Int32Array, kid.alloc(16), 4);
  const pv = checkedView(Int32Array, parent.alloc(16), 4);
  MemoryContextReset(parent.memoryContext); // deletes kid, resets parent
  assertStale(() => k.get(0), /context "kid" was deleted/);
  assertStale(() => pv.get(0), /context "parent" was reset/);
  const again = checkedView(Int32Array, parent.alloc(16), 4);
  MemoryContextDelete(parent.memoryContext);
  assertStale(() => again.get(0), /context "parent" was deleted/);
  const t = checkedView(Int32Array, top.alloc(16), 4);
  Context.init();
  assertStale(() => t.get(0), /heap was started over/);
});

Deno.test("resetChildren and deleteChildren reach views of the descendants only", () => {
  const top = Context.init();
  const a = top.child.aset("a");
  const b = a.child.slab("b", { chunkSize: 32 });
  const av = checkedView(Uint32Array, a.alloc(32), 8);
  const bv = checkedView(Uint32Array, b.alloc(32), 8);
  a.resetChildren();
  assert.equal(av.valid, true);
  assert.equal(bv.valid, false);
  const bv2 = checkedView(Uint32Array, b.alloc(32), 8);
  a.deleteChildren();
  assert.equal(av.valid, true);
  assertStale(() => bv2.get(0), /"b" was deleted/);
});

Deno.test("Bump chunks need the context passed explicitly", () => {
  const top = Context.init();
  const bump = top.child.bump("bump");
  const p = bump.alloc(40);
  assert.throws(() => checkedView(Uint8Array, p, 40), PgError); // no chunk header to read
  const v = checkedView(Uint8Array, p, 40, bump);
  const w = new CheckedView(Uint8Array, p, 40, bump.memoryContext);
  v.set(39, 1);
  assert.equal(w.get(39), 1);
  bump.reset();
  assert.equal(v.valid || w.valid, false);
});

Deno.test("checked views register one callback per epoch and leave user callbacks alone", () => {
  const top = Context.init();
  const work = top.child.aset("work");
  const order: string[] = [];
  work.onReset(() => order.push("user before"));
  const p = work.alloc(8);
  for (let i = 0; i < 100; i++) checkedView(Uint8Array, p, 8);
  let n = 0;
  for (let cb = work.memoryContext.resetCbs; cb !== null; cb = cb.next ?? null) n++;
  assert.equal(n, 2, "one callback for all the views of this epoch, one of the user's");
  work.onReset(() => order.push("user after"));
  work.reset();
  assert.deepEqual(order, ["user after", "user before"]);
  assert.equal(work.memoryContext.resetCbs, null);
});

Deno.test("a checked view outlives growth even where plain views are detached", () => {
  const memory = new WebAssembly.Memory({ initial: 1 }); // no maximum: growth replaces the buffer
  const top = Context.init({ memory });
  const v = checkedView(Float64Array, top.alloc(80), 10);
  v.set(9, 1.25);
  const plain = v.array();
  while (heap.byteLength < 4 << 20) top.alloc(1 << 20);
  assert.equal(plain.length, 0, "the array handed out earlier is detached");
  assert.equal(v.get(9), 1.25);
  assert.equal(v.array().length, 10);
});
