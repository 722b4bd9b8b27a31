/**
 * The default heap's views are over a growable SharedArrayBuffer when the
 * engine has one: a Web API that refuses shared memory takes the copy the
 * README tells users to pass (`bytes(p, n).slice()`), and a heap made with
 * `shared: false` hands out views any API takes.
 */
import assert from "node:assert/strict";
import { bytes, Context } from "@palloc/palloc";

Deno.test("views over the shared heap go to Blob as a copy; shared: false heaps directly", async () => {
  const top = Context.init();
  const p = top.alloc(4);
  bytes(p, 4).set([112, 103, 33, 10]);
  if (bytes(p, 4).buffer instanceof SharedArrayBuffer) {
    assert.throws(() => new Blob([bytes(p, 4)]), TypeError);
  }
  assert.equal(await new Blob([bytes(p, 4).slice()]).text(), "pg!\n");

  const plain = Context.init({ shared: false });
  const q = plain.alloc(4);
  bytes(q, 4).set([112, 103, 33, 10]);
  assert.equal(bytes(q, 4).buffer instanceof SharedArrayBuffer, false);
  assert.equal(await new Blob([bytes(q, 4)]).text(), "pg!\n");
});
