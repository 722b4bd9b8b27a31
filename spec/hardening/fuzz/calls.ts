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
import { checkAgainstModel, checkAgainstReference } from "./oracle.ts";
import type { PallocApi } from "../../../src/trace/api.ts";

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

/** Thrown by a reset callback on purpose: it must abort the reset cleanly. */
class CallbackThrew extends Error {}

/**
 * Registers on a random context a callback that, when its reset or delete
 * runs it, does one thing: allocates elsewhere, registers another callback,
 * deletes or resets some other context (allowed or refused, a PgError
 * either way), throws, or tries what must be refused with
 * MemoryContextReentryError (deleting or resetting its own context or its
 * parent, creating under it while it is deleted, MemoryContextInit).
 */
function registerActingCallback(w: World): void {
  const rng = w.rng;
  const c = rng.pick(w.ctxs);
  const action = rng.int(7);
  const other = rng.pick(w.ctxs);
  const func = () => {
    const self = c.ctx;
    const mustRefuse = (what: string, f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof mc.MemoryContextReentryError) return;
        w.callbackFailure = `callback: ${what} raised ${describe(e)}`;
        return;
      }
      w.callbackFailure = `callback: ${what} was accepted`;
    };
    const mayRefuse = (what: string, f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof CallbackThrew) return; // a nested callback threw: that stop is allowed
        if (!(e instanceof PgError)) w.callbackFailure = `callback: ${what}: ${describe(e)}`;
      }
    };
    if (action === 0) {
      // Tracked like any chunk, so its pointer is never taken for a dead one.
      if (other.ctx.id !== 0) mayRefuse("alloc elsewhere", () => w.alloc(other));
    } else if (action === 1) {
      w.noteReset(c); // registering clears `isReset`
      mc.MemoryContextRegisterResetCallback(self, { func: () => {}, arg: null });
    } else if (action === 2) {
      mayRefuse("delete other", () => mc.MemoryContextDelete(other.ctx));
    } else if (action === 3) mayRefuse("reset other", () => mc.MemoryContextReset(other.ctx));
    else if (action === 4) throw new CallbackThrew("a callback threw");
    else if (action === 5) {
      mustRefuse("delete self", () => mc.MemoryContextDelete(self));
      mustRefuse("MemoryContextInit", () => mc.MemoryContextInit());
    } else {
      if (self.parent !== null) {
        mustRefuse("reset parent", () => mc.MemoryContextReset(self.parent!));
      }
      mustRefuse("reset self", () => mc.MemoryContextReset(self));
    }
  };
  w.noteReset(c);
  w.stopComparing(`callback ${action} on ${c.ctx.name} acts`); // no trace verb for what it does
  mc.MemoryContextRegisterResetCallback(c.ctx, { func, arg: null });
  w.log.push(`# callback ${action} on ${c.ctx.name}`);
}

/** One valid call chosen at random; the model follows it. */
export function validCall(w: World, callbacks = true): void {
  const rng = w.rng;
  const live = w.chunks;
  if (rng.chance(0.03) && callbacks) return registerActingCallback(w);
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
    const verb = w.ctxs.indexOf(c) >= 2 && rng.chance(0.4)
      ? "delete"
      : c !== w.ctxs[0] || rng.chance(0.1)
      ? rng.pick(verbs.slice(1))
      : rng.pick(verbs);
    try {
      w.lifetime(c, verb);
    } catch (e) {
      if (!(e instanceof CallbackThrew)) throw e;
      w.log.push(`# ${verb} ${c.ctx.name} stopped: a callback threw`);
      w.resync(); // the reset stopped where the callback threw
    }
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
    const k = rng.int(ops.length);
    return [`bad pointer ${p} (${["pfree", "repalloc", "space", "context"][k]})`, ops[k]];
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
      () => AllocSetContextCreate(d, "orphan", 0, 8192, 8192),
      () => GenerationContextCreate(d, "orphan", 0, 8192, 8192),
      () => SlabContextCreate(d, "orphan", 8192, 64),
      () => BumpContextCreate(d, "orphan", 0, 8192, 8192),
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

/** The bases of a round: 0, just past 2^31, 64 MiB below 2^32. */
export const HIGH_BASES = [0, 2 ** 31 + 4096, 2 ** 32 - (64 << 20)];

/**
 * What a call round's seed makes of it. The driver gives call rounds every
 * other seed (`run.ts`), so `seed >>> 1` counts them: consecutive call rounds
 * walk all six pairs of mode (checking on, off) and base (0, past 2^31, near
 * 2^32), and every six rounds switch between registering acting callbacks
 * and not (a round without them is compared whole, see `oracle.ts`).
 */
export function callShape(seed: number): { checking: boolean; base: number; callbacks: boolean } {
  const j = seed >>> 1;
  return {
    checking: (j & 1) === 0,
    base: HIGH_BASES[j % 3],
    callbacks: Math.floor(j / 6) % 2 === 0,
  };
}

/**
 * Holds the compared prefix of `w`'s log to the reference palloc and to the
 * model (see `oracle.ts`); a mismatch is a FuzzFailure. Ends `w`'s heap.
 */
export function compareRound(w: World, api: PallocApi, figures: Figures): void {
  const text = w.log.slice(0, w.comparableEnd()).join("\n");
  figures.compared += checkAgainstModel(text);
  checkAgainstReference(api, text);
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

/**
 * One round: a fresh world and `steps` calls, verified after each, then the
 * compared prefix of its log held to the reference palloc and to the model
 * (`oracle.ts`; skipped when `api` is not given).
 */
export function callRound(
  seed: number,
  steps: number,
  figures: Figures,
  api?: PallocApi,
): Failure | null {
  const { checking, base, callbacks } = callShape(seed);
  const w = new World(new Rng(seed), 16 << 20, checking, base);
  try {
    for (let i = 0; i < steps; i++) {
      if (w.rng.chance(0.35)) {
        const [what, call] = invalidCall(w);
        expectRefused(w, what, call, figures);
      } else {
        figures.calls++;
        try {
          validCall(w, callbacks);
        } catch (e) {
          if (e instanceof PgError) figures.errors++;
          throw e;
        }
      }
      if (w.callbackFailure !== null) throw new FuzzFailure(w.callbackFailure);
      w.verify(i % 16 === 0);
      if (i % 50 === 49) w.checkpoint(4);
    }
    w.checkpoint(40);
    if (api !== undefined) compareRound(w, api, figures);
    return null;
  } catch (e) {
    return { fuzzer: "calls", seed, message: describe(e), trace: w.log.join("\n") };
  }
}
