/**
 * A parse tree built and dropped per message, as PostgreSQL does with
 * MessageContext: each incoming expression is parsed into nodes that live
 * in the heap (a Slab context, since every node has the same size),
 * evaluated by walking them, and then the whole tree goes with one reset of
 * MessageContext — no node is ever freed one by one.
 *
 * Run: deno run examples/parse_tree.ts
 */
import { Context, dataView, heap } from "@palloc/palloc";

// A node: kind (u32) | left (u32) | right (u32) | pad | value (f64) = 24 bytes.
const NODE_SIZE = 24;
const NUM = 0;
const OPS = "+-*/";

const top = Context.init();
const message = top.child.aset("MessageContext", { sizes: "small" });

function node(nodes: Context, kind: number, left: number, right: number, value = 0): number {
  const p = nodes.alloc(NODE_SIZE);
  const v = dataView(p, NODE_SIZE);
  v.setUint32(0, kind, true);
  v.setUint32(4, left, true);
  v.setUint32(8, right, true);
  v.setFloat64(16, value, true);
  return p;
}

/** Parses `text` (numbers, + - * /, parentheses) into nodes of `nodes`; returns the root. */
function parse(text: string, nodes: Context): number {
  const tokens = text.match(/\d+(?:\.\d+)?|[-+*/()]/g) ?? [];
  let i = 0;
  const primary = (): number => {
    const t = tokens[i++];
    if (t === "(") {
      const inner = sum();
      i++; // ")"
      return inner;
    }
    return node(nodes, NUM, 0, 0, Number(t));
  };
  const product = (): number => {
    let left = primary();
    while (tokens[i] === "*" || tokens[i] === "/") {
      const op = 1 + OPS.indexOf(tokens[i++]);
      left = node(nodes, op, left, primary());
    }
    return left;
  };
  const sum = (): number => {
    let left = product();
    while (tokens[i] === "+" || tokens[i] === "-") {
      const op = 1 + OPS.indexOf(tokens[i++]);
      left = node(nodes, op, left, product());
    }
    return left;
  };
  return sum();
}

/** Evaluates the tree at `p` by reading its nodes back from the heap. */
function evaluate(p: number): number {
  const v = dataView(p, NODE_SIZE);
  const kind = v.getUint32(0, true);
  if (kind === NUM) return v.getFloat64(16, true);
  const l = evaluate(v.getUint32(4, true));
  const r = evaluate(v.getUint32(8, true));
  return [l + r, l - r, l * r, l / r][kind - 1];
}

const messages = ["1 + 2 * 3", "(1 + 2) * 3", "100 / (4 - 2) / 5", "2 * (3 + 4) * (5 - 1) + 0.5"];
let held = -1;
for (const text of messages) {
  // The per-message tree lives in a child of MessageContext; the reset below deletes it.
  const nodes = message.child.slab("parse tree", { chunkSize: NODE_SIZE, blockSize: 1024 });
  const root = parse(text, nodes);
  const result = evaluate(root);
  console.log(
    `${text.padEnd(28)} = ${String(result).padEnd(6)} (${nodes.stats().usedBytes} bytes of nodes)`,
  );
  if (text === messages[messages.length - 1]) console.log(top.statsText());
  message.reset(); // end of message: the tree and everything else goes at once
  if (held === -1) held = heap.held;
  else if (heap.held !== held) throw new Error("memory grew across messages");
}
console.log(`\nafter ${messages.length} messages MessageContext holds nothing:`);
console.log(message.statsText());
