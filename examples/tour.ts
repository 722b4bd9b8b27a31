/**
 * The palloc tour: a small context tree under TopMemoryContext, some
 * allocations, a subtree reset, and `MemoryContextStats` — the same text
 * PostgreSQL 18 prints for the same calls.
 *
 * Run: deno task demo
 */
import {
  ALLOCSET_DEFAULT_SIZES,
  ALLOCSET_SMALL_SIZES,
  AllocSetContextCreate,
  MemoryContextAlloc,
  MemoryContextDelete,
  MemoryContextInit,
  MemoryContextReset,
  MemoryContextStatsLines,
  MemoryContextSwitchTo,
  palloc,
  pfree,
  TopMemoryContext,
} from "@palloc/palloc";

function show(title: string): void {
  console.log(`\n-- ${title}`);
  for (const line of MemoryContextStatsLines(TopMemoryContext, 100, 100)) console.log(line);
}

// The postmaster's first act: TopMemoryContext and ErrorContext.
MemoryContextInit();

// A per-query context, with a per-tuple expression context below it.
const query = AllocSetContextCreate(TopMemoryContext, "ExecutorState", ...ALLOCSET_DEFAULT_SIZES);
const exprs = AllocSetContextCreate(query, "ExprContext", ...ALLOCSET_SMALL_SIZES);

// palloc allocates in the current context; switch as PostgreSQL code does.
const old = MemoryContextSwitchTo(query);
const plan = palloc(1200); // a plan node or two
const keep = palloc(40);
MemoryContextSwitchTo(old);
pfree(keep); // goes on AllocSet's 64-byte freelist

for (let tuple = 0; tuple < 50; tuple++) {
  MemoryContextAlloc(exprs, 48 + tuple); // per-tuple garbage
}
const big = MemoryContextAlloc(query, 20000); // above the 8 KB chunk limit: its own block
console.log(`plan chunk at heap offset ${plan}, a 20000-byte chunk at ${big}`);
show("after the query ran");

// Per-tuple memory is dropped wholesale, without a pfree per chunk.
MemoryContextReset(exprs);
show("after MemoryContextReset(ExprContext)");

// End of query: the whole subtree goes at once.
MemoryContextDelete(query);
show("after MemoryContextDelete(ExecutorState)");
