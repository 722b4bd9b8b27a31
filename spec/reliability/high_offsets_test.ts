// Issue 17, item 1: every context type with its heap offsets above 2^31 and near 2^32.
// The heap's `base` puts the first block high without touching the pages below it.
import assert from "node:assert/strict";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextCheck,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextMemAllocated,
  MemoryContextReset,
  pfree,
  repalloc,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import { GenerationContextCreate } from "../../src/generation/mod.ts";
import { SlabContextCreate } from "../../src/slab/mod.ts";
import { BumpContextCreate } from "../../src/bump/mod.ts";
import { MemoryContextAllocAligned } from "../../src/alignedalloc.ts";
import { heap } from "../../src/mcxt/context.ts";
import { Heap } from "../../src/heap/heap.ts";
import { HeapCeilingError } from "../../src/heap/errors.ts";

const BASES = [2 ** 31 + 4096, 2 ** 32 - (64 << 20)];

// What a heap based at 64 KiB reports for the same calls: high offsets must change nothing.
const reference = new Map<string, number>();
let recording = false;
function low(name: string, what: string, value: number): number {
  const key = `${name} ${what}`;
  if (recording) reference.set(key, value);
  return reference.get(key) ?? NaN;
}

for (const base of [65536, ...BASES]) {
  for (const checking of [false, true]) {
    Deno.test(`every context type works with offsets from ${base} (checking ${checking})`, () => {
      recording = base === 65536;
      MemoryContextInit({ base, maxBytes: 2 ** 32 - 65536, checking });
      const top = TopMemoryContext;
      const makers = [
        () => AllocSetContextCreate(top, "aset", 0, 8192, 8 << 20),
        () => GenerationContextCreate(top, "gen", 0, 8192, 8 << 20),
        () => SlabContextCreate(top, "slab", 8192, 64),
        () => BumpContextCreate(top, "bump", 0, 8192, 8 << 20),
      ];
      for (const make of makers) {
        const cxt = make();
        const ptrs: number[] = [];
        for (const size of cxt.name === "slab" ? [64, 64, 64] : [8, 64, 64, 40]) {
          const p = MemoryContextAlloc(cxt, size);
          assert.ok(
            recording || (p > 2 ** 31 && p < 2 ** 32),
            `${cxt.name}: pointer ${p} is unsigned and high`,
          );
          heap.u8[p] = 0xab;
          assert.equal(heap.u8[p], 0xab, "writes through the pointer land");
          if (cxt.name !== "bump") assert.equal(GetMemoryChunkContext(p), cxt);
          if (cxt.name !== "bump") {
            const space = GetMemoryChunkSpace(p);
            assert.equal(space, low(cxt.name, `space ${size}`, space));
          }
          ptrs.push(p);
        }
        if (cxt.name === "aset" || cxt.name === "gen") {
          const big = MemoryContextAlloc(cxt, 20000); // a dedicated (huge-chunk) block
          assert.ok(recording || big > 2 ** 31);
          assert.equal(GetMemoryChunkSpace(big), low(cxt.name, "big", GetMemoryChunkSpace(big)));
          const moved = repalloc(big, 40000);
          assert.ok(recording || moved > 2 ** 31);
          pfree(moved);
          const aligned = MemoryContextAllocAligned(cxt, 100, 1024, 0);
          assert.ok((recording || aligned > 2 ** 31) && aligned % 1024 === 0);
          assert.equal(GetMemoryChunkContext(aligned), cxt);
          pfree(aligned);
        }
        const mem = MemoryContextMemAllocated(cxt, false);
        assert.equal(mem, low(cxt.name, "mem_allocated", mem));
        if (cxt.name !== "bump") {
          for (const p of ptrs) pfree(p);
          const again = MemoryContextAlloc(cxt, 64); // from a freelist or a freed slot
          assert.ok(recording || (again > 2 ** 31 && again < 2 ** 32), `${cxt.name}: ${again}`);
          assert.equal(GetMemoryChunkContext(again), cxt);
          pfree(again);
        }
        MemoryContextCheck(top);
        MemoryContextReset(cxt);
        MemoryContextCheck(top);
        MemoryContextDelete(cxt);
        heap.check(); // throws HeapCorruptionError when damaged
      }
      assert.equal(MemoryContextMemAllocated(top, true), 8192 + 8192, "Top + ErrorContext");
      // A huge AllocSet chunk in TopMemoryContext, freed: counters come back.
      const h = MemoryContextAlloc(top, 1 << 20);
      assert.equal(GetMemoryChunkSpace(h), (1 << 20) + 8);
      pfree(h);
      assert.equal(MemoryContextMemAllocated(top, false), 8192);
    });
  }
}

Deno.test("a heap past the 4 GiB ceiling is refused with HeapCeilingError", () => {
  assert.throws(() => new Heap({ maxBytes: 2 ** 32 + 65536 }), HeapCeilingError);
  assert.throws(() => new Heap({ base: 2 ** 32 }), HeapCeilingError);
  assert.throws(() => MemoryContextInit({ maxBytes: 2 ** 33 }), HeapCeilingError);
  const h = new Heap({ maxBytes: 2 ** 32 }); // exactly 4 GiB is accepted, capped below 2^32
  assert.equal(h.maxBytes, 2 ** 32 - 65536);
});
