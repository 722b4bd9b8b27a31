/**
 * The checked replay's `check` walks the context tree without recursion: a
 * trace may nest contexts as deep as it likes (here 60,000 levels), and the
 * `= ctx` lines still come out in MemoryContextStats order with the right
 * levels. (The walk was a recursive closure and overflowed the stack.)
 */
import assert from "node:assert/strict";
import { loadPallocApi } from "../../src/trace/api.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { replayLines } from "../../src/trace/replay.ts";

Deno.test("check at depth 60,000 lists every context with its level, in preorder", async () => {
  const depth = 60_000;
  const lines: string[] = [];
  for (let i = 1; i <= depth; i++) {
    lines.push(`create d${i} slab ${i === 1 ? "TopMemoryContext" : `d${i - 1}`} 1024 64`);
  }
  // A sibling of d1 made later: preorder puts it after the whole chain.
  lines.push("create side slab TopMemoryContext 1024 64");
  lines.push("check");
  const api = await loadPallocApi();
  const out = replayLines(parseTrace(lines.join("\n") + "\n", "deep.trace"), api);
  const check = out[out.length - 1];
  const ctxLines = check.filter((l) => l.startsWith("= ctx "));
  assert.equal(ctxLines.length, depth + 1);
  // TopMemoryContext's children are listed newest first, as PostgreSQL links them.
  assert.match(ctxLines[0], /^= ctx side TopMemoryContext 1 /);
  assert.match(ctxLines[1], /^= ctx d1 TopMemoryContext 1 /);
  assert.match(ctxLines[depth], new RegExp(`^= ctx d${depth} d${depth - 1} ${depth} `));
  api.mcxt.MemoryContextInit();
});
