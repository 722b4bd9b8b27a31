/**
 * The explorer in headless Chromium, opened from disk as the single HTML
 * file `deno task explorer` writes: every scenario is loaded, stepped
 * forward and back with the keyboard, buttons and slider, and at each
 * checked step the page's context tree and MemoryContextStats text must
 * equal what palloc computes for that prefix of the trace (`reference.ts`);
 * a conformance vector typed into the editor box must show, at its `stats`
 * and `check` steps, exactly what PostgreSQL printed; the side-by-side view
 * must show both replays; no request may leave the page and no console
 * error may appear. Screenshots at 1280 and 1920 px go to
 * test-output/explorer/; with EXPLORER_DOCS=1 they (and the per-type heap
 * pictures of docs/context-types.md) are also written to docs/.
 *
 * Skips only when Chromium is missing and CI is unset; under CI a missing
 * Chromium fails (tools/install-chromium.sh installs it).
 */
import assert from "node:assert/strict";
import { buildExplorer } from "../../tools/explorer.ts";
import { Browser, chromium, inCi } from "../browser.ts";
import { expectedAfter, scenarioTexts } from "./reference.ts";

const OUT = new URL("../../test-output/explorer/", import.meta.url).pathname;
const DOCS = new URL("../../docs/", import.meta.url).pathname;
const writeDocs = Deno.env.get("EXPLORER_DOCS") === "1";

interface Side {
  tree: string[];
  stats: string[];
  changed: number;
  segments: number;
}
interface View {
  id: string;
  step: number;
  length: number;
  compare: boolean;
  sides: Side[];
  actual: string | null;
  expected: string | null;
  error: string;
}

const view = (b: Browser) => b.eval<View>("explorer.view()");

async function checkStep(b: Browser, text: string, what: string): Promise<View> {
  const v = await view(b);
  const want = await expectedAfter(text, v.step);
  assert.deepEqual(v.sides[0].tree, want.tree, `${what} step ${v.step}: tree`);
  assert.deepEqual(v.sides[0].stats, want.stats, `${what} step ${v.step}: stats text`);
  return v;
}

async function save(b: Browser, name: string, png: Uint8Array): Promise<void> {
  await Deno.writeFile(OUT + name, png);
  if (writeDocs) await Deno.writeFile(DOCS + name, png);
  void b;
}

