/**
 * The checked replay's view of the chunks a trace holds: token → pointer,
 * owning context and size, plus a content stamp. Every chunk gets a short
 * pattern written into its first bytes when it is allocated; `realloc` must
 * carry the pattern over (PostgreSQL keeps the first min(old, new) bytes),
 * and every `check` verifies the stamps of all live chunks, so two chunks
 * that overlap or a block that is reused too early show up as a mismatch
 * even when the counters happen to agree.
 */
import type { MemoryContext } from "../mcxt/context.ts";

/** How many leading bytes of a chunk carry its stamp. */
export const STAMP_BYTES = 64;

/** One live chunk of the trace. */
export interface LiveChunk {
  /** The trace token. */
  token: string;
  /** Current pointer (a heap offset). */
  ptr: number;
  /** The context it was allocated in. */
  ctx: MemoryContext;
  /** Its current requested size. */
  size: number;
  /** The alignment `aligned` asked for, 0 for any other chunk (and after a realloc). */
  alignto: number;
  /** Seed of its stamp pattern. */
  seed: number;
}

/** Live chunks by token, with stamping and verification. */
export class ChunkTable {
  private readonly chunks = new Map<string, LiveChunk>();
  private serial = 0;

  /** The live chunk named `token`, if any. */
  get(token: string): LiveChunk | undefined {
    return this.chunks.get(token);
  }

  /** Every live chunk, in the order they were bound. */
  values(): IterableIterator<LiveChunk> {
    return this.chunks.values();
  }

  /** Binds `token` to a new chunk (aligned to `alignto`, or 0) and stamps it. */
  bind(
    u8: Uint8Array,
    token: string,
    ptr: number,
    ctx: MemoryContext,
    size: number,
    alignto = 0,
  ): LiveChunk {
    const seed = (++this.serial * 131 + 17) & 0xff;
    const chunk: LiveChunk = { token, ptr, ctx, size, alignto, seed };
    this.chunks.set(token, chunk);
    stamp(u8, chunk);
    return chunk;
  }

  /** Forgets a freed chunk. */
  unbind(token: string): void {
    this.chunks.delete(token);
  }

  /** Forgets every chunk of the contexts in `dead` (reset or deleted). */
  forgetContexts(dead: ReadonlySet<MemoryContext>): void {
    if (dead.size === 0) return;
    for (const [token, chunk] of this.chunks) {
      if (dead.has(chunk.ctx)) this.chunks.delete(token);
    }
  }

  /** Every live chunk whose stamp is damaged, described. */
  verifyAll(u8: Uint8Array): string[] {
    const out: string[] = [];
    for (const chunk of this.chunks.values()) {
      const bad = verify(u8, chunk, chunk.size);
      if (bad !== null) out.push(bad);
    }
    return out;
  }
}

function patternByte(chunk: LiveChunk, i: number): number {
  return (chunk.seed + i * 7 + 1) & 0xff;
}

/** Writes the chunk's pattern into its first min(size, STAMP_BYTES) bytes. */
export function stamp(u8: Uint8Array, chunk: LiveChunk): void {
  const n = Math.min(chunk.size, STAMP_BYTES);
  for (let i = 0; i < n; i++) u8[chunk.ptr + i] = patternByte(chunk, i);
}

/**
 * Checks the first min(`keep`, size, STAMP_BYTES) bytes of the chunk against
 * its pattern; returns a description of the first difference, or null.
 */
export function verify(u8: Uint8Array, chunk: LiveChunk, keep: number): string | null {
  const n = Math.min(keep, chunk.size, STAMP_BYTES);
  for (let i = 0; i < n; i++) {
    const want = patternByte(chunk, i);
    const got = u8[chunk.ptr + i];
    if (got !== want) {
      return `! contents of chunk ${chunk.token} lost: byte ${i} is ${got}, was ${want}`;
    }
  }
  return null;
}

/** Describes the first non-zero byte of `[ptr, ptr + size)`, or null when all are zero. */
export function firstNonZero(u8: Uint8Array, ptr: number, size: number): string | null {
  let start = 0;
  if (((u8.byteOffset + ptr) & 3) === 0 && size >= 64) {
    // Word at a time for big chunks (a 1 GB alloc0 would take seconds byte by byte).
    const words = new Int32Array(u8.buffer, u8.byteOffset + ptr, size >>> 2);
    let w = 0;
    while (w < words.length && words[w] === 0) w++;
    start = w * 4;
  }
  for (let i = start; i < size; i++) {
    if (u8[ptr + i] !== 0) return `! byte ${i} of the zeroed chunk is ${u8[ptr + i]}, not 0`;
  }
  return null;
}

/** `ctx` and (when `self`) every context below it, or only those below it. */
export function subtree(ctx: MemoryContext, self: boolean): Set<MemoryContext> {
  const out = new Set<MemoryContext>();
  if (self) out.add(ctx);
  const stack: MemoryContext[] = [];
  for (let c = ctx.firstchild; c !== null; c = c.nextchild) stack.push(c);
  while (stack.length > 0) {
    const c = stack.pop() as MemoryContext;
    out.add(c);
    for (let k = c.firstchild; k !== null; k = k.nextchild) stack.push(k);
  }
  return out;
}
