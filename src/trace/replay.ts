/**
 * The checked replay: runs a trace one operation at a time through the one
 * replay loop (`execute.ts`, over the compiled form of `compile.ts`) and
 * computes around each call the lines PostgreSQL would have printed, in
 * FORMAT.md's order — `= error` or `= null`, `= fired`, the verb's own result,
 * `= space`, `= stat` — plus `!` lines for content checks that failed
 * (zeroing, realloc keeping bytes, chunk stamps at `check`). `replayTrace`
 * compares them with the trace's own expectation lines and stops at the
 * first difference, reported with file, line, operation, expected and
 * actual lines; `replayLines` records them without comparing;
 * `ReplayEngine` is the step-by-step form both use (and model-based tests).
 *
 * A `PgError` becomes `= error MESSAGE`. Any other exception (a palloc bug)
 * does not escape `replayTrace`: it ends the replay as a failure naming the
 * line and the exception; a step that cannot be replayed at all (missing
 * context type, unknown name) raises `ReplayFailure`.
 */
import type { MemoryContext } from "../mcxt/context.ts";
import { PgError } from "../elog.ts";
import type { MemoryContextInitOptions } from "../mcxt/mod.ts";
import type { PallocApi } from "./api.ts";
import { operand, TraceCompiler } from "./compile.ts";
import { execute, newReplayState, type ReplayState } from "./execute.ts";
import {
  ChunkTable,
  firstNonZero,
  type LiveChunk,
  stamp,
  subtree,
  verify,
} from "./replay_chunks.ts";
import { FLAG_ZERO, type ParsedTrace, type TraceStep } from "./types.ts";
import { VERBS } from "./verbs.ts";
import { formatExpectation, formatOperation } from "./write.ts";

/** Raised for a step that cannot be replayed; becomes the mismatch's `reason`. */
export class ReplayFailure extends Error {}

const BUMP = "BumpContext";

/** Checked replay state for one trace: run each step in order with `run`. */
export class ReplayEngine {
  private readonly api: PallocApi;
  private readonly compiler: TraceCompiler;
  private readonly state: ReplayState;
  private readonly chunks = new ChunkTable();
  private fired: string[] = [];
  /** Lines computed so far for the current step (reported when it throws). */
  partial: string[] = [];
  /**
   * The context the last step acted on (the one of its `= stat` line, or
   * for a chunk operation the chunk's context), or null.
   */
  lastContext: MemoryContext | null = null;

  /** Starts on the palloc state `api` currently has (after `MemoryContextInit`). */
  constructor(api: PallocApi, file = "<trace>", capacity = 16) {
    this.api = api;
    this.compiler = new TraceCompiler(file, capacity);
    this.state = newReplayState(api, (id) => {
      this.fired.push(id as string);
    });
  }

  /** The live context of operand value `id` (named `name`). */
  private ctx(id: number, name: string): MemoryContext {
    const c = this.state.ctxs[id];
    if (c === undefined) throw new ReplayFailure(`context "${name}" does not exist in the replay`);
    return c;
  }

  /** The live chunk named `token`. */
  private chunk(token: string): LiveChunk {
    const c = this.chunks.get(token);
    if (c === undefined) throw new ReplayFailure(`chunk "${token}" is not live in the replay`);
    return c;
  }

