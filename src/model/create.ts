/**
 * Creating a context of any of the four types. The new context becomes its
 * parent's newest child (first in the children list), starts `isReset`,
 * with no chunks and no callbacks.
 *
 * Refused: a dead parent; parameters PostgreSQL only asserts on (block
 * sizes below 1 KB or not multiples of 8, max below init, min between 1
 * and 1023 or above max, sizes beyond 1 GB); a slab whose block cannot
 * hold one chunk ("block size N for slab is too small for M-byte chunks",
 * M being the chunk size raised to at least 8); and, when the heap is
 * exhausted, out of memory (see `memory.ts`). A refused create leaves no
 * context and changes nothing.
 *
 * An AllocSet of the default sizes (min 0, init 8 KB) or the small sizes
 * (min 0, init 1 KB) reuses the most recently deleted one from its context
 * freelist when there is one. The model keeps those lists because they
 * decide whether a create can succeed on an exhausted heap, and because a
 * recycled context keeps the chunk limit it was first created with (its
 * new maxBlockSize does not change it).
 */
import { memoryVerdict } from "./memory.ts";
import { badParameters, deadContext, outOfMemoryRefusal, slabTooSmall } from "./refusals.ts";
import { asetFreelistOf, slabFits } from "./sizes.ts";
import { contextOf, mustContext, nameOf, newContext, putContext } from "./state.ts";
import type { ContextSpec, CtxId, ModelState, Outcome } from "./types.ts";

/**
 * What `createContext` returns: the new context's identity.
 *
 * @example
 * ```ts
 * import { type Created, createGeneration, initialState, TOP } from "@palloc/palloc/model";
 * const made: Created = createGeneration(initialState(), TOP, "g", 0, 8192, 8 << 20);
 * console.assert(made.ok && typeof made.ctx === "number");
 * ```
 */
export type Created = Outcome<{ ctx: CtxId }>;

const MAX_BLOCK = 0x3fffffff;

function aligned(n: number): boolean {
  return Number.isSafeInteger(n) && n % 8 === 0;
}

/**
 * Why these parameters break PostgreSQL's assertions, or null when they are fine.
 *
 * @example
 * ```ts
 * import { specProblem } from "@palloc/palloc/model";
 * console.assert(specProblem({ kind: "aset", minContextSize: 0, initBlockSize: 100, maxBlockSize: 8192 }) === "initBlockSize");
 * ```
 */
export function specProblem(spec: ContextSpec): string | null {
  if (spec.kind === "slab") {
    if (!Number.isSafeInteger(spec.blockSize) || spec.blockSize <= 0) return "slab block size";
    if (spec.blockSize > MAX_BLOCK) return "slab block size above 1 GB";
    if (!Number.isSafeInteger(spec.chunkSize) || spec.chunkSize < 0) return "slab chunk size";
    return null;
  }
  const { minContextSize: min, initBlockSize: init, maxBlockSize: max } = spec;
  if (!aligned(init) || init < 1024) return "initBlockSize";
  if (!aligned(max) || max < init || max > MAX_BLOCK) return "maxBlockSize";
  if (min !== 0 && (!aligned(min) || min < 1024 || min > max)) return "minContextSize";
  return null;
}

/**
 * `AllocSetContextCreate` / `GenerationContextCreate` / `BumpContextCreate` / `SlabContextCreate`.
 *
 * @example
 * ```ts
 * import { createContext, initialState, TOP } from "@palloc/palloc/model";
 * const made = createContext(initialState(), TOP, "s", { kind: "slab", blockSize: 64, chunkSize: 100 });
 * console.assert(!made.ok && made.refusal.kind === "slab-block-too-small");
 * ```
 */
export function createContext(
  state: ModelState,
  parent: CtxId,
  name: string,
  spec: ContextSpec,
): Created {
  if (contextOf(state, parent) === undefined) return deadContext(state, nameOf(state, parent));
  const problem = specProblem(spec);
  if (problem !== null) return badParameters(state, problem);
  if (spec.kind === "slab" && !slabFits(spec.blockSize, spec.chunkSize)) {
    return slabTooSmall(state, spec.blockSize, Math.max(spec.chunkSize, 8));
  }
  const req = { op: "create", spec, parent } as const;
  if (memoryVerdict(state, req) === "fails") return outOfMemoryRefusal(state);
  const id = state.nextCtx;
  const list = asetFreelistOf(spec);
  const recycled = list === null ? undefined : state.asetFreelists[list][0];
  let next: ModelState = state;
  let ctx = newContext(id, name, spec, parent);
  if (list !== null && recycled !== undefined) {
    ctx = { ...ctx, chunkLimit: recycled };
    const lists: [readonly number[], readonly number[]] = [...state.asetFreelists];
    lists[list] = state.asetFreelists[list].slice(1);
    next = { ...next, asetFreelists: lists };
  }
  next = putContext(next, ctx);
  const p = mustContext(next, parent);
  next = putContext(next, { ...p, children: [id, ...p.children] });
  const names = new Map(next.names);
  names.set(id, name);
  next = { ...next, names, nextCtx: id + 1 };
  return { ok: true, state: next, ctx: id };
}

/**
 * `AllocSetContextCreate(parent, name, min, init, max)`.
 *
 * @example
 * ```ts
 * import { createAllocSet, initialState, TOP } from "@palloc/palloc/model";
 * const made = createAllocSet(initialState(), TOP, "work", 0, 8192, 8 << 20);
 * console.assert(made.ok && made.state.contexts.get(made.ctx)?.name === "work");
 * ```
 */
export function createAllocSet(
  state: ModelState,
  parent: CtxId,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): Created {
  return createContext(state, parent, name, {
    kind: "aset",
    minContextSize,
    initBlockSize,
    maxBlockSize,
  });
}

/**
 * `GenerationContextCreate(parent, name, min, init, max)`.
 *
 * @example
 * ```ts
 * import { createGeneration, initialState, TOP } from "@palloc/palloc/model";
 * const made = createGeneration(initialState(), TOP, "gen", 0, 8192, 8 << 20);
 * console.assert(made.ok);
 * ```
 */
export function createGeneration(
  state: ModelState,
  parent: CtxId,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): Created {
  return createContext(state, parent, name, {
    kind: "generation",
    minContextSize,
    initBlockSize,
    maxBlockSize,
  });
}

/**
 * `BumpContextCreate(parent, name, min, init, max)`.
 *
 * @example
 * ```ts
 * import { createBump, initialState, TOP } from "@palloc/palloc/model";
 * const made = createBump(initialState(), TOP, "bump", 0, 8192, 8 << 20);
 * console.assert(made.ok);
 * ```
 */
export function createBump(
  state: ModelState,
  parent: CtxId,
  name: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): Created {
  return createContext(state, parent, name, {
    kind: "bump",
    minContextSize,
    initBlockSize,
    maxBlockSize,
  });
}

/**
 * `SlabContextCreate(parent, name, blockSize, chunkSize)`.
 *
 * @example
 * ```ts
 * import { createSlab, initialState, TOP } from "@palloc/palloc/model";
 * const made = createSlab(initialState(), TOP, "slab", 8192, 64);
 * console.assert(made.ok);
 * ```
 */
export function createSlab(
  state: ModelState,
  parent: CtxId,
  name: string,
  blockSize: number,
  chunkSize: number,
): Created {
  return createContext(state, parent, name, { kind: "slab", blockSize, chunkSize });
}
