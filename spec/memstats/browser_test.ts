// Opens the HTML report of a real PostgreSQL dump in headless Chromium, driven over the
// DevTools protocol (spec/browser.ts). Checks that the page
// draws one shape per context, raises no console error or exception, and that zoom and colour
// switching work; saves a screenshot to test-output/. Set MEMSTATS_DOCS_SCREENSHOT=1 to also
// refresh docs/memstats-example.png.
//
// Skips only when Chromium is missing and CI is unset; under CI a missing Chromium fails
// (install it with tools/install-chromium.sh).

import assert from "node:assert/strict";
import { countNodes, readDump, renderHtml } from "../../src/memstats/mod.ts";
import { Browser, chromium, inCi } from "../browser.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const OUT = new URL("../../test-output/", import.meta.url);
Deno.test({
  name:
    "the HTML report of a real dump renders in Chromium with one shape per context and no error",
  ignore: chromium === undefined && !inCi,
  async fn() {
    assert.ok(chromium, "Chromium not found under CI: run tools/install-chromium.sh first");
    const dump = readDump(await Deno.readFile(new URL("pg18/05-hash-cursor.log", REF)), {
      source: "pg18/05-hash-cursor.log",
    });
    await Deno.mkdir(OUT, { recursive: true });
    const page = new URL("memstats-report.html", OUT);
    await Deno.writeTextFile(page, renderHtml(dump));

    const b = await Browser.launch(chromium, 1600, 1000);
    try {
      await b.open(page.href);
      const evaluate = (expression: string) => b.eval(expression);
      const state = await evaluate(`JSON.stringify({
        shapes: document.querySelectorAll("svg#icicle rect.ctx").length,
        ready: document.documentElement.dataset.ready,
        errors: document.documentElement.dataset.errors ?? "0",
        external: [...document.querySelectorAll("script[src],link[href],img[src]")].length,
      })`) as string;
      const s = JSON.parse(state);
      assert.equal(s.ready, "1", "the page script did not finish starting");
      assert.equal(s.errors, "0");
      assert.equal(s.external, 0, "the page must not load anything external");
      assert.equal(s.shapes, countNodes(dump.root), "one shape per context");

      // Clicking a context zooms it to the full width, whether on the icicle or in the table.
      const zoomed = await evaluate(`(() => {
        const r = document.querySelector('rect.ctx[data-i="1"]');
        r.dispatchEvent(new MouseEvent("click", { bubbles: true }));
        const viaIcicle = Number(r.getAttribute("width"));
        const row = document.querySelector("table[data-rank] tr[data-goto]");
        row.click();
        const target = document.querySelector('rect.ctx[data-i="' + row.dataset.goto + '"]');
        return [viaIcicle, Number(target.getAttribute("width")), target.classList.contains("sel"),
          document.getElementById("details").textContent];
      })()`) as [number, number, boolean, string];
      assert.equal(zoomed[0], 1000);
      assert.equal(zoomed[1], 1000);
      assert.equal(zoomed[2], true, "the clicked row's context is selected");
      assert.match(zoomed[3], /HashBatchContext/);
      const recoloured = await evaluate(`(() => {
        const r = document.querySelector('rect.ctx[data-i="0"]');
        const before = r.getAttribute("fill");
        document.querySelector('button[data-color="free"]').click();
        const after = r.getAttribute("fill");
        document.querySelector('button[data-color="type"]').click();
        document.getElementById("reset").click();
        return before !== after && after.startsWith("hsl(");
      })()`);
      assert.equal(recoloured, true);

      assert.deepEqual(b.problems, []);
      assert.deepEqual(b.requests, [page.href], "the page loads nothing but itself");

      const png = await b.screenshot();
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      await Deno.writeFile(new URL("memstats-report.png", OUT), png);
      if (Deno.env.get("MEMSTATS_DOCS_SCREENSHOT") === "1") {
        await Deno.writeFile(new URL("../../docs/memstats-example.png", import.meta.url), png);
      }
    } finally {
      await b.close();
    }
  },
});
