/**
 * src/ilist.ts: PostgreSQL's circular doubly linked list over heap words, as
 * Generation, Slab and Bump use it — checked against an array model, links
 * in both directions, and the high halves of the pointer slots kept zero.
 */
import assert from "node:assert/strict";
import {
  dlist_delete,
  dlist_head_node,
  dlist_init,
  dlist_is_empty,
  dlist_next_node,
  dlist_push_head,
  dlist_push_tail,
  dlist_tail_node,
} from "../src/ilist.ts";
import { heap } from "../src/mcxt/context.ts";
import { MemoryContextAlloc, TopMemoryContext } from "../src/mcxt/mod.ts";
import { fresh } from "./helpers.ts";

/** The list at `head` walked forwards, checking every back link on the way. */
function walk(head: number): number[] {
  const out: number[] = [];
  let prev = head;
  for (let node = dlist_head_node(head); node !== head; node = dlist_next_node(node)) {
    assert.equal(heap.u32[node >>> 2], prev, `prev link of ${node}`);
    assert.equal(heap.u32[(node >>> 2) + 1], 0, `high half of ${node}'s prev`);
    assert.equal(heap.u32[(node >>> 2) + 3], 0, `high half of ${node}'s next`);
    out.push(node);
    prev = node;
    assert.ok(out.length <= 64, "the list is circular through its head");
  }
  assert.equal(dlist_tail_node(head), prev, "the head's prev link is the last node");
  return out;
}

Deno.test("dlist_push_head, dlist_push_tail and dlist_delete keep the order an array would", () => {
  fresh();
  const head = MemoryContextAlloc(TopMemoryContext, 16);
  const nodes = Array.from({ length: 12 }, () => MemoryContextAlloc(TopMemoryContext, 16));
  for (const n of nodes) heap.u32.fill(0xffffffff, n >>> 2, (n >>> 2) + 4); // junk first
  dlist_init(head);
  assert.equal(dlist_is_empty(head), true);
  assert.deepEqual(walk(head), []);
  const model: number[] = [];
  let seed = 7;
  const rand = (k: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % k;
  for (let step = 0; step < 400; step++) {
    const out = nodes.filter((n) => !model.includes(n));
    const r = rand(3);
    if (r === 0 && out.length > 0) {
      const n = out[rand(out.length)];
      dlist_push_head(head, n);
      model.unshift(n);
    } else if (r === 1 && out.length > 0) {
      const n = out[rand(out.length)];
      dlist_push_tail(head, n);
      model.push(n);
    } else if (model.length > 0) {
      const n = model[rand(model.length)];
      dlist_delete(n);
      model.splice(model.indexOf(n), 1);
    }
    assert.deepEqual(walk(head), model, `step ${step}`);
    assert.equal(dlist_is_empty(head), model.length === 0, `step ${step}`);
  }
});
