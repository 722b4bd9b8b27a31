/**
 * Hardening fuzzer (b): random sequences of palloc API calls on a heap in
 * checking mode, about a third of them invalid on purpose — bad pointers
 * (NULL, outside the heap, misaligned, the middle of a chunk, freed, of a
 * reset or deleted context, bump chunks), impossible sizes, wrong slab
 * sizes, dead contexts, forbidden tree moves, unusable create parameters.
 *
 * Promises checked after every call: a valid call succeeds (or, for a big
 * request on the small heap, raises out of memory); an invalid call raises a
 * PgError and leaves the fingerprint (held bytes, blocks, every counter of
 * the tree) unchanged; and the world verifies (`World.verify`: stamps of
 * every live chunk, MemoryContextCheck, heap.check).
 */
import { AllocSetContextCreate } from "../../../src/aset/mod.ts";
import { BumpContextCreate } from "../../../src/bump/mod.ts";
import { GenerationContextCreate } from "../../../src/generation/mod.ts";
import { SlabContextCreate } from "../../../src/slab/mod.ts";
import { MemoryContextAllocAligned } from "../../../src/alignedalloc.ts";
import { heap } from "../../../src/mcxt/context.ts";
import { PgError } from "../../../src/elog.ts";
import * as mc from "../../../src/mcxt/mod.ts";
import { describe, type Failure, type Figures, FuzzFailure, Rng } from "./common.ts";
import { type Ctx, isBelow, World } from "./world.ts";

const BAD_SIZES: Array<number | bigint> = [
  -1,
  -8,
  0.5,
  7.25,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53 + 2,
  2 ** 64,
  0x40000000,
  2 ** 40,
  -1n,
  2n ** 64n,
  2n ** 63n,
  "12" as unknown as number,
  undefined as unknown as number,
];

/** One valid call chosen at random; the model follows it. */
export function validCall(w: World): void {
  const rng = w.rng;
  const live = w.chunks;
  const r = rng.int(100);
  if (r < 6 && w.ctxs.length < 14) {
    w.create();
  } else if (r < 50 || live.length === 0) {
    if (live.length < 400) w.alloc(rng.pick(w.ctxs));
  } else if (r < 72) {
    const c = rng.pick(live);
    if (c.owner.kind !== "bump") w.free(c);
  } else if (r < 84) {
    const c = rng.pick(live);
    if (c.owner.kind === "aset" || c.owner.kind === "generation") w.realloc(c, rng.size());
  } else if (r < 92) {
    const c = rng.pick(live);
    if (c.owner.kind !== "bump") {
      if (rng.chance(0.5)) mc.GetMemoryChunkSpace(c.p);
      else mc.GetMemoryChunkContext(c.p);
    }
  } else if (r < 98) {
    const c = rng.pick(w.ctxs);
    const verbs = ["reset", "resetonly", "resetchildren", "deletechildren"] as const;
    if (w.ctxs.indexOf(c) >= 2 && rng.chance(0.4)) w.lifetime(c, "delete");
    else if (c !== w.ctxs[0] || rng.chance(0.1)) w.lifetime(c, rng.pick(verbs.slice(1)));
    else w.lifetime(c, rng.pick(verbs));
  } else if (w.ctxs.length > 2) {
    const c = w.ctxs[2 + rng.int(w.ctxs.length - 2)];
    const to = rng.pick(w.ctxs);
    if (to !== c && !isBelow(to.ctx, c.ctx)) w.setParent(c, to);
  }
}

/** A pointer no chunk operation may accept. */
function badPointer(w: World): number {
  const rng = w.rng;
  const live = w.chunks;
  const someLive = live.length > 0 ? rng.pick(live) : null;
  for (;;) {
    const r = rng.int(8);
    let p: number;
    if (r === 0) p = rng.pick([0, -8, 8, 16, heap.byteLength, heap.byteLength + 8, 2 ** 33]);
    else if (r === 1 && someLive !== null) p = someLive.p + 1 + rng.int(7);
    else if (r === 2 && someLive !== null && someLive.size > 8) {
      p = someLive.p + 8 * (1 + rng.int(Math.floor((someLive.size - 1) / 8)));
    } else if (r <= 5 && w.deadPointers.length > 0) p = rng.pick(w.deadPointers);
    else if (r === 6) p = 8 * rng.int(heap.byteLength / 8);
    else p = rng.pick([1.5, NaN, Infinity, -1, 2 ** 53]);
    if (!w.isLive(p)) return p;
  }
}

