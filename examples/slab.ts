/**
 * Slab in its element: a cache of fixed-size records that come and go.
 *
 * PostgreSQL uses Slab where every object has the same size, e.g. logical
 * decoding's change records ("Change", "TXN"). Here a cache holds 104-byte
 * records (112 bytes with their header, 72 per 8 KB block). Freed records go
 * on their block's freelist; new ones fill the fullest block first, so
 * sparse blocks drain and empty blocks are cached (up to 10) or returned.
 * A record of any other size is refused, and so is growing one.
 *
 * Run: deno run examples/slab.ts
 */
import {
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextReset,
  MemoryContextStatsLines,
  pfree,
  PgError,
  repalloc,
  TopMemoryContext,
} from "@palloc/palloc";
import { SlabContextCreate } from "@palloc/palloc";
import { heap } from "@palloc/palloc";

const RECORD = 104;

function show(title: string): void {
  console.log(`\n-- ${title} (heap holds ${heap.held} bytes)`);
  for (const line of MemoryContextStatsLines(cache, 0, 0)) console.log(line);
}

MemoryContextInit();
const cache = SlabContextCreate(TopMemoryContext, "record cache", 8192, RECORD);
show("an empty cache: only its 176-byte header");

// Load 2000 records: 28 blocks of 72 records each.
const records: number[] = [];
for (let i = 0; i < 2000; i++) records.push(MemoryContextAlloc(cache, RECORD));
show("2000 records");

// Evict two records out of three; most blocks become sparse but none empty.
const kept: number[] = [];
records.forEach((p, i) => (i % 3 === 0 ? kept.push(p) : pfree(p)));
show("after evicting two thirds");

// Evict the newest half of what is left: whole blocks empty out; ten are
// cached for reuse, the rest go back to the heap.
for (const p of kept.splice(kept.length / 2)) pfree(p);
show("after evicting the newest half of the rest");

// New records reuse freed slots of the fullest blocks before anything else.
for (let i = 0; i < 200; i++) kept.push(MemoryContextAlloc(cache, RECORD));
show("after loading 200 new records");

// Slab has one size only.
for (const attempt of [() => MemoryContextAlloc(cache, 64), () => repalloc(kept[0], 208)]) {
  try {
    attempt();
  } catch (e) {
    if (!(e instanceof PgError)) throw e;
    console.log(`\nrefused: ${e.message}`);
  }
}

MemoryContextReset(cache);
show("after MemoryContextReset: every block is returned");
MemoryContextDelete(cache);
console.log(`\nafter MemoryContextDelete: heap holds ${heap.held} bytes`);
