/**
 * # The model: palloc's specification of the context tree
 *
 * A pure-functional description of what PostgreSQL 18's memory contexts
 * promise, with no heap and no mutation. A state is an immutable value;
 * every operation takes a state and returns `{ ok: true, state, … }` or
 * `{ ok: false, state, refusal: { kind, message } }`. The properties in
 * `spec/properties/` run the real allocator beside it and compare after
 * every call. These are the invariants, in plain words:
 *
 * 1. **The tree.** TopMemoryContext is the root and stays the root: it can
 *    be neither deleted nor re-parented. Every other live context has one
 *    live parent and is listed once among its children. Children are kept
 *    newest first; a new or moved context becomes its parent's first child
 *    (moving a context to the parent it already has changes nothing). A
 *    context's level is its depth below TopMemoryContext. No context is its
 *    own ancestor: a set-parent that would make a cycle is refused.
 * 2. **Chunks.** A chunk lives in exactly one context, from the allocation
 *    that made it until it is freed or its context is reset or deleted,
 *    directly or through an ancestor. Realloc keeps a chunk in its context
 *    (and keeps its identity even when it moves). The model remembers each
 *    chunk's requested size and its `GetMemoryChunkSpace`; bump chunks have
 *    neither space nor owner that PostgreSQL can report.
 * 3. **Reset and delete free exactly their subtree.** Reset frees the
 *    context's chunks and deletes its descendants; reset-only frees only
 *    the context's chunks; reset-children resets every descendant; delete
 *    and delete-children remove whole subtrees. Chunks of every other
 *    context are untouched. Deleting a subtree that holds the current
 *    context is refused.
 * 4. **Callbacks** run newest first within a context, once each, just
 *    before that context's chunks die; across a subtree, in the order
 *    PostgreSQL visits it (pre-order for reset-children, bottom-up and
 *    newest-child-first for delete). A context with nothing allocated or
 *    registered since its last reset (`isReset`) is not reset again and
 *    fires nothing.
 * 5. **Emptiness** follows each type's `isEmpty` (see `tree.ts`): never
 *    with children; AllocSet: `isReset`; Generation: no live chunk; Slab:
 *    nothing allocated since the last reset; Bump: nothing of non-zero size
 *    allocated since the last reset.
 * 6. **Refusals** are typed and exact: invalid sizes (above MaxAllocSize
 *    = 0x3fffffff, or MaxAllocHugeSize = 2^63-1 with HUGE), slab's
 *    wrong-size alloc and other-size realloc, slab blocks too small for one
 *    chunk, bump's pfree/realloc/space/owner, dead contexts, dead or foreign
 *    chunks, deleting or moving TopMemoryContext, cycles. A refused call
 *    changes nothing, with one exception PostgreSQL makes: an allocation
 *    clears its context's `isReset` before the type refuses it.
 * 7. **Out of memory.** On an exhausted heap, requests that need a new
 *    block fail with a catchable out-of-memory error (NULL under NO_OOM) —
 *    in TopMemoryContext and everywhere else — while ErrorContext still
 *    serves small chunks up to its reserve (`ERROR_RESERVE` bytes of its
 *    keeper block), and `MemoryContextReset(ErrorContext)` (also done by
 *    error recovery) makes the reserve whole again (see `memory.ts`).
 *
 * Nothing here knows block sizes, free space or counters: those are the
 * conformance vectors' business.
 *
 * @example
 * ```ts
 * import { alloc, createAllocSet, deleteContext, initialState, TOP } from "@palloc/palloc/model";
 * let s = initialState();
 * const made = createAllocSet(s, TOP, "work", 0, 8192, 8 * 1024 * 1024);
 * if (!made.ok) throw new Error(made.refusal.message);
 * const a = alloc(made.state, made.ctx, 100);
 * if (!a.ok) throw new Error(a.refusal.message);
 * const gone = deleteContext(a.state, made.ctx);
 * console.assert(gone.ok && gone.state.chunks.size === 0);
 * ```
 */
export type * from "./types.ts";
export * from "./sizes.ts";
export {
  chunksOf,
  contextOf,
  ERROR_CONTEXT,
  ERROR_SPEC,
  initialState,
  mustContext,
  nameOf,
  TOP,
  TOP_SPEC,
} from "./state.ts";
export {
  allContexts,
  childrenOf,
  deletionOrder,
  isEmpty,
  isEmptyNow,
  isSelfOrAncestor,
  levelOf,
  parentOf,
  subtree,
} from "./tree.ts";
export {
  createAllocSet,
  createBump,
  createContext,
  type Created,
  createGeneration,
  createSlab,
  specProblem,
} from "./create.ts";
export { alloc, type Allocated, allocExtended, palloc } from "./alloc.ts";
export { free, lookupChunk, owner, realloc, space } from "./chunk.ts";
export {
  deleteChildren,
  deleteContext,
  type Fired,
  reset,
  resetChildren,
  resetOnly,
} from "./lifetime.ts";
export { registerCallback, setParent, switchTo } from "./links.ts";
export { exhaustHeap, memoryVerdict, outOfMemory, reallocPath, replenishHeap } from "./memory.ts";
export { limitVerdict, setLimit, strictestLimit } from "./limit.ts";
export { recoverFromError } from "./recovery.ts";
export { describeModel, modelViolations } from "./invariants.ts";
