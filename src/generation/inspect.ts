/**
 * Read-only walks over a Generation context's block list: the statistics
 * PostgreSQL reports (`GenerationStats`), a structural self-check
 * (`GenerationCheck`), and the chunk areas and released blocks checking mode
 * and mcxt's release check walk.
 *
 * None of these is on an allocation path; they visit every block (stats and
 * check also every chunk header), which is what PostgreSQL does too. Kept
 * apart from `mod.ts` and `alloc.ts`, as every type's inspect file is.
 *
 * The stats text is PostgreSQL 18's, e.g.
 * `8192 total in 1 blocks (2 chunks); 7968 free (1 chunks); 224 used`:
 * total counts the 128-byte context header and every block; free counts only
 * the untouched tail of each block, since freed chunks are counted per block
 * but their bytes are not reusable until the block empties.
 */
import type {} from "../checking/mod.ts";
import {
  CheckingBlockPointerOk,
  CheckingChunkOk,
  CheckingHeapBlockOk,
  CheckingWalkLimit,
} from "../checking/walk.ts";
import type {} from "../elog.ts";
import { elogDataCorrupted } from "../elog.ts";
import {
  heap,
  type MemoryContext,
  type MemoryContextCounters,
  MemoryContextListDamaged,
} from "../mcxt/context.ts";
import {
  chunkExternalMagicOk,
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
  MCTX_GENERATION_ID,
} from "../memorychunk.ts";
import {
  B_ENDPTR,
  B_FREEPTR,
  B_NCHUNKS,
  B_NFREE,
  B_PREV,
  GENERATION_BLOCKHDRSZ,
  GENERATION_BLOCKS_HEAD,
  GENERATION_CHUNKHDRSZ,
  GENERATION_CONTEXT_SIZE,
  GenerationBlockContextHeader,
  GenerationBlockFreeBytes,
  GenerationBlockSize,
  type GenerationContext,
  KeeperBlock,
} from "./block.ts";
import { dlist_next_node } from "../ilist.ts";

/**
 * `GenerationStats`: header plus blocks as total space; only each block's
 * untouched tail counts as free (freed chunks are counted, not measured).
 */
export function GenerationStats(
  context: MemoryContext,
  totals: MemoryContextCounters | null,
  wantText: boolean,
): string {
  const head = context.header + GENERATION_BLOCKS_HEAD;
  let nblocks = 0;
  let nchunks = 0;
  let nfreechunks = 0;
  let totalspace = GENERATION_CONTEXT_SIZE;
  let freespace = 0;
  const maxBlocks = heap.usedBlocks + 1;
  for (let block = dlist_next_node(head); block !== head; block = dlist_next_node(block)) {
    const u = heap.u32;
    const b = block >>> 2;
    if (++nblocks > maxBlocks) MemoryContextListDamaged(context);
    nchunks += u[b + B_NCHUNKS];
    nfreechunks += u[b + B_NFREE];
    totalspace += GenerationBlockSize(block);
    freespace += GenerationBlockFreeBytes(block);
  }
  if (totals !== null) {
    totals.nblocks += nblocks;
    totals.freechunks += nfreechunks;
    totals.totalspace += totalspace;
    totals.freespace += freespace;
  }
  if (!wantText) return "";
  return `${totalspace} total in ${nblocks} blocks (${nchunks} chunks); ` +
    `${freespace} free (${nfreechunks} chunks); ${totalspace - freespace} used`;
}

/**
 * `GenerationCheck`: walks every block and chunk and verifies what the
 * headers claim: list links, owner, free and end pointers against the heap's
 * own block size, each chunk's header (method, block link, size, free mark),
 * the chunk and free counts against a recount, the keeper, current block and
 * freeblock on the list, and `mem_allocated`; in checking mode every chunk's
 * record and sentinel too. Every link is tested before it is followed.
 * Raises a PgError naming the first problem.
 */
