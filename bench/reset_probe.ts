/**
 * Reset cost grows with blocks, not chunks: two AllocSet contexts with the
 * same number of 8 KB blocks, one holding a single chunk per block and the
 * other about a hundred, are reset; the time per block should be about the
 * same, the time per chunk about a hundred times smaller in the second.
 */
import type { PallocApi } from "../src/trace/api.ts";

/** Runs the probe and returns a markdown table of the result. */
export function resetCostProbe(api: PallocApi): string {
  const mc = api.mcxt;
  const create = api.creators.aset!;
  const blocks = 2000;
  const rows: string[] = [
    "| reset of | blocks | chunks | µs per reset | ns per block | ns per chunk |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (
    const [label, size, perBlock] of [["1 chunk per block", 4000, 1], [
      "~100 chunks per block",
      64,
      100,
    ]] as const
  ) {
    mc.MemoryContextInit({ initialBytes: 64 << 20 });
    const ctx = create(mc.TopMemoryContext, "probe", [0, 8192, 8192]);
    let best = Infinity;
    for (let r = 0; r < 7; r++) {
      for (let i = 0; i < blocks * perBlock; i++) mc.MemoryContextAlloc(ctx, size);
      const t0 = performance.now();
      mc.MemoryContextReset(ctx);
      best = Math.min(best, performance.now() - t0);
    }
    const chunks = blocks * perBlock;
    rows.push(
      `| ${label} | ${blocks} | ${chunks} | ${(best * 1000).toFixed(0)} | ${
        ((best * 1e6) / blocks).toFixed(1)
      } | ${((best * 1e6) / chunks).toFixed(2)} |`,
    );
  }
  return rows.join("\n");
}
