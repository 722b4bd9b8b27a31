/**
 * A PostgreSQL backend's life, in memory contexts: postmaster start, fork and
 * authentication (PostmasterContext deleted), client messages each in their
 * own MessageContext cycle, and a transaction that runs out of memory in the
 * middle of a query, is recovered from, and is followed by a query that
 * succeeds. `MemoryContextStats(TopMemoryContext)` is printed at the key
 * moments, in PostgreSQL's own text.
 *
 * Run: deno run examples/backend.ts
 */
import {
  BackendStart,
  CacheMemoryContext,
  CreatePortal,
  MessageContext,
  PostmasterStart,
  ProcessMessage,
} from "@palloc/palloc/backend";
import {
  heap,
  MemoryContextAlloc,
  MemoryContextStatsLines,
  palloc,
  TopMemoryContext,
} from "@palloc/palloc";
import {
  ALLOCSET_DEFAULT_SIZES,
  AllocSetContextCreate,
  MemoryContextSwitchTo,
} from "@palloc/palloc";

function stats(moment: string): void {
  console.log(`\n== ${moment}`);
  for (const line of MemoryContextStatsLines(TopMemoryContext, 100, 100)) console.log(line);
}

/** A query: a portal, an executor state below it, and `rows` tuples of `width` bytes. */
function runQuery(sql: string, rows: number, width: number): number {
  MemoryContextAlloc(MessageContext, sql.length + 1); // the query string arrives in MessageContext
  const portal = CreatePortal("");
  const estate = AllocSetContextCreate(portal.context, "ExecutorState", ...ALLOCSET_DEFAULT_SIZES);
  const old = MemoryContextSwitchTo(estate);
  let bytes = 0;
  for (let i = 0; i < rows; i++) {
    palloc(width);
    bytes += width;
  }
  MemoryContextSwitchTo(old);
  return bytes;
}

PostmasterStart({ maxBytes: 64 * 1024 * 1024 });
stats("postmaster started");

BackendStart((postmaster) => {
  // Authentication reads the postmaster's copies of pg_hba.conf / pg_ident.conf.
  MemoryContextAlloc(postmaster, 4096);
});
MemoryContextAlloc(CacheMemoryContext, 2000); // a relcache entry or two
stats("backend started and authenticated (PostmasterContext is gone)");

const first = ProcessMessage(() => {
  const bytes = runQuery("SELECT * FROM small", 200, 64);
  stats("in the middle of query 1 (a portal with its executor state)");
  return bytes;
});
console.log(`\nquery 1: ${first.ok ? `ok, ${first.value} bytes of tuples` : first.error.message}`);
const heldBefore = heap.held;

// The next query is too big: the heap's limit stands in for the machine's memory.
heap.limit = heap.held + 2 * 1024 * 1024;
const second = ProcessMessage(() => {
  const r = runQuery("SELECT * FROM huge ORDER BY 1", 1_000_000, 1000);
  stats("never reached");
  return r;
});
if (!second.ok) {
  console.log(`\nquery 2 failed: ERROR:  ${second.error.message}`);
  console.log(`DETAIL:  ${second.error.detail}`);
}
stats("after recovery: transaction aborted, portal dropped, ErrorContext reset");
console.log(`\nheap held before the failing query: ${heldBefore}, after recovery: ${heap.held}`);

heap.limit = Infinity;
const third = ProcessMessage(() => runQuery("SELECT 1", 10, 64));
console.log(`query 3: ${third.ok ? `ok, ${third.value} bytes of tuples` : third.error.message}`);
stats("idle again");
