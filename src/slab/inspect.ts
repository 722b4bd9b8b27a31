/**
 * Read-only walks over a Slab context: `SlabStats`, `SlabCheck`, and the
 * chunk areas and released blocks checking mode and mcxt's release check
 * walk.
 *
 * None of these is on an allocation path. Stats visit every block, as
 * PostgreSQL does; the check also visits every chunk. Kept apart from
 * `mod.ts` and `alloc.ts`, as every type's inspect file is.
 *
 * The stats text is PostgreSQL 18's, e.g.
 * `8368 total in 1 blocks; 0 empty blocks; 7952 free (71 chunks); 416 used`:
 * total counts the 176-byte context header, every listed block and every
 * cached empty block; "blocks" and "free" count only the listed blocks (an
 * empty block's chunks are not reported as free, a quirk PostgreSQL keeps).
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
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
  MCTX_SLAB_ID,
  pointerMethodId,
} from "../memorychunk.ts";
import {
  B_FREEHEAD,
  B_NFREE,
  B_NUNUSED,
  B_UNUSED,
  SLAB_BLOCK_NODE,
  SLAB_BLOCKHDRSZ,
  SLAB_BLOCKLIST_COUNT,
  SLAB_CHUNKHDRSZ,
  SLAB_CONTEXT_SIZE,
  SLAB_EMPTYBLOCKS_HEAD,
  SlabBlockContextHeader,
  SlabBlocklistHead,
  type SlabContext,
} from "./block.ts";
import { dlist_head_node, dlist_next_node } from "../ilist.ts";

/**
 * `SlabStats`: adds the context's counters to `totals` and returns
 * PostgreSQL's stats text when `wantText`.
 */
export function SlabStats(
  context: MemoryContext,
  totals: MemoryContextCounters | null,
  wantText: boolean,
): string {
  const slab = context as SlabContext;
  let nblocks = 0;
  let freechunks = 0;
  let totalspace = SLAB_CONTEXT_SIZE + slab.own.emptyBlockCount * slab.own.blockSize;
  let freespace = 0;
  const maxBlocks = heap.usedBlocks + 1;
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) {
    const head = SlabBlocklistHead(slab.header, i);
    for (let node = dlist_head_node(head); node !== head; node = dlist_next_node(node)) {
      const nfree = heap.i32[((node - SLAB_BLOCK_NODE) >>> 2) + B_NFREE];
      if (++nblocks > maxBlocks) MemoryContextListDamaged(context);
      totalspace += slab.own.blockSize;
      freespace += slab.own.fullChunkSize * nfree;
      freechunks += nfree;
    }
  }
  if (totals !== null) {
    totals.nblocks += nblocks;
    totals.freechunks += freechunks;
    totals.totalspace += totalspace;
    totals.freespace += freespace;
  }
  if (!wantText) return "";
  return `${totalspace} total in ${nblocks} blocks; ${slab.own.emptyBlockCount} empty blocks; ` +
    `${freespace} free (${freechunks} chunks); ${totalspace - freespace} used`;
}

/**
 * `SlabCheck`: verifies every block's list, owner, free count, freelist and
 * unused watermark, every used chunk's header, and that the blocks add up to
 * `mem_allocated`; raises a data-corrupted PgError (XX001) naming the first problem.
 */
