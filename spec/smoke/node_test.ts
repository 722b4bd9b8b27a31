/**
 * Node 20 smoke test: the bundle (`tools/build_bundle.ts`) loads in Node
 * with no dependency and does exactly what the TypeScript sources do in
 * Deno — same stats text, same numbers. Skipped only when `node` is missing
 * and CI is unset; under CI a missing node fails.
 */
import assert from "node:assert/strict";
import * as P from "../../mod.ts";
import { findNode } from "../../tools/build_npm.ts";
import { prepareDist, RESULT_MARK, underCI } from "./dist.ts";
import { scenario, type SmokeReport } from "./scenario.ts";

const node = await findNode();
const version = node?.version ?? null;

Deno.test({
  name: "the bundle loads and works in Node, matching Deno's run of the sources",
  ignore: version === null && !underCI(),
  async fn() {
    assert.ok(node !== null && version !== null, "node is not on PATH (CI needs Node 20)");
    const dir = await prepareDist();
    const out = await new Deno.Command(node.path, {
      args: [`${dir}/smoke.mjs`],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `node ${version} failed:\n${stdout}\n${stderr}`);
    const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
    assert.ok(line !== undefined, `no report in node's output:\n${stdout}`);
    const report = JSON.parse(line.slice(RESULT_MARK.length)) as SmokeReport;
    assert.deepEqual(report.failures, []);
    assert.match(stdout, /^TopMemoryContext: \d+ total in \d+ blocks;/m, "node printed the stats");

    const expected = scenario(P);
    assert.deepEqual(expected.failures, []);
    assert.deepEqual(report.seen, expected.seen);
    assert.equal(report.seen.string, "grüße, 世界 🐘");
    assert.equal(report.seen.staleError, "StaleViewError");
    if (version.startsWith("v20.")) {
      // Node 20 has no memory.toResizableBuffer: this run took the "buffer replaced" path.
      assert.equal(report.env.wasmHeapResizable, false);
    }
  },
});
