/**
 * One hidden class for every context type: the four types' objects share
 * `MemoryContext.prototype` and one V8 map (what keeps mcxt's property loads
 * monomorphic), while `instanceof` still tells the types apart.
 */
import assert from "node:assert/strict";
import {
  ALLOCSET_DEFAULT_SIZES,
  AllocSetContext,
  AllocSetContextCreate,
  BumpContext,
  BumpContextCreate,
  GenerationContext,
  GenerationContextCreate,
  GetMemoryChunkContext,
  MemoryContext,
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextInit,
  SlabContext,
  SlabContextCreate,
  TopMemoryContext,
} from "../mod.ts";
import { mcxtMethods } from "../src/mcxt/context.ts";

function makeAll(): MemoryContext[] {
  const t = TopMemoryContext;
  return [
    AllocSetContextCreate(t, "a", ...ALLOCSET_DEFAULT_SIZES),
    GenerationContextCreate(t, "g", 0, 8192, 8 << 20),
    SlabContextCreate(t, "s", 8192, 104),
    BumpContextCreate(t, "b", 0, 8192, 8 << 20),
  ];
}

Deno.test("instanceof tells the four context types apart, live or deleted", () => {
  MemoryContextInit();
  const classes = [AllocSetContext, GenerationContext, SlabContext, BumpContext];
  const all = makeAll();
  for (const deleted of [false, true]) {
    for (let i = 0; i < all.length; i++) {
      assert.ok(all[i] instanceof MemoryContext);
      for (let k = 0; k < classes.length; k++) {
        assert.equal(
          all[i] instanceof classes[k],
          i === k,
          `${all[i].typeName} vs ${classes[k].name}`,
        );
      }
    }
    if (!deleted) { for (const c of all) MemoryContextDelete(c); }
  }
  assert.ok(TopMemoryContext instanceof AllocSetContext);
  for (const k of classes) {
    assert.equal({ methodId: all[0].methodId } instanceof k, false);
    for (const v of [null, 7, "AllocSetContext"] as unknown[]) assert.equal(v instanceof k, false);
  }
});

Deno.test("every context type has the same prototype and the same fields in the same order", () => {
  MemoryContextInit();
  const all = makeAll();
  for (const c of all) for (let i = 0; i < 50; i++) MemoryContextAlloc(c, 104);
  const keys = Object.keys(all[0]).join(",");
  for (const c of all) {
    assert.equal(Object.getPrototypeOf(c), MemoryContext.prototype, c.typeName);
    assert.equal(Object.keys(c).join(","), keys, c.typeName);
  }
});

Deno.test("V8 gives the four context types one map (%HaveSameMap)", async () => {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const code = `
    const m = await import(${JSON.stringify(mod)});
    m.MemoryContextInit();
    const t = m.TopMemoryContext;
    const all = [
      m.AllocSetContextCreate(t, "a", ...m.ALLOCSET_DEFAULT_SIZES),
      m.GenerationContextCreate(t, "g", 0, 8192, 8 << 20),
      m.SlabContextCreate(t, "s", 8192, 104),
      m.BumpContextCreate(t, "b", 0, 8192, 8 << 20),
    ];
    for (const c of all) for (let i = 0; i < 50; i++) m.MemoryContextAlloc(c, 104);
    const same = (x, y) => eval("%HaveSameMap(x, y)");
    console.log(JSON.stringify(all.map((c) => same(all[0], c))));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--allow-natives-syntax", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(text, "[true,true,true,true]");
});

Deno.test("each context's method table and its alloc field are those of its method id", () => {
  MemoryContextInit();
  const all = [TopMemoryContext, ...makeAll()];
  for (const c of all) {
    assert.equal(c.methods, mcxtMethods[c.methodId], c.typeName);
    assert.equal(c.allocMethod, c.methods.alloc, c.typeName);
  }
  // The alloc field is the one MemoryContextAlloc calls: the chunk is the type's own.
  const p = MemoryContextAlloc(all[3], 104);
  assert.equal(GetMemoryChunkContext(p), all[3]);
});
