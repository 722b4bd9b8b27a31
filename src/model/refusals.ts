/**
 * Every refusal the model can give, with its message. Messages are
 * PostgreSQL's own where PostgreSQL raises an ERROR; where PostgreSQL only
 * asserts (deleting TopMemoryContext, cycles, deleting the current context,
 * dead contexts) they are the texts palloc's mcxt raises instead. Dead and
 * foreign chunk pointers are undefined behaviour in PostgreSQL; the model
 * refuses them so that a program's misuse is visible, but the real
 * allocator is never asked to detect them.
 */
import type { ModelState, Outcome, Refusal, RefusalKind } from "./types.ts";

/** Builds a refusal outcome that leaves `state` as given. */
export function refuse(state: ModelState, kind: RefusalKind, message: string): Outcome<never> {
  const refusal: Refusal = { kind, message };
  return { ok: false, state, refusal };
}

/** `memory context "NAME" is not a live context`. */
export function deadContext(state: ModelState, name: string): Outcome<never> {
  return refuse(state, "dead-context", `memory context "${name}" is not a live context`);
}

/** A pointer to a chunk that was freed, or whose context was reset or deleted. */
export function deadPointer(state: ModelState, verb: string): Outcome<never> {
  return refuse(state, "dead-pointer", `${verb} called with a pointer to a dead chunk`);
}

/** A pointer the model never handed out. */
export function foreignPointer(state: ModelState, verb: string): Outcome<never> {
  return refuse(state, "foreign-pointer", `${verb} called with invalid pointer`);
}

/** `invalid memory alloc request size N`. */
export function invalidSize(state: ModelState, size: number | bigint): Outcome<never> {
  return refuse(state, "invalid-size", `invalid memory alloc request size ${String(size)}`);
}

/** `out of memory`. */
export function outOfMemoryRefusal(state: ModelState): Outcome<never> {
  return refuse(state, "out-of-memory", "out of memory");
}

/** `unexpected alloc chunk size N (expected M)`. */
export function slabChunkSize(
  state: ModelState,
  size: number | bigint,
  expected: number,
): Outcome<never> {
  return refuse(
    state,
    "slab-chunk-size",
    `unexpected alloc chunk size ${String(size)} (expected ${expected})`,
  );
}

/** `slab allocator does not support realloc()`. */
export function slabRealloc(state: ModelState): Outcome<never> {
  return refuse(state, "slab-realloc", "slab allocator does not support realloc()");
}

/** `block size N for slab is too small for M-byte chunks`. */
export function slabTooSmall(state: ModelState, blockSize: number, chunk: number): Outcome<never> {
  return refuse(
    state,
    "slab-block-too-small",
    `block size ${blockSize} for slab is too small for ${chunk}-byte chunks`,
  );
}

/** `X is not supported by the bump memory allocator`. */
export function bumpUnsupported(state: ModelState, what: string): Outcome<never> {
  return refuse(state, "bump-unsupported", `${what} is not supported by the bump memory allocator`);
}

/** Deleting TopMemoryContext. */
export function cannotDelete(state: ModelState, name: string): Outcome<never> {
  return refuse(state, "top-context", `cannot delete memory context "${name}"`);
}

/** Re-parenting TopMemoryContext. */
export function cannotReparent(state: ModelState, name: string): Outcome<never> {
  return refuse(state, "top-context", `cannot change the parent of "${name}"`);
}

/** Making a context its own ancestor. */
export function cycle(state: ModelState, parent: string, child: string): Outcome<never> {
  return refuse(
    state,
    "cycle",
    `cannot make "${parent}" the parent of "${child}": that would form a cycle`,
  );
}

/** Deleting a subtree that holds CurrentMemoryContext. */
export function holdsCurrent(state: ModelState, name: string): Outcome<never> {
  return refuse(
    state,
    "holds-current",
    `cannot delete memory context "${name}": it holds the current memory context`,
  );
}

/** A memory limit that is not a non-negative safe integer (palloc's own; PostgreSQL has none). */
export function badLimit(state: ModelState, bytes: number, name: string): Outcome<never> {
  return refuse(state, "bad-limit", `invalid memory limit ${bytes} for memory context "${name}"`);
}

/** Parameters PostgreSQL only asserts on (block sizes below 1 KB, unaligned, out of order). */
export function badParameters(state: ModelState, what: string): Outcome<never> {
  return refuse(state, "bad-parameters", `invalid memory context parameters: ${what}`);
}
