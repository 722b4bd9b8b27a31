/**
 * The heap's memset and memmove as WebAssembly's `memory.fill` and
 * `memory.copy`: a module of under 100 bytes, assembled here, that
 * imports the heap's memory and exports `zero(ptr, n)` and
 * `move(dst, src, n)`. V8 runs both as native bulk operations, which
 * JavaScript cannot reach over a `SharedArrayBuffer` (its `fill` there
 * stores element by element). Measured against the heap's word loops and
 * builtins (`deno bench bench/heap_bench.ts`): zeroing 1.5× faster at 256
 * bytes and 3–4× from 4 KiB on, copies 1.4–4× faster from 256 bytes on;
 * below 256 bytes (zero) and 128 bytes (move) the call costs about what it
 * saves, so `HeapCore.zero` and `HeapCore.move` keep their loops there.
 *
 * Only a `WebAssembly.Memory` can be handed to a module, so the ops exist
 * for a heap over a caller's memory (the default backing is a plain buffer:
 * `backing.ts` says why). Where WebAssembly refuses (a content security
 * policy without `wasm-unsafe-eval`, a 64-bit memory the module's import does
 * not match), `bulkOps` returns null and the heap uses its loops. The
 * operands are i32s: an offset or length at or past 2^31 arrives as a
 * negative i32, which `memory.fill` and `memory.copy` read as the unsigned
 * value, so heaps up to 4 GiB are covered. The heap checks every range
 * before it calls, so the module's own bounds trap never fires for the
 * heap's calls.
 */

/**
 * The two operations the module exports (what `bulkOps` returns, and
 * `Backing.bulk` holds).
 *
 * @example
 * ```ts
 * import { Backing, type BulkOps } from "@palloc/palloc/internal";
 * const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
 * const backing = new Backing({ initialBytes: 1 << 16, maxBytes: undefined, memory });
 * const ops: BulkOps | null = backing.bulk; // null where the engine refuses to compile it
 * new Uint8Array(memory.buffer).fill(1, 0, 8192);
 * ops?.zero(0, 4096);
 * console.assert(ops === null || new Uint8Array(memory.buffer)[4095] === 0);
 * ```
 */
export interface BulkOps {
  /** `memset(ptr, 0, n)` over the memory. */
  zero(ptr: number, n: number): void;
  /** `memmove(dst, src, n)` over the memory (the ranges may overlap). */
  move(dst: number, src: number, n: number): void;
}

/** Bytes of the module that imports a memory with these limits flags (0: plain, 3: shared). */
function moduleBytes(limitsFlags: number): Uint8Array<ArrayBuffer> {
  const str = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  // A shared memory must declare a maximum: 65536 pages (4 GiB) admits any memory32.
  const limits = limitsFlags === 3 ? [3, 0, 0x80, 0x80, 0x04] : [0, 0];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const I32 = 0x7f;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    // types: 0 = (i32, i32) -> (), 1 = (i32, i32, i32) -> ()
    ...section(1, [2, 0x60, 2, I32, I32, 0, 0x60, 3, I32, I32, I32, 0]),
    // imports: env.memory, a memory with the limits above (minimum 0 pages)
    ...section(2, [1, ...str("env"), ...str("memory"), 0x02, ...limits]),
    ...section(3, [2, 0, 1]), // functions: zero has type 0, move type 1
    ...section(7, [2, ...str("zero"), 0x00, 0, ...str("move"), 0x00, 1]), // exports
    ...section(10, [
      2,
      // zero: local.get 0, i32.const 0, local.get 1, memory.fill 0, end
      ...[11, 0, 0x20, 0, 0x41, 0, 0x20, 1, 0xfc, 0x0b, 0, 0x0b],
      // move: local.get 0, local.get 1, local.get 2, memory.copy 0 0, end
      ...[12, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfc, 0x0a, 0, 0, 0x0b],
    ]),
  ]);
}

const compiled: (WebAssembly.Module | null | undefined)[] = [];

/** The module for `limitsFlags`, compiled once per process; null where WebAssembly refuses. */
function bulkModule(limitsFlags: number): WebAssembly.Module | null {
  let mod = compiled[limitsFlags];
  if (mod === undefined) {
    try {
      mod = new WebAssembly.Module(moduleBytes(limitsFlags));
    } catch {
      mod = null;
    }
    compiled[limitsFlags] = mod;
  }
  return mod;
}

/**
 * `zero` and `move` over `memory` (shared or not), or null where the module
 * cannot be compiled or does not accept the memory.
 *
 * @example
 * ```ts
 * import { bulkOps } from "@palloc/palloc/internal";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const ops = bulkOps(memory);
 * const u8 = new Uint8Array(memory.buffer);
 * u8.fill(7, 0, 64);
 * if (ops !== null) {
 *   ops.zero(8, 16); // bytes 8..23
 *   ops.move(32, 0, 16); // bytes 0..15 (eight 7s, eight zeros) to 32..47
 *   console.assert(u8[7] === 7 && u8[8] === 0 && u8[23] === 0 && u8[24] === 7);
 *   console.assert(u8[39] === 7 && u8[40] === 0 && u8[48] === 7);
 * }
 * ```
 */
export function bulkOps(memory: WebAssembly.Memory): BulkOps | null {
  if (typeof WebAssembly !== "object") return null;
  const shared = typeof SharedArrayBuffer === "function" &&
    (memory.buffer as unknown) instanceof SharedArrayBuffer;
  const mod = bulkModule(shared ? 3 : 0);
  if (mod === null) return null;
  try {
    const exports = new WebAssembly.Instance(mod, { env: { memory } }).exports;
    const zero = exports.zero as BulkOps["zero"];
    const move = exports.move as BulkOps["move"];
    return { zero, move };
  } catch {
    return null; // e.g. a 64-bit memory: the import's type does not match
  }
}
