/// <reference lib="dom" />
/**
 * The explorer page's controller: loads a scenario (or a dropped or typed
 * trace) into a `Stepper`, and at every step redraws the three synchronised
 * views — context tree, heap map, MemoryContextStats text — plus the caption,
 * the step log and, in side-by-side mode, the same views for a second
 * replay with one context's type swapped. Stepping: buttons, slider,
 * keyboard, play, jumps to the next reset / delete / error.
 *
 * `window.explorer` exposes load / goTo / state for the headless-browser
 * tests; the page itself never touches the network.
 */
import { type Snapshot, Stepper, withContextType } from "./stepper.ts";
import { chunkTitle, heapSvg } from "./heap_svg.ts";
import { treeHtml } from "./tree_view.ts";
import { statsHtml } from "./stats_view.ts";
import { SEED_ROWS } from "./seed.ts";
import type { ContextLayout } from "./layout.ts";

interface Scenario {
  id: string;
  title: string;
  text: string;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`page: #${id} is missing`);
  return e as T;
};

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const root = document.documentElement;
let errors = 0;
addEventListener("error", () => root.setAttribute("data-errors", String(++errors)));

const scenarios: Scenario[] = JSON.parse($("scenarios").textContent ?? "[]");

/** What is on screen. */
const state = {
  id: "",
  text: "",
  file: "",
  steppers: [] as Stepper[],
  labels: [] as string[],
  compare: false,
  step: 0,
  snaps: [] as Snapshot[],
  prevSnaps: [] as (Snapshot | null)[],
  timer: undefined as ReturnType<typeof setInterval> | undefined,
};

// ---------------------------------------------------------------- loading

function load(text: string, file: string, id: string): void {
  const main = new Stepper(text, file);
  stop();
  state.id = id;
  state.text = text;
  state.file = file;
  state.steppers = [main];
  state.labels = [""];
  const cmp = main.meta.compare;
  $("compare").toggleAttribute("disabled", cmp === null);
  if (cmp === null) state.compare = false;
  if (state.compare && cmp !== null) {
    state.steppers = cmp.types.map((t) => new Stepper(withContextType(text, cmp.ctx, t), file));
    state.labels = cmp.types.map((t) => `${cmp.ctx} as ${typeLabel(t)}`);
  }
  $("compare").setAttribute("aria-pressed", String(state.compare));
  $("single").hidden = state.compare;
  $("pair").hidden = !state.compare;
  ($("editor") as HTMLTextAreaElement).value = text;
  $("editor-error").textContent = main.failure ?? "";
  const slider = $<HTMLInputElement>("slider");
  slider.max = String(main.length);
  renderLog();
  renderSeed();
  const sel = $<HTMLSelectElement>("scenario");
  if ([...sel.options].some((o) => o.value === id)) sel.value = id;
  goTo(0);
}

function typeLabel(t: string): string {
  return { aset: "AllocSet", generation: "Generation", bump: "Bump", slab: "Slab" }[t] ?? t;
}

