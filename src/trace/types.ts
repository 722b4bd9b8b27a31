/**
 * The data model of an allocation trace (see the conformance FORMAT.md): one
 * `Operation` per operation line, one `Expectation` per `= …` line, and the
 * parsed file as a list of steps. Everything else in `src/trace/` (parser,
 * writer, verb table, compiler, replay) speaks these types, so they live alone
 * here with no dependency on palloc itself.
 *
 * Sizes are unsigned 64-bit values in the format. A size that fits a double
 * exactly (≤ 2^53) is a `number`; anything larger is a `bigint`, so no value
 * is ever rounded.
 */

/** An unsigned 64-bit quantity: a `number` when ≤ 2^53, otherwise a `bigint`. */
export type Size = number | bigint;

/** The four context types a trace can create. */
export type ContextType = "aset" | "generation" | "bump" | "slab";

/** Every context type, in a fixed order. */
export const CONTEXT_TYPES: readonly ContextType[] = ["aset", "generation", "bump", "slab"];

/** `HUGE` in an `allocext` flag list (`MCXT_ALLOC_HUGE`). */
export const FLAG_HUGE = 1;
/** `NO_OOM` in an `allocext` flag list (`MCXT_ALLOC_NO_OOM`). */
export const FLAG_NO_OOM = 2;
/** `ZERO` in an `allocext` flag list (`MCXT_ALLOC_ZERO`). */
export const FLAG_ZERO = 4;

/** `create NAME aset|generation|bump PARENT MIN INIT MAX`. */
export interface CreateOp {
  /** The verb. */
  verb: "create";
  /** The new context's name (also its token). */
  name: string;
  /** Its context type. */
  type: "aset" | "generation" | "bump";
  /** The parent context's name. */
  parent: string;
  /** `minContextSize`. */
  min: Size;
  /** `initBlockSize`. */
  init: Size;
  /** `maxBlockSize`. */
  max: Size;
}

/** `create NAME slab PARENT BLOCKSIZE CHUNKSIZE`. */
export interface CreateSlabOp {
  /** The verb. */
  verb: "create";
  /** The new context's name (also its token). */
  name: string;
  /** Its context type. */
  type: "slab";
  /** The parent context's name. */
  parent: string;
  /** `blockSize`. */
  blockSize: Size;
  /** `chunkSize`. */
  chunkSize: Size;
}

/** `alloc PTR CTX SIZE` and `alloc0 PTR CTX SIZE`. */
export interface AllocOp {
  /** The verb. */
  verb: "alloc" | "alloc0";
  /** The chunk token. */
  ptr: string;
  /** The context's name. */
  ctx: string;
  /** The requested size. */
  size: Size;
}

/** `allocext PTR CTX SIZE FLAGS`; `flags` is a mask of the FLAG_* constants. */
export interface AllocExtOp {
  /** The verb. */
  verb: "allocext";
  /** The chunk token. */
  ptr: string;
  /** The context's name. */
  ctx: string;
  /** The requested size. */
  size: Size;
  /** Mask of FLAG_HUGE, FLAG_NO_OOM, FLAG_ZERO. */
  flags: number;
}

/** `aligned PTR CTX SIZE ALIGNTO`. */
export interface AlignedOp {
  /** The verb. */
  verb: "aligned";
  /** The chunk token. */
  ptr: string;
  /** The context's name. */
  ctx: string;
  /** The requested size. */
  size: Size;
  /** The alignment. */
  alignto: Size;
}

/** `free PTR`, `space PTR`, `owner PTR`: operations on one chunk. */
export interface ChunkOp {
  /** The verb. */
  verb: "free" | "space" | "owner";
  /** The chunk token. */
  ptr: string;
}

/** `realloc PTR SIZE`. */
export interface ReallocOp {
  /** The verb. */
  verb: "realloc";
  /** The chunk token. */
  ptr: string;
  /** The requested size. */
  size: Size;
}

/** Verbs whose only operand is a context. */
export type ContextVerb =
  | "reset"
  | "resetonly"
  | "resetchildren"
  | "delete"
  | "deletechildren"
  | "isempty"
  | "consumed";

