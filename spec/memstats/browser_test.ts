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

const REF = new URL("../../../shared/reference/", import.meta.url);
const OUT = new URL("../../test-output/", import.meta.url);
const CANDIDATES = [
  Deno.env.get("CHROMIUM_PATH"),
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

function findChromium(): string | undefined {
  for (const c of CANDIDATES) {
    if (c === undefined || c === "") continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* not there */ }
  }
  return undefined;
}

const chromium = findChromium();
const inCi = (Deno.env.get("CI") ?? "") !== "";
if (chromium === undefined && !inCi) {
  console.warn(
    "browser_test: Chromium not found (tried /usr/bin/chromium and friends); skipping. " +
      "Run tools/install-chromium.sh to enable it.",
  );
}

type Msg = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
};

/** A minimal DevTools-protocol client over one WebSocket. */
class Cdp {
  private next = 1;
  private pending = new Map<number, (m: Msg) => void>();
  private waiters: { method: string; resolve: (m: Msg) => void }[] = [];
  readonly events: Msg[] = [];
  private constructor(private ws: WebSocket) {
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data as string) as Msg;
      if (m.id !== undefined) {
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
        return;
      }
      this.events.push(m);
      this.waiters = this.waiters.filter((
        w,
      ) => (w.method === m.method ? (w.resolve(m), false) : true));
    };
  }
  static open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new Cdp(ws));
      ws.onerror = (e) =>
        reject(new Error(`DevTools WebSocket failed: ${(e as ErrorEvent).message}`));
    });
  }
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Msg> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => {
      this.pending.set(
        id,
        (m) => m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m),
      );
    });
  }
  waitFor(method: string): Promise<Msg> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.onclose = () => resolve();
      this.ws.close();
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Starts Chromium with a DevTools port and returns its WebSocket URL and a stop function. */
async function launch(path: string) {
  const profile = await Deno.makeTempDir({ prefix: "memstats-chromium-" });
  const child = new Deno.Command(path, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "--window-size=1600,1000",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Read stderr until the DevTools line, then keep draining it so Chromium never blocks.
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await withTimeout(lines.read(), 15_000, "Chromium start");
    if (done) throw new Error(`Chromium exited early:\n${buffer.slice(-2000)}`);
    buffer += value;
    url = /DevTools listening on (ws:\/\/\S+)/.exec(buffer)?.[1];
  }
  const drained = (async () => {
    while (!(await lines.read()).done) { /* discard */ }
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await drained;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  return { url, stop };
}

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
