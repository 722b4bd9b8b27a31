// Found by the extended call fuzzer (issue 17, item 4): a stale redirect header left in
// reset memory named a chunk that was live again, so a dead aligned pointer was accepted.
import assert from "node:assert/strict";
import {
  GetMemoryChunkContext,
  GetMemoryChunkSpace,
  MemoryContextAlloc,
  MemoryContextInit,
  MemoryContextReset,
  pfree,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { MemoryContextAllocAligned } from "../../src/alignedalloc.ts";
import { PgError } from "../../src/elog.ts";

for (const checking of [false, true]) {
  Deno.test(`a dead aligned pointer whose unaligned chunk is live again is refused (checking ${checking})`, () => {
    MemoryContextInit({ checking });
    const aligned = MemoryContextAllocAligned(TopMemoryContext, 118, 1024, 0);
    assert.equal(GetMemoryChunkContext(aligned), TopMemoryContext);
    MemoryContextReset(TopMemoryContext); // `aligned` is dead; its redirect header stays in memory
    const again = MemoryContextAlloc(TopMemoryContext, 13); // the unaligned chunk's place, live again
    assert.equal(GetMemoryChunkContext(again), TopMemoryContext);
    // The stale header lies past the live chunk (inside it, it would be that chunk's data:
    // undetectable, in PostgreSQL too).
    assert.ok(aligned - 8 >= again + GetMemoryChunkSpace(again), "precondition");
    assert.throws(() => GetMemoryChunkContext(aligned), PgError);
    assert.throws(() => pfree(aligned), PgError);
    assert.equal(GetMemoryChunkContext(again), TopMemoryContext, "nothing changed");
  });
}