/** `reset CTX`, `delete CTX`, `isempty CTX`, … : operations on one context. */
export interface ContextOp {
  /** The verb. */
  verb: ContextVerb;
  /** The context's name. */
  ctx: string;
}

/** `setparent CTX PARENT`. */
export interface SetParentOp {
  /** The verb. */
  verb: "setparent";
  /** The context's name. */
  ctx: string;
  /** The parent context's name. */
  parent: string;
}

/** `ident CTX TEXT`; `text` is the rest of the line, byte for byte. */
export interface IdentOp {
  /** The verb. */
  verb: "ident";
  /** The context's name. */
  ctx: string;
  /** The identifier, byte for byte. */
  text: string;
}

/** `callback CTX ID`. */
export interface CallbackOp {
  /** The verb. */
  verb: "callback";
  /** The context's name. */
  ctx: string;
  /** The callback's ID (recorded when it fires). */
  id: string;
}

/** `limit BYTES` or `limit none` (`bytes` is null). */
export interface LimitOp {
  /** The verb. */
  verb: "limit";
  /** The limit in bytes, or null for `none`. */
  bytes: Size | null;
}

/** `memallocated CTX RECURSE`. */
export interface MemAllocatedOp {
  /** The verb. */
  verb: "memallocated";
  /** The context's name. */
  ctx: string;
  /** Include the subtree. */
  recurse: boolean;
}

/** `stats CTX MAXLEVEL MAXCHILDREN`. */
export interface StatsOp {
  /** The verb. */
  verb: "stats";
  /** The context's name. */
  ctx: string;
  /** MAXLEVEL. */
  maxLevel: number;
  /** MAXCHILDREN. */
  maxChildren: number;
}

/** `check`. */
export interface CheckOp {
  /** The verb. */
  verb: "check";
}

/** One operation line of a trace. */
export type Operation =
  | CreateOp
  | CreateSlabOp
  | AllocOp
  | AllocExtOp
  | AlignedOp
  | ChunkOp
  | ReallocOp
  | ContextOp
  | SetParentOp
  | IdentOp
  | CallbackOp
  | LimitOp
  | MemAllocatedOp
  | StatsOp
  | CheckOp;

/** Every operation verb. */
export type Verb = Operation["verb"];

/** The four counters a context type's stats method reports. */
export interface CounterValues {
  /** Number of blocks. */
  nblocks: Size;
  /** Number of free chunks. */
  freechunks: Size;
  /** Total bytes. */
  totalspace: Size;
  /** Free bytes. */
  freespace: Size;
}

/** One `= …` line. */
export type Expectation =
  | { kind: "error"; message: string }
  | { kind: "null" }
  | { kind: "fired"; ids: string[] }
  | { kind: "space"; bytes: Size }
  | { kind: "owner"; name: string }
  | { kind: "bool"; value: boolean }
  | { kind: "bytes"; bytes: Size }
  | ({ kind: "counters" } & CounterValues)
  | { kind: "line"; text: string }
  | ({ kind: "stat"; ctx: string; memallocated: Size } & CounterValues)
  | ({
    kind: "ctx";
    name: string;
    parent: string;
    level: number;
    memallocated: Size;
    empty: boolean;
  } & CounterValues)
  | { kind: "text"; text: string };

/** An operation with the expectation lines that follow it. */
export interface TraceEntry {
  /** The operation. */
  op: Operation;
  /** Its expectation lines, in file order. */
  expect: Expectation[];
}

/** A parsed entry, with the 1-based line number of its operation line. */
export interface TraceStep extends TraceEntry {
  /** 1-based line number of the operation line. */
  line: number;
}

/** A whole parsed trace file. */
export interface ParsedTrace {
  /** The file name given to the parser (used in messages). */
  file: string;
  /** The operations, in order. */
  steps: TraceStep[];
  /** The context types the trace creates (for availability checks). */
  contextTypes: Set<ContextType>;
  /** Number of expectation lines. */
  expectationCount: number;
}
