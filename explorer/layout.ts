/**
 * The heap map's data: every block of every context, read from palloc's heap
 * at one moment, cut into headers, chunks (used, free on a freelist, freed
 * but not reusable) and untouched free space, with AllocSet's freelists and
 * Slab's block fullness.
 *
 * It reads the heap only. The blocks of a context come from its type's
 * `chunkAreas` walk (the one checking mode uses); what is inside a block is
 * read from the chunk headers, as PostgreSQL's own check functions do. The
 * layout constants (block header sizes, the word offsets of a few header
 * fields) are the one place in the explorer that imports palloc's internal
 * files rather than `mod.ts`.
 */
import { MemoryContextTraverseNext } from "../src/internal.ts";
import * as P from "../mod.ts";
import {
  ALLOC_BLOCKHDRSZ,
  AllocSetFreelistWord,
  ASET_CONTEXT_SIZE,
  FREE_MARK,
  KeeperBlock as AllocSetKeeperBlock,
} from "../src/aset/block.ts";
import {
  B_NCHUNKS,
  B_NFREE as GEN_NFREE,
  GENERATION_BLOCKHDRSZ,
  GENERATION_CONTEXT_SIZE,
  GENERATION_FREE_BIT,
  KeeperBlock as GenerationKeeperBlock,
} from "../src/generation/block.ts";
import { B_NFREE as SLAB_NFREE, SLAB_BLOCKHDRSZ, SLAB_CONTEXT_SIZE } from "../src/slab/block.ts";
import {
  BUMP_BLOCKHDRSZ,
  BUMP_CONTEXT_SIZE,
  KeeperBlock as BumpKeeperBlock,
} from "../src/bump/block.ts";
import {
  chunkGetValue,
  chunkIsExternal,
  MCTX_ALIGNED_REDIRECT_ID,
  MCTX_SLAB_ID,
  MEMORYCHUNK_SIZE,
  pointerMethodId,
} from "../src/memorychunk.ts";

/** A chunk the replay knows by its trace token. */
export interface LiveChunk {
  /** The trace token (`p1`), or `callback ID` for a callback struct. */
  token: string;
  /** The pointer palloc returned. */
  ptr: number;
  /** The context it was allocated in. */
  ctx: P.MemoryContext;
  /** The size the trace asked for. */
  requested: number;
  /** The alignment asked for (`aligned`), else 0. */
  alignto: number;
}

/** One piece of a block. */
export interface Segment {
  /** Offset in the heap. */
  start: number;
  /** Bytes. */
  bytes: number;
  /**
   * `ctxheader` (the context's own header, inside the keeper block),
   * `blockheader`, `chunkheader`, `used`, `free` (on a freelist, reusable),
   * `dead` (freed but not reusable until the block empties: Generation),
   * `unused` (never carved), `padding` (an aligned chunk's padding).
   */
  kind:
    | "ctxheader"
    | "blockheader"
    | "chunkheader"
    | "used"
    | "free"
    | "dead"
    | "unused"
    | "padding";
  /** For chunks: details shown on hover. */
  chunk?: ChunkInfo;
}

/** What hovering a chunk shows. */
export interface ChunkInfo {
  /** The pointer (data start). */
  ptr: number;
  /** The trace token, when the chunk is live and known. */
  token: string | null;
  /** The size the caller asked for, when known. */
  requested: number | null;
  /** Bytes the chunk occupies, header included (GetMemoryChunkSpace; Bump: no header). */
  space: number;
  /** The chunk header's bytes (8, or 0 for Bump). */
  header: number;
  /** `used`, `free` or `dead`. */
  state: "used" | "free" | "dead";
  /** AllocSet: the freelist (size class) index. */
  freelist: number | null;
  /** AllocSet: the next chunk on the same freelist, 0 at the end. */
  next: number | null;
  /** The aligned pointer inside it, for an aligned chunk. */
  aligned: number | null;
}

/** One block as a bar. */
export interface BlockLayout {
  /** Offset of the block (or of the context header for a keeper block). */
  start: number;
  /** Bytes from start to the block's end. */
  bytes: number;
  /** `keeper` (allocated with the context header), `block`, `dedicated` (one large chunk). */
  role: "keeper" | "block" | "dedicated";
  /** Human note: `freeblock`, `current`, `empty (cached)`, Slab fullness … */
  note: string;
  /** Slab: used and total chunks. */
  fill: { used: number; total: number } | null;
  /** Its pieces, in address order, covering it exactly. */
  segments: Segment[];
}

