import assert from "node:assert/strict";
import {
  AbortTransaction,
  BackendStart,
  BeginMessage,
  CacheMemoryContext,
  CommitTransaction,
  CreatePortal,
  CurTransactionContext,
  DropPortal,
  IsTransactionInProgress,
  MessageContext,
  OpenPortals,
  PostmasterContext,
  PostmasterStart,
  StartTransaction,
  TopPortalContext,
  TopTransactionContext,
  TransactionAbortContext,
} from "../src/standard.ts";
import { PG_TRY, ProcessMessage } from "../src/postgres.ts";
import { ALLOCSET_DEFAULT_SIZES, AllocSetContextCreate } from "../src/aset/mod.ts";
import {
  CurrentMemoryContext,
  CurrentMemoryHeap,
  ErrorContext,
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextIsEmpty,
  MemoryContextSwitchTo,
  type MemoryHeap,
  MemoryHeapSwitchTo,
  palloc,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { heap, type MemoryContext } from "../src/mcxt/context.ts";
import { PgError } from "../src/elog.ts";
import { assertFilled, assertStat, fill, tree } from "./helpers.ts";

function backend(): void {
  PostmasterStart();
  BackendStart();
}

Deno.test("PostmasterContext lives until the backend has authenticated, then is deleted", () => {
  PostmasterStart();
  const pm = PostmasterContext as MemoryContext;
  assert.equal(pm.name, "Postmaster");
  assert.equal(CurrentMemoryContext, pm);
  let seen = 0;
  BackendStart((postmaster) => {
    const hba = MemoryContextAlloc(postmaster, 300);
    fill(hba, 300, 5);
    assertFilled(hba, 300, 5);
    seen++;
  });
  assert.equal(seen, 1);
  assert.equal(PostmasterContext, null);
  assert.equal(pm.id, 0, "deleted");
  assert.doesNotMatch(tree(), /Postmaster/);
});

Deno.test("TopMemoryContext is never deleted and stays the root", () => {
  backend();
  assert.throws(() => MemoryContextDelete(TopMemoryContext), PgError);
  assert.equal(TopMemoryContext.parent, null);
});

Deno.test("CacheMemoryContext survives messages, transactions and errors", () => {
  backend();
  const entry = MemoryContextAlloc(CacheMemoryContext, 500);
  fill(entry, 500, 11);
  ProcessMessage(() => palloc(100));
  ProcessMessage(() => {
    throw new PgError("22012", "division by zero");
  });
  assertFilled(entry, 500, 11);
  assert.equal(CacheMemoryContext.id !== 0, true);
});

Deno.test("MessageContext is reset at each new message", () => {
  backend();
  BeginMessage();
  MemoryContextAlloc(MessageContext, 5000);
  MemoryContextAlloc(MessageContext, 50000);
  assert.equal(MemoryContextIsEmpty(MessageContext), false);
  BeginMessage();
  assert.equal(MemoryContextIsEmpty(MessageContext), true);
  assertStat(MessageContext, "1 0 8192 7952 8192");
  assert.equal(CurrentMemoryContext, MessageContext);
});

Deno.test("TopTransactionContext is reset at commit and at abort; CurTransactionContext is it at top level", () => {
  backend();
  StartTransaction();
  assert.equal(CurTransactionContext, TopTransactionContext);
  assert.equal(CurrentMemoryContext, TopTransactionContext);
  palloc(20000);
  AllocSetContextCreate(TopTransactionContext, "sub", ...ALLOCSET_DEFAULT_SIZES);
  CommitTransaction();
  assert.equal(TopTransactionContext.firstchild, null);
  assertStat(TopTransactionContext, "1 0 8192 7952 8192");
  StartTransaction();
  palloc(30000);
  AbortTransaction();
  assertStat(TopTransactionContext, "1 0 8192 7952 8192");
  assertStat(TransactionAbortContext, "1 0 32768 32528 32768");
});

Deno.test("a portal's context is deleted with the portal, and with its transaction", () => {
  backend();
  StartTransaction();
  const p = CreatePortal("c1");
  assert.equal(p.context.parent, TopPortalContext);
  assert.equal(p.context.ident, "c1");
  const est = AllocSetContextCreate(p.context, "ExecutorState", ...ALLOCSET_DEFAULT_SIZES);
  DropPortal(p);
  assert.equal(est.id, 0);
  const q = CreatePortal("");
  assert.equal(q.context.ident, "<unnamed>");
  CommitTransaction();
  assert.equal(q.context.id, 0);
  assert.equal(TopPortalContext.firstchild, null);
});

Deno.test("out of memory mid-query is recovered: reserve whole again, nothing leaked", () => {
  PostmasterStart({ maxBytes: 256 * 1024 * 1024 });
  BackendStart();
  const query = (rows: number) => () => {
    const portal = CreatePortal("");
    const estate = AllocSetContextCreate(
      portal.context,
      "ExecutorState",
      ...ALLOCSET_DEFAULT_SIZES,
    );
    MemoryContextSwitchTo(estate);
    for (let i = 0; i < rows; i++) palloc(1000);
    return rows;
  };
  assert.equal(ProcessMessage(query(100)).ok, true); // warms the context freelists
  BeginMessage();
  const held = heap.held;
  heap.limit = heap.held + 1024 * 1024;
  const r = ProcessMessage(query(10_000_000));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.sqlstate, "53200");
    assert.equal(r.error.message, "out of memory");
    assert.match(r.error.detail ?? "", /in memory context "ExecutorState"/);
  }
  assertStat(ErrorContext, "1 0 8192 7952 8192");
  BeginMessage();
  assert.equal(heap.held, held, tree());
  assert.equal(TopPortalContext.firstchild, null);
  heap.limit = Infinity;
  const next = ProcessMessage(query(10));
  assert.deepEqual(next, { ok: true, value: 10 });
});