  /** Runs one step; returns its lines in FORMAT.md order. */
  run(step: TraceStep): string[] {
    const op = step.op;
    const api = this.api;
    const head: string[] = []; // = error / = null and `!` findings
    const result: string[] = []; // the verb's own result lines
    let space: string | null = null;
    let statCtx: MemoryContext | null = null;
    let killed: Set<MemoryContext> | null = null;
    let chunk: LiveChunk | null = null;
    this.fired = [];
    this.partial = head;
    // What the replay needs before the call: availability, the operands' live
    // contexts and chunk, the context of the `= stat` line, who a reset kills.
    if (op.verb === "create") {
      if (api.creators[op.type] === undefined) {
        const why = api.unavailable.get(op.type) ?? "not loaded";
        throw new ReplayFailure(`context type ${op.type} is not available: ${why}`);
      }
    } else if (op.verb === "aligned" && api.allocAligned === null) {
      const why = api.unavailable.get("aligned") ?? "not loaded";
      throw new ReplayFailure(`MemoryContextAllocAligned is not available: ${why}`);
    }
    if (
      op.verb !== "create" && op.verb !== "alloc" && op.verb !== "alloc0" &&
      op.verb !== "allocext" && op.verb !== "aligned" && "ptr" in op
    ) {
      chunk = this.chunk(op.ptr);
    }
    const i = this.compiler.add(step);
    const c = this.compiler.trace;
    const fields = op as unknown as Record<string, unknown>;
    const st = this.state;
    if (op.verb === "create") {
      this.ctx(operand(c, "a", i), op.parent);
    } else {
      const spec = VERBS[op.verb];
      for (const d of spec.operands) {
        if (d.kind === "ctx") this.ctx(operand(c, d.slot, i), fields[d.field] as string);
      }
      if (spec.stat === "ctx") statCtx = st.ctxs[operand(c, "b", i)];
      else if (spec.stat === "chunk") statCtx = (chunk as LiveChunk).ctx;
      if (spec.kills !== undefined) {
        const target = st.ctxs[operand(c, "b", i)];
        killed = spec.kills === "self"
          ? new Set([target])
          : subtree(target, spec.kills === "subtree");
      }
    }
    let out: unknown;
    let ok = false;
    try {
      out = execute(c, st, api, i, i + 1);
      ok = true;
    } catch (err) {
      if (!(err instanceof PgError)) throw err;
      head.unshift(`= error ${err.message}`);
    }
    if (ok) this.after(step, i, out, chunk, head, result, (s) => (space = s));
    else if (op.verb === "realloc") {
      // A failed realloc must leave the chunk and its contents as they were.
      const lost = verify(api.heap().u8, chunk as LiveChunk, (chunk as LiveChunk).size);
      if (lost !== null) head.push(lost);
    }
    if (op.verb === "create" && ok) statCtx = st.ctxs[operand(c, "b", i)];
    this.lastContext = statCtx ?? chunk?.ctx ?? null;
    if (killed !== null) this.chunks.forgetContexts(killed);
    const lines = head;
    if (this.fired.length > 0) lines.push(`= fired ${this.fired.join(" ")}`);
    for (const l of result) lines.push(l);
    if (space !== null) lines.push(space);
    if (statCtx !== null) lines.push(this.stat(statCtx));
    return lines;
  }

  /** The lines of a step that returned: its result, content checks and chunk bookkeeping. */
  private after(
    step: TraceStep,
    i: number,
    out: unknown,
    chunk: LiveChunk | null,
    head: string[],
    result: string[],
    setSpace: (line: string) => void,
  ): void {
    const op = step.op;
    const m = this.api.mcxt;
    const st = this.state;
    const c = this.compiler.trace;
    switch (op.verb) {
      case "alloc":
      case "alloc0":
      case "allocext":
      case "aligned": {
        const p = st.ptrs[operand(c, "a", i)];
        if (p === 0) {
          head.push("= null");
          break;
        }
        const ctx = st.ctxs[operand(c, "b", i)];
        const size = Number(op.size);
        const u8 = this.api.heap().u8;
        const zero = op.verb === "alloc0" || (op.verb === "allocext" && (op.flags & FLAG_ZERO));
        const bad = zero ? firstNonZero(u8, p, size) : null;
        if (bad !== null) head.push(bad);
        this.chunks.bind(u8, op.ptr, p, ctx, size, op.verb === "aligned" ? Number(op.alignto) : 0);
        if (ctx.typeName !== BUMP) setSpace(`= space ${m.GetMemoryChunkSpace(p)}`);
        break;
      }
      case "free":
        this.chunks.unbind(op.ptr);
        break;
      case "realloc": {
        const live = chunk as LiveChunk;
        const p = st.ptrs[operand(c, "a", i)];
        if (p === 0) {
          st.ptrs[operand(c, "a", i)] = live.ptr;
          head.push("= null");
          const lost = verify(this.api.heap().u8, live, live.size);
          if (lost !== null) head.push(lost);
          break;
        }
        const size = Number(op.size);
        const u8 = this.api.heap().u8;
        live.ptr = p;
        live.alignto = 0;
        const lost = verify(u8, live, Math.min(live.size, size));
        if (lost !== null) head.push(lost);
        live.size = size;
        stamp(u8, live);
        if (live.ctx.typeName !== BUMP) setSpace(`= space ${m.GetMemoryChunkSpace(p)}`);
        const still = verify(u8, live, live.size);
        if (still !== null) head.push(still);
        break;
      }
      case "space":
        result.push(`= space ${out}`);
        break;
      case "owner":
        result.push(`= owner ${(out as MemoryContext).name}`);
        break;
      case "isempty":
        result.push(`= bool ${out ? 1 : 0}`);
        break;
      case "memallocated":
        result.push(`= bytes ${out}`);
        break;
      case "consumed": {
        const k = out as {
          nblocks: number;
          freechunks: number;
          totalspace: number;
          freespace: number;
        };
        result.push(`= counters ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace}`);
        break;
      }
      case "stats":
        for (const l of out as string[]) result.push(`= line ${l}`);
        break;
      case "check":
        this.check(result);
        break;
    }
  }

