/**
 * Every bad pointer is refused by pfree, repalloc, GetMemoryChunkContext and
 * GetMemoryChunkSpace with a PgError, in every context type, with checking
 * mode off (the cheap always-on checks) and on (exact records): NULL, outside
 * the heap, not 8-aligned, the middle of a chunk, a freed chunk, a chunk of a
 * reset or deleted context, a bump chunk. Each refusal leaves the tree, every
 * counter (`assertRefused` of `world.ts`) and every other live chunk's bytes
 * exactly as they were. The typed-view helpers are in `views_test.ts`.
 */
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextDelete,
  MemoryContextReset,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { heap } from "../../src/mcxt/context.ts";
import { fill } from "../helpers.ts";
import {
  allocFor,
  assertRefused,
  assertWorldIntact,
  type Kind,
  KINDS,
  makeContext,
  makeWorld,
  type World,
} from "./world.ts";

const OPS: Array<[string, (p: number) => unknown]> = [
  ["pfree", (p) => pfree(p)],
  ["repalloc", (p) => repalloc(p, 64)],
  ["GetMemoryChunkContext", (p) => GetMemoryChunkContext(p)],
  ["GetMemoryChunkSpace", (p) => GetMemoryChunkSpace(p)],
];

/** Every chunk operation on `p` is refused (message matching `why`) and nothing changes. */
function refusedEverywhere(world: World, p: number, why: RegExp): void {
  for (const [, op] of OPS) {
    assertRefused(() => op(p), why);
    assertWorldIntact(world);
  }
}

const ANY = /invalid pointer|not a live chunk|could not find block|freed chunk|not supported/;

for (const checking of [false, true]) {
  const mode = checking ? "checking mode" : "always-on checks";

  Deno.test(`${mode}: NULL, outside the heap and misaligned pointers are refused`, () => {
    const world = makeWorld(checking);
    const p = world.chunks[0].p;
    for (const bad of [0, -8, 8, heap.byteLength, heap.byteLength + 64, 2 ** 40, p + 4, p + 1]) {
      refusedEverywhere(world, bad, /invalid pointer/);
    }
    for (const bad of [1.5, NaN, Infinity, -Infinity]) {
      refusedEverywhere(world, bad, /invalid pointer/);
    }
  });

  for (const kind of KINDS) {
    Deno.test(`${mode}, ${kind}: a pointer off the 8-byte grid is refused before any read`, () => {
      const world = makeWorld(checking);
      const { p } = allocFor(kind, world.ctx[kind]);
      fill(p, 48, 78);
      for (const off of [1, 2, 4, 7, 12, -4]) refusedEverywhere(world, p + off, /invalid pointer/);
    });

    Deno.test(`${mode}, ${kind}: a pointer into the middle of a chunk is refused`, () => {
      const world = makeWorld(checking);
      const { p } = allocFor(kind, world.ctx[kind]);
      fill(p, 48, 77);
      for (const off of [8, 16, 24, 40]) refusedEverywhere(world, p + off, ANY);
    });

    Deno.test(`${mode}, ${kind}: a chunk of a reset context is refused`, () => {
      const world = makeWorld(checking);
      const ctx = makeContext(kind, TopMemoryContext, "victim");
      const stale = [allocFor(kind, ctx).p, allocFor(kind, ctx).p, allocFor(kind, ctx).p];
      MemoryContextReset(ctx);
      for (const p of stale) refusedEverywhere(world, p, ANY);
    });

    Deno.test(`${mode}, ${kind}: a chunk of a deleted context is refused`, () => {
      const world = makeWorld(checking);
      const ctx = makeContext(kind, TopMemoryContext, "victim");
      const stale = [allocFor(kind, ctx).p, allocFor(kind, ctx).p, allocFor(kind, ctx).p];
      MemoryContextDelete(ctx);
      for (const p of stale) refusedEverywhere(world, p, ANY);
    });

    if (kind === "bump") continue;
    Deno.test(`${mode}, ${kind}: a freed chunk (double free, use after free) is refused`, () => {
      const world = makeWorld(checking);
      const ctx = world.ctx[kind];
      const a = allocFor(kind, ctx).p;
      const b = allocFor(kind, ctx).p;
      const keep = allocFor(kind, ctx);
      fill(keep.p, keep.n, 5);
      world.chunks.push({ p: keep.p, n: keep.n, seed: 5 });
      pfree(a);
      refusedEverywhere(world, a, ANY);
      pfree(b);
      refusedEverywhere(world, b, ANY);
      refusedEverywhere(world, a, ANY);
    });
  }

  Deno.test(`${mode}: bump chunks are refused with Bump's own messages`, () => {
    const world = makeWorld(checking);
    const p = world.chunks.find((c) => GetMemoryChunkKind(world, c.p) === "bump")!.p;
    assertRefused(() => pfree(p), "pfree is not supported by the bump memory allocator");
    assertRefused(() => repalloc(p, 8), "realloc is not supported by the bump memory allocator");
    assertRefused(
      () => GetMemoryChunkContext(p),
      "GetMemoryChunkContext is not supported by the bump memory allocator",
    );
    assertRefused(
      () => GetMemoryChunkSpace(p),
      "GetMemoryChunkSpace is not supported by the bump memory allocator",
    );
    assertWorldIntact(world);
  });
}

/** Which kind's context a world chunk was allocated in (by position: three per kind). */
function GetMemoryChunkKind(world: World, p: number): Kind {
  return KINDS[Math.floor(world.chunks.findIndex((c) => c.p === p) / 3)];
}
