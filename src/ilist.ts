/**
 * PostgreSQL's circular doubly linked list (lib/ilist.h's `dlist`) over heap
 * words: the one list Generation, Slab and Bump keep their blocks on, with
 * ilist.h's names.
 *
 * A `dlist_node` and a `dlist_head` are the same 16 bytes in the heap — two
 * 8-byte pointer slots, `prev` at +0 and `next` at +8 — at a byte offset
 * `node` (a block header, or a field inside one) or `head` (inside a context
 * header). The list is circular through its head: an empty list's head
 * points to itself both ways, and a walk ends when it is back at the head.
 * Each slot holds a 32-bit heap offset in its low half, read as uint32 (heaps
 * above 2 GB stay correct); the high half is written as zero and never read.
 *
 * Where palloc differs from ilist.h: nodes are offsets, not C pointers, and
 * `dlist_next_node` / `dlist_head_node` take what they need (a node, a head)
 * without ilist.h's assertion-only arguments. No function here allocates,
 * checks or throws: callers that follow links a damage could have bent (the
 * types' self-checks) test each link before they follow it.
 */
import { heap } from "./mcxt/context.ts";

/** Word index of `prev` in a node or head, relative to its offset >>> 2. */
export const DLIST_PREV = 0;
/** Word index of `next` in a node or head, relative to its offset >>> 2. */
export const DLIST_NEXT = 2;

/** `dlist_init`: makes the list whose head is at `head` empty (both links to itself). */
export function dlist_init(head: number): void {
  const u = heap.u32;
  const h = head >>> 2;
  u[h + DLIST_PREV] = head;
  u[h + DLIST_PREV + 1] = 0;
  u[h + DLIST_NEXT] = head;
  u[h + DLIST_NEXT + 1] = 0;
}

/** `dlist_is_empty`: true when the list at `head` holds no node. */
export function dlist_is_empty(head: number): boolean {
  return heap.u32[(head >>> 2) + DLIST_NEXT] === head;
}

/** `dlist_head_node`: the first node of the list at `head` (`head` itself when empty). */
export function dlist_head_node(head: number): number {
  return heap.u32[(head >>> 2) + DLIST_NEXT];
}

/** `dlist_tail_node`: the last node of the list at `head` (`head` itself when empty). */
export function dlist_tail_node(head: number): number {
  return heap.u32[(head >>> 2) + DLIST_PREV];
}

/** `dlist_next_node`: the node after `node` (the head once the list is done). */
export function dlist_next_node(node: number): number {
  return heap.u32[(node >>> 2) + DLIST_NEXT];
}

/** Links `node` between the adjacent `prev` and `next` (ilist.h's inserts share this). */
function dlist_link(prev: number, node: number, next: number): void {
  const u = heap.u32;
  const n = node >>> 2;
  u[n + DLIST_PREV] = prev;
  u[n + DLIST_PREV + 1] = 0;
  u[n + DLIST_NEXT] = next;
  u[n + DLIST_NEXT + 1] = 0;
  u[(prev >>> 2) + DLIST_NEXT] = node;
  u[(next >>> 2) + DLIST_PREV] = node;
}

/** `dlist_push_head`: links `node` in as the first node of the list at `head`. */
export function dlist_push_head(head: number, node: number): void {
  dlist_link(head, node, heap.u32[(head >>> 2) + DLIST_NEXT]);
}

/** `dlist_push_tail`: links `node` in as the last node of the list at `head`. */
export function dlist_push_tail(head: number, node: number): void {
  dlist_link(heap.u32[(head >>> 2) + DLIST_PREV], node, head);
}

/** `dlist_delete`: unlinks `node` from whatever list holds it (its own links are left). */
export function dlist_delete(node: number): void {
  const u = heap.u32;
  const n = node >>> 2;
  const prev = u[n + DLIST_PREV];
  const next = u[n + DLIST_NEXT];
  u[(prev >>> 2) + DLIST_NEXT] = next;
  u[(next >>> 2) + DLIST_PREV] = prev;
}
