/**
 * What a CheckedView costs, the numbers quoted in `src/api/checked_view.ts`.
 * Run: deno bench spec/api/checked_view_bench.ts
 *
 * Each case sums the same 1024 doubles; the baseline is a plain typed array.
 * The Proxy case shows what `v[i]` syntax with a check would cost, and why
 * the view offers methods instead.
 */
import { checkedView, Context, view } from "../../src/api/mod.ts";

const N = 1024;
const top = Context.init();
const work = top.child.aset("bench");
const p = work.alloc(8 * N);
const plain = view(Float64Array, p, N);
for (let i = 0; i < N; i++) plain[i] = i * 0.5;
const checked = checkedView(Float64Array, p, N);
const proxied = new Proxy(plain, {
  get(target, key) {
    if (!checked.valid) throw new Error("stale");
    return Reflect.get(target, key);
  },
});
let sink = 0;

Deno.bench("plain Float64Array", { group: "sum 1024 doubles", baseline: true }, () => {
  const a = plain;
  let s = 0;
  for (let i = 0; i < N; i++) s += a[i];
  sink += s;
});

Deno.bench("CheckedView.array() once, then a plain loop", { group: "sum 1024 doubles" }, () => {
  const a = checked.array();
  let s = 0;
  for (let i = 0; i < N; i++) s += a[i];
  sink += s;
});

Deno.bench("CheckedView.get(i) per element", { group: "sum 1024 doubles" }, () => {
  const v = checked;
  let s = 0;
  for (let i = 0; i < N; i++) s += v.get(i);
  sink += s;
});

Deno.bench("Proxy with a validity check per element", { group: "sum 1024 doubles" }, () => {
  let s = 0;
  for (let i = 0; i < N; i++) s += proxied[i];
  sink += s;
});

Deno.bench("checkedView(): making a view", { group: "make" }, () => {
  sink += checkedView(Float64Array, p, N).length;
});

Deno.bench("view(): making a plain view", { group: "make", baseline: true }, () => {
  sink += view(Float64Array, p, N).length;
});

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
