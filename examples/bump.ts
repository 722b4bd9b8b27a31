/**
 * Bump's pattern: allocate many small, same-lifetime chunks, use them, then
 * drop them all at once with a reset — here, batches of "tuples" copied in
 * for a sort, as PostgreSQL's tuplesort does with its "Caller tuples"
 * context. No chunk header, no pfree: every byte but the block headers holds
 * data, and a reset costs one walk over the blocks.
 *
 * Run: deno run examples/bump.ts
 */
import {
  MemoryContextAlloc,
  MemoryContextInit,
  MemoryContextReset,
  MemoryContextStatsLines,
  TopMemoryContext,
} from "../src/mcxt/mod.ts";
import { BumpContextCreate } from "@palloc/palloc";
import { heap } from "@palloc/palloc";

MemoryContextInit();
const tuples = BumpContextCreate(TopMemoryContext, "Caller tuples", 0, 8192, 8 * 1024 * 1024);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Copies `text` into the bump context as a length-prefixed tuple; returns its pointer. */
function copyTuple(text: string): number {
  const bytes = encoder.encode(text);
  const p = MemoryContextAlloc(tuples, 4 + bytes.length);
  heap.u32[p >>> 2] = bytes.length;
  heap.u8.set(bytes, p + 4);
  return p;
}

function tupleText(p: number): string {
  return decoder.decode(heap.u8.subarray(p + 4, p + 4 + heap.u32[p >>> 2]));
}

for (let batch = 1; batch <= 3; batch++) {
  const ptrs: number[] = [];
  for (let i = 0; i < 5000; i++) ptrs.push(copyTuple(`row-${(i * 7919 * batch) % 100003}`));
  ptrs.sort((a, b) => (tupleText(a) < tupleText(b) ? -1 : 1));
  console.log(`batch ${batch}: first ${tupleText(ptrs[0])}, last ${tupleText(ptrs.at(-1)!)}`);
  if (batch === 3) console.log(MemoryContextStatsLines(TopMemoryContext, 100, 100).join("\n"));
  MemoryContextReset(tuples); // every tuple of the batch goes at once
}
console.log("after the last reset:");
console.log(MemoryContextStatsLines(TopMemoryContext, 100, 100).join("\n"));
