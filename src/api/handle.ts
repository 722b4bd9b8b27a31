/**
 * Either face of a context, for functions that accept both: a `Context`
 * (the TypeScript face) or the `MemoryContext` it wraps (the PostgreSQL
 * face). Kept apart from `context.ts` so helpers can take either face
 * without importing the `Context` class.
 */
import { MemoryContext } from "../mcxt/context.ts";
import type { Context } from "./context.ts";

/**
 * Either face of a context: a `Context` or the `MemoryContext` it wraps.
 * Functions of this layer accept both.
 *
 * @example
 * ```ts
 * import { Context } from "./context.ts";
 * import type { ContextLike } from "./handle.ts";
 * const top = Context.init();
 * const both: ContextLike[] = [top, top.memoryContext];
 * ```
 */
export type ContextLike = Context | MemoryContext;

/**
 * The `MemoryContext` behind either face.
 *
 * @example
 * ```ts
 * import { Context } from "./context.ts";
 * import { memoryContextOf } from "./handle.ts";
 * const top = Context.init();
 * console.assert(memoryContextOf(top) === memoryContextOf(top.memoryContext));
 * ```
 */
export function memoryContextOf(ctx: ContextLike): MemoryContext {
  return ctx instanceof MemoryContext ? ctx : ctx.memoryContext;
}
