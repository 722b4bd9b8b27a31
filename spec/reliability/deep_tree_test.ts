// Issue 17, item 3: no recursion on a user-chosen depth in src/ (outside memstats, tested
// there). A chain of 200,000 contexts through every tree walk, in both modes.
import assert from "node:assert/strict";
import {
  MemoryContextCheck,
  MemoryContextDelete,
  MemoryContextDeleteChildren,
  MemoryContextInit,
  MemoryContextMemAllocated,
  MemoryContextMemConsumed,
  MemoryContextRegisterResetCallback,
  MemoryContextReset,
  MemoryContextResetChildren,
  MemoryContextSetParent,
  MemoryContextStatsLines,
  TopMemoryContext,
} from "../../src/mcxt/mod.ts";
import { AllocSetContextCreate } from "../../src/aset/mod.ts";
import type { MemoryContext } from "../../src/mcxt/context.ts";
import { Context } from "../../src/api/context.ts";
import { statsTotal } from "../../src/api/stats.ts";

const DEPTH = 200_000;

function chain(parent: MemoryContext, depth: number): MemoryContext[] {
  const out: MemoryContext[] = [];
  let p = parent;
  for (let i = 0; i < depth; i++) out.push(p = AllocSetContextCreate(p, `d${i}`, 0, 1024, 8192));
  return out;
}

for (const checking of [false, true]) {
  Deno.test(`every tree walk survives a chain ${DEPTH} deep (checking ${checking})`, () => {
    MemoryContextInit({ maxBytes: 512 << 20, checking });
    const top = Context.of(TopMemoryContext);
    const deep = chain(TopMemoryContext, DEPTH);
    const root = deep[0];
    const total = MemoryContextMemAllocated(TopMemoryContext, true);
    assert.equal(total, 8192 + 8192 + DEPTH * 1024);
    const consumed = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
    MemoryContextMemConsumed(TopMemoryContext, consumed);
    assert.equal(consumed.nblocks, DEPTH + 2);
    // The log form: the indented form's text itself grows with depth squared.
    const lines = MemoryContextStatsLines(TopMemoryContext, 1e6, 100, true);
    assert.equal(lines.length, DEPTH + 3); // Top, ErrorContext, the chain, Grand total
    const grand = `Grand total: ${consumed.totalspace} bytes in ${DEPTH + 2} blocks`;
    assert.ok(lines[lines.length - 1].startsWith(grand), lines[lines.length - 1]);
    const s = top.stats();
    assert.equal(statsTotal(s).totalBytes, consumed.totalspace);
    MemoryContextCheck(TopMemoryContext);
    MemoryContextResetChildren(TopMemoryContext);
    let ran = 0;
    MemoryContextRegisterResetCallback(deep[DEPTH - 1], { func: () => ran++, arg: null });
    MemoryContextSetParent(deep[DEPTH / 2], TopMemoryContext); // splits the chain in two
    MemoryContextDelete(root);
    assert.ok(deep[DEPTH / 2].id !== 0 && root.id === 0);
    MemoryContextReset(deep[DEPTH / 2]);
    assert.equal(ran, 1);
    chain(deep[DEPTH / 2], 1000);
    MemoryContextDeleteChildren(TopMemoryContext);
    assert.equal(TopMemoryContext.firstchild, null); // ErrorContext went too
    assert.equal(MemoryContextMemAllocated(TopMemoryContext, true), 8192);
  });
}
