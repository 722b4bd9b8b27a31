/**
 * Slab's context header, block header and block lists, as they sit in the heap.
 *
 * This file owns the byte layout of PostgreSQL 18's `SlabContext` and
 * `SlabBlock` (64-bit build, no MEMORY_CONTEXT_CHECKING) and where its lists
 * sit: the circular doubly linked lists (`dlist`, operated by `src/ilist.ts`)
 * that hold blocks by fullness, and the counted list (`dclist`) of cached
 * empty blocks, whose count is `emptyBlockCount`; and the `SlabContext` node,
 * whose scalars are a record of their own (`SlabFields`).
 * The allocation policy lives in `mod.ts` and `alloc.ts`; stats and the
 * self-check in `inspect.ts`. Writing the offsets down once here keeps the policy
 * readable as the algorithm.
 *
 * ```
 *  context header (176 bytes = sizeof(SlabContext), its own malloc)
 *  ┌────────────────────────┬──────────────────────────┬─────────────────┬──────────────────┐
 *  │ MemoryContextData (80) │ 6 × int32 parameters (24)│ emptyblocks (24)│ blocklist[3] (48)│
 *  │ word 0 = registry id   │ (kept on the JS object)  │ +104 dlist head │ +128, +144, +160 │
 *  └────────────────────────┴──────────────────────────┴─────────────────┴──────────────────┘
 *
 *  block header (48 bytes, Slab_BLOCKHDRSZ)
 *   +0 slab (context header)   +8 nfree (int32)   +12 nunused (int32)
 *   +16 freehead (chunk hdr)   +24 unused (chunk hdr)   +32 node.prev   +40 node.next
 *  chunks start at +48, each fullChunkSize bytes: [8-byte MemoryChunk][data]
 * ```
 *
 * Lists link the `node` field of blocks (block + 32) and list heads inside
 * the context header, exactly as `dlist_node`s do in C; an empty list's head
 * points to itself. Pointer fields are 8-byte slots whose low half holds a
 * 32-bit heap offset (read as uint32); high halves are zeroed when written.
 *
 * Trade-off: the scalar fields of `SlabContext` (sizes, chunks per block,
 * current blocklist index, shift, the empty-block count) live on the JS
 * object for speed; their bytes are allocated, so the accounting is exact.
 */
import { heap, MemoryContext } from "../mcxt/context.ts";

import { dlist_head_node, dlist_init, dlist_next_node } from "../ilist.ts";
import * as memorychunkModule from "../memorychunk.ts";

// Imports copied into this module's own consts (docs/architecture.md, "Hot modules").
const { MCTX_SLAB_ID } = memorychunkModule;

/** `sizeof(SlabContext)`: 80 + 6×4 + dclist_head (24) + 3 × dlist_head (16). */
/** `SLAB_MAXIMUM_EMPTY_BLOCKS`: how many emptied blocks are cached for reuse. */
export const SLAB_MAXIMUM_EMPTY_BLOCKS = 10;
export const SLAB_CONTEXT_SIZE = 176;
/** `Slab_BLOCKHDRSZ`: `MAXALIGN(sizeof(SlabBlock))`. */
export const SLAB_BLOCKHDRSZ = 48;
/** `Slab_CHUNKHDRSZ`: `sizeof(MemoryChunk)` without checking. */
export const SLAB_CHUNKHDRSZ = 8;
/** `SLAB_BLOCKLIST_COUNT`: fullness buckets; bucket 0 holds the full blocks. */
export const SLAB_BLOCKLIST_COUNT = 3;
/** Offset of the `emptyblocks` list head inside the context header. */
export const SLAB_EMPTYBLOCKS_HEAD = 104;
/** Offset of `blocklist[0]` inside the context header; each head is 16 bytes. */
export const SLAB_BLOCKLIST_HEAD = 128;
/** Offset of a block's list node from the block header. */
export const SLAB_BLOCK_NODE = 32;

// Word (32-bit) indexes of the block header's fields, relative to block >>> 2.
/** Word index of `slab` (the owning context's header offset). */
export const B_SLAB = 0;
/** Word index of `nfree`: chunks on the freelist plus unused chunks. */
export const B_NFREE = 2;
/** Word index of `nunused`: chunks never handed out yet. */
export const B_NUNUSED = 3;
/** Word index of `freehead`: the first chunk header on the block's freelist, 0 = none. */
export const B_FREEHEAD = 4;
/** Word index of `unused`: the next never-used chunk header. */
export const B_UNUSED = 6;

/** Heap offset of the head of `blocklist[index]` for the context at `header`. */
export function SlabBlocklistHead(header: number, index: number): number {
  return header + SLAB_BLOCKLIST_HEAD + (index << 4);
}

/**
 * `SlabBlockInit` for a freshly malloc'd block of a context whose chunks are
 * `fullChunkSize` bytes: the first chunk is handed out at once, the rest are
 * unused. Returns that first chunk's header offset.
 */
