/**
 * The verb table: the one description of every operation verb of FORMAT.md —
 * its opcode in the compiled form, its operands in line order (field of the
 * `Operation`, label used in messages, kind of value, and which compiled
 * array holds it), how it touches the parser's name bookkeeping, and which
 * lines PostgreSQL prints after it. The parser (`parse.ts`), the writer
 * (`write.ts`), the compiler (`compile.ts`), the expectation grammar
 * (`parse_expect.ts`) and the replay (`execute.ts`, `replay.ts`) all read this
 * table, so adding a verb means adding one row here and one `case` in the
 * replay loop (`execute.ts`).
 */
import type { Liveness } from "./liveness.ts";
import type { ContextType, Verb } from "./types.ts";

/** Opcodes of the compiled form (one per verb; `create` has one per context type). */
export const Op = {
  CREATE_ASET: 1,
  CREATE_GENERATION: 2,
  CREATE_BUMP: 3,
  CREATE_SLAB: 4,
  ALLOC: 5,
  ALLOC0: 6,
  ALLOCEXT: 7,
  ALIGNED: 8,
  FREE: 9,
  REALLOC: 10,
  RESET: 11,
  RESETONLY: 12,
  RESETCHILDREN: 13,
  DELETE: 14,
  DELETECHILDREN: 15,
  SETPARENT: 16,
  IDENT: 17,
  CALLBACK: 18,
  LIMIT: 19,
  SPACE: 20,
  OWNER: 21,
  ISEMPTY: 22,
  MEMALLOCATED: 23,
  CONSUMED: 24,
  STATS: 25,
  CHECK: 26,
} as const;

/**
 * What an operand holds, which fixes how it is parsed, written and compiled:
 * - `newchunk`: a chunk token the operation binds (compiled to a fresh slot)
 * - `chunk`: a live chunk token (compiled to its slot)
 * - `freechunk`: a live chunk token the operation releases
 * - `ctx`: a context name (compiled to a dense context id)
 * - `size`: an unsigned 64-bit size (compiled to a double)
 * - `flags`: an `allocext` flag list (`0` or `HUGE|NO_OOM|ZERO`)
 * - `small`: a non-negative 32-bit integer
 * - `bool`: `0` or `1`
 * - `id`: any single token (compiled to an index into `strings`)
 * - `rest`: the rest of the line, byte for byte (compiled like `id`)
 * - `limit`: a size or `none` (compiled to a double, Infinity for `none`)
 */
export type OperandKind =
  | "newchunk"
  | "chunk"
  | "freechunk"
  | "ctx"
  | "size"
  | "flags"
  | "small"
  | "bool"
  | "id"
  | "rest"
  | "limit";

/** The compiled array an operand goes to (see `compile.ts`). */
export type Slot = "a" | "b" | "n" | "m";

/** One operand of a verb. */
export interface Operand {
  /** The `Operation` field. */
  readonly field: string;
  /** Its name in FORMAT.md and in messages (`SIZE`, `CTX`, …). */
  readonly label: string;
  /** Its kind. */
  readonly kind: OperandKind;
  /** Where the compiler puts it. */
  readonly slot: Slot;
}

/** Which context's `= stat` line follows the operation. */
export type StatOf = "ctx" | "chunk" | "none";

/** Which contexts a resetting verb empties (their chunks die with them). */
export type Kills = "self" | "subtree" | "children";

/** One verb. */
export interface VerbSpec {
  /** The verb as written. */
  readonly verb: Verb;
  /** Its opcode (for `create`, see `CREATE_TYPES`). */
  readonly code: number;
  /** Its operands, in line order. */
  readonly operands: readonly Operand[];
  /**
   * The parser's name bookkeeping for the operation (after its values were
   * checked); returns the context name to store in the `ctx` field, if any.
   */
  readonly live: (names: Liveness, t: readonly string[]) => string | void;
  /** The context whose `= stat` line follows. */
  readonly stat: StatOf;
  /** True when a `= space` line follows a success (not for Bump chunks). */
  readonly space: boolean;
  /** For resetting verbs: whose chunks die (and whose reset callbacks fire). */
  readonly kills?: Kills;
}

const o = (field: string, label: string, kind: OperandKind, slot: Slot): Operand => ({
  field,
  label,
  kind,
  slot,
});
const PTR_NEW = o("ptr", "PTR", "newchunk", "a");
const PTR = o("ptr", "PTR", "chunk", "a");
const CTX = o("ctx", "CTX", "ctx", "b");
const SIZE = o("size", "SIZE", "size", "n");
const none = (): void => {};
const ctxOnly = (names: Liveness, t: readonly string[]): string => names.context(t[1]).name;
const bind = (names: Liveness, t: readonly string[]): string => names.bind(t[1], t[2]);
const use = (names: Liveness, t: readonly string[]): void => {
  names.use(t[1]);
};

function spec(
  verb: Verb,
  code: number,
  operands: readonly Operand[],
  live: VerbSpec["live"],
  stat: StatOf,
  extra: { space?: boolean; kills?: Kills } = {},
): VerbSpec {
  const s: VerbSpec = { verb, code, operands, live, stat, space: extra.space === true };
  return extra.kills === undefined ? s : { ...s, kills: extra.kills };
}

