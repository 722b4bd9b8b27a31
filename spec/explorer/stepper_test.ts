/**
 * The explorer's replay and heap layout, in Deno (no browser): every
 * scenario replays to the end; the state after N steps equals what the
 * trace module's replay computes for the prefix of length N, also when the
 * stepper goes back; the heap map's pieces cover every block exactly and add
 * up to the counters PostgreSQL prints; captions, the seed table and the
 * side-by-side rewrite hold what the page relies on.
 */
import assert from "node:assert/strict";
import { readComments, Stepper, withContextType } from "../../explorer/stepper.ts";
import type { ContextLayout } from "../../explorer/layout.ts";
import { SEED_ROWS } from "../../explorer/seed.ts";
import { pgCall } from "../../explorer/calls.ts";
import { parseTrace } from "../../src/trace/parse.ts";
import { TraceParseError } from "../../src/trace/errors.ts";
import { expectedAfter, scenarioTexts } from "./reference.ts";

const scenarios = await scenarioTexts();

function treeRows(s: ReturnType<Stepper["goTo"]>): string[] {
  return s.tree.map((n) =>
    `${n.level} ${n.name} ${n.nblocks} ${n.freechunks} ${n.totalspace} ${n.freespace} ${n.memAllocated}`
  );
}

Deno.test("every scenario replays to its end, every step has a caption, errors are expected", () => {
  assert.ok(scenarios.size >= 7, `only ${scenarios.size} scenarios`);
  for (const [id, text] of scenarios) {
    const s = new Stepper(text, `${id}.trace`);
    assert.equal(s.failure, null, `${id}: ${s.failure}`);
    assert.ok(s.meta.title !== "", `${id} has no #! title`);
    for (const st of s.steps) {
      if (id !== "fifo") {
        assert.ok(st.caption !== "", `${id} step ${st.n} (${st.text}) has no caption`);
      }
      // Where the scenario writes what PostgreSQL prints (its ERRORs), palloc prints it too.
      for (const e of st.expected) assert.ok(st.actual.includes(e), `${id} step ${st.n}: ${e}`);
      if (st.error !== null) {
        assert.ok(st.expected.length > 0, `${id} step ${st.n}: unexpected ERROR ${st.error}`);
      }
    }
  }
});

Deno.test("the state after N steps equals the trace module's replay of the prefix, forward and back", async () => {
  for (const [id, text] of scenarios) {
    const s = new Stepper(text, `${id}.trace`);
    const L = s.length;
    // Forward, then back (replayed from the start), then forward again.
    for (const n of [0, 1, Math.floor(L / 2), L, Math.floor(L / 3), 2, L - 1]) {
      const snap = s.goTo(n);
      const want = await expectedAfter(text, n);
      assert.equal(snap.step, n);
      assert.deepEqual(treeRows(snap), want.tree, `${id} at step ${n}: tree`);
      assert.deepEqual(snap.stats, want.stats, `${id} at step ${n}: stats`);
      if (n === L) {
        assert.deepEqual(s.steps.map((x) => x.actual), want.lines, `${id}: step output lines`);
      }
    }
  }
});

/** Sums of the layout's pieces that each type's stats count as free. */
function layoutFree(c: ContextLayout): number {
  let free = 0;
  for (const b of c.blocks) {
    // A cached empty Slab block is in the total but, as PostgreSQL counts, not free.
    if (b.fill !== null && b.fill.used === 0) continue;
    for (const s of b.segments) {
      if (c.type === "SlabContext") {
        if (s.kind === "free") free += s.chunk!.space;
      } else if (s.kind === "unused") free += s.bytes;
      else if (s.kind === "free") free += s.chunk!.space; // AllocSet freelist chunks, header included
    }
  }
  return free;
}

Deno.test("the heap map covers every block exactly and adds up to the counters", () => {
  for (const [id, text] of scenarios) {
    const s = new Stepper(text, `${id}.trace`);
    for (let n = 0; n <= s.length; n++) {
      const snap = s.goTo(n);
      for (const c of snap.heap) {
        const node = snap.tree.find((t) => t.name === c.name)!;
        const where = `${id} step ${n} ${c.name}`;
        // Slab counts its cached empty blocks apart ("N empty blocks"), not in nblocks.
        const counted = c.blocks.filter((b) => b.fill === null || b.fill.used > 0).length;
        assert.equal(counted, node.nblocks, `${where}: blocks`);
        for (const b of c.blocks) {
          let at = b.start;
          for (const seg of b.segments) {
            assert.equal(seg.start, at, `${where}: gap or overlap at 0x${at.toString(16)}`);
            assert.ok(seg.bytes >= 0, `${where}: negative segment`);
            at += seg.bytes;
          }
          assert.equal(at, b.start + b.bytes, `${where}: segments do not end at the block end`);
        }
        const blockBytes = c.blocks.reduce((a, b) => a + b.bytes, 0);
        // Slab's and Bump's totals: Slab adds its separate header; Bump leaves its header out.
        const total = c.type === "SlabContext"
          ? blockBytes + c.separateHeader
          : c.type === "BumpContext" && c.blocks.some((b) => b.role === "keeper")
          ? blockBytes - c.blocks.find((b) => b.role === "keeper")!.segments[0].bytes
          : blockBytes;
        assert.equal(total, node.totalspace, `${where}: total`);
        assert.equal(layoutFree(c), node.freespace, `${where}: free`);
        const freeChunks = c.blocks.flatMap((b) =>
          b.segments
        ).filter((x) =>
          x.chunk !== undefined && x.kind !== "chunkheader" && x.kind !== "padding" &&
          (x.kind === "free" || x.kind === "dead")
        ).length;
        if (c.type !== "SlabContext") {
          assert.equal(freeChunks, node.freechunks, `${where}: free chunks`);
        }
      }
    }
  }
});

