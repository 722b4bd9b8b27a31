// A block list bent into a cycle must make a reset or delete fail with a typed error, change
// nothing, and leave the context usable once the link is put back. Before, a keeper block whose
// next link led back to itself made the release pre-check (and so MemoryContextReset, Delete and
// the children variants) loop forever: the walk counted only the blocks it gave back, and the
// keeper is never given back; MemoryContextStats and MemoryContextMemConsumed looped on any cycle,
// a free list's too. Each scenario runs in a worker ended after a timeout, so a walk
// that never ends fails the test instead of hanging the run.
import assert from "node:assert/strict";
import type { Outcome } from "./block_list_cycle_worker.ts";

const kinds = ["aset-keeper", "aset-block", "generation-keeper", "bump-keeper", "slab-block"];
const releases = ["reset", "delete", "resetchildren", "deletechildren", "resetparent"];
const reports = ["stats", "consumed"];
const TIMEOUT_MS = 20_000;

function runInWorker(kind: string, op: string): Promise<Outcome | "timed out"> {
  const worker = new Worker(new URL("./block_list_cycle_worker.ts", import.meta.url).href, {
    type: "module",
  });
  return new Promise<Outcome | "timed out">((resolve) => {
    const timer = setTimeout(() => resolve("timed out"), TIMEOUT_MS);
    worker.onmessage = (e: MessageEvent<Outcome>) => {
      clearTimeout(timer);
      resolve(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      clearTimeout(timer);
      resolve(`worker error: ${e.message}`);
    };
    worker.postMessage({ kind, op });
  }).finally(() => worker.terminate());
}

async function expectAllRefused(kind: string, ops: string[]): Promise<void> {
  const results = await Promise.all(ops.map((op) => runInWorker(kind, op)));
  const failed = ops.map((op, i) => [op, results[i]]).filter(([, r]) => r !== null);
  assert.deepEqual(failed, [], `${kind}: ${JSON.stringify(failed)}`);
}

for (const kind of kinds) {
  Deno.test(`a ${kind} list in a cycle: releases and reports are refused whole, then work`, () =>
    expectAllRefused(kind, [...releases, ...reports]));
}

// A free list is not walked by a release (a reset forgets it), only by the reports.
Deno.test("an AllocSet free list in a cycle: the reports are refused, then work", () =>
  expectAllRefused("aset-freelist", reports));
