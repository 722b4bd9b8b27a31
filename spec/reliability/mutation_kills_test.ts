// Issue 17, item 6: tests for mutations that survived the suite and change what a user sees.
import assert from "node:assert/strict";
import { Heap } from "../../src/heap/heap.ts";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextInit,
  MemoryContextReentryError,
  MemoryContextRegisterResetCallback,
  MemoryContextResetChildren,
  MemoryContextStatsLines,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";

Deno.test("TLSF splits off a 24-byte remainder, so malloc(8) still fits", () => {
  const heap = new Heap({ initialBytes: 65536, maxBytes: 65536 });
  const free = heap.freeBytes; // one free block: the whole heap but the sentinel
  const p = heap.malloc(free - 24 - 16); // its block leaves exactly 24 bytes (16-byte header)
  assert.ok(p !== 0);
  assert.equal(heap.freeBytes, 24, "the remainder was split off as a free block");
  const q = heap.malloc(8);
  assert.ok(q !== 0, "the 24-byte remainder serves an 8-byte request");
  heap.check();
});

Deno.test("a chunk more than 512 MiB into its block finds its block (offset mask's top bit)", () => {
  MemoryContextInit({ maxBytes: 2 ** 32 });
  const blockSize = 0x3fffe000; // one AllocSet block of about 1 GiB
  const set = AllocSetContextCreate(TopMemoryContext, "big", blockSize, blockSize, blockSize);
  const first = MemoryContextAlloc(set, 8000);
  let p = first;
  while (p - first < 548 << 20) p = MemoryContextAlloc(set, 8000); // 8 KiB chunks, one block
  assert.equal(GetMemoryChunkContext(p), set);
  assert.equal(GetMemoryChunkSpace(p), 8200);
});

Deno.test("MemoryContextStatsLines prints the children of a context at exactly maxLevel", () => {
  MemoryContextInit();
  const lines = MemoryContextStatsLines(TopMemoryContext, 1, 100);
  assert.ok(lines.some((l) => /^ {2}ErrorContext: /.test(l)), lines.join("\n"));
});

Deno.test("a child's callback may not reset its parent's children again", () => {
  MemoryContextInit();
  const p = AllocSetContextCreate(TopMemoryContext, "p", 0, 8192, 8192);
  const k = AllocSetContextCreate(p, "k", 0, 8192, 8192);
  let inner: unknown = null;
  MemoryContextRegisterResetCallback(k, {
    func: () => {
      try {
        MemoryContextResetChildren(p);
      } catch (e) {
        inner = e;
      }
    },
    arg: null,
  });
  MemoryContextResetChildren(p);
  assert.ok(inner instanceof MemoryContextReentryError, String(inner));
});
