/**
 * Read-only walks over a Generation context's block list: emptiness, the
 * statistics PostgreSQL reports, and a structural self-check.
 *
 * None of these is on an allocation path; they visit every block (stats and
 * check also every chunk header), which is what PostgreSQL does too. Kept
 * apart from `generation.ts` so the allocation policy stays short.
 *
 * The stats text is PostgreSQL 18's, e.g.
 * `8192 total in 1 blocks (2 chunks); 7968 free (1 chunks); 224 used`:
 * total counts the 128-byte context header and every block; free counts only
 * the untouched tail of each block, since freed chunks are counted per block
 * but their bytes are not reusable until the block empties.
 */
import type { MemoryContext, MemoryContextCounters } from "./context.ts";
import { heap } from "./context.ts";
import { elogError } from "./elog.ts";
import { chunkGetBlock, chunkIsExternal } from "./memorychunk.ts";
import {
  B_FREEPTR,
  B_NCHUNKS,
  B_NFREE,
  GENERATION_BLOCKHDRSZ,
  GENERATION_BLOCKS_HEAD,
  GENERATION_CHUNKHDRSZ,
  GENERATION_CONTEXT_SIZE,
  GenerationBlockContextHeader,
  GenerationBlockFreeBytes,
  GenerationBlockNext,
  GenerationBlockSize,
  GenerationChunkSize,
} from "./generation_block.ts";

/** `GenerationIsEmpty`: true when no block holds a chunk (freed chunks still count). */
export function GenerationIsEmpty(context: MemoryContext): boolean {
  const head = context.header + GENERATION_BLOCKS_HEAD;
  const u = heap.u32;
  for (let block = GenerationBlockNext(head); block !== head; block = GenerationBlockNext(block)) {
    if (u[(block >>> 2) + B_NCHUNKS] > 0) return false;
  }
  return true;
}

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
  for (let block = GenerationBlockNext(head); block !== head; block = GenerationBlockNext(block)) {
    const u = heap.u32;
    const b = block >>> 2;
    nblocks++;
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
 * `GenerationCheck`: walks every block and chunk and verifies the links and
 * counts the headers claim; raises an internal error naming the first problem.
 */
export function GenerationCheck(context: MemoryContext): void {
  const name = context.name;
  const head = context.header + GENERATION_BLOCKS_HEAD;
  let total = 0;
  for (let block = GenerationBlockNext(head); block !== head; block = GenerationBlockNext(block)) {
    const m = heap.i32;
    const u = heap.u32;
    const b = block >>> 2;
    const where = `problem in Generation ${name}: block 0x${block.toString(16)}`;
    total += GenerationBlockSize(block);
    if (u[b + B_NFREE] > u[b + B_NCHUNKS]) {
      elogError(`${where} has more free than allocated chunks`);
    }
    if (GenerationBlockContextHeader(block) !== context.header) {
      elogError(`${where} has a bogus context link`);
    }
    let nchunks = 0;
    let external = false;
    const freeptr = u[b + B_FREEPTR];
    for (let chunk = block + GENERATION_BLOCKHDRSZ; chunk < freeptr;) {
      const ext = chunkIsExternal(m, chunk);
      const owner = ext ? chunk - GENERATION_BLOCKHDRSZ : chunkGetBlock(m, chunk);
      if (owner !== block) elogError(`${where} has a chunk with a bogus block link`);
      external ||= ext;
      nchunks++;
      chunk += GENERATION_CHUNKHDRSZ + GenerationChunkSize(m, chunk, block);
    }
    if (nchunks !== u[b + B_NCHUNKS]) {
      elogError(`${where} holds ${nchunks} chunks, its header says ${u[b + B_NCHUNKS]}`);
    }
    if (external && nchunks > 1) elogError(`${where} mixes an external chunk with others`);
  }
  if (total !== context.memAllocated) {
    elogError(
      `problem in Generation ${name}: blocks hold ${total} bytes, mem_allocated is ${context.memAllocated}`,
    );
  }
}
