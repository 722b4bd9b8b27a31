// The report, index and diff pages at the two widths DBAs use (1280 and 1920 px) in headless
// Chromium: no sideways scrolling, no word broken in the middle in the tables, the byte labels
// on the icicle bars, no script error. Screenshots go to test-output/memstats-*-{1280,1920}.png
// (they are looked at by a person; MEMSTATS_DOCS_SCREENSHOT=1 refreshes the ones in docs/).

import assert from "node:assert/strict";
import {
  diffDumps,
  readDump,
  readInput,
  renderDiffHtml,
  renderHtml,
  renderIndex,
} from "../../src/memstats/mod.ts";
import { Browser, chromium, inCi } from "../browser.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const FIX = new URL("./fixtures/pg15/", import.meta.url);
const OUT = new URL("../../test-output/", import.meta.url);

const pages = () => {
  const hash = readDump(Deno.readFileSync(new URL("pg18/05-hash-cursor.log", REF)), {
    source: "pg18/05-hash-cursor.log",
  });
  const before = readDump(Deno.readFileSync(new URL("pg18/01-idle.log", REF)), {
    source: "pg18/01-idle.log",
  });
  const after = readDump(Deno.readFileSync(new URL("pg18/02-catalog.log", REF)), {
    source: "pg18/02-catalog.log",
  });
  const log = readInput(Deno.readFileSync(new URL("prefix-m-p.log", FIX)), {
    source: "prefix-m-p.log",
  });
  return {
    report: renderHtml(hash),
    index: renderIndex(log, (k) => `r-${k}.html`, "prefix-m-p.log"),
    diff: renderDiffHtml(before, after, diffDumps(before, after)),
  };
};

Deno.test({
  name: "report, index and diff pages fit 1280 and 1920 px without sideways scrolling",
  ignore: chromium === undefined && !inCi,
  async fn() {
    assert.ok(chromium, "Chromium not found under CI: run tools/install-chromium.sh first");
    await Deno.mkdir(OUT, { recursive: true });
    const b = await Browser.launch(chromium, 1280, 1000);
    try {
      for (const [name, html] of Object.entries(pages())) {
        const file = new URL(`memstats-${name}.html`, OUT);
        await Deno.writeTextFile(file, html);
        for (const width of [1280, 1920]) {
          await b.resize(width, 1000);
          await b.open(file.href);
          const state = JSON.parse(
            await b.eval<string>(`JSON.stringify({
              scroll: document.documentElement.scrollWidth,
              inner: window.innerWidth,
              errors: document.documentElement.dataset.errors ?? "0",
              // a table cell whose text is wider than the cell (a word that had to overflow)
              overflowing: [...document.querySelectorAll("td")].filter((td) =>
                td.scrollWidth > td.clientWidth + 1).length,
              byteLabels: [...document.querySelectorAll("g.labels text")].filter((t) =>
                /\\d (B|KiB|MiB|GiB)$/.test(t.textContent)).length,
            })`),
          );
          assert.ok(
            state.scroll <= state.inner,
            `${name} @${width}: scrolls sideways ${state.scroll}`,
          );
          assert.equal(state.errors, "0", `${name} @${width}: script errors`);
          assert.equal(state.overflowing, 0, `${name} @${width}: a table cell overflows`);
          if (name !== "index") assert.ok(state.byteLabels > 3, `${name}: bars carry byte labels`);
          const png = await b.screenshot("full");
          assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
          await Deno.writeFile(new URL(`memstats-${name}-${width}.png`, OUT), png);
          if (
            Deno.env.get("MEMSTATS_DOCS_SCREENSHOT") === "1" && width === 1280 && name !== "report"
          ) {
            await Deno.writeFile(
              new URL(`../../docs/memstats-${name}.png`, import.meta.url),
              png,
            );
          }
        }
      }
      assert.deepEqual(b.problems, []);
      assert.ok(
        b.requests.every((u) => u.startsWith(OUT.href)),
        `only the pages themselves are loaded: ${b.requests.join(", ")}`,
      );
    } finally {
      await b.close();
    }
  },
});
