/**
 * What the properties check after every command, comparing the real
 * allocator with the model (`checkWorld`):
 *
 * - the tree: same contexts, parents, children order (newest first, links
 *   consistent both ways), levels, TopMemoryContext the root, the same
 *   current context;
 * - chunks: each live model chunk is a real chunk of the same context
 *   (`GetMemoryChunkContext`), with the model's `GetMemoryChunkSpace`
 *   (bump chunks: both refused), still holding its pattern; no two live
 *   chunks overlap (header included); each lies inside a heap block
 *   attributed to its own context;
 * - `MemoryContextIsEmpty` equals the model's verdict for every context;
 * - counters: free ≤ total and used = total - free covers the live chunks'
 *   space, for every context; `MemoryContextMemConsumed` is the sum of the
 *   counters over the model's subtree; `MemoryContextMemAllocated(recurse)`
 *   the sum of mem_allocated over it; the heap blocks attributed to a
 *   context add up to its mem_allocated plus the context header PostgreSQL
 *   leaves out of it (Generation 128 bytes, Slab 176); the heap's held
 *   bytes are the sum over the live tree plus the contexts AllocSet keeps on
 *   its context freelists (one keeper block each, as many as the model says);
 * - every type's own `check` method and the heap's consistency check pass.
 *
 * Any difference throws with the model, the real tree (MemoryContextStats)
 * and the commands so far.
 */
import assert from "node:assert/strict";
import { heap, type MemoryContext } from "../mcxt/context.ts";
import { PgError } from "../elog.ts";
import {
  CurrentMemoryContext,
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextCountersOf,
  MemoryContextIsEmpty,
  MemoryContextMemAllocated,
  MemoryContextMemConsumed,
  MemoryContextStatsLines,
  TopMemoryContext,
} from "../mcxt/mod.ts";
import { MemoryContextGetLimit } from "../mcxt/limit.ts";
import * as M from "../model/mod.ts";
import { type ModelBox, patternMismatch, type World } from "./world.ts";

/** Bytes of a context header that PostgreSQL does not count in mem_allocated. */
export function headerOutsideMemAllocated(kind: M.ContextKind): number {
  if (kind === "generation") return 128; // MAXALIGN(sizeof(GenerationContext))
  if (kind === "slab") return 176; // sizeof(SlabContext), malloc'd apart from the blocks
  return 0; // AllocSet and Bump count their header's malloc in mem_allocated
}

/** Throws a property failure with everything needed to understand it. */
export function fail(box: ModelBox, w: World, what: string): never {
  let tree: string;
  try {
    tree = MemoryContextStatsLines(TopMemoryContext, 100, 100).join("\n");
  } catch (e) {
    tree = `(stats failed: ${e})`;
  }
  throw new assert.AssertionError({
    message: `${what}\n--- model\n${M.describeModel(box.state)}\n--- palloc\n${tree}\n` +
      `--- commands\n${w.log.slice(-40).join("\n")}`,
  });
}

/** Runs `f`, returning its value or the PgError it raised (anything else propagates). */
export function attempt<T>(f: () => T): { ok: true; value: T } | { ok: false; error: PgError } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof PgError) return { ok: false, error: e };
    throw e;
  }
}

