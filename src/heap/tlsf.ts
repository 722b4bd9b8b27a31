/**
 * The block layout and the TLSF size classes: the constants and the pure
 * arithmetic every other heap file shares. Nothing here touches memory, so
 * the hot paths in `core.ts` and `heap.ts` can inline these small functions freely.
 *
 * Block layout (all offsets in bytes, every block starts 8-aligned):
 *
 * ```
 *          used block                           free block
 *   b+0    ┌───────────────────────────┐        ┌───────────────────────────┐
 *          │ size             (bit0 0) │        │ size | FREE      (bit0 1) │
 *   b+4    │ requested size            │        │ next free in class (0=end)│
 *   b+8    │ check = word0 ^ b ^ MAGIC │        │ check = word0 ^ b ^ MAGIC │
 *   b+12   │ size of physical previous │        │ size of physical previous │
 *   b+16   ├───────────────────────────┤ ← ptr  ├───────────────────────────┤
 *          │ payload (size - 16 bytes) │        │ previous free in class    │
 *          │                           │        │ (rest unused)             │
 *   b+size └───────────────────────────┘        └───────────────────────────┘
 * ```
 *
 * `size` counts the whole block, header included, and is a multiple of 8, so
 * the physical next block is at `b + size` and the previous one at
 * `b - prevSize` (0 marks the first block). Freed neighbours are merged at
 * once, so two free blocks are never adjacent. The heap ends with a 16-byte
 * used sentinel block, so every real block has a physical successor.
 *
 * Size classes (two-level segregated fit): sizes below 256 get one class per
 * 8 bytes; above that each power of two is cut into 32 equal classes. A class
 * index is `fl * 32 + sl`; with sizes below 2^32 there are 25 first levels.
 */

/** Bytes of block header before every payload. */
export const HDR = 16;
/** Smallest block: a header plus room for the free-list back link. */
export const MIN_BLOCK = 24;
/** Size of the end sentinel block. */
export const SENTINEL = 16;
/** Flag in word 0 of a free block. */
export const FREE = 1;
/** Mixed into every check word so that zeroed or random memory fails it. */
export const MAGIC = 0x5eed_c0de | 0;
/** Second-level classes per power of two (log2). */
export const SL_LOG2 = 5;
/** Number of first levels (sizes below 2^32). */
export const FL_COUNT = 25;
/** Number of classes. */
export const CLASS_COUNT = FL_COUNT << SL_LOG2;
/** Below this size classes are exact multiples of 8. */
export const SMALL = 256;
/** Memory grows in whole WebAssembly pages. */
export const PAGE = 65536;
/** Largest memory the heap can address (pointers stay below 2^32). */
export const MAX_MEMORY = 2 ** 32 - PAGE;

/** Block size for a request of `size` bytes (`size` < 2^32 - 64). */
export function blockSizeFor(size: number): number {
  const t = size + (HDR + 7);
  const bs = t - (t & 7);
  return bs < MIN_BLOCK ? MIN_BLOCK : bs;
}

/** The class a free block of `size` bytes is filed under. */
export function classOf(size: number): number {
  if (size < SMALL) return size >>> 3;
  const log = 31 - Math.clz32(size);
  return ((log - 7) << SL_LOG2) | ((size >>> (log - SL_LOG2)) & 31);
}

/** The check word for a header at `b` whose word 0 is `word0`. */
export function checkWord(word0: number, b: number): number {
  return (word0 ^ b ^ MAGIC) | 0;
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
export function lowBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Rounds `n` up to whole 64 KiB pages. */
export function pageRound(n: number): number {
  return Math.ceil(n / PAGE) * PAGE;
}
