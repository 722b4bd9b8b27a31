/**
 * Typed options for creating a child context of each type, and the one
 * function that turns them into a call of the PostgreSQL-named creator
 * (`AllocSetContextCreate`, `GenerationContextCreate`, `SlabContextCreate`,
 * `BumpContextCreate`).
 *
 * Nothing here decides a size by itself beyond filling in PostgreSQL's own
 * defaults (`ALLOCSET_*_SIZES`, `SLAB_DEFAULT_BLOCK_SIZE`): every check a
 * parameter gets is the creator's, so a bad option raises the same `PgError`
 * either face would.
 */
import {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  ALLOCSET_START_SMALL_SIZES,
  AllocSetContextCreate,
} from "../aset/mod.ts";
import { BumpContextCreate } from "../bump/mod.ts";
import type { MemoryContext } from "../mcxt/context.ts";
import { ERRCODE_INVALID_PARAMETER_VALUE, PgError } from "../elog.ts";
import { GenerationContextCreate } from "../generation/mod.ts";
import { MemoryContextSetIdentifier } from "../mcxt/mod.ts";
import { SlabContextCreate } from "../slab/mod.ts";

/**
 * PostgreSQL's named block-size presets: `"default"` is
 * `ALLOCSET_DEFAULT_SIZES` (0, 8 KB, 8 MB), `"small"` is
 * `ALLOCSET_SMALL_SIZES` (0, 1 KB, 8 KB) and `"startSmall"` is
 * `ALLOCSET_START_SMALL_SIZES` (0, 1 KB, 8 MB).
 *
 * @example
 * ```ts
 * import type { SizePreset } from "@palloc/palloc";
 * const preset: SizePreset = "small"; // for contexts that stay small
 * ```
 */
export type SizePreset = "default" | "small" | "startSmall";

/**
 * Block sizes of the types that grow their blocks (AllocSet, Generation,
 * Bump). Start from `sizes` (default `"default"`); any number given
 * overrides the preset's.
 *
 * @example
 * ```ts
 * import type { BlockSizeOptions } from "@palloc/palloc";
 * const sizes: BlockSizeOptions = { sizes: "small", maxBlockSize: 64 * 1024 };
 * ```
 */
export interface BlockSizeOptions {
  /** A PostgreSQL preset to start from; `"default"` when omitted. */
  sizes?: SizePreset;
  /** Size of the first malloc (context header and keeper block); 0 = `initBlockSize`. */
  minContextSize?: number;
  /** Size of the first block obtained after the keeper. */
  initBlockSize?: number;
  /** Block sizes double up to this. */
  maxBlockSize?: number;
}

/**
 * Options of an AllocSet child: block sizes.
 *
 * @example
 * ```ts
 * import type { AllocSetOptions } from "@palloc/palloc";
 * const o: AllocSetOptions = { sizes: "small" };
 * ```
 */
export type AllocSetOptions = BlockSizeOptions;

/**
 * Options of a Generation child: block sizes.
 *
 * @example
 * ```ts
 * import type { GenerationOptions } from "@palloc/palloc";
 * const o: GenerationOptions = { initBlockSize: 32 * 1024, maxBlockSize: 1024 * 1024 };
 * ```
 */
export type GenerationOptions = BlockSizeOptions;

/**
 * Options of a Bump child: block sizes.
 *
 * @example
 * ```ts
 * import type { BumpOptions } from "@palloc/palloc";
 * const o: BumpOptions = { sizes: "default" };
 * ```
 */
export type BumpOptions = BlockSizeOptions;

/**
 * Options of a Slab child: every chunk is `chunkSize` bytes, carved from
 * blocks of `blockSize` bytes (default `SLAB_DEFAULT_BLOCK_SIZE`, 8 KB).
 *
 * @example
 * ```ts
 * import type { SlabOptions } from "@palloc/palloc";
 * const o: SlabOptions = { chunkSize: 48, blockSize: 16 * 1024 };
 * ```
 */
export interface SlabOptions {
  /** The size of every chunk. */
  chunkSize: number;
  /** The size of every block; 8192 when omitted. */
  blockSize?: number;
}

/**
 * PostgreSQL's `SLAB_DEFAULT_BLOCK_SIZE`: 8 KB, the block size of a Slab
 * child when `blockSize` is not given.
 *
 * @example
 * ```ts
 * import { SLAB_DEFAULT_BLOCK_SIZE } from "@palloc/palloc";
 * console.assert(SLAB_DEFAULT_BLOCK_SIZE === 8192);
 * ```
 */
export const SLAB_DEFAULT_BLOCK_SIZE = 8 * 1024;

