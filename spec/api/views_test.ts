/**
 * Typed views, the growth rule for each backing, and strings.
 */
import assert from "node:assert/strict";
import { heap } from "../../src/mcxt/context.ts";
import { PgError } from "../../src/elog.ts";
import {
  bytes,
  checkedView,
  Context,
  dataView,
  readString,
  spaceOf,
  strdup,
  utf8Length,
  view,
} from "../../src/api/mod.ts";

/** Allocates in 1 MB chunks until the heap's memory has grown past `bytesAtLeast`. */
function growPast(ctx: Context, bytesAtLeast: number): void {
  while (heap.byteLength < bytesAtLeast) ctx.alloc(1 << 20);
}

Deno.test("view makes any typed array over a chunk; alignment and bounds are checked", () => {
  const top = Context.init();
  const p = top.alloc(64);
  const f = view(Float64Array, p, 8);
  const i = view(Int32Array, p, 16);
  const b = view(BigInt64Array, p, 8);
  f[0] = 1.5;
  assert.equal(f.byteOffset, p);
  assert.equal(f.length, 8);
  assert.equal(i.length, 16);
  b[1] = -5n;
  assert.equal(i[2], -5);
  assert.equal(view(Uint8Array, p + 3, 1, p).byteOffset, p + 3); // a window inside the chunk
  const misaligned = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e) => e instanceof PgError && e.sqlstate === "22023" && re.test(e.message));
  misaligned(() => view(Float64Array, p + 4, 1), /Float64Array.*not aligned to 8 bytes/);
  misaligned(() => view(Int32Array, p + 2, 1), /not aligned to 4 bytes/);
  misaligned(() => view(Int16Array, p + 1, 1), /not aligned to 2 bytes/);
  misaligned(() => view(Uint8Array, heap.byteLength - 4, 5), /outside the heap/);
  misaligned(() => bytes(0, 4), /invalid pointer 0/);
  misaligned(() => bytes(p, -1), /invalid length/);
  misaligned(() => view(Float64Array, p, 1.5), /invalid count/);
});

Deno.test("bytes and dataView are windows onto the heap, not copies", () => {
  const top = Context.init();
  const p = top.alloc(16);
  bytes(p, 4).set([1, 2, 3, 4]);
  assert.deepEqual([...heap.u8.subarray(p, p + 4)], [1, 2, 3, 4]);
  const dv = dataView(p, 16);
  dv.setFloat64(5, Math.PI, true); // unaligned is fine through a DataView
  assert.equal(new DataView(heap.buffer).getFloat64(p + 5, true), Math.PI);
  assert.equal(dv.getUint32(0, true), 0x04030201);
});

Deno.test("resizable ArrayBuffer: fixed views survive growth, tracking views follow it", () => {
  const top = Context.init({ initialBytes: 64 * 1024, maxBytes: 64 << 20, shared: false });
  const before = heap.byteLength;
  const p = top.alloc(100);
  const fixed = view(Float64Array, p, 12);
  fixed.fill(2.5);
  const tracking = new Uint8Array(heap.buffer);
  const buffer = heap.buffer;
  assert.equal(buffer.resizable, true);
  growPast(top, before * 8);
  assert.equal(heap.buffer, buffer, "the buffer grew in place");
  assert.equal(tracking.length, heap.byteLength, "a view without a length follows the growth");
  assert.equal(fixed.length, 12, "a view with a length keeps its window");
  assert.deepEqual([...fixed], new Array(12).fill(2.5));
  fixed[3] = 9;
  assert.equal(heap.f64[(p >>> 3) + 3], 9, "writes through the old view land in the heap");
});

Deno.test("default growable SharedArrayBuffer: fixed views survive growth, the heap re-makes its own", () => {
  const top = Context.init({ initialBytes: 64 * 1024, maxBytes: 64 << 20 });
  const before = heap.byteLength;
  const p = top.alloc(100);
  const fixed = view(Float64Array, p, 12);
  fixed.fill(2.5);
  const buffer = heap.buffer as unknown as SharedArrayBuffer;
  assert.ok(buffer instanceof SharedArrayBuffer && buffer.growable, "the default backing");
  const u8 = heap.u8;
  assert.equal(u8.length, before, "the heap's own views span the memory");
  growPast(top, before * 8);
  assert.equal(heap.buffer, buffer, "the buffer grew in place");
  assert.equal(heap.u8.length, heap.byteLength, "the heap's views were re-made at the new length");
  assert.notEqual(heap.u8, u8);
  assert.equal(fixed.length, 12, "a view with a length keeps its window");
  assert.deepEqual([...fixed], new Array(12).fill(2.5));
  fixed[3] = 9;
  assert.equal(heap.f64[(p >>> 3) + 3], 9, "writes through the old view land in the heap");
  const q = top.alloc(16);
  heap.u8[q] = 7;
  assert.equal(u8[q], q < u8.length ? 7 : undefined, "an old heap view sees the same bytes");
});

