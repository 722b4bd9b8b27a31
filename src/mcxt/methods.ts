/**
 * The method table: every context type palloc has, listed once, by the
 * method id its chunks carry in their header — PostgreSQL's `mcxt_methods[]`
 * of mcxt.c. Ids not listed are unused and raise "invalid pointer" (see
 * `memorychunk.ts` for the ids). `MemoryContextInit` installs the table in
 * `context.ts`, where mcxt's dispatch reads it; no type registers itself.
 *
 * Only `mcxt/mod.ts` imports this file, and no type imports `mcxt/mod.ts`,
 * so the table depends on the types without an import cycle.
 */
import type { ContextMethods } from "./context.ts";
import {
  MCTX_ALIGNED_REDIRECT_ID,
  MCTX_ASET_ID,
  MCTX_BUMP_ID,
  MCTX_GENERATION_ID,
  MCTX_SLAB_ID,
} from "../memorychunk.ts";
import { AllocSetMethods } from "../aset/mod.ts";
import { GenerationMethods } from "../generation/mod.ts";
import { SlabMethods } from "../slab/mod.ts";
import { AlignedAllocMethods } from "../alignedalloc.ts";
import { BumpMethods } from "../bump/mod.ts";

const listed: Array<[id: number, methods: ContextMethods]> = [
  [MCTX_ASET_ID, AllocSetMethods],
  [MCTX_GENERATION_ID, GenerationMethods],
  [MCTX_SLAB_ID, SlabMethods],
  [MCTX_ALIGNED_REDIRECT_ID, AlignedAllocMethods],
  [MCTX_BUMP_ID, BumpMethods],
];

/**
 * One type's methods as an object of the one shape every entry has (every
 * method present, `undefined` where the type has none), so that mcxt's
 * `ctx.methods.alloc(…)` and `methods.free(…)` read one hidden class: V8's
 * property load there stays monomorphic whatever mix of types a program
 * uses (a type's own table, e.g. Bump's with its extra methods, has another
 * shape).
 */
function oneShape(m: ContextMethods): ContextMethods {
  return {
    alloc: m.alloc,
    free: m.free,
    realloc: m.realloc,
    reset: m.reset,
    delete: m.delete,
    getChunkContext: m.getChunkContext,
    getChunkSpace: m.getChunkSpace,
    isEmpty: m.isEmpty,
    stats: m.stats,
    check: m.check,
    chunkAreas: m.chunkAreas,
    releasedBlocks: m.releasedBlocks,
    ownerByAddress: m.ownerByAddress,
    chunkCapacity: m.chunkCapacity,
    noteAlignedChunk: m.noteAlignedChunk,
  };
}

/** `mcxt_methods[]`: id → the type's methods, null where no type has the id. */
export const mcxt_methods: ReadonlyArray<ContextMethods | null> = Array.from(
  { length: 16 },
  (_, id) => {
    const entry = listed.find(([i]) => i === id);
    return entry === undefined ? null : oneShape(entry[1]);
  },
);
