// The scenarios of block_list_cycle_test.ts, run in a worker so that a walk that never ends
// is a failed test (the worker is ended after a timeout) rather than a hung test run. Each
// makes a context with more than one block, bends one link of its block list back on itself,
// and asks for a release that must be refused whole, then repaired and done.
import {
  MemoryContextAlloc,
  MemoryContextCheck,
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextInit,
  MemoryContextMemConsumed,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextStatsLines,
  pfree,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { heap, type MemoryContext } from "../../src/mcxt/context.ts";
import {
  ALLOC_CHUNKHDRSZ,
  B_NEXT,
  KeeperBlock as AllocSetKeeperBlock,
} from "../../src/aset/block.ts";
import { KeeperBlock as GenerationKeeperBlock } from "../../src/generation/block.ts";
import { KeeperBlock as BumpKeeperBlock } from "../../src/bump/block.ts";
import { DLIST_NEXT } from "../../src/ilist.ts";
import { SLAB_BLOCKLIST_COUNT, SlabBlocklistHead } from "../../src/slab/block.ts";
import { PgError } from "../../src/elog.ts";

/** What a scenario reports back: null when every check held, else what went wrong. */
export type Outcome = string | null;

interface Made {
  ctx: MemoryContext;
  /** Index in `heap.u32` of the link to bend. */
  word: number;
  /** Heap offset the bent link leads to: the block, list node or chunk holding it. */
  to: number;
}

function blockWord(block: number, index: number): number {
  return (block >>> 2) + index;
}

/** A context of `kind` under `parent` with at least two blocks, and the link to bend. */
function make(kind: string, parent: MemoryContext): Made {
  const u = heap.u32;
  switch (kind) {
    case "aset-keeper":
    case "aset-block": {
      const ctx = AllocSetContextCreate(parent, kind, 0, 1024, 8192);
      for (let i = 0; i < 40; i++) MemoryContextAlloc(ctx, 100);
      const keeper = AllocSetKeeperBlock(ctx);
      const newest = (ctx as unknown as { blocks: number }).blocks;
      if (newest === keeper || u[blockWord(newest, B_NEXT)] === 0) throw new Error("one block");
      if (kind === "aset-keeper") return { ctx, word: blockWord(keeper, B_NEXT), to: keeper };
      return { ctx, word: blockWord(newest, B_NEXT), to: newest };
    }
    case "aset-freelist": {
      const ctx = AllocSetContextCreate(parent, kind, 0, 1024, 8192);
      const p = MemoryContextAlloc(ctx, 100);
      MemoryContextAlloc(ctx, 100);
      pfree(p);
      const chunk = p - ALLOC_CHUNKHDRSZ; // a free chunk's link is its first data word
      return { ctx, word: p >>> 2, to: chunk };
    }
    case "generation-keeper": {
      const ctx = GenerationContextCreate(parent, kind, 0, 1024, 8192);
      for (let i = 0; i < 40; i++) MemoryContextAlloc(ctx, 100);
      const keeper = GenerationKeeperBlock(ctx);
      return { ctx, word: blockWord(keeper, DLIST_NEXT), to: keeper };
    }
    case "bump-keeper": {
      const ctx = BumpContextCreate(parent, kind, 0, 1024, 8192);
      for (let i = 0; i < 40; i++) MemoryContextAlloc(ctx, 100);
      const keeper = BumpKeeperBlock(ctx);
      return { ctx, word: blockWord(keeper, DLIST_NEXT), to: keeper };
    }
    case "slab-block": {
      const ctx = SlabContextCreate(parent, kind, 1024, 64);
      for (let i = 0; i < 40; i++) MemoryContextAlloc(ctx, 64);
      const node = slabBlockNode(ctx);
      return { ctx, word: blockWord(node, DLIST_NEXT), to: node };
    }
  }
  throw new Error(`unknown kind ${kind}`);
}

/** The list node of a block in one of the slab's block lists (the first non-empty one). */
function slabBlockNode(ctx: MemoryContext): number {
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) {
    const head = SlabBlocklistHead(ctx.header, i);
    const node = heap.u32[(head >>> 2) + DLIST_NEXT];
    if (node !== head) return node;
  }
  throw new Error("no slab block found");
}

function snapshot(ctx: MemoryContext, parent: MemoryContext): string {
  return JSON.stringify({
    id: ctx.id,
    mem: ctx.memAllocated,
    child: parent.firstchild === ctx,
    held: heap.held,
    blocks: heap.usedBlocks,
    bytes: Array.from(heap.u8.subarray(ctx.header, ctx.header + 256)),
  });
}

/** What may be asked; the release operations must also change nothing when refused. */
export const ops: Record<string, (ctx: MemoryContext, parent: MemoryContext) => void> = {
  reset: (ctx) => MemoryContextReset(ctx),
  delete: (ctx) => MemoryContextDelete(ctx),
  resetchildren: (_ctx, parent) => MemoryContextResetChildren(parent),
  deletechildren: (_ctx, parent) => MemoryContextDeleteChildren(parent),
  resetparent: (_ctx, parent) => MemoryContextReset(parent),
  stats: (_ctx, parent) => void MemoryContextStatsLines(parent, 100, 100),
  consumed: (ctx) =>
    MemoryContextMemConsumed(ctx, { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 }),
};

/** Runs one scenario: `kind` of context, `op` asked of it or its parent. */
export function run(kind: string, op: string): Outcome {
  MemoryContextInit();
  const parent = AllocSetContextCreate(TopMemoryContext, "parent", 0, 8192, 8 << 20);
  MemoryContextAlloc(parent, 10);
  const { ctx, word, to } = make(kind, parent);
  const saved = heap.u32[word];
  heap.u32[word] = to; // the link now leads back to the block, node or chunk it belongs to
  const before = snapshot(ctx, parent);
  let err: unknown = null;
  try {
    ops[op](ctx, parent);
  } catch (e) {
    err = e;
  }
  if (!(err instanceof PgError)) return `no PgError: ${String(err)}`;
  if (err.sqlstate !== "XX001") return `SQLSTATE ${err.sqlstate}: ${err.message}`;
  if (!/^(block|free) list of memory context "[a-z-]+" is damaged/.test(err.message)) {
    return err.message;
  }
  if (snapshot(ctx, parent) !== before) return "the refusal changed something";
  heap.u32[word] = saved;
  MemoryContextCheck(TopMemoryContext);
  ops[op](ctx, parent);
  MemoryContextCheck(TopMemoryContext);
  return null;
}

const scope = self as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent<{ kind: string; op: string }>) => void) | null;
};

scope.onmessage = (e) => {
  let out: Outcome;
  try {
    out = run(e.data.kind, e.data.op);
  } catch (err) {
    out = `threw ${err instanceof Error ? err.stack : String(err)}`;
  }
  scope.postMessage(out);
};
