/**
 * Checking mode: palloc's run-time counterpart of PostgreSQL's
 * MEMORY_CONTEXT_CHECKING and CLOBBER_FREED_MEMORY build flags, chosen per
 * heap with `MemoryContextInit({ checking: true })` and off by default.
 *
 * The machinery lives in this file (the chunk operations) and its three
 * companions — `records.ts` (the side table), `walk.ts` (the per-chunk and
 * per-block checks the types' own checks call) and `tree.ts`
 * (`MemoryContextCheck` and the verification before a reset or delete). mcxt
 * and the context types call in from behind one `if (checking)` per site
 * (allocation, pfree, repalloc, chunk queries, reset, delete, and the types'
 * own moving repalloc), so with the mode off the cost is one predictable
 * branch per call.
 *
 * - **Records.** For every live chunk handed out through mcxt, a side table
 *   keeps the requested size and a hash of the chunk's 8-byte header, paged
 *   by 64 KiB of heap and made only where chunks are: nothing with the mode
 *   off, never a JS object per chunk. pfree, repalloc, GetMemoryChunkContext
 *   and GetMemoryChunkSpace refuse a pointer without a record (freed, reset,
 *   deleted, never allocated, the middle of a chunk) and a chunk whose header
 *   changed since allocation, before anything is changed.
 * - **Sentinel.** When a chunk has slack (requested size < usable size) the
 *   byte just past the requested size is set to 0x7E, as PostgreSQL's
 *   `set_sentinel` does, and verified on pfree, repalloc, reset, delete and
 *   `MemoryContextCheck`; a write past the end raises a PgError naming the
 *   context, the chunk and its size. A chunk with no slack has no sentinel.
 * - **Wipe.** Freed chunks and everything a reset or delete gives up are
 *   filled with 0x7F (CLOBBER_FREED_MEMORY's byte) before the type reuses or
 *   releases them, so a use after free reads 0x7F bytes at once.
 * - **Checks.** `MemoryContextCheck` verifies a subtree: tree links, each
 *   type's own check (block and chunk headers, freelists, counters against a
 *   recount) and, in checking mode, every chunk's record and sentinel, and
 *   that no free chunk still has one. Reset and delete run the same check
 *   first (once, unless a reset callback ran user code in between), so damage
 *   is refused before anything changes.
 *
 * Where this differs from PostgreSQL's checking build: PostgreSQL widens the
 * chunk header to 16 bytes to hold the requested size, and reserves a byte
 * for the sentinel in large (dedicated-block) chunks, so its counters differ
 * from a non-checking build. palloc keeps the 8-byte layout and holds the
 * requested size in the side table, so every counter (and every conformance
 * vector) is the same with checking on or off; the price is that a chunk
 * whose size fills it exactly has no sentinel, large chunks included.
 * PostgreSQL reports a damaged sentinel as a WARNING; palloc raises an
 * ERROR. A chunk moved by the heap's own realloc (an AllocSet dedicated
 * block) is not wiped: the heap reuses those bytes itself.
 */
import {
  type ContextMethods,
  heap,
  mcxtMethods,
  type MemoryContext,
  registerHeapLocal,
} from "../mcxt/context.ts";
import { MemoryChunkOwnerMethods } from "../mcxt/guard.ts";
import { ERRCODE_INTERNAL_ERROR, PgError } from "../elog.ts";
import { elogDataCorrupted } from "../elog.ts";
import { MCTX_ALIGNED_REDIRECT_ID, MEMORYCHUNK_SIZE } from "../memorychunk.ts";
import {
  CheckingRecordedSize,
  headerHash,
  headerUnchanged,
  NO_HEADER,
  recordClear,
  recordsClear,
  recordSet,
} from "./records.ts";

export { CheckingRecordedSize } from "./records.ts";

/** The byte written just past a chunk's requested size (PostgreSQL's sentinel). */
export const SENTINEL_BYTE = 0x7e;
/** The byte freed and reset memory is wiped with (CLOBBER_FREED_MEMORY's). */
export const WIPE_BYTE = 0x7f;

