/**
 * A small WebAssembly module, hand-assembled from bytes here (no toolchain,
 * nothing downloaded), used by `examples/wasm.ts` and `spec/api/wasm_test.ts`
 * to show palloc managing a module's memory.
 *
 * The module imports its memory as `env.memory` and exports:
 *
 * | export                       | does                                          |
 * | ---------------------------- | --------------------------------------------- |
 * | `sum_f64(ptr, n) -> f64`     | the sum of `n` doubles at `ptr`               |
 * | `scale_i32(ptr, n, k)`       | multiplies `n` int32s at `ptr` by `k`, in place |
 * | `strlen(ptr) -> i32`         | bytes before the first NUL at `ptr`           |
 * | `checksum_static() -> i32`   | the sum of the module's static bytes 0..1023  |
 *
 * Its static data — `STATIC_BYTES` bytes of a known pattern at offsets
 * 0..1023, written by an active data segment at instantiation — is what a C
 * program's `.data` would be. palloc must keep out of it: create the heap
 * with `base: STATIC_BYTES` (or more) and the heap never touches a byte
 * below `base`.
 *
 * Not part of the library's public surface; it is a fixture.
 */

/** Bytes of static data the module keeps at offsets 0..STATIC_BYTES-1. */
export const STATIC_BYTES = 1024;

/** The module's static byte at `offset` (the data segment's pattern). */
export function staticByte(offset: number): number {
  return (offset * 7 + 3) & 0xff;
}

/** The value `checksum_static()` returns while the static data is intact. */
export function staticChecksum(): number {
  let s = 0;
  for (let i = 0; i < STATIC_BYTES; i++) s += staticByte(i);
  return s;
}

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A vector: its length, then its items. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A section: id, byte size, contents. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

// Value types and the opcodes used below.
const I32 = 0x7f;
const F64 = 0x7c;
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  i32Load: 0x28,
  f64Load: 0x2b,
  i32Load8u: 0x2d,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  f64Add: 0xa0,
} as const;
const VOID = 0x40;

/** `block (loop BODY br 0) end`: BODY exits with `br_if 1`. */
function loop(body: number[]): number[] {
  return [OP.block, VOID, OP.loop, VOID, ...body, OP.br, 0, OP.end, OP.end];
}

/** `local += k` for an i32 local. */
function addTo(local: number, k: number): number[] {
  return [OP.get, local, OP.i32Const, ...sleb(k), OP.i32Add, OP.set, local];
}

/** A function body: local declarations (count, type) and code. */
function body(locals: Array<[number, number]>, code: number[]): number[] {
  const b = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code, OP.end];
  return [...uleb(b.length), ...b];
}

// sum_f64(ptr, n): acc (local 2) += f64[ptr]; ptr += 8; n -= 1 — until n == 0.
// deno-fmt-ignore
const sumF64 = body([[1, F64]], [
  ...loop([
    OP.get, 1, OP.i32Eqz, OP.brIf, 1,
    OP.get, 2, OP.get, 0, OP.f64Load, 3, 0, OP.f64Add, OP.set, 2,
    ...addTo(0, 8),
    ...addTo(1, -1),
  ]),
  OP.get, 2,
]);

// scale_i32(ptr, n, k): i32[ptr] *= k; ptr += 4; n -= 1 — until n == 0.
// deno-fmt-ignore
const scaleI32 = body([], loop([
  OP.get, 1, OP.i32Eqz, OP.brIf, 1,
  OP.get, 0, OP.get, 0, OP.i32Load, 2, 0, OP.get, 2, OP.i32Mul, OP.i32Store, 2, 0,
  ...addTo(0, 4),
  ...addTo(1, -1),
]));

// strlen(ptr): q (local 1) = ptr; while u8[q] != 0: q += 1; return q - ptr.
// deno-fmt-ignore
const strlen = body([[1, I32]], [
  OP.get, 0, OP.set, 1,
  ...loop([OP.get, 1, OP.i32Load8u, 0, 0, OP.i32Eqz, OP.brIf, 1, ...addTo(1, 1)]),
  OP.get, 1, OP.get, 0, OP.i32Sub,
]);

// checksum_static(): s (local 1) += u8[i (local 0)] for i in 0..STATIC_BYTES-1.
// deno-fmt-ignore
const checksumStatic = body([[2, I32]], [
  ...loop([
    OP.get, 0, OP.i32Const, ...sleb(STATIC_BYTES), OP.i32GeU, OP.brIf, 1,
    OP.get, 1, OP.get, 0, OP.i32Load8u, 0, 0, OP.i32Add, OP.set, 1,
    ...addTo(0, 1),
  ]),
  OP.get, 1,
]);

/** The module's binary. */
export function wasmModuleBytes(): Uint8Array<ArrayBuffer> {
  const types = vec([
    [0x60, ...vec([[I32], [I32]]), ...vec([[F64]])], // 0: (i32, i32) -> f64
    [0x60, ...vec([[I32], [I32], [I32]]), ...vec([])], // 1: (i32, i32, i32) -> ()
    [0x60, ...vec([[I32]]), ...vec([[I32]])], // 2: (i32) -> i32
    [0x60, ...vec([]), ...vec([[I32]])], // 3: () -> i32
  ]);
  // env.memory: a memory of at least 1 page, no maximum (so any memory is accepted).
  const imports = vec([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]]);
  const funcs = vec([[0], [1], [2], [3]]);
  const exports = vec([
    [...name("sum_f64"), 0x00, 0],
    [...name("scale_i32"), 0x00, 1],
    [...name("strlen"), 0x00, 2],
    [...name("checksum_static"), 0x00, 3],
  ]);
  const code = [...uleb(4), ...sumF64, ...scaleI32, ...strlen, ...checksumStatic];
  const data = [];
  for (let i = 0; i < STATIC_BYTES; i++) data.push(staticByte(i));
  // One active segment for memory 0 at offset (i32.const 0).
  const datas = vec([[0x00, OP.i32Const, 0, OP.end, ...uleb(data.length), ...data]]);
  // deno-fmt-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
    ...section(11, datas),
  ]);
}

/** What the module exports, typed. */
export interface DemoExports {
  /** The sum of `n` doubles at `ptr`. */
  sum_f64(ptr: number, n: number): number;
  /** Multiplies `n` int32s at `ptr` by `k`, in place. */
  scale_i32(ptr: number, n: number, k: number): void;
  /** Bytes before the first NUL at `ptr`. */
  strlen(ptr: number): number;
  /** The sum of the static bytes 0..1023. */
  checksum_static(): number;
}

/** Instantiates the module over `memory`; its data segment fills bytes 0..1023. */
export function instantiateDemo(memory: WebAssembly.Memory): DemoExports {
  const module = new WebAssembly.Module(wasmModuleBytes());
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as DemoExports;
}
