/**
 * Generation in its element: tuples that die in the order they were born.
 *
 * PostgreSQL's tuplesort keeps the tuples it buffers in a Generation context
 * ("Caller tuples"): they are copied in, then handed out and freed in
 * roughly the same order. Generation keeps no per-chunk free lists; a block
 * just counts its live chunks and is recycled (or returned to the heap) as
 * soon as the last one goes, so a sliding window of tuples runs in a fixed
 * set of blocks with no malloc traffic.
 *
 * Run: deno run examples/generation.ts
 */
import {
  ALLOCSET_DEFAULT_SIZES,
  AllocSetContextCreate,
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextReset,
  MemoryContextStatsLines,
  pfree,
  TopMemoryContext,
} from "@palloc/palloc";
import { GenerationContextCreate } from "@palloc/palloc";
import { heap } from "@palloc/palloc";

function show(title: string): void {
  console.log(`\n-- ${title} (heap holds ${heap.held} bytes)`);
  for (const line of MemoryContextStatsLines(sortcontext, 100, 100)) console.log(line);
}

MemoryContextInit();
const sortcontext = AllocSetContextCreate(
  TopMemoryContext,
  "TupleSort main",
  ...ALLOCSET_DEFAULT_SIZES,
);
const tuples = GenerationContextCreate(sortcontext, "Caller tuples", 0, 8192, 8 * 1024 * 1024);

// Phase 1: buffer 1000 tuples of 40..160 bytes; blocks grow 8 KB, 16 KB, 32 KB, ...
const queue: number[] = [];
for (let i = 0; i < 1000; i++) queue.push(MemoryContextAlloc(tuples, 40 + (i * 37) % 121));
show("1000 tuples buffered");

// Phase 2: stream: emit (pfree) the oldest tuple for every new one read.
// Emptied blocks are recycled through the freeblock or handed back.
for (let i = 0; i < 50000; i++) {
  pfree(queue.shift() as number);
  queue.push(MemoryContextAlloc(tuples, 40 + (i * 53) % 121));
}
show("after streaming 50000 more tuples through a 1000-tuple window");

// Phase 3: the sort run is over; one reset drops every tuple and every
// block except the keeper, without a pfree per chunk.
MemoryContextReset(tuples);
show("after MemoryContextReset(Caller tuples)");

MemoryContextDelete(sortcontext);
// TupleSort main's 8 KB stays on AllocSet's context freelist, as in PostgreSQL.
console.log(`\nafter deleting the sort: heap holds ${heap.held} bytes`);