  /** The chunks the trace holds now (token, pointer, context, requested size, alignment). */
  liveChunks(): IterableIterator<LiveChunk> {
    return this.chunks.values();
  }

  /** The `= stat` line of `c`. */
  private stat(c: MemoryContext): string {
    const m = this.api.mcxt;
    const k = m.MemoryContextCountersOf(c);
    return `= stat ${c.name} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
      m.MemoryContextMemAllocated(c, false)
    }`;
  }

  /** `check`: one `= ctx` and one `= text` line per trace-made context, then chunk stamps. */
  private check(out: string[]): void {
    const m = this.api.mcxt;
    const top = m.TopMemoryContext;
    const err = m.ErrorContext;
    // Preorder, children in list order, without recursion (a trace may nest contexts deeply).
    const stack: [MemoryContext, number][] = [];
    const push = (parent: MemoryContext, level: number): void => {
      const kids: MemoryContext[] = [];
      for (let c = parent.firstchild; c !== null; c = c.nextchild) kids.push(c);
      for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], level]);
    };
    push(top, 1);
    while (stack.length > 0) {
      const [c, level] = stack.pop() as [MemoryContext, number];
      if (c !== err) {
        const k = m.MemoryContextCountersOf(c);
        out.push(
          `= ctx ${c.name} ${
            (c.parent as MemoryContext).name
          } ${level} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
            m.MemoryContextMemAllocated(c, false)
          } ${m.MemoryContextIsEmpty(c) ? 1 : 0}`,
        );
        out.push(`= text ${m.MemoryContextStatsLine(c)}`);
      }
      push(c, level + 1);
    }
    for (const bad of this.chunks.verifyAll(this.api.heap().u8)) out.push(bad);
  }
}

/** Where and how a replay first disagreed with its trace. */
export interface ReplayMismatch {
  /** The trace's file name. */
  file: string;
  /** 1-based line of the operation. */
  line: number;
  /** The operation line. */
  op: string;
  /** The trace's expectation lines for that operation. */
  expected: string[];
  /** The lines palloc produced (as far as it got). */
  actual: string[];
  /** Set when the replay could not run the operation at all (exception, missing type, …). */
  reason?: string;
}

/** The outcome of replaying one trace. */
export interface ReplayResult {
  /** True when every operation produced exactly its expected lines. */
  ok: boolean;
  /** Operations run (including the failing one). */
  operations: number;
  /** The first disagreement, when not ok. */
  firstMismatch?: ReplayMismatch;
}