/** Every verb but `create`, by name. */
export const VERBS: Readonly<Record<Exclude<Verb, "create">, VerbSpec>> = {
  alloc: spec("alloc", Op.ALLOC, [PTR_NEW, CTX, SIZE], bind, "ctx", { space: true }),
  alloc0: spec("alloc0", Op.ALLOC0, [PTR_NEW, CTX, SIZE], bind, "ctx", { space: true }),
  allocext: spec(
    "allocext",
    Op.ALLOCEXT,
    [PTR_NEW, CTX, SIZE, o("flags", "FLAGS", "flags", "m")],
    bind,
    "ctx",
    { space: true },
  ),
  aligned: spec(
    "aligned",
    Op.ALIGNED,
    [PTR_NEW, CTX, SIZE, o("alignto", "ALIGNTO", "size", "m")],
    bind,
    "ctx",
    { space: true },
  ),
  free: spec("free", Op.FREE, [o("ptr", "PTR", "freechunk", "a")], (names, t) => {
    names.free(t[1]);
  }, "chunk"),
  realloc: spec("realloc", Op.REALLOC, [PTR, SIZE], use, "chunk", { space: true }),
  space: spec("space", Op.SPACE, [PTR], use, "chunk"),
  owner: spec("owner", Op.OWNER, [PTR], use, "chunk"),
  reset: spec("reset", Op.RESET, [CTX], (names, t) => names.reset(t[1]), "ctx", {
    kills: "subtree",
  }),
  resetonly: spec("resetonly", Op.RESETONLY, [CTX], (names, t) => names.resetOnly(t[1]), "ctx", {
    kills: "self",
  }),
  resetchildren: spec(
    "resetchildren",
    Op.RESETCHILDREN,
    [CTX],
    (names, t) => names.resetChildren(t[1]),
    "ctx",
    { kills: "children" },
  ),
  delete: spec("delete", Op.DELETE, [CTX], (names, t) => names.delete(t[1]), "none", {
    kills: "subtree",
  }),
  deletechildren: spec(
    "deletechildren",
    Op.DELETECHILDREN,
    [CTX],
    (names, t) => names.deleteChildren(t[1]),
    "ctx",
    { kills: "children" },
  ),
  setparent: spec(
    "setparent",
    Op.SETPARENT,
    [CTX, o("parent", "PARENT", "ctx", "a")],
    (names, t) => {
      names.setParent(t[1], t[2]);
    },
    "ctx",
  ),
  ident: spec("ident", Op.IDENT, [CTX, o("text", "TEXT", "rest", "a")], ctxOnly, "ctx"),
  callback: spec("callback", Op.CALLBACK, [CTX, o("id", "ID", "id", "a")], ctxOnly, "ctx"),
  limit: spec("limit", Op.LIMIT, [o("bytes", "BYTES", "limit", "n")], none, "none"),
  isempty: spec("isempty", Op.ISEMPTY, [CTX], ctxOnly, "ctx"),
  memallocated: spec(
    "memallocated",
    Op.MEMALLOCATED,
    [CTX, o("recurse", "RECURSE", "bool", "a")],
    ctxOnly,
    "ctx",
  ),
  consumed: spec("consumed", Op.CONSUMED, [CTX], ctxOnly, "ctx"),
  stats: spec(
    "stats",
    Op.STATS,
    [CTX, o("maxLevel", "MAXLEVEL", "small", "a"), o("maxChildren", "MAXCHILDREN", "small", "n")],
    ctxOnly,
    "ctx",
  ),
  check: spec("check", Op.CHECK, [], none, "none"),
};

/** `create NAME TYPE PARENT SIZES…`: the opcode and size operands of each context type. */
export interface CreateSpec {
  /** The opcode. */
  readonly code: number;
  /** The size operands after PARENT (compiled into `createArgs`, three per create). */
  readonly sizes: readonly Operand[];
}

/** The `create` line of each context type. */
export const CREATE_TYPES: Readonly<Record<ContextType, CreateSpec>> = {
  aset: { code: Op.CREATE_ASET, sizes: minInitMax() },
  generation: { code: Op.CREATE_GENERATION, sizes: minInitMax() },
  bump: { code: Op.CREATE_BUMP, sizes: minInitMax() },
  slab: {
    code: Op.CREATE_SLAB,
    sizes: [o("blockSize", "BLOCKSIZE", "size", "n"), o("chunkSize", "CHUNKSIZE", "size", "n")],
  },
};

function minInitMax(): Operand[] {
  return [
    o("min", "MIN", "size", "n"),
    o("init", "INIT", "size", "n"),
    o("max", "MAX", "size", "n"),
  ];
}

/** The spec of a verb by name, or undefined (also for `create`, which is per type). */
export function verbSpec(verb: string): VerbSpec | undefined {
  return Object.hasOwn(VERBS, verb) ? VERBS[verb as Exclude<Verb, "create">] : undefined;
}
