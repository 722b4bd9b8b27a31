/**
 * The fast replay's release of dead contexts: after a `delete` or
 * `deletechildren`, the table slots of every context that died (the whole
 * subtree) are emptied, so a long trace does not keep every context it ever
 * made alive; contexts still alive keep their slots, and the checked replay
 * (release off) leaves the table alone.
 */
import assert from "node:assert/strict";
import { compileTrace } from "../../src/trace/compile.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { loadPallocApi } from "../../src/trace/api.ts";
import { execute, newReplayState } from "../../src/trace/execute.ts";

const TEXT = [
  "create T aset TopMemoryContext 0 8192 8388608",
  "create P aset T 0 1024 8192",
  "create E1 aset P 0 1024 8192",
  "create E2 generation P 0 8192 8388608",
  "create E3 aset E2 0 1024 8192",
  "create Q aset T 0 1024 8192",
  "create R slab Q 8192 64",
  "alloc p1 E3 100",
  "delete P",
  "deletechildren Q",
  "alloc p2 Q 10",
  "delete T",
  "",
].join("\n");

const api = await loadPallocApi();
const c = compileTrace(parseTrace(TEXT, "release.trace"));
const id = (name: string) => c.contextIds.get(name)!;

for (const release of [true, false]) {
  Deno.test(`execute with release ${release}: dead contexts' slots ${release ? "emptied" : "kept"}`, () => {
    api.mcxt.MemoryContextInit();
    const st = newReplayState(api);
    st.release = release;
    execute(c, st, api, 0, 9); // up to and including `delete P`
    for (const n of ["P", "E1", "E2", "E3"]) {
      assert.equal(st.ctxs[id(n)] === undefined, release, n);
      if (!release) assert.equal(st.ctxs[id(n)].id, 0, `${n} is dead`);
    }
    for (const n of ["T", "Q", "R"]) assert.notEqual(st.ctxs[id(n)], undefined, n);
    execute(c, st, api, 9, 10); // deletechildren Q: R dies, Q lives
    assert.equal(st.ctxs[id("R")] === undefined, release);
    assert.notEqual(st.ctxs[id("Q")].id, 0);
    execute(c, st, api, 10, c.length);
    assert.equal(st.ctxs[id("T")] === undefined, release);
    assert.equal(st.ctxs[id("Q")] === undefined, release);
    assert.equal(st.ctxs[0], api.mcxt.TopMemoryContext, "TopMemoryContext keeps its slot");
  });
}
