/**
 * The trace writer: operations and expectations back to FORMAT.md text. It is
 * the exact inverse of the parser on canonical input (`parseTrace(writeTrace(x))`
 * gives back `x`), which lets property tests save a counterexample as a
 * replayable trace, and it is what the replay engine uses to print the
 * expectation lines it computes, so expected and actual lines are spelled
 * the same way.
 *
 * Values that the format cannot represent (a token with a space, a text with
 * a newline, a negative size) are refused with a `RangeError` instead of
 * producing a file that would parse differently.
 */
import { formatU64, isSize } from "./numbers.ts";
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
  switch (op.verb) {
    case "create": {
      const head = `create ${token(op.name, "NAME")} ${op.type} ${token(op.parent, "PARENT")}`;
      if (op.type === "slab") {
        return `${head} ${size(op.blockSize, "BLOCKSIZE")} ${size(op.chunkSize, "CHUNKSIZE")}`;
      }
      return `${head} ${size(op.min, "MIN")} ${size(op.init, "INIT")} ${size(op.max, "MAX")}`;
    }
    case "alloc":
    case "alloc0":
      return `${op.verb} ${token(op.ptr, "PTR")} ${token(op.ctx, "CTX")} ${size(op.size, "SIZE")}`;
    case "allocext":
      return `allocext ${token(op.ptr, "PTR")} ${token(op.ctx, "CTX")} ${size(op.size, "SIZE")} ${
        formatFlags(op.flags)
      }`;
    case "aligned":
      return `aligned ${token(op.ptr, "PTR")} ${token(op.ctx, "CTX")} ${size(op.size, "SIZE")} ${
        size(op.alignto, "ALIGNTO")
      }`;
    case "free":
    case "space":
    case "owner":
      return `${op.verb} ${token(op.ptr, "PTR")}`;
    case "realloc":
      return `realloc ${token(op.ptr, "PTR")} ${size(op.size, "SIZE")}`;
    case "reset":
    case "resetonly":
    case "resetchildren":
    case "delete":
    case "deletechildren":
    case "isempty":
    case "consumed":
      return `${op.verb} ${token(op.ctx, "CTX")}`;
    case "setparent":
      return `setparent ${token(op.ctx, "CTX")} ${token(op.parent, "PARENT")}`;
    case "ident":
      return `ident ${token(op.ctx, "CTX")} ${rest(op.text, "TEXT")}`;
    case "callback":
      return `callback ${token(op.ctx, "CTX")} ${token(op.id, "ID")}`;
    case "limit":
      return `limit ${op.bytes === null ? "none" : size(op.bytes, "BYTES")}`;
    case "memallocated":
      return `memallocated ${token(op.ctx, "CTX")} ${op.recurse ? 1 : 0}`;
    case "stats":
      return `stats ${token(op.ctx, "CTX")} ${int(op.maxLevel, "MAXLEVEL")} ${
        int(op.maxChildren, "MAXCHILDREN")
      }`;
    case "check":
      return "check";
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