/** One invalid call chosen at random, with what it is, for the log. */
function invalidCall(w: World): [string, () => unknown] {
  const rng = w.rng;
  const live = w.chunks;
  const ctx = rng.pick(w.ctxs);
  const size = rng.pick(BAD_SIZES);
  const r = rng.int(14);
  if (r < 5) {
    const p = badPointer(w);
    const ops = [
      () => mc.pfree(p),
      () => mc.repalloc(p, 16),
      () => mc.GetMemoryChunkSpace(p),
      () => mc.GetMemoryChunkContext(p),
    ];
    return [`bad pointer ${p}`, rng.pick(ops)];
  }
  if (r === 5 && live.some((c) => c.owner.kind === "bump")) {
    const p = rng.pick(live.filter((c) => c.owner.kind === "bump")).p;
    return [`bump chunk ${p}`, () => rng.chance(0.5) ? mc.pfree(p) : mc.repalloc(p, 8)];
  }
  if (r === 6) return [`alloc size ${size}`, () => mc.MemoryContextAlloc(ctx.ctx, size)];
  if (r === 7) {
    return [`allocext size ${size}`, () => mc.MemoryContextAllocExtended(ctx.ctx, size, 6)];
  }
  if (r === 8) {
    return [`aligned size ${size}`, () => MemoryContextAllocAligned(ctx.ctx, size, 64, 0)];
  }
  if (r === 9 && live.length > 0) {
    const c = rng.pick(live);
    return [`repalloc ${c.p} size ${size}`, () => mc.repalloc(c.p, size)];
  }
  if (r === 10 && w.deadContexts.length > 0) {
    const d = rng.pick(w.deadContexts);
    const ops = [
      () => mc.MemoryContextAlloc(d, 8),
      () => mc.MemoryContextReset(d),
      () => mc.MemoryContextDelete(d),
      () => mc.MemoryContextSetParent(d, mc.TopMemoryContext),
      () => mc.MemoryContextIsEmpty(d),
    ];
    return [`dead context ${d.name}`, rng.pick(ops)];
  }
  if (r === 11) {
    const slab = w.ctxs.find((c) => c.kind === "slab");
    if (slab !== undefined) {
      return [`slab wrong size`, () => mc.MemoryContextAlloc(slab.ctx, slab.slabSize + 1)];
    }
  }
  if (r === 12) return [`tree misuse`, treeMisuse(w, ctx)];
  const b = rng.pick([-1, NaN, 1.5, 7, 100, 2 ** 53 + 8]);
  const creates = [
    () => AllocSetContextCreate(ctx.ctx, "bad", 0, b, 8192),
    () => GenerationContextCreate(ctx.ctx, "bad", 0, 8192, b),
    () => BumpContextCreate(ctx.ctx, "bad", b, 8192, 8192),
    () => SlabContextCreate(ctx.ctx, "bad", b, 64),
  ];
  return [`create parameter ${b}`, rng.pick(creates)];
}

/** Deleting TopMemoryContext, re-parenting it, or making a cycle. */
function treeMisuse(w: World, c: Ctx): () => unknown {
  const top = mc.TopMemoryContext;
  const below = w.ctxs.find((d) => isBelow(d.ctx, c.ctx));
  if (below !== undefined && w.rng.chance(0.6)) {
    return () => mc.MemoryContextSetParent(c.ctx, below.ctx);
  }
  return w.rng.chance(0.5)
    ? () => mc.MemoryContextDelete(top)
    : () => mc.MemoryContextSetParent(top, c.ctx);
}

/** Runs `call`, which must be refused with a PgError that changes nothing. */
function expectRefused(w: World, what: string, call: () => unknown, figures: Figures): void {
  const before = w.fingerprint();
  figures.invalid++;
  figures.calls++;
  w.log.push(`# invalid: ${what}`);
  try {
    call();
  } catch (e) {
    if (!(e instanceof PgError)) throw new FuzzFailure(`${what}: ${describe(e)}`);
    figures.errors++;
    if (w.fingerprint() !== before) throw new FuzzFailure(`${what}: refused, but changed state`);
    return;
  }
  throw new FuzzFailure(`${what}: accepted`);
}

/** One round: a fresh world and `steps` calls, verified after each. */
export function callRound(seed: number, steps: number, figures: Figures): Failure | null {
  const w = new World(new Rng(seed));
  try {
    for (let i = 0; i < steps; i++) {
      if (w.rng.chance(0.35)) {
        const [what, call] = invalidCall(w);
        expectRefused(w, what, call, figures);
      } else {
        figures.calls++;
        try {
          validCall(w);
        } catch (e) {
          if (e instanceof PgError) figures.errors++;
          throw e;
        }
      }
      w.verify(i % 16 === 0);
    }
    return null;
  } catch (e) {
    return { fuzzer: "calls", seed, message: describe(e), trace: w.log.join("\n") };
  }
}
