/**
 * The palloc surface the replay loop drives, loaded at run time. mcxt is
 * required; each context type module (aset, generation, slab, bump) and the
 * aligned-allocation module are imported one by one with dynamic `import()`,
 * so a type that is missing or fails to load makes only the traces that
 * create it fail, and the runner can say which types are available.
 *
 * The replay (`execute.ts`, `replay.ts`) takes a `PallocApi` instead of
 * importing palloc itself; that keeps it testable against a stand-in and
 * keeps the trace code out of palloc's static module graph.
 */
import { heap, type MemoryContext } from "../mcxt/context.ts";
import type { Heap } from "../heap/mod.ts";
import { CONTEXT_TYPES, type ContextType } from "./types.ts";

/** The mcxt module namespace (its `export let` contexts are live bindings). */
export type McxtModule = typeof import("../mcxt/mod.ts");

/** Makes a context of one type; `sizes` are MIN, INIT, MAX (or BLOCKSIZE, CHUNKSIZE for slab). */
export type ContextCreator = (
  parent: MemoryContext,
  name: string,
  sizes: readonly number[],
) => MemoryContext;

/** `MemoryContextAllocAligned(ctx, size, alignto, flags)`. */
export type AlignedAllocator = (
  ctx: MemoryContext,
  size: number | bigint,
  alignto: number,
  flags: number,
) => number;

/** What the replay calls. */
export interface PallocApi {
  /** mcxt itself: allocation, chunk, tree and statistics functions. */
  readonly mcxt: McxtModule;
  /** The creators of the context types that loaded. */
  readonly creators: Partial<Record<ContextType, ContextCreator>>;
  /** `MemoryContextAllocAligned`, or null when its module did not load. */
  readonly allocAligned: AlignedAllocator | null;
  /** Why each missing piece (a context type, or "aligned") is unavailable. */
  readonly unavailable: ReadonlyMap<ContextType | "aligned", string>;
  /** The current heap (changes with every `MemoryContextInit`). */
  heap(): Heap;
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0];
}

function fn<T>(mod: Record<string, unknown>, name: string): T {
  const f = mod[name];
  if (typeof f !== "function") throw new Error(`module does not export ${name}()`);
  return f as T;
}

/** The module of each context type (what `loadType` imports), as the creators need it. */
export interface TypeModules {
  /** `src/aset/mod.ts`. */
  aset: Pick<typeof import("../aset/mod.ts"), "AllocSetContextCreate">;
  /** `src/generation/mod.ts`. */
  generation: Pick<typeof import("../generation/mod.ts"), "GenerationContextCreate">;
  /** `src/bump/mod.ts`. */
  bump: Pick<typeof import("../bump/mod.ts"), "BumpContextCreate">;
  /** `src/slab/mod.ts`. */
  slab: Pick<typeof import("../slab/mod.ts"), "SlabContextCreate">;
}

/**
 * The replay's creator for `type`, from that type's module (loaded by
 * `loadPallocApi`, or imported statically by a caller such as the explorer).
 */
export function contextCreator<T extends ContextType>(
  type: T,
  mod: TypeModules[T],
): ContextCreator {
  const m = mod as unknown as Record<string, unknown>;
  switch (type) {
    case "aset": {
      const create = fn<TypeModules["aset"]["AllocSetContextCreate"]>(m, "AllocSetContextCreate");
      return (parent, name, s) => create(parent, name, s[0], s[1], s[2]);
    }
    case "generation": {
      const create = fn<TypeModules["generation"]["GenerationContextCreate"]>(
        m,
        "GenerationContextCreate",
      );
      return (parent, name, s) => create(parent, name, s[0], s[1], s[2]);
    }
    case "bump": {
      const create = fn<TypeModules["bump"]["BumpContextCreate"]>(m, "BumpContextCreate");
      return (parent, name, s) => create(parent, name, s[0], s[1], s[2]);
    }
    default: {
      const create = fn<TypeModules["slab"]["SlabContextCreate"]>(m, "SlabContextCreate");
      return (parent, name, s) => create(parent, name, s[0], s[1]);
    }
  }
}

async function loadType(type: ContextType): Promise<ContextCreator> {
  switch (type) {
    case "aset":
      return contextCreator(type, await import("../aset/mod.ts"));
    case "generation":
      return contextCreator(type, await import("../generation/mod.ts"));
    case "bump":
      return contextCreator(type, await import("../bump/mod.ts"));
    case "slab":
      return contextCreator(type, await import("../slab/mod.ts"));
  }
}

async function loadAligned(mcxt: McxtModule): Promise<AlignedAllocator> {
  const own = (mcxt as unknown as Record<string, unknown>)["MemoryContextAllocAligned"];
  if (typeof own === "function") return own as AlignedAllocator;
  const m = await import("../alignedalloc.ts");
  return fn<AlignedAllocator>(m, "MemoryContextAllocAligned");
}

let loading: Promise<PallocApi> | null = null;

/**
 * Loads palloc for replay (once per process). Rejects only when mcxt itself
 * cannot be loaded; a missing type is recorded in `unavailable`.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * const api = await loadPallocApi();
 * api.mcxt.MemoryContextInit();
 * console.log(Object.keys(api.creators)); // e.g. ["aset", "generation", "bump", "slab"]
 * ```
 */
export function loadPallocApi(): Promise<PallocApi> {
  loading ??= load();
  return loading;
}

async function load(): Promise<PallocApi> {
  const mcxt = await import("../mcxt/mod.ts");
  const creators: Partial<Record<ContextType, ContextCreator>> = {};
  const unavailable = new Map<ContextType | "aligned", string>();
  for (const type of CONTEXT_TYPES) {
    try {
      creators[type] = await loadType(type);
    } catch (err) {
      unavailable.set(type, describe(err));
    }
  }
  let allocAligned: AlignedAllocator | null = null;
  try {
    allocAligned = await loadAligned(mcxt);
  } catch (err) {
    unavailable.set("aligned", describe(err));
  }
  return { mcxt, creators, allocAligned, unavailable, heap: () => heap };
}
