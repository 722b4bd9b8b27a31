/**
 * The steps the context types' Create functions share —
 * checking the three block-size parameters, sizing and obtaining the one
 * malloc that holds a context header (and its keeper block), and deriving
 * `allocChunkLimit` from the largest block size.
 *
 * PostgreSQL repeats these steps in aset.c, generation.c and bump.c (slab.c
 * shares only the header malloc); here each is written once, with the type's
 * sizes and name as arguments, so the types cannot drift apart. What stays
 * in each type's Create is what really differs: AllocSet's own parameter
 * check and message, the header fields, the freelists or block lists.
 * `MemoryContextCreate` (`context.ts`) then links the new context into the
 * tree.
 *
 * The error texts must not change: the conformance vectors check them byte
 * for byte, as they check the `mem_allocated` the keeper size leads to.
 */
import { type MemoryContext, MemoryContextCreateFailure } from "./context.ts";
import { elogError } from "../elog.ts";
import { MEMORYCHUNK_MAX_BLOCKOFFSET } from "../memorychunk.ts";
import { MemoryContextBlockMalloc } from "./limit.ts";

/**
 * The block-size parameter check of Generation and Bump: every size a
 * non-negative multiple of 8; `initBlockSize` at least 1 KB; `maxBlockSize`
 * at least `initBlockSize` and within a chunk header's block offset;
 * `minContextSize` 0 or between 1 KB and `maxBlockSize`. PostgreSQL only
 * asserts these; a run-time caller gets a typed error instead of a context
 * that cannot work: `invalid <typeName> context parameters: …`.
 */
export function ContextCheckBlockSizes(
  typeName: string,
  minContextSize: number,
  initBlockSize: number,
  maxBlockSize: number,
): void {
  const ok = (n: number): boolean => Number.isSafeInteger(n) && n >= 0 && n % 8 === 0;
  if (
    !ok(initBlockSize) || initBlockSize < 1024 ||
    !ok(maxBlockSize) || maxBlockSize < initBlockSize ||
    maxBlockSize > MEMORYCHUNK_MAX_BLOCKOFFSET ||
    !ok(minContextSize) ||
    (minContextSize !== 0 && (minContextSize < 1024 || minContextSize > maxBlockSize))
  ) {
    elogError(
      `invalid ${typeName} context parameters: minContextSize ${minContextSize}, ` +
        `initBlockSize ${initBlockSize}, maxBlockSize ${maxBlockSize}`,
    );
  }
}

/**
 * The size of the one malloc holding a context header and its keeper block:
 * `minContextSize` when non-zero, else `initBlockSize`, and never less than
 * the header, one block header and one chunk header.
 */
export function ContextKeeperMallocSize(
  contextSize: number,
  blockHeaderSize: number,
  chunkHeaderSize: number,
  minContextSize: number,
  initBlockSize: number,
): number {
  const smallest = contextSize + blockHeaderSize + chunkHeaderSize;
  return Math.max(smallest, minContextSize !== 0 ? minContextSize : initBlockSize);
}

/**
 * Mallocs `size` bytes for the context `name` is to be (its header, and for
 * most types its keeper block) and returns their offset; raises PostgreSQL's
 * "Failed while creating memory context" out-of-memory error when the heap
 * is full.
 */
export function ContextMallocHeader(
  size: number,
  name: string,
  parent: MemoryContext | null,
): number {
  const header = MemoryContextBlockMalloc(parent, size);
  if (header === 0) MemoryContextCreateFailure(name);
  return header;
}

/**
 * `allocChunkLimit`: starting from `limit`, halved until `fraction` chunks of
 * that size, headers included, fit a block of `maxBlockSize` bytes after its
 * header. Larger requests get a dedicated block.
 */
export function ContextAllocChunkLimit(
  limit: number,
  maxBlockSize: number,
  blockHeaderSize: number,
  chunkHeaderSize: number,
  fraction: number,
): number {
  const room = Math.floor((maxBlockSize - blockHeaderSize) / fraction);
  while (limit + chunkHeaderSize > room) limit >>>= 1;
  return limit;
}