/**
 * The identifier option every type accepts: the text stats print after the
 * name (`MemoryContextSetIdentifier`), e.g. a query string.
 *
 * @example
 * ```ts
 * import type { AllocSetOptions, IdentOption } from "@palloc/palloc";
 * const o: AllocSetOptions & IdentOption = { sizes: "small", ident: "SELECT 1" };
 * ```
 */
export interface IdentOption {
  /** The identifier shown after the name in stats. */
  ident?: string;
}

/**
 * What every child's options share: a name and, optionally, an identifier.
 *
 * @example
 * ```ts
 * import type { ChildBase } from "@palloc/palloc";
 * const base: ChildBase = { name: "CachedPlan", ident: "SELECT 1" };
 * ```
 */
export interface ChildBase extends IdentOption {
  /** The context's name (a static description, as in PostgreSQL). */
  name: string;
}

/**
 * Everything `Context.createChild` accepts: the type, its name and the
 * type's own options, checked by TypeScript per type.
 *
 * @example
 * ```ts
 * import type { ChildOptions } from "@palloc/palloc";
 * const kids: ChildOptions[] = [
 *   { type: "aset", name: "work", sizes: "small" },
 *   { type: "slab", name: "nodes", chunkSize: 64 },
 * ];
 * ```
 */
export type ChildOptions =
  | ({ type: "aset" } & ChildBase & AllocSetOptions)
  | ({ type: "generation" } & ChildBase & GenerationOptions)
  | ({ type: "slab" } & ChildBase & SlabOptions)
  | ({ type: "bump" } & ChildBase & BumpOptions);

/**
 * The context types by the names `stats()` reports.
 *
 * @example
 * ```ts
 * import type { ContextTypeName } from "@palloc/palloc";
 * const t: ContextTypeName = "Generation";
 * ```
 */
export type ContextTypeName = "AllocSet" | "Generation" | "Slab" | "Bump";

const PRESETS: Record<SizePreset, readonly [number, number, number]> = {
  default: ALLOCSET_DEFAULT_SIZES,
  small: ALLOCSET_SMALL_SIZES,
  startSmall: ALLOCSET_START_SMALL_SIZES,
};

/** The (min, init, max) triple the options describe. */
function blockSizes(o: BlockSizeOptions): [number, number, number] {
  const preset = PRESETS[o.sizes ?? "default"];
  if (preset === undefined) {
    throw new PgError(ERRCODE_INVALID_PARAMETER_VALUE, `unknown size preset "${String(o.sizes)}"`);
  }
  return [
    o.minContextSize ?? preset[0],
    o.initBlockSize ?? preset[1],
    o.maxBlockSize ?? preset[2],
  ];
}

/**
 * Creates the child `options` describes under `parent` with the
 * PostgreSQL-named creator of its type, and sets its identifier if given.
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * import { createChildMemoryContext } from "./children.ts";
 * MemoryContextInit();
 * const mc = createChildMemoryContext(TopMemoryContext, { type: "bump", name: "tuples" });
 * console.assert(mc.typeName === "BumpContext");
 * ```
 */
export function createChildMemoryContext(
  parent: MemoryContext,
  options: ChildOptions,
): MemoryContext {
  let mc: MemoryContext;
  switch (options.type) {
    case "aset":
      mc = AllocSetContextCreate(parent, options.name, ...blockSizes(options));
      break;
    case "generation":
      mc = GenerationContextCreate(parent, options.name, ...blockSizes(options));
      break;
    case "bump":
      mc = BumpContextCreate(parent, options.name, ...blockSizes(options));
      break;
    case "slab":
      mc = SlabContextCreate(
        parent,
        options.name,
        options.blockSize ?? SLAB_DEFAULT_BLOCK_SIZE,
        options.chunkSize,
      );
      break;
    default:
      throw new PgError(
        ERRCODE_INVALID_PARAMETER_VALUE,
        `unknown context type "${String((options as { type: unknown }).type)}"`,
      );
  }
  if (options.ident !== undefined) MemoryContextSetIdentifier(mc, options.ident);
  return mc;
}

/**
 * The type name `stats()` reports for a context (its node tag without `Context`).
 *
 * @example
 * ```ts
 * import { MemoryContextInit, TopMemoryContext } from "@palloc/palloc";
 * import { contextTypeName } from "./children.ts";
 * MemoryContextInit();
 * console.assert(contextTypeName(TopMemoryContext) === "AllocSet");
 * ```
 */
export function contextTypeName(mc: MemoryContext): ContextTypeName {
  return mc.typeName.replace(/Context$/, "") as ContextTypeName;
}
