// Depth is user-sized input: a dump 200,000 levels deep (a chain) goes through reading,
// analysis, diffing, the verdict, layout, the log writer and the CLI's streamed JSON without
// recursion. Also: palloc's own Context.stats() shape (null idents) is accepted, and the
// published CLI entry starts from its file URL with --help.

import assert from "node:assert/strict";
import { Context } from "../../mod.ts";
import {
  analyze,
  checkGrandTotal,
  diffDumps,
  dumpFromTree,
  icicleLayout,
  jsonChunks,
  readDump,
  verdict,
  writeLog,
  writeStderr,
} from "../../src/memstats/mod.ts";
import { main } from "../../src/memstats/cli.ts";

const DEPTH = 200_000;

function chain(depth: number): string {
  const lines = ["LOG:  logging memory contexts of PID 9"];
  for (let i = 0; i < depth; i++) {
    lines.push(
      `LOG:  level: ${i + 1}; C${i}: 1024 total in 1 blocks; 24 free (1 chunks); 1000 used`,
    );
  }
  lines.push(
    `LOG:  Grand total: ${1024 * depth} bytes in ${depth} blocks; ${
      24 * depth
    } free (${depth} chunks); ${1000 * depth} used`,
  );
  return lines.join("\n") + "\n";
}

Deno.test("a dump 200,000 levels deep is read, analysed, diffed and written without recursion", () => {
  const text = chain(DEPTH);
  const d = readDump(text);
  assert.equal(d.complete, true);
  assert.equal(checkGrandTotal(d).status, "ok");
  assert.equal(analyze(d, 3).maxDepth, DEPTH - 1);
  assert.equal(diffDumps(d, d).counts.same, DEPTH);
  assert.match(verdict(d), /^97\.7 MiB of 195 MiB \(50 %\) is in C99999 › C100000/); // half-way down
  assert.equal(icicleLayout(d.root).cells.length, DEPTH);
  assert.equal(writeLog(d), text);
  let n = 0;
  for (const chunk of jsonChunks(d.root)) n += chunk.length;
  assert.ok(n > DEPTH * 100);
  // The stderr form indents two spaces per level (quadratic text by nature); 5,000 is plenty.
  const shallow = readDump(chain(5000));
  assert.equal(readDump(writeStderr(shallow)).root.children[0].name, "C1");
});

Deno.test("memstats --json streams a 200,000-deep dump that parses back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/deep.log`, chain(DEPTH));
    const parts: string[] = [];
    const code = await main([`${dir}/deep.log`, "--json", "--top", "1"], {
      out: (t) => parts.push(t),
      err: () => {},
    });
    assert.equal(code, 0);
    assert.ok(parts.length > 10, "written in chunks");
    // Walk the parsed tree to its bottom without recursion.
    // JSON.parse itself is iterative in V8 for nesting like this.
    const j = JSON.parse(parts.join(""));
    let node = j.dumps[0].tree;
    let depth = 0;
    while (node.children.length > 0) {
      node = node.children[0];
      depth++;
    }
    assert.equal(depth, DEPTH - 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dumpFromTree takes palloc's Context.stats() (ident null, levels from 1)", () => {
  const top = Context.init();
  top.child.slab("nodes", { chunkSize: 64 });
  const s = top.stats();
  assert.equal(s.ident, null); // the shape that used to throw in dumpFromTree
  const d = dumpFromTree(s);
  assert.equal(d.root.level, 0);
  assert.equal(d.root.ident, undefined);
  assert.deepEqual(d.root.children.map((c) => [c.name, c.level]), [["nodes", 1], [
    "ErrorContext",
    1,
  ]]);
  assert.equal(checkGrandTotal(d).status, "ok");
  assert.equal(readDump(writeLog(d)).root.children.length, 2);
});

Deno.test("the published ./memstats/cli entry runs from its file URL with --help", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const entry = new URL(`../../${config.exports["./memstats/cli"]}`, import.meta.url);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", entry.href, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  assert.match(new TextDecoder().decode(r.stdout), /^usage: memstats FILE/);
});