/**
 * True while the current heap runs in checking mode (see the file header).
 *
 * @example
 * ```ts
 * import { MemoryContextInit } from "@palloc/palloc";
 * import { checking } from "./mod.ts";
 * MemoryContextInit({ checking: true });
 * console.assert(checking);
 * ```
 */
export let checking = false;

registerHeapLocal({
  fresh() {
    checking = false;
    released = null;
    verified.clear();
  },
  save: () => checking,
  load(state) {
    checking = state as boolean;
    released = null;
    verified.clear();
  },
});

/** Turns checking mode on or off for the heap just installed (called by MemoryContextInit). */
export function CheckingInstall(on: boolean): void {
  checking = on;
  recordsClear();
}

/** The method table serving `p`: its header's type, or one owning it by address. */
function methodsOf(p: number): ContextMethods {
  return MemoryChunkOwnerMethods(p);
}

/** True for a type whose chunks carry no header (its table has `chunkCapacity`). */
function hasNoHeader(methods: ContextMethods): boolean {
  return methods.chunkCapacity !== undefined;
}

/** Usable bytes from `p` to the end of its chunk (a bump chunk: its size rounded to 8). */
export function capacityOf(p: number, methods: ContextMethods, size: number): number {
  if (methods.chunkCapacity !== undefined) return methods.chunkCapacity(size);
  if (methods === mcxtMethods[MCTX_ALIGNED_REDIRECT_ID]) {
    // The aligned data runs to the end of the unaligned chunk it was cut from.
    const m = heap.i32;
    const hdr = (p - MEMORYCHUNK_SIZE) >>> 2;
    const unaligned = p - MEMORYCHUNK_SIZE - ((m[hdr + 1] >>> 2) & 0x3ffffffe);
    const inner = methodsOf(unaligned);
    return unaligned + capacityOf(unaligned, inner, CheckingRecordedSize(unaligned)) - p;
  }
  return methods.getChunkSpace(p) - MEMORYCHUNK_SIZE;
}

/** The name of the context owning `p` for a message, or "?" when it cannot be found. */
function ownerName(p: number, methods: ContextMethods): string {
  try {
    const owner = methods.ownerByAddress?.(p) ?? null;
    if (owner !== null) return owner.name;
    return methods.getChunkContext(p).name;
  } catch {
    return "?";
  }
}

/** Raises unless the byte after `size` bytes at `p` is still the sentinel (when there is one). */
export function verifySentinel(
  p: number,
  size: number,
  capacity: number,
  ctxName: string | (() => string),
): void {
  if (size < capacity && heap.u8[p + size] !== SENTINEL_BYTE) {
    const name = typeof ctxName === "string" ? ctxName : ctxName();
    elogDataCorrupted(
      `detected write past chunk end in "${name}": chunk ${p} of ${size} bytes ` +
        `(${capacity} usable)`,
    );
  }
}

/**
 * Where the sentinel of the live chunk at `p` is (checking mode), or -1 when
 * it has none (no record, or no slack).
 */
export function CheckingSentinelAt(p: number): number {
  const size = CheckingRecordedSize(p);
  if (size < 0) return -1;
  return size < capacityOf(p, methodsOf(p), size) ? p + size : -1;
}

/**
 * Fills `n` bytes at `p` with the wipe byte (0x7F). The types call it on the
 * old chunk when repalloc moves a chunk itself.
 */
export function CheckingWipe(p: number, n: number): void {
  heap.u8.fill(WIPE_BYTE, p, p + n);
}

/**
 * Records a chunk just handed out by `methods`' type (the context's, or the
 * aligned-chunk redirect's) and sets its sentinel when it has slack. A bump
 * chunk has no header; the hash then covers the 8 bytes before it, which
 * are compared only when those bytes are an aligned chunk's redirect header.
 */
export function CheckingNoteAlloc(p: number, size: number, methods: ContextMethods): void {
  chunksChanged();
  recordSet(p, size, hasNoHeader(methods) ? NO_HEADER : headerHash(p));
  if (size < capacityOf(p, methods, size)) heap.u8[p + size] = SENTINEL_BYTE;
}

/**
 * Everything checking mode verifies before a chunk operation: the pointer
 * has a record, its header is unchanged, its type accepts it, its sentinel is
 * intact. Returns the requested size. A bump chunk stops after the record:
 * its own method raises the error PostgreSQL's checking build gives.
 */
