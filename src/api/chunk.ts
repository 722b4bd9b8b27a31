/**
 * Chunk helpers: what can be done with a pointer alone. Each is one call of
 * its PostgreSQL-named counterpart, which finds the owning context from the
 * 8-byte chunk header before the pointer (so a pointer that is not a chunk
 * raises `PgError`, never corrupts memory silently).
 *
 * Bump chunks carry no header: `realloc`, `free`, `contextOf` and `spaceOf`
 * refuse them, exactly as PostgreSQL does.
 */
import { GetMemoryChunkContext, GetMemoryChunkSpace, pfree, repalloc } from "../mcxt/mod.ts";
import { Context } from "./context.ts";

/**
 * `pfree`: gives the chunk at `pointer` back to its context.
 *
 * @example
 * ```ts
 * import { Context, free } from "@palloc/palloc";
 * const top = Context.init();
 * const p = top.alloc(100);
 * free(p);
 * ```
 */
export function free(pointer: number): void {
  pfree(pointer);
}

/**
 * `repalloc`: resizes the chunk at `pointer` to `size` bytes, keeping its
 * first min(old, new) bytes; returns the chunk's pointer, which may have
 * moved (the old one is then invalid).
 *
 * @example
 * ```ts
 * import { Context, realloc } from "@palloc/palloc";
 * const top = Context.init();
 * let p = top.alloc(16);
 * p = realloc(p, 4096);
 * ```
 */
export function realloc(pointer: number, size: number | bigint): number {
  return repalloc(pointer, size);
}

/**
 * `GetMemoryChunkContext`: the context owning the chunk at `pointer`, as the
 * same `Context` object the caller already holds.
 *
 * @example
 * ```ts
 * import { Context, contextOf } from "@palloc/palloc";
 * const top = Context.init();
 * const work = top.child.aset("work");
 * console.assert(contextOf(work.alloc(8)) === work);
 * ```
 */
export function contextOf(pointer: number): Context {
  return Context.of(GetMemoryChunkContext(pointer));
}

/**
 * `GetMemoryChunkSpace`: bytes the chunk at `pointer` occupies in its
 * context, its header and rounding included.
 *
 * @example
 * ```ts
 * import { Context, spaceOf } from "@palloc/palloc";
 * const top = Context.init();
 * console.assert(spaceOf(top.alloc(100)) === 136); // AllocSet: 128-byte chunk + 8-byte header
 * ```
 */
export function spaceOf(pointer: number): number {
  return GetMemoryChunkSpace(pointer);
}