export function GenerationCheck(context: MemoryContext): void {
  const set = context as GenerationContext;
  const head = set.header + GENERATION_BLOCKS_HEAD;
  const limit = CheckingWalkLimit();
  const seen = new Set<number>();
  let total = 0;
  let prev = head;
  for (let block = dlist_next_node(head); block !== head; block = dlist_next_node(block)) {
    if (!CheckingBlockPointerOk(block) || seen.has(block) || seen.size > limit) {
      fail(set, `block list is broken at 0x${block.toString(16)}`);
    }
    seen.add(block);
    const u = heap.u32;
    const b = block >>> 2;
    const where = `block 0x${block.toString(16)}`;
    if (u[b + B_PREV] !== prev) fail(set, `${where} has a bogus prev link`);
    if (GenerationBlockContextHeader(block) !== set.header) {
      fail(set, `${where} has a bogus context link`);
    }
    const blksize = GenerationBlockSize(block);
    const freeptr = u[b + B_FREEPTR];
    const endptr = u[b + B_ENDPTR];
    const start = block === KeeperBlock(set) ? set.header : block;
    if (endptr !== block + blksize || !CheckingHeapBlockOk(start, endptr - start)) {
      fail(set, `${where} has a size that disagrees with the heap`);
    }
    if (freeptr < block + GENERATION_BLOCKHDRSZ || freeptr > endptr) {
      fail(set, `${where} has a bogus free pointer`);
    }
    if (heap.i32[b + B_NFREE] > heap.i32[b + B_NCHUNKS] || heap.i32[b + B_NFREE] < 0) {
      fail(set, `${where} has more free than allocated chunks`);
    }
    total += blksize;
    GenerationCheckChunks(set, block, freeptr, endptr);
    prev = block;
  }
  if (heap.u32[(head >>> 2) + B_PREV] !== prev) {
    fail(set, "the block list head's prev link is bogus");
  }
  if (!seen.has(KeeperBlock(set))) fail(set, "the keeper block is not on the block list");
  if (!seen.has(set.block)) fail(set, "the current block is not on the block list");
  if (
    set.freeblock !== 0 &&
    (!seen.has(set.freeblock) || heap.u32[(set.freeblock >>> 2) + B_NCHUNKS] !== 0)
  ) {
    fail(set, "the freeblock is not an empty block of the list");
  }
  if (total !== set.memAllocated) {
    fail(set, `blocks hold ${total} bytes, mem_allocated is ${set.memAllocated}`);
  }
}

/** Walks one block's chunks header by header; counts must match the block header's. */
function GenerationCheckChunks(
  set: GenerationContext,
  block: number,
  freeptr: number,
  endptr: number,
): void {
  const m = heap.i32;
  const b = block >>> 2;
  const where = `block 0x${block.toString(16)}`;
  let nchunks = 0;
  let nfree = 0;
  let external = false;
  let chunk = block + GENERATION_BLOCKHDRSZ;
  while (chunk < freeptr) {
    const ext = chunkIsExternal(m, chunk);
    if ((m[chunk >>> 2] & 0xf) !== MCTX_GENERATION_ID) {
      fail(set, `${where} has a chunk 0x${chunk.toString(16)} with a bogus header`);
    }
    let size: number;
    let isFree = false;
    if (ext) {
      if (chunk !== block + GENERATION_BLOCKHDRSZ || !chunkExternalMagicOk(m, chunk)) {
        fail(set, `${where} has a bogus external chunk`);
      }
      size = endptr - chunk - GENERATION_CHUNKHDRSZ;
    } else {
      const value = chunkGetValue(m, chunk);
      if (chunkGetBlock(m, chunk) !== block || (value & 6) !== 0) {
        fail(set, `${where} has a chunk 0x${chunk.toString(16)} with a bogus header`);
      }
      size = value & ~7;
      isFree = (value & 1) !== 0;
    }
    if (chunk + GENERATION_CHUNKHDRSZ + size > freeptr) {
      fail(set, `${where} has a chunk running past its free pointer`);
    }
    CheckingChunkOk(set, chunk + GENERATION_CHUNKHDRSZ, size, isFree);
    external ||= ext;
    nchunks++;
    if (isFree) nfree++;
    chunk += GENERATION_CHUNKHDRSZ + size;
  }
  if (nchunks !== m[b + B_NCHUNKS]) {
    fail(set, `${where} holds ${nchunks} chunks, its header says ${m[b + B_NCHUNKS]}`);
  }
  if (nfree !== m[b + B_NFREE]) {
    fail(set, `${where} holds ${nfree} freed chunks, its header says ${m[b + B_NFREE]}`);
  }
  if (external && nchunks > 1) fail(set, `${where} mixes an external chunk with others`);
}

function fail(set: MemoryContext, detail: string): never {
  elogDataCorrupted(`problem in Generation ${set.name}: ${detail}`);
}

/** The chunk area of every block, header to free pointer (checking mode wipes them). */
export function GenerationChunkAreas(
  context: MemoryContext,
  visit: (start: number, end: number, blockEnd: number) => void,
): void {
  const head = context.header + GENERATION_BLOCKS_HEAD;
  let n = CheckingWalkLimit();
  for (let block = dlist_next_node(head); block !== head && n-- > 0;) {
    const b = block >>> 2;
    visit(block + GENERATION_BLOCKHDRSZ, heap.u32[b + B_FREEPTR], heap.u32[b + B_ENDPTR]);
    block = dlist_next_node(block);
  }
}

/** The heap blocks a reset gives back (all but the keeper), and the header on delete. */
export function GenerationReleasedBlocks(
  context: MemoryContext,
  deleting: boolean,
  budget: number,
): number {
  const keeper = KeeperBlock(context);
  const head = context.header + GENERATION_BLOCKS_HEAD;
  let keepers = 0;
  for (let block = dlist_next_node(head); block !== head; block = dlist_next_node(block)) {
    if (block === keeper) {
      if (++keepers > 1) return -1;
    } else {
      if (--budget < 0) return budget;
      heap.checkFree(block);
    }
  }
  if (deleting) {
    if (--budget < 0) return budget;
    heap.checkFree(context.header);
  }
  return budget;
}