export function SlabCheck(context: MemoryContext): void {
  const slab = context as SlabContext;
  const name = slab.name;
  let nblocks = 0;
  const seen = new Set<number>();

  const emptyHead = slab.header + SLAB_EMPTYBLOCKS_HEAD;
  let nempty = 0;
  for (const block of SlabCheckedList(slab, emptyHead, seen)) {
    const nfree = heap.i32[(block >>> 2) + B_NFREE];
    if (nfree !== slab.own.chunksPerBlock) {
      elogDataCorrupted(
        `problem in slab ${name}: empty block 0x${block.toString(16)} should have ` +
          `${slab.own.chunksPerBlock} free chunks but has ${nfree} chunks free`,
      );
    }
    SlabCheckBlockChunks(slab, block);
    nempty++;
  }
  if (nempty !== slab.own.emptyBlockCount) {
    elogDataCorrupted(
      `problem in slab ${name}: ${nempty} empty blocks cached, count says ${slab.own.emptyBlockCount}`,
    );
  }

  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) {
    const head = SlabBlocklistHead(slab.header, i);
    for (const block of SlabCheckedList(slab, head, seen)) {
      const nfree = heap.i32[(block >>> 2) + B_NFREE];
      const where = `problem in slab ${name}: block 0x${block.toString(16)}`;
      const want = -((-nfree) >> slab.own.blocklistShift);
      if (want !== i) {
        elogDataCorrupted(`${where} is on blocklist ${i} but should be on blocklist ${want}`);
      }
      if (nfree >= slab.own.chunksPerBlock) {
        elogDataCorrupted(`${where} is empty but stored on blocklist element ${i}`);
      }
      SlabCheckBlockChunks(slab, block);
      nblocks++;
    }
  }
  // Allocation may leave the index on a non-empty list above a fuller one (as PostgreSQL
  // does), but it is 0 exactly when no block has room.
  const cur = slab.own.curBlocklistIndex;
  const curHead = SlabBlocklistHead(slab.header, cur);
  if (
    cur < 0 || cur >= SLAB_BLOCKLIST_COUNT ||
    (cur === 0 ? SlabFirstListWithRoom(slab) !== 0 : dlist_head_node(curHead) === curHead)
  ) {
    elogDataCorrupted(`problem in slab ${name}: current blocklist ${cur} is wrong`);
  }

  nblocks += nempty;
  if (nblocks * slab.own.blockSize !== slab.memAllocated) {
    elogDataCorrupted(
      `problem in slab ${name}: ${nblocks} blocks of ${slab.own.blockSize} bytes, ` +
        `mem_allocated is ${slab.memAllocated}`,
    );
  }
}

/**
 * The blocks of the list at `head`, each link tested before it is followed:
 * inside the heap, prev link mirroring the walk, on no other list, a live
 * heap block of `blockSize` bytes; at most a heap's worth of them.
 */
function SlabCheckedList(slab: SlabContext, head: number, seen: Set<number>): number[] {
  const u = heap.u32;
  const out: number[] = [];
  const limit = CheckingWalkLimit();
  let prev = head;
  for (let node = dlist_head_node(head); node !== head; node = dlist_next_node(node)) {
    const block = node - SLAB_BLOCK_NODE;
    if (!CheckingBlockPointerOk(block) || seen.has(block) || out.length > limit) {
      slabFail(slab, `block list is broken at 0x${block.toString(16)}`);
    }
    if (u[node >>> 2] !== prev) {
      slabFail(slab, `block 0x${block.toString(16)} has a bogus prev link`);
    }
    if (!CheckingHeapBlockOk(block, slab.own.blockSize)) {
      slabFail(
        slab,
        `block 0x${block.toString(16)} is not a live ${slab.own.blockSize}-byte block`,
      );
    }
    seen.add(block);
    out.push(block);
    prev = node;
  }
  if (u[head >>> 2] !== prev) slabFail(slab, `a list head's prev link is bogus`);
  return out;
}

function slabFail(slab: SlabContext, detail: string): never {
  elogDataCorrupted(`problem in slab ${slab.name}: ${detail}`);
}

/** Visits the chunk area of every block, cached empty ones included (checking mode wipes them). */
export function SlabChunkAreas(
  context: MemoryContext,
  visit: (start: number, end: number, blockEnd: number) => void,
): void {
  const slab = context as SlabContext;
  const heads = [slab.header + SLAB_EMPTYBLOCKS_HEAD];
  for (let i = 0; i < SLAB_BLOCKLIST_COUNT; i++) heads.push(SlabBlocklistHead(slab.header, i));
  for (const head of heads) {
    let n = CheckingWalkLimit();
    for (let node = dlist_head_node(head); node !== head && n-- > 0; node = dlist_next_node(node)) {
      const block = node - SLAB_BLOCK_NODE;
      visit(
        block + SLAB_BLOCKHDRSZ,
        heap.u32[(block >>> 2) + B_UNUSED],
        block + slab.own.blockSize,
      );
    }
  }
}

