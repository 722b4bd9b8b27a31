/**
 * The benchmarks' warm-up rule (`bench/warmup.ts`) and its use by the
 * side-by-side round (`tools/bench_round.ts`): timed replays start only after
 * at least five warm-up replays and the minimum warm-up time.
 */
import assert from "node:assert/strict";
import { warmUp, WARMUP_MIN_RUNS } from "../../bench/warmup.ts";

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

Deno.test("warmUp: a fast replay runs at least the minimum count and the minimum time", () => {
  const calls: string[] = [];
  const t0 = performance.now();
  const n = warmUp(() => calls.push("fn"), () => calls.push("setup"), 40);
  const took = performance.now() - t0;
  assert.ok(n >= WARMUP_MIN_RUNS, `only ${n} warm-ups`);
  assert.ok(took >= 40, `warmed up for ${took} ms`);
  assert.equal(calls.length, 2 * n);
  assert.ok(
    calls.every((c, i) => c === (i % 2 === 0 ? "setup" : "fn")),
    "setup before each replay",
  );
});

Deno.test("warmUp: a replay slower than the minimum time warms up once", () => {
  let n = 0;
  assert.equal(warmUp(() => (n++, spin(30)), () => {}, 20), 1);
  assert.equal(n, 1);
});

Deno.test("warmUp: a replay of medium speed stops at the count once the time is spent", () => {
  // 10 ms a replay against a 45 ms minimum: five replays pass it, so the count (5) is what ends
  // it. (Only a first replay stretched past 45 ms by a busy machine would end it at 1: with 5 ms
  // against 12 ms, as this was, a run beside a fuzz job did so once.)
  assert.equal(warmUp(() => spin(10), () => {}, 45), WARMUP_MIN_RUNS);
  // 5 ms a replay against a 40 ms minimum: the time is — past 5 replays, and no more than the
  // 8 or 9 that 40 ms holds (fewer when a loaded machine stretches a replay).
  const t0 = performance.now();
  const n = warmUp(() => spin(5), () => {}, 40);
  assert.ok(performance.now() - t0 >= 40);
  assert.ok(n >= WARMUP_MIN_RUNS && n <= 9, `${n} warm-ups`);
});

Deno.test("bench_round: the timed replays follow the warm-up rule", async () => {
  const trace = await Deno.makeTempFile({ suffix: ".trace" });
  const lines = ["create A aset TopMemoryContext 0 8192 8388608"];
  for (let i = 0; i < 200; i++) lines.push(`alloc p${i} A ${16 + i}`);
  lines.push("reset A");
  await Deno.writeTextFile(trace, lines.join("\n") + "\n");
  const tool = new URL("../../tools/bench_round.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", tool, trace, "--runs", "2"],
    stderr: "piped",
  }).output();
  await Deno.remove(trace);
  assert.ok(out.success);
  const m = new TextDecoder().decode(out.stderr).match(/^ROUND (.*)$/m);
  assert.ok(m !== null);
  const r = JSON.parse(m[1]);
  assert.equal(r.ops, 202);
  assert.equal(r.ms.length, 2);
  // A replay of 202 operations takes far less than 300 ms / 5: the time decides.
  assert.ok(r.warmups > WARMUP_MIN_RUNS, `${r.warmups} warm-ups`);
});
