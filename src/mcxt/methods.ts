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

/** `mcxt_methods[]`: id → the type's methods, null where no type has the id. */
export const mcxt_methods: ReadonlyArray<ContextMethods | null> = Array.from(
  { length: 16 },
  (_, id) => listed.find(([i]) => i === id)?.[1] ?? null,
);
