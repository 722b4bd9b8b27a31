/**
 * Headless Chromium smoke test: a page served from `test-output/dist/`
 * imports the bundle and runs the smoke scenario; the report it leaves in
 * the DOM must equal Deno's run of the sources, and the page may make no
 * request but to its own server and raise no console error.
 *
 * Chromium is driven by the one DevTools client of the browser tests
 * (`spec/browser.ts`); `deno task test` installs Debian's chromium first
 * when it is missing (tools/install-chromium.sh). The test is skipped only
 * when Chromium is missing and CI is unset; under CI a missing Chromium fails.
 */
import assert from "node:assert/strict";
import * as P from "../../mod.ts";
import { Browser, chromium, inCi } from "../browser.ts";
import { prepareDist, RESULT_MARK } from "./dist.ts";
import { scenario, type SmokeReport } from "./scenario.ts";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
};

Deno.test({
  name: "the bundle loads and works in headless Chromium, matching Deno's run of the sources",
  ignore: chromium === undefined && !inCi,
  async fn() {
    assert.ok(chromium, "Chromium not found under CI: run tools/install-chromium.sh first");
    const dir = await prepareDist();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const name = new URL(req.url).pathname.slice(1) || "index.html";
      if (!/^[\w.-]+$/.test(name)) return new Response("not found", { status: 404 });
      try {
        const body = await Deno.readFile(`${dir}/${name}`);
        const type = TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
        return new Response(body, { headers: { "content-type": type } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    });
    const b = await Browser.launch(chromium, 1024, 768);
    try {
      const origin = `http://127.0.0.1:${server.addr.port}/`;
      await b.open(`${origin}index.html`);
      // The module script runs after load's first turn; wait (bounded) for its report.
      let dom = "";
      let m: RegExpExecArray | null = null;
      for (let i = 0; i < 100 && m === null; i++) {
        dom = await b.eval<string>("document.documentElement.outerHTML");
        m = new RegExp(`${RESULT_MARK}([A-Za-z0-9+/=]+)`).exec(dom);
        if (m === null) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(m !== null, `no report in the page:\n${dom.slice(0, 3000)}\n${b.problems}`);
      assert.deepEqual(b.problems, []);
      assert.ok(
        b.requests.every((u) => u.startsWith(origin)),
        `the page asked for something else: ${b.requests.join(", ")}`,
      );
      const json = new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)));
      const report = JSON.parse(json) as SmokeReport & { error?: string };
      assert.equal(report.error, undefined, report.error);
      assert.deepEqual(report.failures, []);
      const expected = scenario(P);
      assert.deepEqual(report.seen, expected.seen);
      assert.equal(report.seen.string, "grüße, 世界 🐘");
    } finally {
      await b.close();
      await server.shutdown();
    }
  },
});