Deno.test({
  name:
    "the explorer in headless Chromium shows what palloc computes, step by step, and nothing leaves the page",
  ignore: chromium === undefined && !inCi,
  async fn(t) {
    assert.ok(chromium, "Chromium not found under CI: run tools/install-chromium.sh first");
    const file = await buildExplorer();
    const url = "file://" + file;
    const scenarios = await scenarioTexts();
    const b = await Browser.launch(chromium, 1280, 800);
    try {
      await b.open(url);
      assert.equal(await b.eval("document.documentElement.dataset.ready"), "1");
      const ids = await b.eval<string[]>("explorer.scenarios");
      assert.deepEqual([...ids].sort(), [...scenarios.keys()].sort());

      await t.step("every scenario: keyboard, buttons and slider, forward and back", async () => {
        for (const id of ids) {
          const text = scenarios.get(id)!;
          await b.eval(`explorer.load(${JSON.stringify(id)})`);
          let v = await checkStep(b, text, id);
          assert.equal(v.step, 0);
          const L = v.length;
          // Three steps with the right arrow key, one back with the left arrow key.
          for (let i = 0; i < 3; i++) await b.key("ArrowRight", "ArrowRight", 39);
          v = await checkStep(b, text, id);
          assert.equal(v.step, Math.min(3, L));
          await b.key("ArrowLeft", "ArrowLeft", 37);
          v = await checkStep(b, text, id);
          assert.equal(v.step, Math.min(2, L));
          // The slider to the middle, the next button, End, then back with the previous button.
          await b.eval(
            `(() => { const s = document.getElementById("slider"); s.value = ${Math.floor(L / 2)};
            s.dispatchEvent(new Event("input")); })()`,
          );
          await checkStep(b, text, id);
          await b.eval(`document.getElementById("next").click()`);
          v = await checkStep(b, text, id);
          assert.equal(v.step, Math.floor(L / 2) + 1);
          await b.key("End", "End", 35);
          v = await checkStep(b, text, id);
          assert.equal(v.step, L);
          assert.ok(v.sides[0].segments > 0, `${id}: the heap map draws nothing`);
          for (let i = 0; i < 2; i++) await b.eval(`document.getElementById("prev").click()`);
          v = await checkStep(b, text, id);
          assert.equal(v.step, L - 2);
        }
      });

      await t.step("jumps go to the next reset, delete and error of A backend's life", async () => {
        const text = scenarios.get("backend")!;
        await b.eval(`explorer.load("backend")`);
        const lines = text.split("\n").filter((l) => /^[a-z]/.test(l));
        for (
          const [key, code, kc, verb] of [["r", "KeyR", 82, "reset"], [
            "d",
            "KeyD",
            68,
            "delete",
          ]] as const
        ) {
          await b.eval("explorer.goTo(0)");
          await b.key(key, code, kc, key);
          const v = await checkStep(b, text, "backend");
          assert.equal(
            v.step,
            lines.findIndex((l) => l.startsWith(verb + " ")) + 1,
            `${verb} jump`,
          );
        }
        await b.eval("explorer.goTo(0)");
        await b.eval(`document.getElementById("jump-error").click()`);
        const v = await checkStep(b, text, "backend");
        assert.equal(lines[v.step - 1], "alloc sort3 ExecutorState 250000");
        assert.match(v.actual ?? "", /^= error out of memory$/m);
        assert.ok(v.sides[0].changed >= 1 || v.sides[0].stats.length > 0);
      });

      await t.step(
        "a conformance vector typed in the editor shows what PostgreSQL printed",
        async () => {
          const root = new URL("../../../shared/conformance/pg18/", import.meta.url);
          for (
            const name of [
              "stats/limits-and-idents.trace",
              "tree/check-order.trace",
              "oom/limit-basics.trace",
            ]
          ) {
            let text: string;
            try {
              text = await Deno.readTextFile(new URL(name, root));
            } catch {
              // Fall back to any vector of that folder.
              const dir = new URL(name.split("/")[0] + "/", root);
              const first = [...Deno.readDirSync(dir)].map((e) => e.name).sort()[0];
              text = await Deno.readTextFile(new URL(first, dir));
            }
            await b.eval(`(() => { document.querySelector('[data-tab="edit"]').click();
            document.getElementById("editor").value = ${JSON.stringify(text)};
            document.getElementById("run").click(); })()`);
            const steps = text.split("\n").filter((l) => /^[a-z]/.test(l));
            let compared = 0;
            for (let n = 1; n <= steps.length; n++) {
              const verb = steps[n - 1].split(" ")[0];
              if (verb !== "stats" && verb !== "check" && n !== steps.length) continue;
              await b.eval(`explorer.goTo(${n})`);
              const v = await checkStep(b, text, name);
              if (v.expected !== null) {
                assert.equal(
                  v.actual,
                  v.expected,
                  `${name} step ${n}: palloc and PostgreSQL differ`,
                );
                compared++;
              }
            }
            assert.ok(compared > 0, `${name}: no step with PostgreSQL's lines`);
          }
          // A bad line is refused with the parser's message, and the trace on screen stays.
          const before = await view(b);
          await b.eval(`(() => { document.getElementById("editor").value = "alloc p1 Nowhere 10";
          document.getElementById("run").click(); })()`);
          const after = await view(b);
          assert.match(after.error, /typed\.trace:1: .*Nowhere/);
          assert.deepEqual(after.sides, before.sides);
          assert.equal(after.id, before.id);
        },
      );

      await t.step("a dropped trace file and the file input load like a scenario", async () => {
        const text = scenarios.get("slab")!;
        await b.eval(`(() => { const dt = new DataTransfer();
          dt.items.add(new File([${
          JSON.stringify(text)
        }], "dropped.trace", { type: "text/plain" }));
          dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true })); })()`);
        await b.eval(`new Promise((r) => setTimeout(r, 50))`);
        let v = await view(b);
        assert.equal(v.id, "custom:dropped.trace");
        await b.eval("explorer.goTo(11)");
        await checkStep(b, text, "dropped slab");
        const tmp = await Deno.makeTempFile({ suffix: ".trace" });
        try {
          await Deno.writeTextFile(tmp, scenarios.get("bump")!);
          const doc = await b.send("DOM.getDocument", {});
          const q = await b.send("DOM.querySelector", {
            nodeId: (doc.result!.root as { nodeId: number }).nodeId,
            selector: "#file",
          });
          await b.send("DOM.setFileInputFiles", { files: [tmp], nodeId: q.result!.nodeId });
          await b.eval(`new Promise((r) => setTimeout(r, 100))`);
          v = await view(b);
          assert.match(v.id, /^custom:.*\.trace$/);
          await b.eval("explorer.goTo(5)");
          await checkStep(b, scenarios.get("bump")!, "opened bump");
        } finally {
          await Deno.remove(tmp);
        }
      });

      await t.step("side by side: the same trace through AllocSet and Generation", async () => {
        const text = scenarios.get("fifo")!;
        await b.eval(`explorer.load("fifo")`);
        await b.eval(`document.querySelector('[data-tab="log"]').click()`);
        await b.key("c", "KeyC", 67, "c");
        await b.eval("explorer.goTo(60)");
        const v = await view(b);
        assert.equal(v.compare, true);
        assert.equal(v.sides.length, 2);
        const ctx = /^#! compare (\S+) (\S+) (\S+)$/m.exec(text)!;
        for (const [i, type] of [[0, ctx[2]], [1, ctx[3]]] as const) {
          const swapped = text.split("\n").map((l) => {
            const w = l.split(" ");
            if (w[0] === "create" && w[1] === ctx[1]) w[2] = type;
            return w.join(" ");
          }).join("\n");
          const want = await expectedAfter(swapped, 60);
          assert.deepEqual(v.sides[i].tree, want.tree, `side ${type}: tree`);
          assert.deepEqual(v.sides[i].stats, want.stats, `side ${type}: stats`);
        }
        await b.resize(1920, 1080);
        await b.eval("explorer.goTo(60)");
        await save(b, "explorer-side-by-side-1920.png", await b.screenshot());
        await b.eval("explorer.setCompare(false)");
        await b.resize(1280, 800);
      });

      await t.step(
        "screenshots at 1280 and 1920 px, and the heap pictures of each type",
        async () => {
          await b.eval(`explorer.load("backend")`);
          await b.eval(`document.querySelector('[data-tab="log"]').click()`);
          await b.eval("explorer.goTo(57)"); // the out-of-memory ERROR
          await save(b, "explorer-1280.png", await b.screenshot());
          await b.resize(1920, 1080);
          await b.eval(`document.querySelector('[data-tab="seed"]').click()`);
          await b.eval("explorer.goTo(41)"); // MessageContext reset: message 1's parse tree freed
          await save(b, "explorer-1920.png", await b.screenshot());
          await b.eval(`document.querySelector('[data-tab="log"]').click()`);
          // Hovering a chunk shows its details.
          await b.eval(`explorer.load("aset")`);
          await b.eval("explorer.goTo(6)");
          const box = await b.eval<{ x: number; y: number }>(`(() => {
          const r = [...document.querySelectorAll("#heap rect.seg.free")][0].getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
          await b.hover(box.x, box.y);
          const info = await b.eval<string>(`document.getElementById("chunk").textContent`);
          assert.match(
            info,
            /free chunk at 0x[0-9a-f]+ .*occupies 136 bytes .*freelist 4 \(128-byte chunks\)/,
          );
          await b.resize(1600, 900);
          const pictures = [["aset", 17], ["generation", 80], ["slab", 20], ["bump", 11], [
            "aligned",
            10,
          ]] as const;
          for (const [id, step] of pictures) {
            await b.eval(`explorer.load("${id}")`);
            await b.eval(`explorer.goTo(${step})`);
            await save(b, `context-${id}.png`, await b.screenshot());
          }
          await b.resize(1280, 800);
        },
      );

      await t.step("no request left the page and no console error appeared", () => {
        const outside = b.requests.filter((r) => r !== url && !r.startsWith("data:"));
        assert.deepEqual(outside, [], "requests other than the page itself");
        assert.deepEqual(b.problems, []);
      });
      assert.equal(await b.eval("document.documentElement.dataset.errors ?? '0'"), "0");
    } finally {
      await b.close();
    }
  },
});
