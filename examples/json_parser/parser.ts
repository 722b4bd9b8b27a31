/**
 * A small JSON parser that builds its tree in a memory context: the example
 * project of `@palloc/palloc/testing` (see `parser_test.ts` and
 * docs/testing.md). Every node is a 16-byte chunk in the caller's context:
 *
 *     word 0: kind   (NULL, FALSE, TRUE, NUMBER, STRING, ARRAY, OBJECT)
 *     NUMBER: the float64 at bytes 8..15
 *     STRING: word 1 = pointer to the UTF-8 bytes (a chunk), word 2 = length
 *     ARRAY:  word 1 = pointer to a chunk of `count` node pointers, word 2 = count
 *     OBJECT: word 1 = pointer to a chunk of `count` (key node, value node) pairs
 *
 * `freeJson` gives every chunk back with `pfree`; `leakyFreeJson` is the
 * deliberately broken variant the tests catch: it forgets objects' keys.
 * No recursion: both walk with an explicit stack, as deep input must not
 * overflow the JS stack.
 */
import { heap, type MemoryContext, MemoryContextAlloc, pfree } from "@palloc/palloc";

const NULL = 1, FALSE = 2, TRUE = 3, NUMBER = 4, STRING = 5, ARRAY = 6, OBJECT = 7;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function node(ctx: MemoryContext, kind: number, a = 0, b = 0): number {
  const p = MemoryContextAlloc(ctx, 16);
  const w = p >>> 2;
  heap.u32[w] = kind;
  heap.u32[w + 1] = a;
  heap.u32[w + 2] = b;
  return p;
}

function stringNode(ctx: MemoryContext, s: string): number {
  const bytes = encoder.encode(s);
  const data = MemoryContextAlloc(ctx, bytes.length);
  heap.u8.set(bytes, data);
  return node(ctx, STRING, data, bytes.length);
}

function listNode(ctx: MemoryContext, kind: number, items: number[], count: number): number {
  const list = MemoryContextAlloc(ctx, items.length * 4);
  heap.u32.set(items, list >>> 2);
  return node(ctx, kind, list, count);
}

/** Parses `text` (valid JSON) into nodes allocated in `ctx`; returns the root node. */
export function parseJson(text: string, ctx: MemoryContext): number {
  // JSON.parse does the lexing; the tree palloc holds is built bottom-up, without recursion.
  const value: unknown = JSON.parse(text);
  type Frame = { v: unknown; items: number[] | null; keys: string[] };
  const stack: Frame[] = [{ v: value, items: null, keys: [] }];
  let result = 0;
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    const v = f.v;
    if (v !== null && typeof v === "object") {
      const entries = Array.isArray(v) ? v.map((x) => ["", x] as const) : Object.entries(v);
      if (f.items === null) f.items = [];
      const done = Array.isArray(v) ? f.items.length : f.items.length / 2;
      if (done < entries.length) {
        const [k, x] = entries[done];
        if (!Array.isArray(v)) f.items.push(stringNode(ctx, k));
        stack.push({ v: x, items: null, keys: [] });
        continue;
      }
      stack.pop();
      result = listNode(ctx, Array.isArray(v) ? ARRAY : OBJECT, f.items, entries.length);
    } else {
      stack.pop();
      if (v === null) result = node(ctx, NULL);
      else if (v === false) result = node(ctx, FALSE);
      else if (v === true) result = node(ctx, TRUE);
      else if (typeof v === "number") {
        result = node(ctx, NUMBER);
        new Float64Array(heap.buffer, result + 8, 1)[0] = v;
      } else result = stringNode(ctx, String(v));
    }
    if (stack.length > 0) stack[stack.length - 1].items!.push(result);
  }
  return result;
}

/** The JavaScript value of the tree at `root`. */
export function toValue(root: number): unknown {
  const out: unknown[] = [];
  const todo: Array<[number, (v: unknown) => void]> = [[root, (v) => out.push(v)]];
  while (todo.length > 0) {
    const [p, put] = todo.pop()!;
    const w = p >>> 2;
    const [kind, a, count] = [heap.u32[w], heap.u32[w + 1], heap.u32[w + 2]];
    if (kind === NULL) put(null);
    else if (kind === FALSE || kind === TRUE) put(kind === TRUE);
    else if (kind === NUMBER) put(new Float64Array(heap.buffer, p + 8, 1)[0]);
    else if (kind === STRING) put(decoder.decode(heap.u8.slice(a, a + count)));
    else if (kind === ARRAY) {
      const arr: unknown[] = new Array(count);
      put(arr);
      for (let i = 0; i < count; i++) {
        todo.push([heap.u32[(a >>> 2) + i], (v) => (arr[i] = v)]);
      }
    } else {
      const obj: Record<string, unknown> = {};
      put(obj);
      for (let i = 0; i < count; i++) {
        const key = toValue(heap.u32[(a >>> 2) + 2 * i]) as string;
        todo.push([heap.u32[(a >>> 2) + 2 * i + 1], (v) => (obj[key] = v)]);
      }
    }
  }
  return out[0];
}

function release(root: number, freeKeys: boolean): void {
  const todo = [root];
  while (todo.length > 0) {
    const p = todo.pop()!;
    const w = p >>> 2;
    const [kind, a, count] = [heap.u32[w], heap.u32[w + 1], heap.u32[w + 2]];
    if (kind === STRING) pfree(a);
    if (kind === ARRAY || kind === OBJECT) {
      for (let i = 0; i < (kind === OBJECT ? 2 * count : count); i++) {
        const child = heap.u32[(a >>> 2) + i];
        if (kind === OBJECT && i % 2 === 0 && !freeKeys) continue; // the bug
        todo.push(child);
      }
      pfree(a);
    }
    pfree(p);
  }
}

/** Gives back every chunk of the tree at `root`. */
export function freeJson(root: number): void {
  release(root, true);
}

/** The broken variant: frees everything but the key strings of objects (a leak). */
export function leakyFreeJson(root: number): void {
  release(root, false);
}