/** One context's part of the heap map. */
export interface ContextLayout {
  /** Name. */
  name: string;
  /** `AllocSetContext`, `GenerationContext`, `SlabContext`, `BumpContext`. */
  type: string;
  /** Blocks, as the type lists them. */
  blocks: BlockLayout[];
  /** Bytes of a context header held apart from every block (Slab). */
  separateHeader: number;
  /** AllocSet: the non-empty freelists, head first. */
  freelists: { index: number; size: number; chunks: number[] }[];
}

const TYPE_SIZES: Record<string, { block: number; context: number }> = {
  AllocSetContext: { block: ALLOC_BLOCKHDRSZ, context: ASET_CONTEXT_SIZE },
  GenerationContext: { block: GENERATION_BLOCKHDRSZ, context: GENERATION_CONTEXT_SIZE },
  SlabContext: { block: SLAB_BLOCKHDRSZ, context: SLAB_CONTEXT_SIZE },
  BumpContext: { block: BUMP_BLOCKHDRSZ, context: BUMP_CONTEXT_SIZE },
};

const maxalign = (n: number): number => (n + 7) & ~7;

/** The layout of every context below (and including) `top`, in MemoryContextStats order. */
export function describeHeap(top: P.MemoryContext, live: LiveChunk[]): ContextLayout[] {
  const byPtr = new Map<number, LiveChunk>();
  for (const c of live) byPtr.set(c.ptr, c);
  const out: ContextLayout[] = [];
  for (const c of preorder(top)) out.push(describeContext(c, byPtr, live));
  return out;
}

/** `top` and every context below it, a parent before its children, children newest first. */
export function preorder(top: P.MemoryContext): P.MemoryContext[] {
  const out = [top];
  for (let c = top.firstchild; c !== null; c = MemoryContextTraverseNext(c, top)) out.push(c);
  return out;
}

function describeContext(
  ctx: P.MemoryContext,
  byPtr: Map<number, LiveChunk>,
  live: LiveChunk[],
): ContextLayout {
  const sizes = TYPE_SIZES[ctx.typeName];
  const layout: ContextLayout = {
    name: ctx.name,
    type: ctx.typeName,
    blocks: [],
    separateHeader: 0,
    freelists: [],
  };
  if (sizes === undefined || ctx.methods.chunkAreas === undefined) return layout;
  const keeper = ctx instanceof P.AllocSetContext
    ? AllocSetKeeperBlock(ctx)
    : ctx instanceof P.GenerationContext
    ? GenerationKeeperBlock(ctx)
    : ctx instanceof P.BumpContext
    ? BumpKeeperBlock(ctx)
    : 0; // Slab has no keeper block
  const areas: [number, number, number][] = [];
  ctx.methods.chunkAreas(ctx, (start, end, blockEnd) => areas.push([start, end, blockEnd]));
  let free = new Map<number, [number, number]>(); // AllocSet chunk header → [freelist, next]
  if (ctx instanceof P.AllocSetContext) free = asetFreelists(ctx, layout);
  if (ctx instanceof P.SlabContext) layout.separateHeader = sizes.context;
  for (const [start, end, blockEnd] of areas) {
    const blockStart = start - sizes.block;
    const isKeeper = blockStart === keeper && keeper !== 0;
    const segs: Segment[] = [];
    const origin = isKeeper ? ctx.header : blockStart;
    if (isKeeper) {
      segs.push({ start: ctx.header, bytes: blockStart - ctx.header, kind: "ctxheader" });
    }
    segs.push({ start: blockStart, bytes: sizes.block, kind: "blockheader" });
    const block: BlockLayout = {
      start: origin,
      bytes: blockEnd - origin,
      role: isKeeper ? "keeper" : "block",
      note: "",
      fill: null,
      segments: segs,
    };
    if (ctx instanceof P.AllocSetContext) asetChunks(start, end, byPtr, free, segs, block);
    else if (ctx instanceof P.GenerationContext) {
      genChunks(ctx, blockStart, start, end, byPtr, segs, block);
    } else if (ctx instanceof P.SlabContext) {
      slabChunks(ctx, blockStart, start, blockEnd, byPtr, segs, block);
    } else bumpChunks(ctx, start, end, live, segs);
    const tail = segs.length === 0
      ? origin
      : segs[segs.length - 1].start + segs[segs.length - 1].bytes;
    if (blockEnd > tail) segs.push({ start: tail, bytes: blockEnd - tail, kind: "unused" });
    layout.blocks.push(block);
  }
  return layout;
}