/** Options of `replayTrace`. */
export interface ReplayOptions {
  /** Call `MemoryContextInit()` first (default true). */
  init?: boolean;
  /**
   * Heap options for that `MemoryContextInit` (default: `maxBytes` 4 GiB, the
   * largest heap, because the vectors model an unbounded malloc and some
   * allocate 1 GB chunks).
   */
  heap?: MemoryContextInitOptions;
  /**
   * Run, but do not compare, operations that have no expectation lines (for
   * benchmark workloads and hand-written scripts). Default false: in a
   * conformance vector a missing line is as wrong as a different one.
   */
  lenient?: boolean;
}

/** The heap a conformance replay runs on unless told otherwise. */
export const CONFORMANCE_HEAP: MemoryContextInitOptions = { maxBytes: 2 ** 32 };

/**
 * Replays `trace` against palloc and compares every operation's lines.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * import { parseTrace } from "./parse.ts";
 * import { replayTrace } from "./replay.ts";
 * const api = await loadPallocApi();
 * const r = replayTrace(parseTrace("create A aset TopMemoryContext 0 1024 8192\n"), api);
 * console.log(r.ok, r.operations); // true 1 (no expectations to disagree with)
 * ```
 */
export function replayTrace(
  trace: ParsedTrace,
  api: PallocApi,
  options: ReplayOptions = {},
): ReplayResult {
  if (options.init !== false) api.mcxt.MemoryContextInit(options.heap ?? CONFORMANCE_HEAP);
  const engine = new ReplayEngine(api, trace.file, trace.steps.length);
  let operations = 0;
  for (const step of trace.steps) {
    operations++;
    const expected = step.expect.map(formatExpectation);
    let actual: string[];
    try {
      actual = engine.run(step);
    } catch (err) {
      const reason = err instanceof ReplayFailure ? err.message : describeException(err);
      return mismatch(trace, step, operations, expected, engine.partial, reason);
    }
    if (options.lenient === true && expected.length === 0) continue;
    if (!sameLines(expected, actual)) {
      return mismatch(trace, step, operations, expected, actual);
    }
  }
  return { ok: true, operations };
}

function mismatch(
  trace: ParsedTrace,
  step: TraceStep,
  operations: number,
  expected: string[],
  actual: string[],
  reason?: string,
): ReplayResult {
  const firstMismatch: ReplayMismatch = {
    file: trace.file,
    line: step.line,
    op: formatOperation(step.op),
    expected,
    actual,
  };
  if (reason !== undefined) firstMismatch.reason = reason;
  return { ok: false, operations, firstMismatch };
}

function sameLines(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeException(err: unknown): string {
  if (!(err instanceof Error)) return `exception: ${String(err)}`;
  const frame = err.stack?.split("\n").find((l) => l.trim().startsWith("at "))?.trim();
  return `exception: ${err.name}: ${err.message}${frame === undefined ? "" : ` (${frame})`}`;
}

/**
 * Runs every operation of `trace` and returns the lines palloc produced for
 * each, without comparing (expectations are ignored). Useful to record a
 * trace's expectations or to inspect one operation. Exceptions other than
 * `PgError` propagate, with the failing line in the message.
 *
 * @example
 * ```ts
 * import { loadPallocApi } from "./api.ts";
 * import { parseTrace } from "./parse.ts";
 * import { replayLines } from "./replay.ts";
 * const api = await loadPallocApi();
 * const lines = replayLines(parseTrace("create A aset TopMemoryContext 0 1024 8192\n"), api);
 * console.log(lines[0]); // ["= stat A 1 0 1024 …"]
 * ```
 */
export function replayLines(
  trace: ParsedTrace,
  api: PallocApi,
  options: Pick<ReplayOptions, "init" | "heap"> = {},
): string[][] {
  if (options.init !== false) api.mcxt.MemoryContextInit(options.heap ?? CONFORMANCE_HEAP);
  const engine = new ReplayEngine(api, trace.file, trace.steps.length);
  const out: string[][] = [];
  for (const step of trace.steps) {
    try {
      out.push(engine.run(step));
    } catch (err) {
      const why = err instanceof ReplayFailure ? err.message : describeException(err);
      throw new Error(`${trace.file}:${step.line}: ${formatOperation(step.op)}: ${why}`, {
        cause: err,
      });
    }
  }
  return out;
}
