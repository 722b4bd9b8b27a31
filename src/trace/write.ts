/**
 * The trace writer: operations and expectations back to FORMAT.md text. It is
 * the exact inverse of the parser on canonical input (`parseTrace(writeTrace(x))`
 * gives back `x`), which lets property tests save a counterexample as a
 * replayable trace, and the checked replay prints a trace's expectation
 * lines with it, so expected and actual lines are spelled the same way.
 * Operations are written operand by operand from the verb table (`verbs.ts`).
 *
 * Values that the format cannot represent (a token with a space, a text with
 * a newline, a negative size) are refused with a `RangeError` instead of
 * producing a file that would parse differently.
 */
import { formatU64, isSize } from "./numbers.ts";
import { CREATE_TYPES, type Operand, VERBS } from "./verbs.ts";
import {
  type Expectation,
  FLAG_HUGE,
  FLAG_NO_OOM,
  FLAG_ZERO,
  type Operation,
  type Size,
  type TraceEntry,
} from "./types.ts";

function token(s: string, what: string): string {
  if (s === "" || s.includes(" ") || s.includes("\n")) {
    throw new RangeError(`${what} ${JSON.stringify(s)} is not a single non-empty token`);
  }
  return s;
}

function rest(s: string, what: string): string {
  if (s.includes("\n")) throw new RangeError(`${what} ${JSON.stringify(s)} contains a newline`);
  return s;
}

function size(v: Size, what: string): string {
  if (!isSize(v)) throw new RangeError(`${what} ${String(v)} is not an unsigned 64-bit size`);
  return formatU64(v);
}

function int(v: number, what: string): string {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
    throw new RangeError(`${what} ${v} is not a small non-negative integer`);
  }
  return String(v);
}

/** The FLAGS text of `allocext`: `0` or `HUGE|NO_OOM|ZERO` in that order. */
export function formatFlags(flags: number): string {
  if ((flags & ~(FLAG_HUGE | FLAG_NO_OOM | FLAG_ZERO)) !== 0) {
    throw new RangeError(`unknown allocext flag bits in ${flags}`);
  }
  const names: string[] = [];
  if (flags & FLAG_HUGE) names.push("HUGE");
  if (flags & FLAG_NO_OOM) names.push("NO_OOM");
  if (flags & FLAG_ZERO) names.push("ZERO");
  return names.length === 0 ? "0" : names.join("|");
}

/**
 * One operation as a trace line (no newline).
 *
 * @example
 * ```ts
 * import { formatOperation } from "./write.ts";
 * console.assert(formatOperation({ verb: "alloc", ptr: "p1", ctx: "A", size: 8 }) === "alloc p1 A 8");
 * ```
 */
export function formatOperation(op: Operation): string {
  const fields = op as unknown as Record<string, unknown>;
  if (op.verb === "create") {
    const head = `create ${token(op.name, "NAME")} ${op.type} ${token(op.parent, "PARENT")}`;
    return [head, ...CREATE_TYPES[op.type].sizes.map((d) => operand(d, fields[d.field]))].join(" ");
  }
  const spec = VERBS[op.verb];
  if (spec === undefined) throw new RangeError(`unknown verb ${JSON.stringify(op.verb)}`);
  const out: string[] = [op.verb];
  for (const d of spec.operands) out.push(operand(d, fields[d.field]));
  return out.join(" ");
}

/** One operand's text, by its kind in the verb table. */
function operand(d: Operand, v: unknown): string {
  switch (d.kind) {
    case "newchunk":
    case "chunk":
    case "freechunk":
    case "ctx":
    case "id":
      return token(v as string, d.label);
    case "rest":
      return rest(v as string, d.label);
    case "size":
      return size(v as Size, d.label);
    case "flags":
      return formatFlags(v as number);
    case "small":
      return int(v as number, d.label);
    case "bool":
      return v ? "1" : "0";
    case "limit":
      return v === null ? "none" : size(v as Size, d.label);
  }
}

function counters(e: {
  nblocks: Size;
  freechunks: Size;
  totalspace: Size;
  freespace: Size;
}): string {
  return `${size(e.nblocks, "NBLOCKS")} ${size(e.freechunks, "FREECHUNKS")} ${
    size(e.totalspace, "TOTALSPACE")
  } ${size(e.freespace, "FREESPACE")}`;
}

/**
 * One expectation as a trace line, `= …` (no newline).
 *
 * @example
 * ```ts
 * import { formatExpectation } from "./write.ts";
 * console.assert(formatExpectation({ kind: "space", bytes: 24 }) === "= space 24");
 * ```
 */
export function formatExpectation(e: Expectation): string {
  switch (e.kind) {
    case "error":
      if (e.message === "") throw new RangeError("an error expectation needs a message");
      return `= error ${rest(e.message, "MESSAGE")}`;
    case "null":
      return "= null";
    case "fired":
      if (e.ids.length === 0) throw new RangeError("a fired expectation needs at least one ID");
      return `= fired ${e.ids.map((id) => token(id, "ID")).join(" ")}`;
    case "space":
      return `= space ${size(e.bytes, "BYTES")}`;
    case "owner":
      return `= owner ${token(e.name, "NAME")}`;
    case "bool":
      return `= bool ${e.value ? 1 : 0}`;
    case "bytes":
      return `= bytes ${size(e.bytes, "N")}`;
    case "counters":
      return `= counters ${counters(e)}`;
    case "line":
      return `= line ${rest(e.text, "TEXT")}`;
    case "stat":
      return `= stat ${token(e.ctx, "CTX")} ${counters(e)} ${size(e.memallocated, "MEMALLOCATED")}`;
    case "ctx":
      return `= ctx ${token(e.name, "NAME")} ${token(e.parent, "PARENT")} ${
        int(e.level, "LEVEL")
      } ${counters(e)} ${size(e.memallocated, "MEMALLOCATED")} ${e.empty ? 1 : 0}`;
    case "text":
      return `= text ${rest(e.text, "TEXT")}`;
  }
}

/** Options of `writeTrace`. */
export interface WriteOptions {
  /** Comment lines written first, each prefixed with `# `. */
  header?: readonly string[];
}

/**
 * A whole trace: optional header comments, then every operation followed by
 * its expectation lines; ends with a newline.
 *
 * @example
 * ```ts
 * import { writeTrace } from "./write.ts";
 * const text = writeTrace([{ op: { verb: "check" }, expect: [] }], { header: ["demo"] });
 * console.assert(text === "# demo\ncheck\n");
 * ```
 */
export function writeTrace(entries: readonly TraceEntry[], options: WriteOptions = {}): string {
  const out: string[] = [];
  for (const h of options.header ?? []) out.push(`# ${rest(h, "header")}`);
  for (const entry of entries) {
    out.push(formatOperation(entry.op));
    for (const e of entry.expect) out.push(formatExpectation(e));
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}