/** AllocSet's freelists: chunk header → [list index, next chunk pointer]. */
function asetFreelists(
  set: P.AllocSetContext,
  layout: ContextLayout,
): Map<number, [number, number]> {
  const m = P.heap.u32;
  const out = new Map<number, [number, number]>();
  const fl = AllocSetFreelistWord(set);
  const limit = (P.heap.byteLength >>> 4) + 16;
  for (let k = 0; k < 11; k++) {
    const chunks: number[] = [];
    let n = 0;
    for (let ch = m[fl + 2 * k]; ch !== 0 && n++ < limit; ch = m[(ch + MEMORYCHUNK_SIZE) >>> 2]) {
      const next = m[(ch + MEMORYCHUNK_SIZE) >>> 2];
      out.set(ch, [k, next === 0 ? 0 : next + MEMORYCHUNK_SIZE]);
      chunks.push(ch + MEMORYCHUNK_SIZE);
    }
    if (chunks.length > 0) layout.freelists.push({ index: k, size: 8 << k, chunks });
  }
  return out;
}

/** Marks the data part of a chunk that holds a known live chunk, or an aligned one inside it. */
function usedInfo(
  ptr: number,
  dataBytes: number,
  header: number,
  byPtr: Map<number, LiveChunk>,
): ChunkInfo {
  let known = byPtr.get(ptr);
  let aligned: number | null = null;
  if (known === undefined) {
    // An aligned chunk: its pointer lies inside this chunk, behind a redirect header.
    for (let q = maxalign(ptr + MEMORYCHUNK_SIZE); q <= ptr + dataBytes; q += 8) {
      const k = byPtr.get(q);
      if (k !== undefined && pointerMethodId(P.heap.i32, q) === MCTX_ALIGNED_REDIRECT_ID) {
        known = k;
        aligned = q;
        break;
      }
    }
  }
  return {
    ptr,
    token: known?.token ?? null,
    requested: known?.requested ?? null,
    space: dataBytes + header,
    header,
    state: "used",
    freelist: null,
    next: null,
    aligned,
  };
}

function pushChunk(segs: Segment[], info: ChunkInfo, kind: Segment["kind"]): void {
  const hdrStart = info.ptr - info.header;
  if (info.header > 0) {
    segs.push({ start: hdrStart, bytes: info.header, kind: "chunkheader", chunk: info });
  }
  const data = info.space - info.header;
  if (info.aligned !== null) {
    const pad = info.aligned - info.ptr;
    segs.push({ start: info.ptr, bytes: pad, kind: "padding", chunk: info });
    segs.push({ start: info.aligned, bytes: data - pad, kind, chunk: info });
  } else {
    segs.push({ start: info.ptr, bytes: data, kind, chunk: info });
  }
}

function asetChunks(
  start: number,
  end: number,
  byPtr: Map<number, LiveChunk>,
  free: Map<number, [number, number]>,
  segs: Segment[],
  block: BlockLayout,
): void {
  const i32 = P.heap.i32;
  if (start < end && chunkIsExternal(i32, start)) {
    block.role = "dedicated";
    block.note = "dedicated block: one large chunk";
    pushChunk(segs, usedInfo(start + 8, end - start - 8, 8, byPtr), "used");
    return;
  }
  for (let ch = start; ch < end;) {
    const value = chunkGetValue(i32, ch);
    const fidx = value & ~FREE_MARK;
    const size = 8 << fidx;
    const f = free.get(ch);
    if (f !== undefined) {
      pushChunk(segs, {
        ptr: ch + 8,
        token: null,
        requested: null,
        space: size + 8,
        header: 8,
        state: "free",
        freelist: f[0],
        next: f[1],
        aligned: null,
      }, "free");
    } else {
      pushChunk(segs, usedInfo(ch + 8, size, 8, byPtr), "used");
    }
    ch += 8 + size;
  }
}

