// Benchmarks of memstats on a synthetic dump of 100,000 contexts (the bar: read and
// render in under 2 s on one core). Run with `deno bench bench/memstats_bench.ts`.
// The inputs are built once, outside the timed functions.

import {
  analyze,
  dumpFromTree,
  readDumps,
  renderHtml,
  renderSvg,
  writeCsv,
  writeLog,
  writeStderr,
} from "../src/memstats/mod.ts";
import { syntheticTree } from "../src/memstats/synthetic.ts";

const CONTEXTS = 100_000;
const dump = dumpFromTree(syntheticTree(CONTEXTS, 42), { source: "synthetic" });
const logText = writeLog(dump, { pid: 4242, prefix: "2025-11-24 14:00:00.000 UTC [4242] " });
const stderrText = writeStderr(dump);
const csvText = writeCsv(dump);
const parsed = readDumps(logText)[0];

Deno.bench({
  name: "read + analyze + render HTML, 100k-context server log (end to end)",
  group: "end-to-end",
  baseline: true,
  fn() {
    const d = readDumps(logText)[0];
    const html = renderHtml(d, { analysis: analyze(d, 25) });
    if (html.length === 0) throw new Error("empty");
  },
});

Deno.bench({
  name: "read + render SVG, 100k-context CSV",
  group: "end-to-end",
  fn() {
    const svg = renderSvg(readDumps(csvText)[0]);
    if (svg.length === 0) throw new Error("empty");
  },
});

Deno.bench({
  name: "read server log (100k)",
  group: "read",
  baseline: true,
  fn: () => void readDumps(logText),
});
Deno.bench({
  name: "read MemoryContextStats text (100k)",
  group: "read",
  fn: () => void readDumps(stderrText),
});
Deno.bench({ name: "read CSV (100k)", group: "read", fn: () => void readDumps(csvText) });

Deno.bench({ name: "analyze (100k)", group: "parts", fn: () => void analyze(parsed, 25) });
Deno.bench({ name: "render SVG (100k)", group: "parts", fn: () => void renderSvg(parsed) });
Deno.bench({ name: "render HTML (100k)", group: "parts", fn: () => void renderHtml(parsed) });
