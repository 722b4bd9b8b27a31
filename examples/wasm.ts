/**
 * palloc managing a WebAssembly module's memory. The module (hand-assembled
 * from bytes in `src/api/wasm_bytes.ts`, no toolchain) imports `env.memory`
 * and keeps 1 KB of static data at offsets 0..1023; palloc's heap lives in
 * the same memory from `base: 1024` up. TypeScript allocates arrays and
 * strings in a context, the module computes on them in place, and one reset
 * frees everything handed to it.
 *
 * Run: deno run examples/wasm.ts
 */
import { Context, heap, strdup, view } from "@palloc/palloc";
import { instantiateDemo, STATIC_BYTES, staticChecksum } from "../src/api/wasm_bytes.ts";

// One memory for both: the module's data segment fills bytes 0..1023 at instantiation.
const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024 });
const wasm = instantiateDemo(memory);
const top = Context.init({ memory, base: STATIC_BYTES });
const batch = top.child.aset("wasm batch");
const held = heap.held;

// Doubles for the module to sum.
const n = 10_000;
const xs = batch.alloc(8 * n);
view(Float64Array, xs, n).set(Array.from({ length: n }, (_, i) => i / 10));
console.log(`sum_f64 of ${n} doubles at ${xs}: ${wasm.sum_f64(xs, n).toFixed(1)}`);

// Ints the module scales in place.
const ys = batch.alloc(4 * 6);
view(Int32Array, ys, 6).set([1, 2, 3, -4, 5, 6]);
wasm.scale_i32(ys, 6, 100);
console.log(`scale_i32 by 100: ${[...view(Int32Array, ys, 6)].join(", ")}`);

// A C string for the module.
const s = strdup(batch, "héllo, wasm");
console.log(`strlen("héllo, wasm") in UTF-8 bytes: ${wasm.strlen(s)}`);

// Lots more allocation: the memory grows; the module's static data is never touched.
for (let i = 0; i < 200; i++) batch.alloc(20_000 + i);
console.log(`memory grew to ${memory.buffer.byteLength / 65536} pages`);
const intact = wasm.checksum_static() === staticChecksum();
console.log(`module's static data intact: ${intact}`);
console.log(top.statsText());

// One reset frees everything the batch handed to the module.
batch.reset();
console.log(`after reset: heap holds ${heap.held} bytes (${held} before the batch)`);
if (!intact || heap.held !== held) throw new Error("wasm example failed its checks");
