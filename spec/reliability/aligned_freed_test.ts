/**
 * A pfree'd aligned chunk stays refused after its spot is in use again, in both
 * modes, with the message of PostgreSQL's checking build. Found by the call
 * fuzzer (seed 597347715): outside checking mode the redirect header in the
 * freed chunk's data survived a reset, the spot was carved again, and
 * `GetMemoryChunkContext` of the stale aligned pointer returned the live
 * chunk's context. A free that refuses still changes nothing.
 */
import assert from "node:assert/strict";
import {
  BumpContextCreate,
  GetMemoryChunkContext,
  heap,
  MCXT_ALLOC_NO_OOM,
  MCXT_ALLOC_ZERO,
  MemoryContextAllocAligned,
  MemoryContextAllocExtended,
  MemoryContextInit,
  MemoryContextResetOnly,
  pfree,
  PgError,
  repalloc,
  TopMemoryContext,
} from "@palloc/palloc";

for (const checking of [false, true]) {
  for (const base of [0, 2 ** 31 + 4096]) {
    Deno.test(`a stale aligned pointer is refused once its spot is reused (checking ${checking}, base ${base})`, () => {
      MemoryContextInit({ checking, maxBytes: base + (16 << 20), base });
      const t1 = MemoryContextAllocAligned(TopMemoryContext, 1613, 256, 0);
      pfree(t1);
      MemoryContextResetOnly(TopMemoryContext);
      const t4 = MemoryContextAllocExtended(
        TopMemoryContext,
        175,
        MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO,
      );
      assert.ok(t4 < t1 && t1 < t4 + 256, "the stale pointer lies in the new chunk's slack");
      assert.throws(
        () => GetMemoryChunkContext(t1),
        (e: unknown) =>
          e instanceof PgError &&
          e.message ===
            `GetMemoryChunkContext called with invalid pointer ${t1} (header 0x7f7f7f7f7f7f7f7f)`,
      );
      assert.throws(() => pfree(t1), PgError);
      pfree(t4);
    });
  }
}

Deno.test("freeing an aligned chunk of a Bump context refuses and leaves its bytes as they were", () => {
  MemoryContextInit();
  const bump = BumpContextCreate(TopMemoryContext, "bump", 0, 8192, 8 << 20);
  const p = MemoryContextAllocAligned(bump, 100, 64, 0);
  const before = heap.u8.slice(p - 16, p + 100);
  assert.throws(() => pfree(p), /not supported by the bump memory allocator/);
  assert.deepEqual(heap.u8.slice(p - 16, p + 100), before);
});

Deno.test("after repalloc moves an aligned chunk, the old pointer is refused once its spot is reused", () => {
  MemoryContextInit({ checking: false });
  const t1 = MemoryContextAllocAligned(TopMemoryContext, 1613, 256, 0);
  const moved = repalloc(t1, 4000);
  assert.notEqual(moved, t1);
  MemoryContextResetOnly(TopMemoryContext);
  const t4 = MemoryContextAllocExtended(TopMemoryContext, 175, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO);
  assert.ok(t4 < t1 && t1 < t4 + 256, "the stale pointer lies in the new chunk's slack");
  assert.throws(() => GetMemoryChunkContext(t1), /invalid pointer/);
});
