/**
 * The typed-view and chunk helpers of the TypeScript face refuse bad
 * pointers like the PostgreSQL-named calls they sit on, with a PgError and
 * nothing changed. What each checks (see docs/safety.md):
 *
 * - `bytes`, `dataView`, `view`: NULL, negative, fractional, NaN or infinite
 *   pointers and lengths, a range reaching outside the heap and (for `view`)
 *   a pointer not aligned to the element size. They are also bounded by
 *   their chunk (`spec/reliability/view_bounds_test.ts`): a window inside a
 *   chunk names the chunk, a Bump chunk may be viewed; a view made before
 *   its chunk is freed is not seen — use a checked view for that.
 * - `checkedView` without a context: everything `GetMemoryChunkContext`
 *   refuses (the middle of a chunk, a freed chunk, a chunk of a reset or
 *   deleted context, a Bump chunk), and afterwards any use once its context
 *   was reset or deleted (`StaleViewError`).
 * - `free`, `realloc`, `contextOf`, `spaceOf`: exactly what `pfree`,
 *   `repalloc`, `GetMemoryChunkContext` and `GetMemoryChunkSpace` refuse.
 */
import assert from "node:assert/strict";
import {
  bytes,
  checkedView,
  contextOf,
  dataView,
  free,
  realloc,
  spaceOf,
  StaleViewError,
  view,
} from "../../src/api/mod.ts";
import { heap } from "../../src/mcxt/context.ts";
import {
  MemoryContextDelete,
  MemoryContextReset,
  pfree,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import {
  allocFor,
  assertRefused,
  assertWorldIntact,
  counters,
  KINDS,
  makeContext,
  makeWorld,
  type World,
} from "./world.ts";
import { snapshot } from "../helpers.ts";

/** Each helper applied to a pointer, with what it refuses it with. */
const HELPERS: Array<[string, (p: number) => unknown]> = [
  ["bytes", (p) => bytes(p, 16)],
  ["dataView", (p) => dataView(p, 16)],
  ["view", (p) => view(Float64Array, p, 2)],
  ["checkedView", (p) => checkedView(Float64Array, p, 2)],
  ["free", (p) => free(p)],
  ["realloc", (p) => realloc(p, 64)],
  ["contextOf", (p) => contextOf(p)],
  ["spaceOf", (p) => spaceOf(p)],
];
/** The helpers that take a chunk pointer (not a view of arbitrary heap bytes). */
const CHUNK_HELPERS = HELPERS.filter(([name]) => !["bytes", "dataView", "view"].includes(name));

const BAD_SHAPE = /invalid pointer|outside the heap|not aligned/;
const NOT_A_CHUNK =
  /invalid pointer|not a live chunk|could not find block|freed chunk|not supported/;

function refusedBy(world: World, helpers: typeof HELPERS, p: number, why: RegExp): void {
  for (const [name, helper] of helpers) {
    try {
      assertRefused(() => helper(p), why);
    } catch (e) {
      throw new Error(`${name}(${p}): ${(e as Error).message}`);
    }
    assertWorldIntact(world);
  }
}

for (const checking of [false, true]) {
  const mode = checking ? "checking mode" : "always-on checks";

  Deno.test(`${mode}: every view and chunk helper refuses NULL and pointers outside the heap`, () => {
    const world = makeWorld(checking);
    const end = heap.byteLength;
    for (const bad of [0, -8, end, end + 64, 2 ** 40, 1.5, NaN, Infinity, -Infinity]) {
      refusedBy(world, HELPERS, bad, BAD_SHAPE);
    }
    // A range that starts inside the heap but runs past its end.
    assertRefused(() => bytes(end - 8, 16), /outside the heap/);
    assertRefused(() => dataView(end - 8, 16), /outside the heap/);
    assertRefused(() => view(Float64Array, end - 8, 2), /outside the heap/);
    // Lengths and counts that are no lengths.
    const p = world.chunks[0].p;
    for (const n of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      assertRefused(() => bytes(p, n), /invalid length|outside the heap/);
      assertRefused(() => dataView(p, n), /invalid length|outside the heap/);
      assertRefused(() => view(Float64Array, p, n), /invalid count|outside the heap/);
      assertRefused(() => checkedView(Float64Array, p, n), /invalid count|outside the heap/);
    }
    assertWorldIntact(world);
  });

  for (const kind of KINDS) {
    Deno.test(`${mode}, ${kind}: a misaligned pointer is refused by view and the chunk helpers`, () => {
      const world = makeWorld(checking);
      const { p } = allocFor(kind, world.ctx[kind]);
      for (const off of [1, 4, 12]) {
        refusedBy(world, CHUNK_HELPERS, p + off, /invalid pointer|not aligned/);
        assertRefused(() => view(Float64Array, p + off, 1), /not aligned to 8 bytes/);
        assertRefused(() => view(Int32Array, p + 2, 1), /not aligned to 4 bytes/);
        // A checked view given its context still checks the element alignment.
        assertRefused(() => checkedView(Float64Array, p + off, 1, world.ctx[kind]), /not aligned/);
      }
      assertWorldIntact(world);
    });

    if (kind !== "bump") {
      Deno.test(`${mode}, ${kind}: the chunk helpers refuse the middle of a chunk`, () => {
        const world = makeWorld(checking);
        const { p } = allocFor(kind, world.ctx[kind]);
        for (const off of [8, 16, 24, 40]) refusedBy(world, CHUNK_HELPERS, p + off, NOT_A_CHUNK);
      });

      Deno.test(`${mode}, ${kind}: the chunk helpers refuse a freed chunk`, () => {
        const world = makeWorld(checking);
        const { p } = allocFor(kind, world.ctx[kind]);
        pfree(p);
        refusedBy(world, CHUNK_HELPERS, p, NOT_A_CHUNK);
      });
    }

    Deno.test(`${mode}, ${kind}: the chunk helpers refuse chunks of reset and deleted contexts`, () => {
      const world = makeWorld(checking);
      for (const end of [MemoryContextReset, MemoryContextDelete]) {
        const ctx = makeContext(kind, TopMemoryContext, "victim");
        const stale = [allocFor(kind, ctx).p, allocFor(kind, ctx).p];
        end(ctx);
        for (const p of stale) refusedBy(world, CHUNK_HELPERS, p, NOT_A_CHUNK);
      }
    });

    Deno.test(`${mode}, ${kind}: a checked view made before a reset or delete goes stale`, () => {
      const world = makeWorld(checking);
      for (const end of [MemoryContextReset, MemoryContextDelete]) {
        const ctx = makeContext(kind, TopMemoryContext, "victim");
        const { p } = allocFor(kind, ctx);
        const v = checkedView(Float64Array, p, 4, ctx);
        v.set(3, 2.5);
        end(ctx);
        const before = `${snapshot()}\n${counters()}`;
        for (const use of [() => v.get(3), () => v.set(3, 1), () => v.array(), () => v.copy()]) {
          assert.throws(use, StaleViewError);
        }
        assert.equal(`${snapshot()}\n${counters()}`, before);
      }
      assertWorldIntact(world);
    });
  }

  Deno.test(`${mode}: the chunk helpers refuse a Bump chunk with Bump's messages`, () => {
    const world = makeWorld(checking);
    const p = allocFor("bump", world.ctx.bump).p;
    assertRefused(() => free(p), "pfree is not supported by the bump memory allocator");
    assertRefused(() => realloc(p, 8), "realloc is not supported by the bump memory allocator");
    const ctxMessage = "GetMemoryChunkContext is not supported by the bump memory allocator";
    assertRefused(() => contextOf(p), ctxMessage);
    assertRefused(() => checkedView(Uint8Array, p, 8), ctxMessage);
    assertRefused(
      () => spaceOf(p),
      "GetMemoryChunkSpace is not supported by the bump memory allocator",
    );
    // Plain views are windows onto heap bytes: a Bump chunk may be viewed, and a
    // checked view of it works once it is told the context.
    assert.equal(view(Float64Array, p, 2).byteOffset, p);
    checkedView(Uint8Array, p, 8, world.ctx.bump).set(0, 1);
    assertWorldIntact(world);
  });
}
