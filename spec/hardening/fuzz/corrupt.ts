/**
 * Hardening fuzzer (c): corrupted heap bytes under checking mode.
 *
 * A round builds a random world with valid calls, checks it is sound, then
 * flips one bit in a byte palloc relies on: a live chunk's header or the
 * byte after it (the sentinel), a block header, a context header, an
 * AllocSet or Slab free-list link, a heap block header, or a heap free
 * block's links. Then `MemoryContextCheck(TopMemoryContext)` and
 * `heap.check()` run. Outcomes:
 *
 * - a PgError: detected (what must happen for every byte that matters);
 * - no error: the world goes on with 40 more valid calls, verified after
 *   each (stamps, owners, checks). A PgError there is a late detection made
 *   before any live byte was damaged (also detected); getting through
 *   unharmed means the flipped bit was one nothing reads (an unused header
 *   byte, the high half of a pointer slot): harmless;
 * - anything else — a stamp or owner that changed, a RangeError or
 *   TypeError, a valid call failing oddly — is a corruption that was
 *   followed: counted in `corruptionsFound`, which must stay 0.
 *
 * Loops cannot hang on bad links: every walk in the checks is bounded, and
 * the command runs the fuzzers in a worker under a watchdog besides.
 */
import type { AllocSetContext } from "../../../src/aset/mod.ts";
import { AllocSetFreelistWord } from "../../../src/aset/block.ts";
import { heap, type MemoryContext } from "../../../src/mcxt/context.ts";
import { PgError } from "../../../src/elog.ts";
import { CheckingSentinelAt } from "../../../src/checking/mod.ts";
import * as mc from "../../../src/mcxt/mod.ts";
import { describe, type Failure, type Figures, FuzzFailure, Rng } from "./common.ts";
import { compareRound, HIGH_BASES, validCall } from "./calls.ts";
import type { PallocApi } from "../../../src/trace/api.ts";
import { type Kind, World } from "./world.ts";

const CONTEXT_BYTES: Record<Kind, number> = { aset: 200, generation: 128, slab: 176, bump: 112 };
const BLOCK_BYTES: Record<Kind, number> = { aset: 40, generation: 56, slab: 48, bump: 32 };

/** The blocks of a context, from its chunk areas. */
function blocksOf(ctx: MemoryContext, kind: Kind): number[] {
  const out: number[] = [];
  ctx.methods.chunkAreas?.(ctx, (start) => out.push(start - BLOCK_BYTES[kind]));
  return out;
}

/** A byte palloc relies on, chosen at random, with what it is; null when none was found. */
function pickTarget(w: World): [number, string] | null {
  const rng = w.rng;
  const c = rng.pick(w.ctxs);
  const plain = w.chunks.filter((k) => k.owner.kind !== "bump");
  switch (rng.int(8)) {
    case 0:
      if (plain.length === 0) return null;
      return [rng.pick(plain).p - 8 + rng.int(8), "chunk header"];
    case 1: {
      const sentinels = w.chunks.map((k) => CheckingSentinelAt(k.p)).filter((s) => s >= 0);
      if (sentinels.length === 0) return null;
      return [rng.pick(sentinels), "sentinel"];
    }
    case 2: {
      const blocks = blocksOf(c.ctx, c.kind);
      if (blocks.length === 0) return null;
      return [rng.pick(blocks) + rng.int(BLOCK_BYTES[c.kind]), `${c.kind} block header`];
    }
    case 3:
      return [c.ctx.header + rng.int(CONTEXT_BYTES[c.kind]), `${c.kind} context header`];
    case 4:
      return freeListTarget(w);
    case 5: {
      const blocks = blocksOf(c.ctx, c.kind).filter((b) => heap.isLive(b)); // not keeper blocks
      if (blocks.length === 0) return null;
      return [rng.pick(blocks) - 16 + rng.int(16), "heap block header"];
    }
    case 6: {
      const free = [...heap.heads].filter((b) => b !== 0);
      if (free.length === 0) return null;
      return [rng.pick(free) + rng.int(24), "heap free block"];
    }
    default:
      return [c.ctx.header - 16 + rng.int(16), "heap header of a context"];
  }
}

/** A byte of a free chunk's header or link: AllocSet freelists, Slab block freelists. */
function freeListTarget(w: World): [number, string] | null {
  const rng = w.rng;
  const found: number[] = [];
  for (const c of w.ctxs) {
    if (c.kind === "aset") {
      const set = c.ctx as AllocSetContext;
      for (let i = 0; i < 11; i++) {
        const head = heap.i32[AllocSetFreelistWord(set) + 2 * i];
        if (head !== 0) found.push(head);
      }
    } else if (c.kind === "slab") {
      for (const b of blocksOf(c.ctx, "slab")) {
        const head = heap.u32[(b >>> 2) + 4];
        if (head !== 0) found.push(head);
      }
    }
  }
  if (found.length === 0) return null;
  return [rng.pick(found) + rng.int(16), "free chunk header or link"];
}

/** One round: build, flip one bit, and see that it is detected or harmless. */
export function corruptRound(seed: number, figures: Figures, api?: PallocApi): Failure | null {
  // Checking mode always (its records and sentinels are half of what is corrupted); the base
  // walks 0, past 2^31 and near 2^32 over consecutive corrupt rounds (every fourth seed).
  const w = new World(new Rng(seed), 8 << 20, true, HIGH_BASES[(seed >>> 2) % 3]);
  const failure = flipRound(w, seed, figures);
  if (failure !== null || api === undefined) return failure;
  try {
    compareRound(w, api, figures); // the calls before the flip, against the oracles
    return null;
  } catch (e) {
    return { fuzzer: "corrupt", seed, message: describe(e), trace: w.log.join("\n") };
  }
}

/** Builds on `w`, flips one bit, and sees that it is detected or harmless. */
function flipRound(w: World, seed: number, figures: Figures): Failure | null {
  const fail = (message: string): Failure => ({
    fuzzer: "corrupt",
    seed,
    message,
    trace: w.log.join("\n"),
  });
  try {
    for (let i = 20 + w.rng.int(150); i > 0; i--) validCall(w);
    w.verify(true);
    w.checkpoint(20);
    w.stopComparing("a corruption follows"); // compared once the round is over
  } catch (e) {
    return fail(`before any corruption: ${describe(e)}`);
  }
  figures.calls += w.log.length;
  const target = pickTarget(w);
  if (target === null) return null;
  const [offset, what] = target;
  const bit = 1 << w.rng.int(8);
  heap.u8[offset] ^= bit;
  figures.flips++;
  w.log.push(`# corrupt: ${what}: byte ${offset} ^= 0x${bit.toString(16)}`);
  try {
    mc.MemoryContextCheck(mc.TopMemoryContext);
    heap.check();
  } catch (e) {
    if (e instanceof PgError) {
      figures.flipsDetected++;
      figures.errors++;
      return null;
    }
    figures.corruptionsFound++;
    return fail(`the check met the corruption with ${describe(e)}`);
  }
  try {
    for (let k = 0; k < 40; k++) {
      figures.calls++;
      validCall(w);
      w.verify(k % 8 === 0);
    }
  } catch (e) {
    if (e instanceof PgError && !(e instanceof FuzzFailure)) {
      figures.flipsDetected++;
      figures.errors++;
      return null;
    }
    figures.corruptionsFound++;
    return fail(`undetected ${what} corruption was followed: ${describe(e)}`);
  }
  figures.flipsHarmless++;
  return null;
}
