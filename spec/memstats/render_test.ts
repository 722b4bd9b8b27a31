// Drawing without a browser: the icicle layout's geometry, one SVG shape per context for every
// reference dump, colouring, escaping, and the HTML page's self-containment. (The page is run
// in a real browser by browser_test.ts.)

import assert from "node:assert/strict";
import {
  countNodes,
  type Dump,
  dumpFromTree,
  icicleLayout,
  type MemNode,
  readDump,
  renderHtml,
  renderSvg,
} from "../../src/memstats/mod.ts";
import { syntheticTree } from "../../src/memstats/synthetic.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);

function allReferenceDumps(): Dump[] {
  const out: Dump[] = [];
  for (const v of ["pg15", "pg18"]) {
    for (const e of Deno.readDirSync(new URL(`${v}/`, REF))) {
      if (!/\.(log|csv|txt)$/.test(e.name)) continue;
      out.push(readDump(Deno.readFileSync(new URL(`${v}/${e.name}`, REF)), { source: e.name }));
    }
  }
  return out;
}

const countMatches = (s: string, re: RegExp) => (s.match(re) ?? []).length;

Deno.test("the icicle gives the root the full width and each child a share of its parent", () => {
  const d = readDump(Deno.readFileSync(new URL("pg18/05-hash-cursor.log", REF)));
  const { cells, maxDepth } = icicleLayout(d.root);
  assert.equal(cells.length, countNodes(d.root));
  assert.equal(cells[0].x0, 0);
  assert.equal(cells[0].x1, 1);
  assert.equal(maxDepth, 5);
  for (let i = 1; i < cells.length; i++) {
    const c = cells[i];
    const p = cells[c.parent];
    assert.equal(c.depth, p.depth + 1);
    assert.ok(c.x0 >= p.x0 - 1e-12 && c.x1 <= p.x1 + 1e-12, `cell ${i} inside its parent`);
    const expected = (c.subtreeBytes / p.subtreeBytes) * (p.x1 - p.x0);
    assert.ok(Math.abs(c.x1 - c.x0 - expected) < 1e-12, "width proportional to subtree bytes");
  }
  // Largest subtree first: under ExecutorState, HashTableContext (19.3 MiB) comes leftmost.
  const exec = cells.findIndex((c) =>
    c.node.name === "ExecutorState" && cells[c.parent].node.ident === "h"
  );
  assert.ok(exec > 0);
  const kids = cells.filter((c) => c.parent === exec).sort((a, b) => a.x0 - b.x0);
  assert.equal(kids[0].node.name, "HashTableContext");
  const dumpOrder = icicleLayout(d.root, { order: "dump" }).cells.filter((c) => c.parent === exec)
    .sort((a, b) => a.x0 - b.x0);
  assert.deepEqual(dumpOrder.map((c) => c.node), cells[exec].node.children);
});

Deno.test("the SVG of every reference dump has exactly one shape per context and no script", () => {
  for (const d of allReferenceDumps()) {
    const svg = renderSvg(d);
    assert.equal(countMatches(svg, /<rect class="ctx"/g), countNodes(d.root), d.source);
    assert.equal(countMatches(svg, /<title>/g), countNodes(d.root), `${d.source}: tooltips`);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(!/<script|href=|src=/.test(svg), "plain SVG: no script, no link");
  }
});

Deno.test("the HTML page of every reference dump has one shape per context and loads nothing", () => {
  for (const d of allReferenceDumps()) {
    const html = renderHtml(d);
    assert.equal(countMatches(html, /<rect class="ctx"/g), countNodes(d.root), d.source);
    assert.ok(html.includes("Content-Security-Policy"));
    assert.ok(!/<script[^>]+src=|<link|<img|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html));
    const json = /<script type="application\/json" id="memstats-data">(.*?)<\/script>/s.exec(html)!;
    const data = JSON.parse(json[1]);
    assert.equal(data.label.length, countNodes(d.root));
  }
});

Deno.test("colouring by type uses the type palette and by free ratio a green-to-red scale", () => {
  const d = readDump(Deno.readFileSync(new URL("pg18/11-walsender-logical.log", REF)));
  const byType = renderSvg(d, { colorBy: "type" });
  assert.ok(byType.includes('fill="#f28e2b"'), "Slab contexts drawn in the Slab colour");
  assert.ok(byType.includes('fill="#59a14f"'), "Generation contexts drawn in green");
  const byFree = renderSvg(d, { colorBy: "free" });
  // TransactionAbortContext is 99% free: nearly red. TopMemoryContext 3% free: nearly green.
  assert.match(byFree, /fill="hsl\(1,60%,48%\)"/);
  assert.match(byFree, /fill="hsl\(11[0-9],60%,48%\)"/);
});

Deno.test("idents and names are escaped so the page cannot be broken out of", () => {
  const root: MemNode = {
    name: "Top <b>",
    ident: '</script><script>alert("x")</script> & \u2028',
    level: 0,
    totalBytes: 100,
    nblocks: 1,
    freeBytes: 0,
    freeChunks: 0,
    usedBytes: 100,
    children: [],
  };
  const html = renderHtml(root, { title: "<i>t</i>" });
  assert.equal(countMatches(html, /<script/g), 2, "only the page's own two script elements");
  assert.ok(!html.includes("<b>") && !html.includes("<i>t</i>"));
  const data = JSON.parse(
    /<script type="application\/json" id="memstats-data">(.*?)<\/script>/s.exec(html)![1],
  );
  assert.equal(data.ident[0], root.ident, "the ident survives the JSON escaping exactly");
  assert.ok(renderSvg(root).includes("Top &lt;b&gt;"));
});

Deno.test("palloc-like trees of any size draw one shape per context", () => {
  const tree = syntheticTree(5000, 9);
  const svg = renderSvg(dumpFromTree(tree));
  assert.equal(countMatches(svg, /<rect class="ctx"/g), 5000);
  const big = renderSvg(syntheticTree(20_001, 9));
  assert.equal(countMatches(big, /<title>/g), 0, "no per-shape tooltips above 20,000 contexts");
});
