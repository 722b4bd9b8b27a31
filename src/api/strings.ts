/**
 * Strings in the heap, as C code keeps them: UTF-8 bytes ended by a NUL.
 * `strdup` is PostgreSQL's `MemoryContextStrdup` (one `MemoryContextAlloc`
 * of the encoded length plus one, then a copy); `readString` decodes the
 * bytes back up to the NUL.
 *
 * A string holding U+0000 is stored whole, but `readString` stops at its
 * first NUL, as every C reader of it would; pass `byteLength` to read such
 * a string completely. Invalid UTF-16 (a lone surrogate) is stored as
 * U+FFFD, which is what `TextEncoder` makes of it.
 *
 * Decoding copies the bytes out first: `TextDecoder` refuses views of a
 * resizable buffer in some engines (Chromium), and the heap's buffer is one.
 */
import { heap } from "../mcxt/context.ts";
import { ERRCODE_INVALID_PARAMETER_VALUE, PgError } from "../elog.ts";
import { MemoryContextAlloc } from "../mcxt/mod.ts";
import { type ContextLike, memoryContextOf } from "./context.ts";
import { checkRange } from "./views.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Copies `s` into a new chunk of `ctx` as NUL-terminated UTF-8
 * (`MemoryContextStrdup`); returns its pointer. The chunk is
 * `utf8Length(s) + 1` bytes.
 *
 * @example
 * ```ts
 * import { Context, readString, strdup } from "@palloc/palloc";
 * const top = Context.init();
 * const p = strdup(top, "grüße, 世界");
 * console.assert(readString(p) === "grüße, 世界");
 * ```
 */
export function strdup(ctx: ContextLike, s: string): number {
  const encoded = encoder.encode(s);
  const p = MemoryContextAlloc(memoryContextOf(ctx), encoded.length + 1);
  const u8 = heap.u8;
  u8.set(encoded, p);
  u8[p + encoded.length] = 0;
  return p;
}

/**
 * The string at `pointer`: UTF-8 bytes up to the first NUL, or exactly
 * `byteLength` bytes when given. Raises `PgError` when no NUL ends the
 * string before the heap does.
 *
 * @example
 * ```ts
 * import { bytes, Context, readString } from "@palloc/palloc";
 * const top = Context.init();
 * const p = top.alloc(3);
 * bytes(p, 3).set([0x68, 0x69, 0]); // "hi\0"
 * console.assert(readString(p) === "hi");
 * ```
 */
export function readString(pointer: number, byteLength?: number): string {
  heap.refreshViews();
  let end: number;
  if (byteLength === undefined) {
    checkRange(pointer, 0, 1, "readString");
    end = heap.u8.indexOf(0, pointer);
    if (end < 0) {
      throw new PgError(
        ERRCODE_INVALID_PARAMETER_VALUE,
        `readString: no NUL ends the string at ${pointer}`,
      );
    }
  } else {
    checkRange(pointer, byteLength, 1, "readString");
    end = pointer + byteLength;
  }
  return decoder.decode(heap.u8.slice(pointer, end));
}

/**
 * The number of bytes `s` takes as UTF-8, without its NUL.
 *
 * @example
 * ```ts
 * import { utf8Length } from "@palloc/palloc";
 * console.assert(utf8Length("é") === 2 && utf8Length("€") === 3);
 * ```
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