function checkTree(box: ModelBox, w: World): void {
  const s = box.state;
  if (TopMemoryContext.parent !== null) fail(box, w, "TopMemoryContext has a parent");
  if (w.real(M.TOP) !== TopMemoryContext) fail(box, w, "TopMemoryContext was replaced");
  if (CurrentMemoryContext !== w.real(s.current)) {
    fail(
      box,
      w,
      `current context is ${CurrentMemoryContext.name}, model says ${M.nameOf(s, s.current)}`,
    );
  }
  const seen: MemoryContext[] = [];
  // Preorder with children in list order, iteratively (no recursion on the tree's depth).
  const stack: MemoryContext[] = [TopMemoryContext];
  while (stack.length > 0) {
    const c = stack.pop() as MemoryContext;
    seen.push(c);
    if (seen.length > s.contexts.size + 1) fail(box, w, "the real tree has a loop");
    const kids: MemoryContext[] = [];
    let prev: MemoryContext | null = null;
    for (let k = c.firstchild; k !== null; prev = k, k = k.nextchild) {
      if (k.parent !== c) fail(box, w, `${k.name}'s parent link is not ${c.name}`);
      if (k.prevchild !== prev) fail(box, w, `${k.name}'s prevchild link is wrong`);
      if (kids.length > s.contexts.size) fail(box, w, "the real tree has a loop");
      kids.push(k);
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  const want = M.allContexts(s).map((id) => w.real(id));
  if (seen.length !== want.length || seen.some((c, i) => c !== want[i])) {
    fail(
      box,
      w,
      `tree differs: real [${seen.map((c) => c.name)}], model [${want.map((c) => c.name)}]`,
    );
  }
  for (const id of M.allContexts(s)) {
    const c = w.real(id);
    const m = M.mustContext(s, id);
    if (c.id === 0) fail(box, w, `${m.name} is dead in palloc`);
    if (c.name !== m.name) fail(box, w, `context #${id} is called ${c.name}, not ${m.name}`);
    if (MemoryContextGetLimit(c) !== m.limit) {
      fail(box, w, `${m.name}'s limit is ${MemoryContextGetLimit(c)}, model ${m.limit}`);
    }
  }
}

function checkChunks(box: ModelBox, w: World): void {
  const s = box.state;
  const extents: Array<[number, number, M.ChunkId]> = [];
  for (const chunk of s.chunks.values()) {
    const r = w.chunk(chunk.id);
    const ctx = w.real(chunk.ctx);
    if (r.size !== chunk.size) {
      fail(box, w, `chunk ${chunk.id} has size ${r.size}, model ${chunk.size}`);
    }
    const bump = chunk.space === null;
    const owner = attempt(() => GetMemoryChunkContext(r.ptr));
    const space = attempt(() => GetMemoryChunkSpace(r.ptr));
    if (bump) {
      if (owner.ok || space.ok) fail(box, w, `bump chunk ${chunk.id} answered owner/space`);
    } else {
      if (!owner.ok || owner.value !== ctx) {
        fail(box, w, `chunk ${chunk.id}: owner is not ${ctx.name}`);
      }
      if (!space.ok || space.value !== chunk.space) {
        fail(
          box,
          w,
          `chunk ${chunk.id}: space ${
            space.ok ? space.value : space.error.message
          }, model ${chunk.space}`,
        );
      }
    }
    const bad = patternMismatch(chunk.id, r.ptr, 0, r.size);
    if (bad >= 0) fail(box, w, `chunk ${chunk.id} (${ctx.name}) lost its byte at offset ${bad}`);
    extents.push([r.ptr - (bump ? 0 : 8), r.ptr + r.size, chunk.id]);
  }
  extents.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < extents.length; i++) {
    const [, end, a] = extents[i - 1];
    const [start, , b] = extents[i];
    if (start < end) fail(box, w, `chunks ${a} and ${b} overlap`);
  }
  const blocks = [...w.blocks.keys()].sort((a, b) => a - b);
  for (const [start, end, id] of extents) {
    let lo = 0, hi = blocks.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid] <= start) (found = mid, lo = mid + 1);
      else hi = mid - 1;
    }
    const block = found >= 0 ? blocks[found] : -1;
    const want = w.real(s.chunks.get(id)?.ctx ?? -1);
    if (block < 0 || end > block + heap.sizeOf(block) || w.blocks.get(block) !== want) {
      fail(box, w, `chunk ${id} does not lie inside a block of ${want.name}`);
    }
  }
}

function checkEmptiness(box: ModelBox, w: World): void {
  for (const id of M.allContexts(box.state)) {
    const real = MemoryContextIsEmpty(w.real(id));
    const model = M.isEmptyNow(box.state, id);
    if (real !== model) {
      fail(box, w, `MemoryContextIsEmpty(${M.nameOf(box.state, id)}) is ${real}, model ${model}`);
    }
  }
}

