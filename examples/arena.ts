/**
 * A request-scoped arena for a server handler: every request gets its own
 * context, everything the handler allocates goes there, and one delete at
 * the end frees it all — however the handler exits. No per-object frees,
 * no leaks across requests.
 *
 * The handler below is what `Deno.serve((req) => …)` would call; here it is
 * fed a few request bodies directly so the example needs no network.
 *
 * Run: deno run examples/arena.ts
 */
import { Context, heap, palloc, readString, realloc, strdup, view } from "@palloc/palloc";

const top = Context.init();
const requests = top.child.aset("requests"); // parent of the per-request arenas

/** Counts the words of `body` and reports the longest, using only arena memory. */
function handle(body: string): string {
  const arena = requests.child.aset("request", { ident: body.slice(0, 24) });
  try {
    // Inside run(), palloc allocates in the arena (PostgreSQL's CurrentMemoryContext).
    return arena.run(() => {
      let capacity = 4;
      let words = palloc(4 * capacity); // a growable array of string pointers
      let count = 0;
      for (const word of body.split(/\s+/).filter((w) => w !== "")) {
        if (count === capacity) {
          capacity *= 2;
          words = realloc(words, 4 * capacity);
        }
        view(Uint32Array, words, capacity)[count++] = strdup(arena, word);
      }
      if (body.includes("FAIL")) throw new Error("handler failed");
      const ptrs = view(Uint32Array, words, count);
      let longest = "";
      for (const p of ptrs) {
        const w = readString(p);
        if (w.length > longest.length) longest = w;
      }
      if (count > 10) console.log(arena.statsText());
      return `${count} words, longest "${longest}"`;
    });
  } finally {
    arena.delete(); // on success and on error alike
  }
}

// PostgreSQL keeps a deleted default-size AllocSet (emptied) for the next create, so the
// first request leaves one arena cached; from then on what is held stays flat.
let steady = -1;
const bodies = [
  "hello palloc",
  "the quick brown fox jumps over the lazy dog and keeps running past the farm",
  "this one will FAIL halfway",
  "memory contexts make cleanup a single call",
];
for (const body of bodies) {
  let reply: string;
  try {
    reply = handle(body);
  } catch (e) {
    reply = `error: ${(e as Error).message}`;
  }
  console.log(`${reply.padEnd(40)} heap held after request: ${heap.held} bytes`);
  if (steady === -1) steady = heap.held;
  else if (heap.held !== steady) throw new Error("a request leaked memory");
}
console.log(`\nall requests done; ${requests.children.length} arenas alive`);
console.log(top.statsText());
