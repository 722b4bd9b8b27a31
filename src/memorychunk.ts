/**
 * The 8-byte chunk header (PostgreSQL's `MemoryChunk`), kept in the heap just
 * before every pointer a context hands out.
 *
 * The header is one little-endian 64-bit word, read and written here as two
 * 32-bit halves so that no BigInt ever appears on a hot path:
 *
 * ```
 *  bit 63 ............................ 34 | 33 ..... 5 | 4 | 3 .. 0
 *  block offset (30 bits, bit 0 always 0) |   value    | X | method
 *                                   value bit 29 shares bit 34 ^
 * ```
 *
 * - method: which context type owns the chunk (the index into mcxt's method
 *   table); this is what lets `pfree(p)` dispatch from the pointer alone.
 * - X: the "external" flag. An external chunk keeps no value or offset; its
 *   type finds the block some other way (AllocSet: a dedicated block whose
 *   header sits right before the chunk).
 * - value: 30 bits for the type (AllocSet: freelist index, Generation and
 *   Slab: chunk size).
 * - block offset: bytes from the block header to the chunk header. Offsets are
 *   multiples of 8, so their lowest bit is always zero and PostgreSQL lets it
 *   overlap the top bit of value; we keep exactly that layout.
 *
 * An external header stores a fixed magic pattern in the value/offset bits so
 * that a stomped header can be noticed.
 */

/** Size of a chunk header in bytes (`sizeof(MemoryChunk)` without checking). */
export const MEMORYCHUNK_SIZE = 8;
/** Largest value a non-external header can store (30 bits). */
export const MEMORYCHUNK_MAX_VALUE = 0x3fffffff;
/** Largest chunk-to-block distance a non-external header can store. */
export const MEMORYCHUNK_MAX_BLOCKOFFSET = 0x3fffffff;

/** Method ids, as in PostgreSQL 18's `MemoryContextMethodID`. */
export const MCTX_ASET_ID = 3;
/** Generation's method id. */
export const MCTX_GENERATION_ID = 4;
/** Slab's method id. */
export const MCTX_SLAB_ID = 5;
/** The aligned-chunk redirect's method id. */
export const MCTX_ALIGNED_REDIRECT_ID = 6;
/** Bump's method id. */
export const MCTX_BUMP_ID = 7;

/**
 * PostgreSQL's node tag of the contexts each method id serves
 * (`T_AllocSetContext` …, without the `T_`); `MemoryContext.typeName` reads
 * it, so the tag is not a field of every context object.
 */
export const MCTX_TYPE_NAMES: ReadonlyArray<string | undefined> = [
  undefined,
  undefined,
  undefined,
  "AllocSetContext",
  "GenerationContext",
  "SlabContext",
  undefined,
  "BumpContext",
];

const METHOD_MASK = 0xf;
const EXTERNAL_BIT = 0x10;
// The 64-bit magic 0xB1A8DB858EB6EFBA with its low five bits cleared, split in halves.
const MAGIC_LO = (0x8eb6efba & ~0x1f) | 0;
const MAGIC_HI = 0xb1a8db85 | 0;

/**
 * Writes a normal header at `chunk` (the header's own offset, i.e. pointer - 8)
 * recording the owning block, a 30-bit value and the method id.
 */
export function chunkSetHeader(
  m: Int32Array,
  chunk: number,
  block: number,
  value: number,
  methodId: number,
): void {
  const i = chunk >>> 2;
  const offset = chunk - block;
  m[i] = (value << 5) | methodId;
  m[i + 1] = (offset << 2) | (value >>> 27);
}

/** Writes an external header (method id, external flag and the magic pattern). */
export function chunkSetHeaderExternal(m: Int32Array, chunk: number, methodId: number): void {
  const i = chunk >>> 2;
  m[i] = MAGIC_LO | EXTERNAL_BIT | methodId;
  m[i + 1] = MAGIC_HI;
}

/** True when the header at `chunk` is marked external. */
export function chunkIsExternal(m: Int32Array, chunk: number): boolean {
  return (m[chunk >>> 2] & EXTERNAL_BIT) !== 0;
}

/** True when an external header still carries its magic pattern. */
export function chunkExternalMagicOk(m: Int32Array, chunk: number): boolean {
  const i = chunk >>> 2;
  return (m[i] & ~0x1f) === MAGIC_LO && m[i + 1] === MAGIC_HI;
}

/** The 30-bit value of a normal header. */
export function chunkGetValue(m: Int32Array, chunk: number): number {
  const i = chunk >>> 2;
  return (m[i] >>> 5) | ((m[i + 1] & 7) << 27);
}

/** The block a normal header points back to. */
export function chunkGetBlock(m: Int32Array, chunk: number): number {
  return chunk - ((m[(chunk >>> 2) + 1] >>> 2) & 0x3ffffffe);
}

/** The method id stored in the header in front of `pointer`. */
export function pointerMethodId(m: Int32Array, pointer: number): number {
  return m[(pointer - MEMORYCHUNK_SIZE) >>> 2] & METHOD_MASK;
}