Deno.test("WebAssembly.Memory with a maximum: turned resizable, so views survive growth", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024 });
  const top = Context.init({ memory });
  const hasResizable = typeof (memory as { toResizableBuffer?: unknown }).toResizableBuffer ===
    "function";
  assert.ok(hasResizable, "Deno's WebAssembly.Memory has toResizableBuffer");
  const p = top.alloc(64);
  const fixed = view(Int32Array, p, 16);
  fixed.fill(-7);
  const buffer = heap.buffer;
  growPast(top, 8 << 20);
  assert.equal(heap.buffer, buffer);
  assert.equal(memory.buffer, buffer, "the memory hands out the same resizable buffer");
  assert.deepEqual([...fixed], new Array(16).fill(-7));
  fixed[0] = 11;
  assert.equal(new Int32Array(memory.buffer, p, 1)[0], 11);
});

Deno.test("WebAssembly.Memory, no maximum: growth replaces the buffer; re-create views", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const top = Context.init({ memory });
  const p = top.alloc(64);
  const old = view(Int32Array, p, 16);
  old.fill(5);
  const checked = checkedView(Int32Array, p, 16);
  const oldBuffer = heap.buffer;
  growPast(top, 8 << 20);
  // The rule: growth detached every view over the old buffer…
  assert.notEqual(heap.buffer, oldBuffer);
  assert.equal(old.length, 0);
  assert.equal(old[0], undefined);
  // …so views are re-created after any call that may allocate (or heap.u8 read each time),
  assert.deepEqual([...view(Int32Array, p, 16)], new Array(16).fill(5));
  assert.equal(heap.i32[p >>> 2], 5);
  // …or a checked view is used, which re-creates its own array.
  assert.equal(checked.get(15), 5);
  checked.set(0, 6);
  assert.equal(view(Int32Array, p, 1)[0], 6);
});

Deno.test("views see growth a WebAssembly module did by itself", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const top = Context.init({ memory });
  const p = top.alloc(8);
  bytes(p, 8).fill(3);
  memory.grow(2); // as memory.grow inside the module would
  assert.deepEqual([...bytes(p, 8)], new Array(8).fill(3));
  assert.equal(readString(strdup(top, "after foreign growth")), "after foreign growth");
});

Deno.test("strings round-trip as NUL-terminated UTF-8", () => {
  const top = Context.init();
  const work = top.child.aset("strings");
  const samples = [
    "",
    "a",
    "hello, world",
    "grüße — naïve café",
    "日本語のテキスト",
    "emoji 🐘🚀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "x".repeat(100_000),
    "Ω≈ç√∫".repeat(5000),
  ];
  for (const s of samples) {
    const p = strdup(work, s);
    const n = new TextEncoder().encode(s).length;
    assert.equal(utf8Length(s), n);
    assert.equal(heap.u8[p + n], 0, "NUL-terminated");
    assert.ok(spaceOf(p) >= n + 1);
    assert.equal(readString(p), s);
    assert.equal(readString(p, n), s);
  }
  // Strings in a Bump context, and through the MemoryContext face.
  const b = top.child.bump("b");
  assert.equal(readString(strdup(b.memoryContext, "bump")), "bump");
});

Deno.test("strings: embedded NUL, lone surrogates, missing terminator", () => {
  const top = Context.init();
  const p = strdup(top, "ab\0cd");
  assert.equal(readString(p), "ab", "a C reader stops at the first NUL");
  assert.equal(readString(p, 5), "ab\0cd", "an explicit length reads it all");
  const lone = "x\ud800y\udc00";
  assert.equal(utf8Length(lone), new TextEncoder().encode(lone).length);
  assert.equal(readString(strdup(top, lone)), "x\ufffdy\ufffd");
  const q = top.alloc(8);
  bytes(q, 8).fill(0x41);
  heap.u8.fill(0x41, q, heap.byteLength); // no NUL anywhere after q
  assert.throws(() => readString(q), (e) => e instanceof PgError && /no NUL/.test(e.message));
});
