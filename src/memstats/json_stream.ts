/**
 * json_stream.ts — JSON text written piece by piece, without recursion.
 *
 * `JSON.stringify` recurses once per nesting level (a dump 3,000 contexts deep overflows the
 * stack) and builds the whole text as one string (a 300 MB dump exceeds V8's string limit). The
 * CLI's `--json` output goes through {@link jsonChunks} instead: an explicit stack walks the
 * value and the text comes out in chunks of about 64 KiB, so depth costs heap, not stack, and
 * output size is bounded only by the sink. The output is compact and parses to the same value
 * `JSON.stringify` would give (undefined members left out, undefined in arrays as `null`,
 * non-finite numbers as `null`). A cycle is refused with a `TypeError`, as `JSON.stringify` does.
 *
 * @module
 */

type Frame =
  | { array: true; items: unknown[]; i: number; value: object }
  | {
    array: false;
    obj: Record<string, unknown>;
    keys: string[];
    i: number;
    first: boolean;
    value: object;
  };

/**
 * The JSON text of `value`, in chunks of about `chunkSize` characters.
 *
 * @example
 * ```ts
 * import { jsonChunks } from "./mod.ts";
 * let deep: { child?: unknown } = {};
 * const root = deep;
 * for (let i = 0; i < 100_000; i++) deep = deep.child = {}; // far past JSON.stringify's depth
 * const text = [...jsonChunks(root)].join("");
 * console.assert(text.startsWith('{"child":{"child":') && text.length === 100_000 * 10 + 2);
 * console.assert([...jsonChunks({ a: [1, undefined, "x"], b: undefined })].join("") === '{"a":[1,null,"x"]}');
 * ```
 */
export function* jsonChunks(value: unknown, chunkSize = 65536): Generator<string> {
  let buf = "";
  const stack: Frame[] = [];
  const onStack = new Set<object>();
  // Emits a scalar or opens a container; returns false when nothing was emitted (undefined).
  const open = (v: unknown, inArray: boolean): void => {
    if (v === null || typeof v === "boolean") buf += String(v);
    else if (typeof v === "number") buf += Number.isFinite(v) ? String(v) : "null";
    else if (typeof v === "string") buf += JSON.stringify(v);
    else if (typeof v === "bigint") throw new TypeError("a BigInt cannot be written as JSON");
    else if (typeof v === "object") {
      if (onStack.has(v)) throw new TypeError("a cyclic structure cannot be written as JSON");
      onStack.add(v);
      if (Array.isArray(v)) {
        buf += "[";
        stack.push({ array: true, items: v, i: 0, value: v });
      } else {
        buf += "{";
        const obj = v as Record<string, unknown>;
        stack.push({ array: false, obj, keys: Object.keys(obj), i: 0, first: true, value: v });
      }
    } else buf += inArray ? "null" : ""; // undefined, functions, symbols
  };
  const skippable = (v: unknown) =>
    v === undefined || typeof v === "function" || typeof v === "symbol";
  if (skippable(value)) return;
  open(value, false);
  while (stack.length > 0) {
    if (buf.length >= chunkSize) {
      yield buf;
      buf = "";
    }
    const f = stack[stack.length - 1];
    if (f.array) {
      if (f.i >= f.items.length) {
        buf += "]";
        stack.pop();
        onStack.delete(f.value);
        continue;
      }
      if (f.i > 0) buf += ",";
      open(f.items[f.i++], true);
      continue;
    }
    let k: string | undefined;
    while (f.i < f.keys.length) {
      const key = f.keys[f.i++];
      if (!skippable(f.obj[key])) {
        k = key;
        break;
      }
    }
    if (k === undefined) {
      buf += "}";
      stack.pop();
      onStack.delete(f.value);
      continue;
    }
    buf += (f.first ? "" : ",") + JSON.stringify(k) + ":";
    f.first = false;
    open(f.obj[k], false);
  }
  if (buf.length > 0) yield buf;
}