function verifyChunk(p: number, methods: ContextMethods, what: string): number {
  const size = CheckingRecordedSize(p);
  if (size < 0) {
    throw new PgError(
      ERRCODE_INTERNAL_ERROR,
      `${what} called with invalid pointer ${p} (not a live chunk)`,
    );
  }
  if (hasNoHeader(methods)) return size;
  if (!headerUnchanged(p)) elogDataCorrupted(`${what} found the header of chunk ${p} overwritten`);
  // The type's own validation (block owner, bounds) raises before anything is changed.
  if (methods !== mcxtMethods[MCTX_ALIGNED_REDIRECT_ID]) methods.getChunkContext(p);
  verifySentinel(p, size, capacityOf(p, methods, size), () => ownerName(p, methods));
  return size;
}

/** pfree in checking mode: verify, wipe, forget, then the type's free. */
export function CheckingFree(p: number, methods: ContextMethods): void {
  chunksChanged();
  const size = verifyChunk(p, methods, "pfree");
  if (hasNoHeader(methods)) return methods.free(p); // raises Bump's error
  if (methods === mcxtMethods[MCTX_ALIGNED_REDIRECT_ID]) {
    // Its bytes are wiped when its unaligned chunk is freed, as in PostgreSQL; the free may
    // still be refused there (a bump chunk), so the record goes only once it succeeded.
    methods.free(p);
    recordClear(p);
    return;
  }
  // The wipe must come first (the type may link the freed chunk through its bytes), yet a free
  // the heap refuses (damage next to a block going back) must leave the chunk as it was.
  const capacity = capacityOf(p, methods, size);
  const saved = saveBytes(p, capacity);
  CheckingWipe(p, capacity);
  try {
    methods.free(p);
  } catch (e) {
    heap.u8.set(saved, p);
    throw e;
  }
  recordClear(p);
}

let scratch = new Uint8Array(1024);

/** A copy of `n` bytes at `p` in a reused buffer (valid until the next call). */
function saveBytes(p: number, n: number): Uint8Array {
  if (scratch.length < n || scratch.length > 1 << 20) {
    scratch = new Uint8Array(Math.max(1024, n));
  }
  const view = scratch.subarray(0, n);
  view.set(heap.u8.subarray(p, p + n));
  return view;
}

/** GetMemoryChunkContext / GetMemoryChunkSpace in checking mode: verify only. */
export function CheckingVerify(p: number, methods: ContextMethods, what: string): void {
  verifyChunk(p, methods, what);
}

/** repalloc in checking mode: verify, resize through the type, re-record. */
export function CheckingRealloc(
  p: number,
  size: number,
  flags: number,
  methods: ContextMethods,
): number {
  verifyChunk(p, methods, "repalloc");
  const q = methods.realloc(p, size, flags);
  if (q === 0) return 0;
  if (q !== p) recordClear(p);
  CheckingNoteAlloc(q, size, methods);
  return q;
}

// The context whose memory was just wiped; a delete that resets on its own (AllocSet going to
// its context freelist) releases twice in a row, and the second check would read the wipe.
let released: MemoryContext | null = null;
// Contexts verified since the last chunk operation (the check before a reset need not run twice).
const verified = new Set<MemoryContext>();

/** Notes that `ctx` passed its checks; forgotten at the next chunk operation. */
export function CheckingMarkVerified(ctx: MemoryContext): void {
  verified.add(ctx);
}

/** A chunk was allocated, freed or resized: earlier verifications no longer hold. */
function chunksChanged(): void {
  released = null;
  if (verified.size !== 0) verified.clear();
}

/** True when `ctx`'s memory was just wiped by `CheckingReleaseContext` (its checks would fail). */
export function CheckingJustReleased(ctx: MemoryContext): boolean {
  return ctx === released;
}

/** True when `ctx` passed its checks since the last chunk operation. */
export function CheckingWasVerified(ctx: MemoryContext): boolean {
  return verified.has(ctx);
}

/** Notes that `ctx`'s memory was just wiped (see `CheckingJustReleased`). */
export function CheckingNoteReleased(ctx: MemoryContext): void {
  released = ctx;
}
