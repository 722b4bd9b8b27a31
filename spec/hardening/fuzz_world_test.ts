/**
 * The call fuzzer's model of which chunks are live (`spec/hardening/fuzz/world.ts`), held to
 * palloc where reset callbacks act. The five "byte 0 of live chunk changed" failures of the
 * 6 December 19-minute run (seeds 589871786, 589873156, 589873596, 589873964, 589874014) were
 * the model's: it decided which contexts a reset had emptied from `isReset` once the call was
 * over, and a callback that allocated in a context the same call had already reset cleared that
 * flag again, so the model kept the context's older chunks, which palloc had rightly released
 * (and, when the call completed, dropped the callback's new chunk, which palloc keeps).
 *
 * Then the counter oracles (`fuzz/oracle.ts`): a world's log is trace text the reference palloc
 * and the model replay to the same lines, and a changed counter or space is caught.
 */
import assert from "node:assert/strict";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import type { MemoryContext } from "../../src/mcxt/context.ts";
import * as mc from "../../src/mcxt/mod.ts";
import { FuzzFailure, Rng } from "./fuzz/common.ts";
import { checkAgainstModel, checkAgainstReference } from "./fuzz/oracle.ts";
import { type Ctx, World } from "./fuzz/world.ts";
import { loadPallocApi } from "../../src/trace/api.ts";

class Stop extends Error {}

function add(w: World, parent: MemoryContext, name: string): Ctx {
  const c: Ctx = {
    ctx: AllocSetContextCreate(parent, name, 0, 8192, 8 << 20),
    kind: "aset",
    slabSize: 0,
  };
  w.ctxs.push(c);
  return c;
}

function on(c: Ctx, func: () => void): void {
  mc.MemoryContextRegisterResetCallback(c.ctx, { func, arg: null });
}

for (const checking of [false, true]) {
  const mode = `(checking ${checking})`;

  Deno.test(`resetchildren stopped by a throw after a callback refilled a reset sibling ${mode}`, () => {
    const w = new World(new Rng(7), 16 << 20, checking);
    const p = add(w, mc.TopMemoryContext, "p");
    const a = add(w, p.ctx, "a");
    const b = add(w, p.ctx, "b"); // newest child: the walk resets b before a
    const old = w.alloc(b, 100)!;
    let fresh: number | null = null;
    on(a, () => {
      throw new Stop("a callback threw");
    });
    on(a, () => fresh = w.alloc(b, 100)!.p); // newest: runs first, after b was reset
    assert.throws(() => w.lifetime(p, "resetchildren"), Stop);
    w.resync();
    assert.ok(fresh !== null);
    assert.ok(!w.chunks.includes(old), "b's chunk from before the reset is gone");
    assert.ok(w.isLive(fresh), "the callback's chunk in b lives");
    w.verify(true); // before the fix: byte 0 of live chunk `old` changed
    assert.equal(mc.GetMemoryChunkContext(fresh), b.ctx);
  });

  Deno.test(`resetchildren done: a callback's chunk in a reset sibling stays live ${mode}`, () => {
    const w = new World(new Rng(8), 16 << 20, checking);
    const p = add(w, mc.TopMemoryContext, "p");
    const a = add(w, p.ctx, "a");
    const b = add(w, p.ctx, "b");
    w.alloc(b, 100);
    let fresh = 0;
    on(a, () => fresh = w.alloc(b, 100)!.p);
    w.lifetime(p, "resetchildren");
    assert.ok(w.isLive(fresh), "before the fix the model dropped it, then took it for dead");
    assert.deepEqual(w.chunks.filter((k) => k.owner === b).map((k) => k.p), [fresh]);
    w.verify(true);
  });

  Deno.test(`a callback resets another context, then allocates in it ${mode}`, () => {
    const w = new World(new Rng(9), 16 << 20, checking);
    const a = add(w, mc.TopMemoryContext, "a");
    const q = add(w, mc.TopMemoryContext, "q");
    const old = w.alloc(q, 100)!;
    let fresh = 0;
    on(a, () => fresh = w.alloc(q, 100)!.p); // runs second
    on(a, () => mc.MemoryContextReset(q.ctx)); // runs first
    w.lifetime(a, "resetonly");
    assert.ok(!w.chunks.includes(old));
    assert.ok(w.isLive(fresh));
    w.verify(true);
  });
}

/** A small world past 2^31 in checking mode, its log as trace text. */
function smallRound(): string {
  const w = new World(new Rng(11), 16 << 20, true, 2 ** 31 + 4096);
  const a = add(w, mc.TopMemoryContext, "a");
  w.log.push(`create a aset TopMemoryContext 0 8192 ${8 << 20}`);
  w.expectStat(a.ctx);
  const ks = [10, 100, 1000, 10_000, 100_000].map((n) => w.alloc(a, n)!);
  w.free(ks[1]);
  w.realloc(ks[2], 5000);
  w.lifetime(w.ctxs[1], "resetonly"); // ErrorContext
  w.checkpoint(5);
  assert.ok(w.comparable);
  return w.log.join("\n");
}

Deno.test("the reference palloc and the model replay a world's log to its own lines", async () => {
  const text = smallRound();
  assert.ok(checkAgainstModel(text) > 10);
  assert.ok(checkAgainstReference(await loadPallocApi(), text) > 10);
});

Deno.test("a counter or a space that differs is a FuzzFailure", async () => {
  const text = smallRound();
  const api = await loadPallocApi();
  const stat = text.replace(
    /^(= stat a( \d+){4}) (\d+)$/m,
    (_, head, _x, n) => `${head} ${+n + 8}`,
  );
  assert.notEqual(stat, text);
  assert.throws(() => checkAgainstReference(api, stat), FuzzFailure);
  const space = text.replace(/^= space (\d+)$/m, (_, n) => `= space ${+n + 8}`);
  assert.notEqual(space, text);
  assert.throws(() => checkAgainstModel(space), FuzzFailure);
  assert.throws(() => checkAgainstReference(api, space), FuzzFailure);
});
