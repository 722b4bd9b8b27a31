// Opens the HTML report of a real PostgreSQL dump in headless Chromium, driven over the
// DevTools protocol with Deno's built-in WebSocket (no npm package). Checks that the page
// draws one shape per context, raises no console error or exception, and that zoom and colour
// switching work; saves a screenshot to test-output/. Set MEMSTATS_DOCS_SCREENSHOT=1 to also
// refresh docs/memstats-example.png.
//
// Skips only when Chromium is missing and CI is unset; under CI a missing Chromium fails
// (install it with tools/install-chromium.sh).

import assert from "node:assert/strict";
import { countNodes, readDump, renderHtml } from "../../src/memstats/mod.ts";
import { Cdp, chromium, inCi, launch, withTimeout } from "./chromium.ts";

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

    const browser = await launch(chromium);
    let cdp: Cdp | undefined;
    try {
      cdp = await withTimeout(Cdp.open(browser.url), 10_000, "DevTools connect");
      const { result } = await cdp.send("Target.createTarget", { url: "about:blank" });
      const attached = await cdp.send("Target.attachToTarget", {
        targetId: result!.targetId,
        flatten: true,
      });
      const sid = attached.result!.sessionId as string;
      for (const m of ["Runtime.enable", "Log.enable", "Page.enable"]) await cdp.send(m, {}, sid);
      await cdp.send("Emulation.setDeviceMetricsOverride", {
        width: 1600,
        height: 1000,
        deviceScaleFactor: 1,
        mobile: false,
      }, sid);
      const loaded = cdp.waitFor("Page.loadEventFired");
      await cdp.send("Page.navigate", { url: page.href }, sid);
      await withTimeout(loaded, 10_000, "page load");

      const evaluate = async (expression: string) => {
        const r = await cdp!.send("Runtime.evaluate", { expression, returnByValue: true }, sid);
        return (r.result!.result as { value: unknown }).value;
      };
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

      const problems = cdp.events.filter((e) =>
        e.method === "Runtime.exceptionThrown" ||
        (e.method === "Runtime.consoleAPICalled" && e.params?.type === "error") ||
        (e.method === "Log.entryAdded" &&
          (e.params?.entry as { level?: string } | undefined)?.level === "error")
      );
      assert.deepEqual(problems.map((p) => JSON.stringify(p.params).slice(0, 300)), []);

      const shot = await cdp.send("Page.captureScreenshot", { format: "png" }, sid);
      const png = Uint8Array.from(atob(shot.result!.data as string), (c) => c.charCodeAt(0));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      await Deno.writeFile(new URL("memstats-report.png", OUT), png);
      if (Deno.env.get("MEMSTATS_DOCS_SCREENSHOT") === "1") {
        await Deno.writeFile(new URL("../../docs/memstats-example.png", import.meta.url), png);
      }
      await cdp.send("Browser.close").catch(() => {});
    } finally {
      await cdp?.close();
      await browser.stop();
    }
  },
});