function genChunks(
  ctx: P.GenerationContext,
  blockStart: number,
  start: number,
  end: number,
  byPtr: Map<number, LiveChunk>,
  segs: Segment[],
  block: BlockLayout,
): void {
  const i32 = P.heap.i32;
  const g = ctx as unknown as { block: number; freeblock: number };
  const b = blockStart >>> 2;
  const nchunks = i32[b + B_NCHUNKS];
  const nfree = i32[b + GEN_NFREE];
  block.note = (nchunks === 0 ? "empty" : `${nchunks - nfree} of ${nchunks} chunks live`) +
    (blockStart === g.block ? " · current block" : "") +
    (blockStart === g.freeblock ? " · the freeblock" : "");
  if (start < end && chunkIsExternal(i32, start)) {
    block.role = "dedicated";
    block.note = "dedicated block: one large chunk";
    pushChunk(segs, usedInfo(start + 8, end - start - 8, 8, byPtr), "used");
    return;
  }
  for (let ch = start; ch < end;) {
    const value = chunkGetValue(i32, ch);
    const isFree = (i32[ch >>> 2] & GENERATION_FREE_BIT) !== 0;
    const size = value & ~1;
    if (isFree) {
      pushChunk(segs, {
        ptr: ch + 8,
        token: null,
        requested: null,
        space: size + 8,
        header: 8,
        state: "dead",
        freelist: null,
        next: null,
        aligned: null,
      }, "dead");
    } else {
      pushChunk(segs, usedInfo(ch + 8, size, 8, byPtr), "used");
    }
    ch += 8 + size;
  }
}

function slabChunks(
  ctx: P.SlabContext,
  blockStart: number,
  start: number,
  blockEnd: number,
  byPtr: Map<number, LiveChunk>,
  segs: Segment[],
  block: BlockLayout,
): void {
  const slab = (ctx as P.SlabContext).own;
  const full = slab.fullChunkSize;
  const per = slab.chunksPerBlock;
  const nfree = P.heap.i32[(blockStart >>> 2) + SLAB_NFREE];
  block.fill = { used: per - nfree, total: per };
  block.note = nfree === per
    ? "empty, cached for reuse (PostgreSQL counts it in the total, not as free)"
    : `${per - nfree} of ${per} chunks used`;
  for (let j = 0; j < per; j++) {
    const ch = start + j * full;
    if (ch + full > blockEnd) break;
    const used = pointerMethodId(P.heap.i32, ch + 8) === MCTX_SLAB_ID &&
      byPtrHas(byPtr, ch + 8, full);
    if (used) {
      pushChunk(segs, usedInfo(ch + 8, full - 8, 8, byPtr), "used");
    } else {
      pushChunk(segs, {
        ptr: ch + 8,
        token: null,
        requested: null,
        space: full,
        header: 8,
        state: "free",
        freelist: null,
        next: null,
        aligned: null,
      }, "free");
    }
  }
}

/** True when a live chunk of the replay starts in the chunk at `ptr` (plain or aligned). */
function byPtrHas(byPtr: Map<number, LiveChunk>, ptr: number, full: number): boolean {
  for (let q = ptr; q < ptr + full - 8 + 1; q += 8) if (byPtr.has(q)) return true;
  return false;
}

function bumpChunks(
  ctx: P.MemoryContext,
  start: number,
  end: number,
  live: LiveChunk[],
  segs: Segment[],
): void {
  const mine = live.filter((c) => c.ctx === ctx && c.ptr >= start && c.ptr < end)
    .sort((a, b) => a.ptr - b.ptr);
  let at = start;
  for (const c of mine) {
    if (c.ptr > at) {
      // Space in use that the replay has no token for (an aligned chunk's padding and header).
      segs.push({ start: at, bytes: c.ptr - at, kind: c.alignto > 0 ? "padding" : "used" });
    }
    const bytes = Math.min(maxalign(c.requested), end - c.ptr);
    segs.push({
      start: c.ptr,
      bytes,
      kind: "used",
      chunk: {
        ptr: c.ptr,
        token: c.token,
        requested: c.requested,
        space: bytes,
        header: 0,
        state: "used",
        freelist: null,
        next: null,
        aligned: null,
      },
    });
    at = c.ptr + bytes;
  }
  if (end > at) segs.push({ start: at, bytes: end - at, kind: "used" });
}
