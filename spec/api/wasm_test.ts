/**
 * palloc managing the memory of a real WebAssembly module (hand-assembled in
 * `src/api/wasm_bytes.ts`): the module reads and writes what TypeScript
 * allocated in a context, its results come back, a reset frees it all, and
 * its static data below `base` survives heavy allocation and growth.
 */
import assert from "node:assert/strict";
import { heap } from "../../src/mcxt/context.ts";
import { bytes, Context, readString, strdup, view } from "../../src/api/mod.ts";
import {
  instantiateDemo,
  STATIC_BYTES,
  staticByte,
  staticChecksum,
  wasmModuleBytes,
} from "../../src/api/wasm_bytes.ts";

function assertStaticIntact(memory: WebAssembly.Memory): void {
  const u8 = new Uint8Array(memory.buffer, 0, STATIC_BYTES);
  for (let i = 0; i < STATIC_BYTES; i++) {
    if (u8[i] !== staticByte(i)) assert.fail(`static byte ${i} changed: ${u8[i]}`);
  }
}

Deno.test("the hand-assembled module validates and exports its four functions", () => {
  const bin = wasmModuleBytes();
  assert.ok(WebAssembly.validate(bin));
  const m = new WebAssembly.Module(bin);
  assert.deepEqual(WebAssembly.Module.imports(m), [{
    module: "env",
    name: "memory",
    kind: "memory",
  }]);
  assert.deepEqual(
    WebAssembly.Module.exports(m).map((e) => e.name),
    ["sum_f64", "scale_i32", "strlen", "checksum_static"],
  );
});

for (const kind of ["resizable (with maximum)", "replaced on growth (no maximum)"]) {
  Deno.test(`a WASM module computes on palloc'd memory; reset frees it all — ${kind}`, () => {
    const memory = kind.startsWith("resizable")
      ? new WebAssembly.Memory({ initial: 1, maximum: 2048 })
      : new WebAssembly.Memory({ initial: 1 });
    const wasm = instantiateDemo(memory);
    assert.equal(wasm.checksum_static(), staticChecksum());
    const top = Context.init({ memory, base: STATIC_BYTES });
    const work = top.child.aset("wasm work");
    const held = heap.held;
    const allocated = work.memAllocated();

    // Doubles written by TypeScript, summed by the module.
    const n = 1000;
    const xs = work.alloc(8 * n);
    const f = view(Float64Array, xs, n);
    let expected = 0;
    for (let i = 0; i < n; i++) expected += f[i] = i / 4;
    assert.equal(wasm.sum_f64(xs, n), expected);

    // Ints scaled in place by the module, read back by TypeScript.
    const ys = work.alloc(4 * 5);
    view(Int32Array, ys, 5).set([1, -2, 3, 400, -5000]);
    wasm.scale_i32(ys, 5, 7);
    assert.deepEqual([...view(Int32Array, ys, 5)], [7, -14, 21, 2800, -35000]);

    // A palloc'd C string, measured by the module.
    const s = strdup(work, "naïve");
    assert.equal(wasm.strlen(s), 6);

    // Heavy allocation: the memory grows many times; the module's static data stays put.
    const pages = memory.buffer.byteLength / 65536;
    const big: number[] = [];
    for (let i = 0; i < 300; i++) {
      const p = work.alloc(1000 + i * 97);
      bytes(p, 16).fill(0xee);
      big.push(p);
      if (i % 3 === 0) work.alloc(40000);
    }
    assert.ok(memory.buffer.byteLength / 65536 > pages * 4, "the memory grew");
    assert.ok(big.every((p) => p >= STATIC_BYTES));
    assertStaticIntact(memory);
    assert.equal(wasm.checksum_static(), staticChecksum());
    // Earlier data is still there, and the module still sees it after growth.
    assert.equal(wasm.sum_f64(xs, n), expected);
    assert.equal(readString(s), "naïve");

    // Resetting the context frees everything TypeScript gave the module.
    work.reset();
    assert.equal(heap.held, held);
    assert.equal(work.memAllocated(), allocated);
    heap.check();
    assertStaticIntact(memory);
    assert.equal(wasm.checksum_static(), staticChecksum());
  });
}

Deno.test("without base, the heap would start inside the module's static data", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
  instantiateDemo(memory);
  Context.init({ memory }); // base 0: the heap lays out its first block at the bottom
  let changed = 0;
  const u8 = new Uint8Array(memory.buffer, 0, STATIC_BYTES);
  for (let i = 0; i < STATIC_BYTES; i++) if (u8[i] !== staticByte(i)) changed++;
  assert.ok(changed > 0, "base is what keeps palloc out of the static data");
});