Deno.test("live chunks are found in the heap map under their tokens", () => {
  const s = new Stepper(scenarios.get("aset")!, "aset.trace");
  const snap = s.goTo(5); // a b c d allocated
  const work = snap.heap.find((c) => c.name === "work")!;
  const tokens = work.blocks.flatMap((b) => b.segments).filter((x) => x.kind === "used").map((x) =>
    x.chunk?.token
  );
  assert.deepEqual(tokens, ["a", "b", "c", "d"]);
  const c = work.blocks[0].segments.find((x) => x.chunk?.token === "c" && x.kind === "used")!;
  assert.equal(c.chunk!.requested, 100);
  assert.equal(c.chunk!.space, 136); // 128-byte class + 8-byte header, as GetMemoryChunkSpace says
  const after = s.goTo(6); // free c: on freelist 4
  const fl = after.heap.find((x) => x.name === "work")!.freelists;
  assert.deepEqual(fl.map((f) => [f.index, f.chunks.length]), [[4, 1]]);
});

Deno.test("captions and metadata come from #: and #! lines; the side-by-side rewrite swaps one type", () => {
  const text =
    "#! title T\n#! compare Q aset generation\n#: first\ncreate Q aset TopMemoryContext 0 8192 8192\n" +
    "create R aset TopMemoryContext 0 8192 8192\n#: third\nalloc p Q 10\n";
  const { meta, captions } = readComments(text);
  assert.equal(meta.title, "T");
  assert.deepEqual(meta.compare, { ctx: "Q", types: ["aset", "generation"] });
  assert.deepEqual([...captions], [[4, "first"], [7, "third"]]);
  const swapped = withContextType(text, "Q", "generation");
  const t = parseTrace(swapped);
  assert.deepEqual(t.steps.map((s) => s.op.verb === "create" ? s.op.type : "-"), [
    "generation",
    "aset",
    "-",
  ]);
});

Deno.test("a corrupt trace is refused with the parser's typed error naming the line", () => {
  assert.throws(
    () => new Stepper("create A aset TopMemoryContext 0 8192 8192\nalloc p1 B 10\n", "bad.trace"),
    (e) => {
      assert.ok(e instanceof TraceParseError);
      assert.equal(e.line, 2);
      return true;
    },
  );
});

Deno.test("a trace that fails without saying so stops at that step with a reason", () => {
  const s = new Stepper("create S slab TopMemoryContext 1024 96\nalloc p S 40\nfree p\n", "t");
  assert.equal(s.length, 2);
  assert.match(s.failure ?? "", /line 3: free p: chunk "p" is not live/);
  assert.equal(s.steps[1].error, "unexpected alloc chunk size 40 (expected 96)");
});

Deno.test("the seed table's contexts are all made in A backend's life, in PostgreSQL's names", () => {
  const s = new Stepper(scenarios.get("backend")!, "backend.trace");
  const created = new Set(
    s.steps.filter((x) => x.kind === "create").map((x) => x.text.split(" ")[1]),
  );
  for (const r of SEED_ROWS) {
    if (r.name === "TopMemoryContext" || r.name === "ErrorContext") continue;
    assert.ok(created.has(r.name), `${r.name} is never created in backend.trace`);
  }
  const kinds = new Set(s.steps.map((x) => x.kind));
  for (const k of ["reset", "delete", "error", "create"]) assert.ok(kinds.has(k as never), k);
});

Deno.test("each step's PostgreSQL call is named as in PostgreSQL", () => {
  const t = parseTrace(
    "create E aset TopMemoryContext 0 8192 8388608\nalloc p E 120\nallocext q E 10 NO_OOM|ZERO\nfree p\nreset E\n",
  );
  assert.deepEqual(t.steps.map((s) => pgCall(s.op)), [
    'AllocSetContextCreate(TopMemoryContext, "E", ALLOCSET_DEFAULT_SIZES)',
    "palloc(120) in E → p",
    "palloc_extended(10, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO) in E → q",
    "pfree(p)",
    "MemoryContextReset(E)",
  ]);
  const s = new Stepper("create E aset TopMemoryContext 0 8192 8388608\nalloc p E 120\nfree p\n");
  assert.equal(s.steps[2].call, "pfree(p) in E");
});

Deno.test("for every conformance vector the explorer prints, step by step, what PostgreSQL printed", async () => {
  const root = new URL("../../../shared/conformance/pg18/", import.meta.url);
  let files = 0;
  for await (const d of Deno.readDir(root)) {
    if (!d.isDirectory) continue;
    for await (const f of Deno.readDir(new URL(d.name + "/", root))) {
      if (!f.name.endsWith(".trace")) continue;
      files++;
      const name = `${d.name}/${f.name}`;
      const s = new Stepper(await Deno.readTextFile(new URL(name, root)), name);
      assert.equal(s.failure, null, `${name}: ${s.failure}`);
      for (const st of s.steps) {
        assert.deepEqual(st.actual, st.expected, `${name}:${st.line}: ${st.text}`);
      }
      // The heap map can be drawn anywhere in the vector: pieces tile every block.
      for (let k = 0; k <= 4; k++) {
        const snap = s.goTo(Math.floor(s.length * k / 4));
        for (const c of snap.heap) {
          for (const b of c.blocks) {
            const end = b.segments.reduce(
              (at, g) => (assert.equal(g.start, at, `${name} ${c.name}`), at + g.bytes),
              b.start,
            );
            assert.equal(end, b.start + b.bytes, `${name} step ${snap.step} ${c.name}`);
          }
        }
      }
    }
  }
  assert.ok(files >= 188, `only ${files} vectors found`);
});
