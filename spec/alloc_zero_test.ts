/**
 * MemoryContextAllocZero and MCXT_ALLOC_ZERO zero exactly the requested
 * bytes, whatever was in the reused chunk before, for every size around the
 * word-store / fill split (1 … 300 bytes), in both modes: every byte of
 * `[p, p + n)` is 0, and in checking mode the sentinel after it survives
 * (the chunk passes MemoryContextCheck).
 */
import assert from "node:assert/strict";
import {
  AllocSetContextCreate,
  heap,
  MCXT_ALLOC_ZERO,
  MemoryContextAlloc,
  MemoryContextAllocExtended,
  MemoryContextAllocZero,
  MemoryContextCheck,
  MemoryContextInit,
  pfree,
  TopMemoryContext,
} from "@palloc/palloc";

for (const checking of [false, true]) {
  Deno.test(`zeroing allocations clear exactly n reused bytes (checking ${checking})`, () => {
    MemoryContextInit({ checking });
    const ctx = AllocSetContextCreate(TopMemoryContext, "zero", 0, 8192, 8 << 20);
    for (let n = 1; n <= 300; n++) {
      for (
        const zeroed of [
          MemoryContextAllocZero,
          (c: typeof ctx, k: number) => MemoryContextAllocExtended(c, k, MCXT_ALLOC_ZERO),
        ]
      ) {
        const dirty = MemoryContextAlloc(ctx, n);
        heap.u8.fill(0xab, dirty, dirty + n);
        pfree(dirty);
        const p = zeroed(ctx, n);
        assert.equal(p, dirty, `size ${n}: AllocSet reuses the freed chunk`);
        const u8 = heap.u8;
        for (let i = 0; i < n; i++) assert.equal(u8[p + i], 0, `size ${n}: byte ${i}`);
        MemoryContextCheck(ctx);
        pfree(p);
      }
    }
  });
}