function checkCounters(box: ModelBox, w: World): void {
  const s = box.state;
  const own = new Map<M.CtxId, M.ContextKind>();
  const heapBytes = new Map<MemoryContext, number>();
  for (const [p, c] of w.blocks) {
    if (!heap.isLive(p)) fail(box, w, `attributed block ${p} is not live`);
    heapBytes.set(c, (heapBytes.get(c) ?? 0) + heap.sizeOf(p));
  }
  const counters = new Map<M.CtxId, ReturnType<typeof MemoryContextCountersOf>>();
  for (const id of M.allContexts(s)) {
    const c = w.real(id);
    const m = M.mustContext(s, id);
    own.set(id, m.spec.kind);
    const k = MemoryContextCountersOf(c);
    counters.set(id, k);
    if (!(k.freespace >= 0 && k.freespace <= k.totalspace)) fail(box, w, `${m.name}: free > total`);
    let live = 0;
    for (const ch of M.chunksOf(s, id)) live += ch.space ?? M.maxAlign(ch.size);
    if (k.totalspace - k.freespace < live) {
      fail(box, w, `${m.name}: used < its live chunks (${live})`);
    }
    if (MemoryContextMemAllocated(c, false) !== c.memAllocated) {
      fail(box, w, `${m.name}: memAllocated`);
    }
    const want = c.memAllocated + headerOutsideMemAllocated(m.spec.kind);
    if ((heapBytes.get(c) ?? 0) !== want) {
      fail(
        box,
        w,
        `${m.name}: the heap holds ${heapBytes.get(c) ?? 0} bytes for it, expected ${want}`,
      );
    }
    try {
      c.methods.check?.(c);
    } catch (e) {
      fail(box, w, `${m.name}: its type's own check failed: ${e}`);
    }
  }
  for (const id of M.allContexts(s)) {
    const sub = M.subtree(s, id);
    const sum = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
    let allocated = 0;
    for (const d of sub) {
      const k = counters.get(d)!;
      sum.nblocks += k.nblocks;
      sum.freechunks += k.freechunks;
      sum.totalspace += k.totalspace;
      sum.freespace += k.freespace;
      allocated += w.real(d).memAllocated;
    }
    const consumed = { nblocks: -1, freechunks: -1, totalspace: -1, freespace: -1 };
    MemoryContextMemConsumed(w.real(id), consumed);
    if (JSON.stringify(consumed) !== JSON.stringify(sum)) {
      fail(
        box,
        w,
        `MemConsumed(${M.nameOf(s, id)}) ${JSON.stringify(consumed)} != ${JSON.stringify(sum)}`,
      );
    }
    if (MemoryContextMemAllocated(w.real(id), true) !== allocated) {
      fail(box, w, `MemAllocated(${M.nameOf(s, id)}, true) != ${allocated}`);
    }
  }
  const live = new Set(w.ctx.values());
  const dead = [0, 0];
  let held = 0;
  for (const [c, bytes] of heapBytes) {
    held += bytes;
    if (live.has(c)) continue;
    const list = M.asetFreelistOf(w.specOf.get(c)!);
    const blocks = [...w.blocks.values()].filter((o) => o === c).length;
    if (list === null || blocks !== 1) fail(box, w, `deleted context ${c.name} still holds memory`);
    dead[list]++;
  }
  for (const [p, list] of w.foreignCached) {
    held += heap.sizeOf(p);
    dead[list]++;
  }
  if (held !== heap.held) {
    fail(box, w, `heap holds ${heap.held} bytes, the blocks add up to ${held}`);
  }
  if (dead[0] !== s.asetFreelists[0].length || dead[1] !== s.asetFreelists[1].length) {
    fail(
      box,
      w,
      `context freelists hold ${dead}, model says ${s.asetFreelists.map((l) => l.length)}`,
    );
  }
}

/** `mem_allocated` summed over the real subtree of every context the model gives a limit. */
export function limitedTotals(box: ModelBox, w: World): Map<M.CtxId, number> {
  const out = new Map<M.CtxId, number>();
  for (const c of box.state.contexts.values()) {
    if (c.limit !== null) out.set(c.id, MemoryContextMemAllocated(w.real(c.id), true));
  }
  return out;
}

/**
 * The limit rule after a command: a limited subtree within its limit stays
 * within it, one already past it (a limit is not retroactive) does not grow.
 * `before` is `limitedTotals` before the command.
 */
export function checkLimits(
  box: ModelBox,
  w: World,
  before: ReadonlyMap<M.CtxId, number>,
  label: string,
): void {
  for (const [id, total] of limitedTotals(box, w)) {
    const limit = M.mustContext(box.state, id).limit!;
    const was = before.get(id);
    if (was === undefined) continue; // limited by this very command: not retroactive
    if (total > Math.max(limit, was)) {
      fail(
        box,
        w,
        `${label}: ${M.nameOf(box.state, id)}'s subtree holds ${total} bytes, ` +
          `past its limit ${limit} (it held ${was})`,
      );
    }
  }
}

/** Everything listed in the file header; throws at the first difference. */
export function checkWorld(box: ModelBox, w: World): void {
  const bad = M.modelViolations(box.state);
  if (bad.length > 0) fail(box, w, `the model is unsound: ${bad.join("; ")}`);
  checkTree(box, w);
  checkChunks(box, w);
  checkEmptiness(box, w);
  checkCounters(box, w);
  try {
    heap.check();
  } catch (e) {
    fail(box, w, `the heap is corrupt: ${e}`);
  }
}

/** Counters, mem_allocated and held bytes of the whole tree, to show a refused call changed nothing. */
export function snapshot(box: ModelBox, w: World): string[] {
  const out = [`held ${heap.held}`];
  for (const id of M.allContexts(box.state)) {
    const c = w.real(id);
    const k = MemoryContextCountersOf(c);
    out.push(
      `${c.name} ${k.nblocks} ${k.totalspace} ${k.freespace} ${c.memAllocated} ${k.freechunks}`,
    );
  }
  return out;
}

/**
 * True when `after` equals `before`, except that free-chunk counts may grow
 * when `oom` (AllocSet cuts its block's tail into free chunks before the
 * malloc that fails).
 */
export function unchanged(before: string[], after: string[], oom: boolean): boolean {
  if (before.length !== after.length) return false;
  return before.every((line, i) => {
    if (line === after[i]) return true;
    if (!oom) return false;
    const a = line.split(" "), b = after[i].split(" ");
    return a.slice(0, -1).join(" ") === b.slice(0, -1).join(" ") &&
      Number(b.at(-1)) >= Number(a.at(-1));
  });
}