function loadScenario(id: string): void {
  const s = scenarios.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no scenario ${id}`);
  load(s.text, `${s.id}.trace`, s.id);
}

/** Loads trace text from the editor, a dropped file or the file input; reports parse errors. */
function loadUser(text: string, name: string): boolean {
  try {
    load(text, name, "custom:" + name);
    return true;
  } catch (err) {
    $("editor-error").textContent = err instanceof Error ? err.message : String(err);
    showTab("edit");
    return false;
  }
}

// ---------------------------------------------------------------- stepping

function goTo(n: number): void {
  const main = state.steppers[0];
  const step = Math.max(0, Math.min(main.length, Math.trunc(n)));
  state.step = step;
  // One stepper at a time (they share palloc's heap): its previous step, then this one.
  state.prevSnaps = [];
  state.snaps = [];
  for (const s of state.steppers) {
    state.prevSnaps.push(step > 0 ? s.goTo(step - 1) : null);
    state.snaps.push(s.goTo(step));
  }
  render();
}

function jump(kind: "reset" | "delete" | "error", dir: 1 | -1): void {
  const steps = state.steppers[0].steps;
  if (dir > 0) {
    const f = steps.find((s) => s.n > state.step && s.kind === kind);
    if (f !== undefined) goTo(f.n);
  } else {
    const f = [...steps].reverse().find((s) => s.n < state.step && s.kind === kind);
    if (f !== undefined) goTo(f.n);
  }
}

function stop(): void {
  if (state.timer !== undefined) clearInterval(state.timer);
  state.timer = undefined;
  $("play").textContent = "▶ play";
  $("play").setAttribute("aria-label", "play");
}

function togglePlay(): void {
  if (state.timer !== undefined) return stop();
  if (state.step >= state.steppers[0].length) goTo(0);
  state.timer = setInterval(() => {
    if (state.step >= state.steppers[0].length) return stop();
    goTo(state.step + 1);
  }, 700);
  $("play").textContent = "❚❚ pause";
  $("play").setAttribute("aria-label", "pause");
}

// ---------------------------------------------------------------- rendering

function render(): void {
  const main = state.steppers[0];
  const info = state.step > 0 ? main.steps[state.step - 1] : null;
  $<HTMLInputElement>("slider").value = String(state.step);
  $("pos").textContent = `${state.step} / ${main.length}`;
  root.dataset.step = String(state.step);
  renderCaption();
  if (state.compare) renderPair();
  else {
    const snap = state.snaps[0];
    const prev = state.prevSnaps[0];
    $("tree").innerHTML = treeHtml(snap.tree, prev?.tree ?? null, info?.acting ?? null);
    $("stats").innerHTML = statsHtml(snap.stats, prev?.stats ?? null);
    drawHeap($("heap"), snap.heap, info, undefined);
  }
  for (const li of $("log").querySelectorAll("li.current")) li.classList.remove("current");
  const cur = $("log").querySelector(`li[data-n="${state.step}"]`);
  if (cur !== null) {
    cur.classList.add("current");
    // Scroll the log only (scrollIntoView would scroll the page too).
    const log = $("log");
    const li = cur as HTMLElement;
    if (
      li.offsetTop < log.scrollTop ||
      li.offsetTop + li.offsetHeight > log.scrollTop + log.clientHeight
    ) {
      log.scrollTop = li.offsetTop - log.clientHeight / 2;
    }
  }
  for (const tr of $("seed").querySelectorAll(".seedrow[data-name]")) {
    tr.classList.toggle(
      "acting",
      info !== null && (tr as HTMLElement).dataset.name === info.acting,
    );
  }
  for (const k of ["reset", "delete", "error"] as const) {
    $(`jump-${k}`).toggleAttribute(
      "disabled",
      !main.steps.some((s) => s.n > state.step && s.kind === k),
    );
  }
}

function renderCaption(): void {
  const main = state.steppers[0];
  const info = state.step > 0 ? main.steps[state.step - 1] : null;
  const title = main.meta.title || state.file;
  if (info === null) {
    $("caption").innerHTML = `<div class="call">${esc(title)} — step 0 of ${main.length}</div>` +
      `<p>${esc(main.meta.summary || main.meta.header || "A trace loaded from a file.")}</p>` +
      `<p class="muted">Before step 1, <code>MemoryContextInit()</code> has made TopMemoryContext and ErrorContext. Press <kbd>→</kbd> to run the first step.</p>` +
      (main.failure ? `<p class="bad">The replay stopped early: ${esc(main.failure)}</p>` : "");
    return;
  }
  const lines = (ls: string[]) => ls.map((l) => esc(l)).join("\n");
  const same = info.expected.length === 0
    ? null
    : info.expected.join("\n") === info.actual.join("\n");
  const sides = state.compare
    ? state.steppers.map((s, i) =>
      `<div><b>${esc(state.labels[i])}:</b><pre class="out">${
        lines(s.steps[state.step - 1]?.actual ?? [])
      }</pre></div>`
    ).join("")
    : `<div><b>palloc printed</b><pre class="out" id="actual">${lines(info.actual)}</pre></div>` +
      (info.expected.length > 0
        ? `<div><b>PostgreSQL printed</b> <span class="${same ? "ok" : "bad"}">${
          same ? "✓ identical" : "✗ differs"
        }</span><pre class="out" id="expected">${lines(info.expected)}</pre></div>`
        : "");
  $("caption").innerHTML =
    `<div class="call"><span class="n">step ${info.n} / ${main.length}</span> ` +
    `<code>${esc(info.call)}</code>${
      info.error ? ` <span class="err">ERROR: ${esc(info.error)}</span>` : ""
    }</div>` +
    `<p>${esc(info.caption || "")}</p>` +
    `<details${info.caption ? "" : " open"}><summary>trace line ${info.line}: <code>${
      esc(info.text)
    }</code></summary>` +
    `<div class="outs">${sides}</div></details>`;
}

function drawHeap(
  box: HTMLElement,
  heap: ContextLayout[],
  info: { acting: string | null; text: string } | null,
  only: string[] | undefined,
): void {
  const token = info?.text.split(" ")[1] ?? null;
  const width = Math.max(320, box.clientWidth - 4);
  box.innerHTML = heapSvg(heap, {
    width,
    highlight: token,
    acting: info?.acting ?? null,
    only,
    legend: true,
  });
  (box as HTMLElement & { layout?: ContextLayout[] }).layout = heap;
}

function renderPair(): void {
  const info = state.step > 0 ? state.steppers[0].steps[state.step - 1] : null;
  const cmp = state.steppers[0].meta.compare;
  ["sideA", "sideB"].forEach((id, i) => {
    const snap = state.snaps[i];
    const prev = state.prevSnaps[i];
    const box = $(id);
    const node = snap.tree.find((t) => t.name === cmp?.ctx);
    box.innerHTML = `<h2>${esc(state.labels[i])}</h2>` +
      `<div class="big">${
        node === undefined
          ? "context not created yet"
          : `<b>${
            node.totalspace.toLocaleString("en-US")
          }</b> bytes held in <b>${node.nblocks}</b> blocks · ` +
            `<b>${node.freespace.toLocaleString("en-US")}</b> free (${node.freechunks} chunks) · ` +
            `<b>${(node.totalspace - node.freespace).toLocaleString("en-US")}</b> used`
      }</div>` +
      `<div class="tree">${treeHtml(snap.tree, prev?.tree ?? null, info?.acting ?? null)}</div>` +
      `<div class="heap"></div><h2>MemoryContextStats</h2><div class="stats">${
        statsHtml(snap.stats, prev?.stats ?? null)
      }</div>`;
    drawHeap(
      box.querySelector(".heap") as HTMLElement,
      snap.heap,
      info,
      cmp ? [cmp.ctx] : undefined,
    );
  });
}

function renderLog(): void {
  const steps = state.steppers[0].steps;
  const items = [`<li data-n="0"><span class="k">0</span> MemoryContextInit()</li>`];
  for (const s of steps) {
    items.push(
      `<li data-n="${s.n}" class="${s.kind}"><span class="k">${s.n}</span> ${esc(s.call)}${
        s.error ? ` <span class="err">ERROR</span>` : ""
      }</li>`,
    );
  }
  $("log").innerHTML = items.join("");
}

/** The seed table, each row linked to the backend scenario's steps for that context. */
function renderSeed(): void {
  const backend = scenarios.find((s) => s.id === "backend");
  const links = new Map<string, string[]>();
  if (backend !== undefined) {
    const st = backend.id === state.id
      ? state.steppers[0]
      : new Stepper(backend.text, "backend.trace");
    for (const s of st.steps) {
      const t = s.text.split(" ");
      const name = t[0] === "create" ? t[1] : ["reset", "delete"].includes(t[0]) ? t[1] : null;
      if (name === null) continue;
      const verb = t[0] === "create" ? "created" : t[0] === "reset" ? "reset" : "deleted";
      const l = links.get(name) ?? [];
      l.push(`<a href="#" data-goto="${s.n}" title="${esc(s.call)}">${verb} ${s.n}</a>`);
      links.set(name, l);
    }
    if (state.id === "backend") {
      // The two made by MemoryContextInit, before step 1.
      for (const n of ["TopMemoryContext", "ErrorContext"]) {
        links.set(n, [`<a href="#" data-goto="0">made before step 1</a>`, ...(links.get(n) ?? [])]);
      }
    }
  }
  const rows = SEED_ROWS.map((r) =>
    `<div class="seedrow" data-name="${esc(r.name)}"><div class="seedhead"><b>${esc(r.name)}</b>` +
    ` <span class="parent">in ${esc(r.parent)}</span></div>` +
    `<div class="links">${(links.get(r.name) ?? []).join(" ")}</div>` +
    `<dl><dt>made</dt><dd>${esc(r.created)}</dd><dt>lives</dt><dd>${esc(r.lifetime)}</dd>` +
    `<dt>holds</dt><dd>${esc(r.holds)}</dd><dt>why</dt><dd>${esc(r.why)}</dd></dl></div>`
  );
  $("seed").innerHTML =
    `<p>PostgreSQL's standard contexts. The links go to the steps of <i>A backend's life</i> that create, reset or delete each one.</p>` +
    rows.join("");
}

function showTab(tab: string): void {
  for (const b of document.querySelectorAll<HTMLElement>(".tabs [data-tab]")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === tab));
  }
  for (const p of document.querySelectorAll<HTMLElement>(".panel")) {
    p.hidden = p.dataset.panel !== tab;
  }
}

// ---------------------------------------------------------------- wiring

function chunkHover(ev: Event): void {
  const t = ev.target as Element;
  if (!(t instanceof SVGRectElement) || !t.classList.contains("seg")) return;
  const box = t.closest(".heap, #heap") as (HTMLElement & { layout?: ContextLayout[] }) | null;
  const layout = box?.layout;
  if (layout === undefined) return;
  const ctx = layout[Number(t.dataset.ctx)];
  const seg = ctx?.blocks[Number(t.dataset.block)]?.segments[Number(t.dataset.seg)];
  if (seg === undefined) return;
  $("chunk").textContent = chunkTitle(ctx, seg).replaceAll("\n", " · ");
  for (const h of document.querySelectorAll("rect.hover")) h.classList.remove("hover");
  t.classList.add("hover");
}

function init(): void {
  const sel = $<HTMLSelectElement>("scenario");
  sel.innerHTML =
    scenarios.map((s, i) => `<option value="${esc(s.id)}">${i + 1}. ${esc(s.title)}</option>`)
      .join("") + `<option value="custom" disabled>(your trace)</option>`;
  sel.addEventListener("change", () => loadScenario(sel.value));
  $("first").addEventListener("click", () => goTo(0));
  $("prev").addEventListener("click", () => goTo(state.step - 1));
  $("next").addEventListener("click", () => goTo(state.step + 1));
  $("last").addEventListener("click", () => goTo(Infinity));
  $("play").addEventListener("click", togglePlay);
  $("slider").addEventListener("input", () => goTo(Number($<HTMLInputElement>("slider").value)));
  for (const k of ["reset", "delete", "error"] as const) {
    $(`jump-${k}`).addEventListener("click", () => jump(k, 1));
  }
  $("compare").addEventListener("click", toggleCompare);
  $("log").addEventListener("click", (ev) => {
    const li = (ev.target as Element).closest("li[data-n]") as HTMLElement | null;
    if (li !== null) goTo(Number(li.dataset.n));
  });
  $("seed").addEventListener("click", (ev) => {
    const a = (ev.target as Element).closest("a[data-goto]") as HTMLElement | null;
    if (a === null) return;
    ev.preventDefault();
    if (state.id !== "backend") loadScenario("backend");
    goTo(Number(a.dataset.goto));
  });
  for (const b of document.querySelectorAll<HTMLElement>(".tabs [data-tab]")) {
    b.addEventListener("click", () => showTab(b.dataset.tab!));
  }
  $("run").addEventListener("click", () => {
    loadUser(($("editor") as HTMLTextAreaElement).value, "typed.trace");
  });
  $("file").addEventListener("change", async () => {
    const f = ($("file") as HTMLInputElement).files?.[0];
    if (f !== undefined) loadUser(await f.text(), f.name);
  });
  addEventListener("dragover", (ev) => {
    ev.preventDefault();
    root.classList.add("dropping");
  });
  addEventListener("dragleave", () => root.classList.remove("dropping"));
  addEventListener("drop", async (ev) => {
    ev.preventDefault();
    root.classList.remove("dropping");
    const f = ev.dataTransfer?.files?.[0];
    if (f !== undefined) loadUser(await f.text(), f.name);
  });
  document.addEventListener("mouseover", chunkHover);
  document.addEventListener("keydown", onKey);
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 150);
  });
}

function toggleCompare(): void {
  if (state.steppers[0].meta.compare === null) return;
  state.compare = !state.compare;
  const step = state.step;
  load(state.text, state.file, state.id);
  goTo(step);
}

function onKey(ev: KeyboardEvent): void {
  const t = ev.target as HTMLElement;
  if (
    t.tagName === "TEXTAREA" || t.tagName === "INPUT" && (t as HTMLInputElement).type !== "range" ||
    t.tagName === "SELECT"
  ) {
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const k = ev.key;
  const act: Record<string, () => void> = {
    ArrowRight: () => goTo(state.step + 1),
    j: () => goTo(state.step + 1),
    ArrowLeft: () => goTo(state.step - 1),
    k: () => goTo(state.step - 1),
    " ": togglePlay,
    Home: () => goTo(0),
    End: () => goTo(Infinity),
    r: () => jump("reset", 1),
    R: () => jump("reset", -1),
    d: () => jump("delete", 1),
    D: () => jump("delete", -1),
    e: () => jump("error", 1),
    E: () => jump("error", -1),
    c: toggleCompare,
    "?": () => ($("help").hidden = !$("help").hidden),
    Escape: () => ($("help").hidden = true),
  };
  const f = act[k] ??
    (/^[1-9]$/.test(k) && scenarios[Number(k) - 1]
      ? () => loadScenario(scenarios[Number(k) - 1].id)
      : undefined);
  if (f === undefined) return;
  ev.preventDefault();
  f();
}

/** What the tests read: the step, and the views' content as the page shows it. */
function view(): Record<string, unknown> {
  const sides = state.compare ? ["#sideA", "#sideB"] : ["#single"];
  return {
    id: state.id,
    step: state.step,
    length: state.steppers[0].length,
    compare: state.compare,
    sides: sides.map((sel) => {
      const el = document.querySelector(sel)!;
      return {
        tree: [...el.querySelectorAll("table.tree tbody tr")].map((tr) => {
          const e = tr as HTMLElement;
          return `${e.dataset.level} ${e.dataset.name} ${e.dataset.counters}`;
        }),
        stats: [...el.querySelectorAll(".stats .sl")].map((d) => d.textContent),
        changed: [...el.querySelectorAll(".stats .sl.changed")].length,
        segments: el.querySelectorAll("svg.heapmap rect.seg").length,
      };
    }),
    actual: document.getElementById("actual")?.textContent ?? null,
    expected: document.getElementById("expected")?.textContent ?? null,
    error: $("editor-error").textContent,
  };
}

init();
(globalThis as unknown as { explorer: unknown }).explorer = {
  scenarios: scenarios.map((s) => s.id),
  load: loadScenario,
  loadText: loadUser,
  goTo,
  view,
  setCompare(on: boolean) {
    if (state.compare !== on) toggleCompare();
  },
};
loadScenario(scenarios[0]?.id ?? "");
root.dataset.ready = "1";
