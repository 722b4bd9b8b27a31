/**
 * The TypeScript face of palloc: `Context` objects with methods, `run(fn)`,
 * `using`, reset callbacks as functions, chunk helpers, typed views, strings
 * and checked views — all built on the PostgreSQL-named API, which stays
 * exported beside it.
 *
 * @example
 * ```ts
 * import { Context, readString, strdup, view } from "@palloc/palloc";
 * const top = Context.init();
 * const req = top.child.aset("request");
 * const xs = view(Float64Array, req.alloc(8 * 3), 3);
 * xs.set([1, 2, 3]);
 * console.assert(readString(strdup(req, "done")) === "done");
 * req.delete();
 * ```
 *
 * @module
 */
export { type ChildFactory, Context, type ContextLike, memoryContextOf } from "./context.ts";
export {
  type AllocSetOptions,
  type BlockSizeOptions,
  type BumpOptions,
  type ChildBase,
  type ChildOptions,
  type ContextTypeName,
  type GenerationOptions,
  type IdentOption,
  type SizePreset,
  SLAB_DEFAULT_BLOCK_SIZE,
  type SlabOptions,
} from "./children.ts";
export { type ContextStats, type StatsTextOptions, statsTotal, type StatsTotals } from "./stats.ts";
export { contextOf, free, realloc, spaceOf } from "./chunk.ts";
export { bytes, dataView, type TypedArray, type TypedArrayConstructor, view } from "./views.ts";
export { readString, strdup, utf8Length } from "./strings.ts";
export {
  CheckedView,
  checkedView,
  ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
  StaleViewError,
} from "./checked_view.ts";