Deno.test("ErrorContext's reserve still allocates when the heap is exhausted", () => {
  backend();
  heap.limit = heap.held; // not one more byte from the heap
  assert.throws(
    () => MemoryContextAlloc(TopMemoryContext, 10000),
    (e) => e instanceof PgError && e.isOutOfMemory,
  );
  assert.throws(() => MemoryContextAlloc(CacheMemoryContext, 100000), PgError);
  for (let i = 0; i < 7; i++) MemoryContextAlloc(ErrorContext, 1000);
  const r = ProcessMessage(() => MemoryContextAlloc(CacheMemoryContext, 100000));
  assert.equal(r.ok, false);
  assertStat(ErrorContext, "1 0 8192 7952 8192");
});

Deno.test("PG_TRY restores the current context and hands over a PgError", () => {
  backend();
  const before = CurrentMemoryContext;
  const msg = PG_TRY(() => {
    MemoryContextSwitchTo(CacheMemoryContext);
    throw new Error("boom");
  }, (e) => `${e.sqlstate} ${e.message}`);
  assert.equal(msg, "XX000 boom");
  assert.equal(CurrentMemoryContext, before);
});

/** name → {type, level, parent} rows of a PG 18 pg_backend_memory_contexts CSV. */
function readReference(file: string): Map<string, { type: string; level: number; parent: string }> {
  const rows = Deno.readTextFileSync(file).trim().split("\n").slice(1);
  const byId: string[] = [];
  const out = new Map<string, { type: string; level: number; parent: string }>();
  for (const row of rows) {
    const m = /^([^,]*),([^,]*),([^,]*),(\d+),"?\{([\d,]+)\}"?/.exec(row);
    if (!m) continue;
    const path = m[5].split(",").map(Number);
    byId[path[path.length - 1]] = m[1];
    const parent = path.length > 1 ? byId[path[path.length - 2]] : "";
    if (!out.has(m[1])) out.set(m[1], { type: m[3], level: Number(m[4]), parent });
  }
  return out;
}

Deno.test("the standard contexts match a real PostgreSQL 18 backend's names, types, levels and parents", () => {
  const ref = readReference(
    new URL("../../shared/reference/pg18/01-idle.csv", import.meta.url).pathname,
  );
  backend();
  StartTransaction();
  CreatePortal("");
  const mine = new Map<string, { type: string; level: number; parent: string }>();
  const walk = (c: MemoryContext, level: number) => {
    mine.set(c.name, {
      type: c.typeName.replace("Context", ""),
      level,
      parent: c.parent?.name ?? "",
    });
    for (let k = c.firstchild; k !== null; k = k.nextchild) walk(k, level + 1);
  };
  walk(TopMemoryContext, 1);
  const standard = [
    "TopMemoryContext",
    "ErrorContext",
    "CacheMemoryContext",
    "MessageContext",
    "TopTransactionContext",
    "TransactionAbortContext",
    "TopPortalContext",
    "PortalContext",
  ];
  for (const name of standard) {
    assert.deepEqual(mine.get(name), ref.get(name), name);
  }
  // Siblings in the same relative order (newest first) as the real backend.
  const order = (names: string[]) => names.filter((n) => standard.includes(n));
  const refTop = [...ref.entries()].filter(([, v]) => v.parent === "TopMemoryContext").map(([k]) =>
    k
  );
  const myTop: string[] = [];
  for (let k = TopMemoryContext.firstchild; k !== null; k = k.nextchild) myTop.push(k.name);
  assert.deepEqual(order(myTop), order(refTop));
});

Deno.test("the backend's contexts and portals belong to their heap and switch with it", () => {
  PostmasterStart();
  const a = CurrentMemoryHeap as MemoryHeap;
  BackendStart();
  StartTransaction();
  const portal = CreatePortal("c1");
  const cacheA = CacheMemoryContext;
  const b = MemoryContextInit(); // a heap of its own: no backend in it yet
  assert.ok(CacheMemoryContext === undefined, "CacheMemoryContext of the other heap");
  assert.ok(TopTransactionContext === undefined, "TopTransactionContext of the other heap");
  assert.ok(TopPortalContext === undefined, "TopPortalContext of the other heap");
  assert.equal(IsTransactionInProgress(), false);
  assert.equal(OpenPortals().length, 0);
  MemoryHeapSwitchTo(a); // back: a's backend, mid-transaction, with its portal
  assert.ok(CacheMemoryContext === cacheA);
  assert.ok((TopTransactionContext as MemoryContext).parent === TopMemoryContext);
  assert.equal(IsTransactionInProgress(), true);
  assert.ok(OpenPortals().length === 1 && OpenPortals()[0] === portal);
  CommitTransaction();
  assert.equal(portal.context.id, 0);
  MemoryHeapSwitchTo(b);
  assert.ok(CacheMemoryContext === undefined, "CacheMemoryContext of the other heap");
});
