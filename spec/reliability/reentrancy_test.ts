// Issue 17, items 2-4: what a reset/delete callback may and may not do, throwing callbacks,
// creates under dead parents, MemoryContextInit inside a callback, a Symbol as a size.
import assert from "node:assert/strict";
import {
  GetMemoryChunkContext,
  MemoryContextAlloc,
  MemoryContextCheck,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextReentryError,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextSetParent,
  palloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import type { MemoryContext } from "../../src/mcxt/context.ts";
import { heap } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import { Context } from "../../src/api/context.ts";

const aset = (parent: MemoryContext, name: string) =>
  AllocSetContextCreate(parent, name, 0, 8192, 8 << 20);

function on(ctx: MemoryContext, func: () => void): void {
  MemoryContextRegisterResetCallback(ctx, { func, arg: null });
}

/** Runs `f`, returning what it threw (or null). */
function caught(f: () => void): unknown {
  try {
    f();
    return null;
  } catch (e) {
    return e;
  }
}

for (const checking of [false, true]) {
  const mode = `(checking ${checking})`;

  Deno.test(`a delete callback deleting its own context is refused, deleted once ${mode}`, () => {
    MemoryContextInit({ checking });
    const a = aset(TopMemoryContext, "a");
    let inner: unknown = null;
    on(a, () => inner = caught(() => MemoryContextDelete(a)));
    MemoryContextDelete(a);
    assert.ok(inner instanceof MemoryContextReentryError, String(inner));
    // Before the fix the header went to the context freelist twice: the next two creates
    // shared it and a chunk of one named the other as its owner.
    const x = aset(TopMemoryContext, "x");
    const y = aset(TopMemoryContext, "y");
    assert.notEqual(x.header, y.header);
    assert.equal(GetMemoryChunkContext(MemoryContextAlloc(x, 16)), x);
    assert.equal(GetMemoryChunkContext(MemoryContextAlloc(y, 16)), y);
    MemoryContextCheck(TopMemoryContext);
  });

  Deno.test(`a reset callback resetting or deleting an ancestor is refused ${mode}`, () => {
    MemoryContextInit({ checking });
    const p = aset(TopMemoryContext, "p");
    const c = aset(p, "c");
    const errors: unknown[] = [];
    on(c, () => {
      errors.push(caught(() => MemoryContextReset(p)));
      errors.push(caught(() => MemoryContextDelete(p)));
      errors.push(caught(() => MemoryContextReset(c)));
      errors.push(caught(() => MemoryContextSetParent(c, TopMemoryContext)));
      errors.push(caught(() => aset(c, "orphan"))); // c is being deleted
    });
    MemoryContextReset(p); // deletes c
    assert.equal(errors.length, 5);
    for (const e of errors) assert.ok(e instanceof MemoryContextReentryError, String(e));
    assert.equal(p.firstchild, null);
    assert.equal(MemoryContextMemAllocated(p, true), 8192);
    MemoryContextCheck(TopMemoryContext);
  });

  Deno.test(`what a callback may do: allocate elsewhere, register, delete others ${mode}`, () => {
    MemoryContextInit({ checking });
    const a = aset(TopMemoryContext, "a");
    const other = aset(TopMemoryContext, "other");
    const victim = aset(TopMemoryContext, "victim");
    let ran = 0;
    on(a, () => {
      MemoryContextAlloc(other, 100);
      MemoryContextAlloc(a, 100); // freed by the reset that follows
      on(a, () => ran++); // runs in the same reset, as in PostgreSQL
      MemoryContextDelete(victim);
      aset(a, "kid"); // a is only reset: the child stays
    });
    MemoryContextReset(a);
    assert.equal(ran, 1);
    assert.equal(victim.id, 0);
    assert.equal(a.firstchild?.name, "kid");
    assert.ok(!MemoryContextIsEmpty(other));
    assert.ok(a.isReset, "the chunk allocated in the callback was freed by the reset");
    MemoryContextCheck(TopMemoryContext);
  });

  Deno.test(`a callback that throws runs once; the error ends the reset cleanly ${mode}`, () => {
    MemoryContextInit({ checking });
    const a = aset(TopMemoryContext, "a");
    MemoryContextAlloc(a, 20000);
    let calls = 0;
    let later = 0;
    on(a, () => later++); // registered first: runs after the thrower
    on(a, () => {
      calls++;
      throw new Error("boom");
    });
    assert.throws(() => MemoryContextReset(a), /boom/);
    assert.equal(calls, 1);
    assert.equal(later, 0, "the reset stopped at the error");
    MemoryContextCheck(TopMemoryContext);
    MemoryContextReset(a); // carries on: the thrower is gone, the other one runs
    MemoryContextReset(a);
    assert.equal(calls, 1, "a throwing callback never runs again");
    assert.equal(later, 1);
    assert.equal(MemoryContextMemAllocated(a, false), 8192);
    MemoryContextCheck(TopMemoryContext);
  });

  Deno.test(`MemoryContextResetChildren: a child's callback deleting that child ${mode}`, () => {
    MemoryContextInit({ checking });
    const p = aset(TopMemoryContext, "p");
    const kids = [aset(p, "k1"), aset(p, "k2"), aset(p, "k3")];
    for (const k of kids) MemoryContextAlloc(k, 100);
    let inner: unknown = null;
    on(kids[1], () => inner = caught(() => MemoryContextDelete(kids[1])));
    MemoryContextResetChildren(p); // before the fix: an uncaught TypeError, k1 not reset
    assert.ok(inner instanceof MemoryContextReentryError, String(inner));
    for (const k of kids) assert.ok(MemoryContextIsEmpty(k), `${k.name} reset`);
    MemoryContextCheck(TopMemoryContext);
  });

  Deno.test(`MemoryContextInit inside a reset callback is refused ${mode}`, () => {
    MemoryContextInit({ checking });
    const a = aset(TopMemoryContext, "a");
    MemoryContextAlloc(a, 100);
    const before = heap;
    let inner: unknown = null;
    on(a, () => inner = caught(() => MemoryContextInit()));
    MemoryContextReset(a);
    assert.ok(inner instanceof MemoryContextReentryError, String(inner));
    assert.equal(heap, before, "the heap was not replaced");
    assert.equal(a.id !== 0, true);
    assert.ok(MemoryContextIsEmpty(a));
    heap.check();
    MemoryContextCheck(TopMemoryContext);
  });

  Deno.test(`every create function refuses a dead parent, allocating nothing ${mode}`, () => {
    MemoryContextInit({ checking });
    const dead = aset(TopMemoryContext, "dead");
    MemoryContextDelete(dead);
    const held = heap.held;
    const creates: Array<() => unknown> = [
      () => AllocSetContextCreate(dead, "c", 0, 1024, 8192),
      () => aset(dead, "c"),
      () => GenerationContextCreate(dead, "c", 0, 8192, 8 << 20),
      () => SlabContextCreate(dead, "c", 8192, 64),
      () => BumpContextCreate(dead, "c", 0, 8192, 8 << 20),
    ];
    for (const create of creates) {
      const e = caught(create);
      assert.ok(e instanceof PgError && /not a live context/.test(e.message), String(e));
    }
    assert.equal(heap.held, held, "nothing allocated");
    const top = Context.init({ checking });
    const child = top.child.aset("child");
    child.delete();
    for (const t of ["aset", "generation", "bump"] as const) {
      assert.throws(() => child.child[t]("grandchild"), PgError);
    }
    assert.throws(() => child.child.slab("s", { chunkSize: 64 }), PgError);
    assert.throws(() => child.createChild({ type: "aset", name: "g" }), PgError);
  });
}

Deno.test("a Symbol as a size is a typed error, not a TypeError", () => {
  MemoryContextInit();
  const e = caught(() => palloc(Symbol("x") as unknown as number));
  assert.ok(e instanceof PgError, String(e));
  const e2 = caught(() => MemoryContextAlloc(TopMemoryContext, Symbol() as unknown as number));
  assert.ok(e2 instanceof PgError, String(e2));
});