/** The lowest non-empty blocklist above 0, or 0. */
function SlabFirstListWithRoom(slab: SlabContext): number {
  for (let i = 1; i < SLAB_BLOCKLIST_COUNT; i++) {
    const head = SlabBlocklistHead(slab.header, i);
    if (dlist_head_node(head) !== head) return i;
  }
  return 0;
}

/** Checks one block's owner, freelist, unused watermark and used-chunk headers. */
function SlabCheckBlockChunks(slab: SlabContext, block: number): void {
  const u = heap.u32;
  const b = block >>> 2;
  const full = slab.own.fullChunkSize;
  const per = slab.own.chunksPerBlock;
  const first = block + SLAB_BLOCKHDRSZ;
  const where = `problem in slab ${slab.name}: block 0x${block.toString(16)}`;
  if (SlabBlockContextHeader(block) !== slab.header) {
    elogDataCorrupted(`${where} has a bogus slab link`);
  }

  const isFree = new Uint8Array(per);
  let nfree = 0;
  for (let chunk = u[b + B_FREEHEAD]; chunk !== 0; chunk = heap.u32[(chunk >>> 2) + 2]) {
    const offset = chunk - first;
    if (offset < 0 || offset % full !== 0 || offset / full >= per || isFree[offset / full]) {
      elogDataCorrupted(`${where} has a bogus free list link 0x${chunk.toString(16)}`);
    }
    if ((heap.i32[chunk >>> 2] & 0xf) === MCTX_SLAB_ID) {
      elogDataCorrupted(`${where} has a free chunk 0x${chunk.toString(16)} with a live header`);
    }
    isFree[offset / full] = 1;
    nfree++;
  }
  const nunused = heap.i32[b + B_NUNUSED];
  if (nunused < 0 || nunused > per || u[b + B_UNUSED] !== first + (per - nunused) * full) {
    elogDataCorrupted(`${where}: nunused chunks and the unused pointer disagree`);
  }
  for (let j = per - nunused; j < per; j++) {
    if (isFree[j]) elogDataCorrupted(`${where} has an unused chunk on its free list`);
    isFree[j] = 1;
    nfree++;
  }
  for (let j = 0; j < per; j++) {
    const chunk = first + j * full;
    if (isFree[j]) {
      CheckingChunkOk(slab, chunk + SLAB_CHUNKHDRSZ, full - SLAB_CHUNKHDRSZ, true);
      continue;
    }
    if (
      pointerMethodId(heap.i32, chunk + SLAB_CHUNKHDRSZ) !== MCTX_SLAB_ID ||
      chunkGetBlock(heap.i32, chunk) !== block || chunkIsExternal(heap.i32, chunk) ||
      chunkGetValue(heap.i32, chunk) !== full - SLAB_CHUNKHDRSZ
    ) {
      elogDataCorrupted(`${where} has a used chunk 0x${chunk.toString(16)} with a bogus header`);
    }
    CheckingChunkOk(slab, chunk + SLAB_CHUNKHDRSZ, full - SLAB_CHUNKHDRSZ, false);
  }
  if (nfree !== heap.i32[b + B_NFREE]) {
    elogDataCorrupted(
      `${where} says ${heap.i32[b + B_NFREE]} chunks are free but ${nfree} were found`,
    );
  }
}

/** The heap blocks a reset gives back (every block, cached empty ones too), and the header on delete. */
export function SlabReleasedBlocks(
  context: MemoryContext,
  deleting: boolean,
  budget: number,
): number {
  for (let i = -1; i < SLAB_BLOCKLIST_COUNT; i++) {
    const head = i < 0
      ? context.header + SLAB_EMPTYBLOCKS_HEAD
      : SlabBlocklistHead(context.header, i);
    for (let node = dlist_head_node(head); node !== head; node = dlist_next_node(node)) {
      if (--budget < 0) return budget;
      heap.checkFree(node - SLAB_BLOCK_NODE);
    }
  }
  if (deleting) {
    if (--budget < 0) return budget;
    heap.checkFree(context.header);
  }
  return budget;
}

/** A self-check's finding: the data is damaged (SQLSTATE XX001, like the other types' checks). */