export function SlabBlockInit(
  header: number,
  block: number,
  chunksPerBlock: number,
  fullChunkSize: number,
): number {
  const u = heap.u32;
  const b = block >>> 2;
  const first = block + SLAB_BLOCKHDRSZ;
  u[b + B_SLAB] = header;
  u[b + B_SLAB + 1] = 0;
  u[b + B_NFREE] = chunksPerBlock - 1;
  u[b + B_NUNUSED] = chunksPerBlock - 1;
  u[b + B_FREEHEAD] = 0;
  u[b + B_FREEHEAD + 1] = 0;
  u[b + B_UNUSED] = first + fullChunkSize;
  u[b + B_UNUSED + 1] = 0;
  return first;
}

/** The header offset of the context owning `block`. */
export function SlabBlockContextHeader(block: number): number {
  return heap.u32[(block >>> 2) + B_SLAB];
}

/**
 * `SlabGetNextFreeChunk`: takes a chunk from `block`, which has one: the
 * freelist head if any, else the next unused chunk. Returns its header offset.
 */
export function SlabBlockGetNextFreeChunk(block: number, fullChunkSize: number): number {
  const u = heap.u32;
  const b = block >>> 2;
  let chunk = u[b + B_FREEHEAD];
  if (chunk !== 0) {
    // A free chunk's first data word holds the header offset of the next free chunk.
    u[b + B_FREEHEAD] = u[(chunk >>> 2) + 2];
  } else {
    chunk = u[b + B_UNUSED];
    u[b + B_UNUSED] = chunk + fullChunkSize;
    u[b + B_NUNUSED] -= 1;
  }
  u[b + B_NFREE] -= 1;
  return chunk;
}

/**
 * Gives every block on the list at `head` back to the heap and empties the
 * list; returns the bytes released (blocks are `blockSize` bytes each).
 */
export function SlabListRelease(head: number, blockSize: number): number {
  let released = 0;
  let node = dlist_head_node(head);
  while (node !== head) {
    const next = dlist_next_node(node);
    heap.u32[((node - SLAB_BLOCK_NODE) >>> 2) + B_SLAB] = 0; // stale pointers find no owner
    heap.freeChecked(node - SLAB_BLOCK_NODE); // checked before the reset
    released += blockSize;
    node = next;
  }
  dlist_init(head);
  return released;
}

/**
 * The scalar fields of PostgreSQL's `SlabContext`, kept in a record of their
 * own (`SlabContext.own`): every context object of every type has the same
 * fields, so a field only Slab uses would make every AllocSet dearer to
 * create (see `MemoryContext`).
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   SlabContext,
 *   SlabContextCreate,
 *   type SlabFields,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * const slab = SlabContextCreate(TopMemoryContext, "TXN", 8192, 104) as SlabContext;
 * const own: SlabFields = slab.own;
 * console.assert(own.chunkSize === 104 && own.chunksPerBlock === 72); // (8192 - 48) / 112
 * ```
 */
export interface SlabFields {
  /** The one accepted request size (at least 8). */
  chunkSize: number;
  /** Bytes per chunk: header plus MAXALIGN(chunkSize). */
  fullChunkSize: number;
  /** Bytes per block, header included. */
  blockSize: number;
  /** Chunks that fit in one block. */
  chunksPerBlock: number;
  /** The blocklist holding the fullest blocks with room; 0 when none has room. */
  curBlocklistIndex: number;
  /** Right shift turning a free-chunk count into a blocklist index. */
  blocklistShift: number;
  /** Number of blocks on the empty-block cache (`dclist_count(&emptyblocks)`). */
  emptyBlockCount: number;
}

/**
 * A Slab context: the tree node, with the scalar fields of `SlabContext` in
 * `own`.
 *
 * @example
 * ```ts
 * import {
 *   MemoryContextInit,
 *   SlabContext,
 *   SlabContextCreate,
 *   TopMemoryContext,
 * } from "@palloc/palloc";
 * MemoryContextInit();
 * // Many objects of one size, like reorderbuffer's transaction entries.
 * const slab = SlabContextCreate(TopMemoryContext, "TXN", 8192, 104);
 * console.assert(slab instanceof SlabContext && slab.own.fullChunkSize === 112); // 8-byte header
 * ```
 */
export class SlabContext extends MemoryContext {
  /** The fields only a Slab context has (set by `SlabContextCreate`). */
  declare own: SlabFields;

  /** Never called: `newSlabContext()` makes the object (see `MemoryContext`'s constructor). */
  private constructor() {
    super(MCTX_SLAB_ID);
  }

  /** True for a context of this type (the objects of every type share `MemoryContext.prototype`). */
  static override [Symbol.hasInstance](value: unknown): value is SlabContext {
    return value instanceof MemoryContext && value.methodId === MCTX_SLAB_ID;
  }
}

/** A new SlabContext object, its fields at their initial values (for the create functions). */
export function newSlabContext(): SlabContext {
  return new MemoryContext(MCTX_SLAB_ID) as SlabContext;
}
