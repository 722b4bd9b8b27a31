/**
 * Headless Chromium smoke test: a page served from `test-output/dist/`
 * imports the bundle and runs the smoke scenario; the report it leaves in
 * the DOM (read with `--dump-dom`) must equal Deno's run of the sources.
 *
 * Debian's chromium is installed with `tools/install-chromium.sh` when
 * `/usr/bin/chromium` is missing. The test is skipped only when chromium is
 * still missing and CI is unset; under CI a missing chromium fails.
 */
import assert from "node:assert/strict";
import * as P from "../../mod.ts";
import { prepareDist, RESULT_MARK, underCI } from "./dist.ts";
import { scenario, type SmokeReport } from "./scenario.ts";

const CHROMIUM = "/usr/bin/chromium";
const root = new URL("../..", import.meta.url).pathname;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function ensureChromium(): Promise<boolean> {
  if (exists(CHROMIUM)) return true;
  try {
    const out = await new Deno.Command("bash", {
      args: [root + "tools/install-chromium.sh"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) console.error(new TextDecoder().decode(out.stderr).slice(-2000));
  } catch (e) {
    console.error(`install-chromium.sh could not run: ${e}`);
  }
  return exists(CHROMIUM);
}

const haveChromium = await ensureChromium();

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
};

Deno.test({
  name: "the bundle loads and works in headless Chromium, matching Deno's run of the sources",
  ignore: !haveChromium && !underCI(),
  async fn() {
    assert.ok(
      haveChromium,
      `${CHROMIUM} is missing and tools/install-chromium.sh did not install it`,
    );
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
    const profile = await Deno.makeTempDir({ prefix: "palloc-chromium-" });
    try {
      const out = await new Deno.Command(CHROMIUM, {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          `--user-data-dir=${profile}`,
          "--dump-dom",
          `http://127.0.0.1:${server.addr.port}/index.html`,
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const dom = new TextDecoder().decode(out.stdout);
      const m = new RegExp(`${RESULT_MARK}([A-Za-z0-9+/=]+)`).exec(dom);
      assert.ok(
        m !== null,
        `no report in the page (exit ${out.code}):\n${dom.slice(0, 3000)}\n` +
          new TextDecoder().decode(out.stderr).slice(-3000),
      );
      const json = new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)));
      const report = JSON.parse(json) as SmokeReport & { error?: string };
      assert.equal(report.error, undefined, report.error);
      assert.deepEqual(report.failures, []);
      const expected = scenario(P);
      assert.deepEqual(report.seen, expected.seen);
      assert.equal(report.seen.string, "grüße, 世界 🐘");
    } finally {
      await server.shutdown();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
