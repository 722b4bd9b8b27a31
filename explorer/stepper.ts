/**
 * The explorer's replay: a trace (parsed by palloc's trace parser) is run
 * step by step on palloc itself, through the PostgreSQL-named functions that
 * `mod.ts` exports, and the state after any prefix of the trace is captured
 * as plain data (a `Snapshot`): the context tree with its counters, the
 * `MemoryContextStats(TopMemoryContext)` text and the heap layout.
 *
 * Going back is exact: `goTo(n)` for an `n` behind the current step starts a
 * fresh heap (`MemoryContextInit`) and replays the first `n` steps again; a
 * forward move continues from where the replay stands. Two steppers (the
 * side-by-side view) share palloc's one global heap, so a stepper that finds
 * another one ran since it last did (or that finds palloc on a new heap)
 * replays from the start as well.
 *
 * Each step's output lines are computed in the trace format's own words
 * (`= error …`, `= space …`, `= stat …`, `= line …`, …) so the page can put
 * them beside the lines PostgreSQL printed when the trace is a conformance
 * vector.
 */
import * as P from "../mod.ts";
import { parseTrace } from "../src/trace/parse.ts";
import type { Expectation, Operation, ParsedTrace, TraceStep } from "../src/trace/types.ts";
import { formatExpectation } from "../src/trace/write.ts";
import { type ContextLayout, describeHeap, type LiveChunk, preorder } from "./layout.ts";
import { pgCall } from "./calls.ts";

/** The heap a replay runs on (the size the conformance runner uses, so 1 GB chunks fit). */
const HEAP_OPTIONS = { maxBytes: 2 ** 32 };

/** One context in the tree at one step. */
export interface TreeNode {
  /** The context's name (its trace token, unique among live contexts). */
  name: string;
  /** Its identifier, or null. */
  ident: string | null;
  /** PostgreSQL's node tag, e.g. `AllocSetContext`. */
  type: string;
  /** The parent's name, "" for TopMemoryContext. */
  parent: string;
  /** 0 for TopMemoryContext. */
  level: number;
  /** `MemoryContextCounters`. */
  nblocks: number;
  /** Free chunks. */
  freechunks: number;
  /** Total bytes. */
  totalspace: number;
  /** Free bytes. */
  freespace: number;
  /** `MemoryContextMemAllocated(ctx, false)`. */
  memAllocated: number;
  /** The line MemoryContextStats prints for it (no indentation). */
  statsLine: string;
}

/** Everything one step of a trace shows, computed when the trace is loaded. */
export interface StepInfo {
  /** 1-based step number. */
  n: number;
  /** 1-based line of the operation in the trace text. */
  line: number;
  /** The operation line as written. */
  text: string;
  /** The PostgreSQL call it makes, e.g. `palloc(120) in ExprContext`. */
  call: string;
  /** The `#:` caption lines written above the operation. */
  caption: string;
  /** The trace's own expectation lines (what PostgreSQL printed, for a vector). */
  expected: string[];
  /** What palloc printed for it, in the same format. */
  actual: string[];
  /** The ERROR message palloc raised, or null. */
  error: string | null;
  /** The context the step acts on, or null. */
  acting: string | null;
  /** What kind of landmark it is, for the jump buttons. */
  kind: "create" | "reset" | "delete" | "error" | "other";
}

/** The state after a prefix of the trace. */
export interface Snapshot {
  /** How many steps have run (0 = right after MemoryContextInit). */
  step: number;
  /** Contexts in MemoryContextStats order. */
  tree: TreeNode[];
  /** The MemoryContextStats(TopMemoryContext) text, one line each. */
  stats: string[];
  /** Blocks and chunks of every context. */
  heap: ContextLayout[];
  /** Bytes held from the heap. */
  held: number;
}

/** Scenario metadata from `#!` lines: `#! title …`, `#! compare CTX TYPE TYPE`. */
export interface TraceMeta {
  /** `#! title`. */
  title: string;
  /** `#! summary` lines joined. */
  summary: string;
  /** `#! compare CTX TYPE1 TYPE2`: the context whose type the side-by-side view swaps. */
  compare: { ctx: string; types: [string, string] } | null;
  /** Leading plain `#` comments (a conformance vector's header), joined. */
  header: string;
}

/** Reads captions and metadata from the comment lines of a trace text. */
export function readComments(text: string): { meta: TraceMeta; captions: Map<number, string> } {
  const meta: TraceMeta = { title: "", summary: "", compare: null, header: "" };
  const captions = new Map<number, string>();
  const lines = text.split("\n");
  let pending: string[] = [];
  let sawOp = false;
  const header: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].replace(/\r$/, "");
    if (l.startsWith("#!")) {
      const m = /^#!\s*(\w+)\s*(.*)$/.exec(l);
      if (m === null) continue;
      if (m[1] === "title") meta.title = m[2];
      else if (m[1] === "summary") meta.summary += (meta.summary === "" ? "" : " ") + m[2];
      else if (m[1] === "compare") {
        const [ctx, a, b] = m[2].split(/\s+/);
        if (ctx && a && b) meta.compare = { ctx, types: [a, b] };
      }
    } else if (l.startsWith("#:")) {
      pending.push(l.slice(2).trim());
    } else if (l.startsWith("#")) {
      if (!sawOp) header.push(l.slice(1).trim());
    } else if (l.trim() !== "" && !l.startsWith("=")) {
      sawOp = true;
      if (pending.length > 0) captions.set(i + 1, pending.join(" "));
      pending = [];
    }
  }
  meta.header = header.join(" ").trim();
  return { meta, captions };
}

/**
 * Rewrites the `create CTX TYPE …` lines of `text` to make `ctx` a context of
 * `type` (aset, generation or bump: the three share MIN INIT MAX), for the
 * side-by-side view.
 */
export function withContextType(text: string, ctx: string, type: string): string {
  return text.split("\n").map((l) => {
    const t = l.split(" ");
    if (t[0] === "create" && t[1] === ctx && t[2] !== "slab") t[2] = type;
    return t.join(" ");
  }).join("\n");
}

let lastRunner: Stepper | null = null;
let lastHeap: unknown = null;

/** Replays one trace on demand; see the file comment. */
export class Stepper {
  /** The parsed trace. */
  readonly trace: ParsedTrace;
  /** Metadata from `#!` lines. */
  readonly meta: TraceMeta;
  /** One entry per operation. */
  readonly steps: StepInfo[];
  private pos = -1;
  private contexts = new Map<string, P.MemoryContext>();
  private chunks = new Map<string, LiveChunk>();
  private fired: string[] = [];
  private lastCtx: string | null = null;
  /** Why the replay stopped before the end of the trace, or null. */
  failure: string | null = null;

  /** Parses `text` (a `TraceParseError` propagates) and runs it once to learn each step's output. */
  constructor(text: string, file = "<trace>") {
    this.trace = parseTrace(text, file);
    const { meta, captions } = readComments(text);
    this.meta = meta;
    const lines = text.split("\n");
    this.steps = this.trace.steps.map((s, i) => ({
      n: i + 1,
      line: s.line,
      text: lines[s.line - 1].replace(/\r$/, ""),
      call: pgCall(s.op),
      caption: captions.get(s.line) ?? "",
      expected: s.expect.map(formatExpectation),
      actual: [],
      error: null,
      acting: actingOn(s.op),
      kind: "other" as StepInfo["kind"],
    }));
    this.restart();
    for (const info of this.steps) {
      try {
        info.actual = this.run(this.trace.steps[info.n - 1]);
      } catch (err) {
        // Not a PostgreSQL ERROR: the step cannot be replayed (a chunk the trace
        // thinks is live is not, because an earlier step failed without `= error`).
        this.failure = `line ${info.line}: ${info.text}: ${
          err instanceof Error ? err.message : err
        }`;
        this.steps.length = info.n - 1;
        break;
      }
      if (this.lastCtx !== null) {
        info.acting = this.lastCtx;
        const v = this.trace.steps[info.n - 1].op.verb;
        if (v === "free" || v === "realloc" || v === "space" || v === "owner") {
          info.call += ` in ${this.lastCtx}`;
        }
      }
      const err = info.actual.find((l) => l.startsWith("= error "));
      info.error = err === undefined ? null : err.slice(8);
      const v = this.trace.steps[info.n - 1].op.verb;
      info.kind = info.error !== null
        ? "error"
        : v === "delete" || v === "deletechildren"
        ? "delete"
        : v === "reset" || v === "resetonly" || v === "resetchildren"
        ? "reset"
        : v === "create"
        ? "create"
        : "other";
      this.pos++;
    }
  }

  /** Number of steps. */
  get length(): number {
    return this.steps.length;
  }

  private restart(): void {
    P.MemoryContextInit(HEAP_OPTIONS);
    this.contexts = new Map([
      ["TopMemoryContext", P.TopMemoryContext],
      ["ErrorContext", P.ErrorContext],
    ]);
    this.chunks = new Map();
    this.pos = 0;
    lastRunner = this;
    lastHeap = P.heap;
  }

  /** Replays to just after step `n` (0 … length) and returns the state there. */
  goTo(n: number): Snapshot {
    const target = Math.max(0, Math.min(this.steps.length, Math.trunc(n)));
    // Someone else ran (another stepper, or any MemoryContextInit): start over.
    if (lastRunner !== this || lastHeap !== P.heap || target < this.pos) this.restart();
    while (this.pos < target) {
      this.run(this.trace.steps[this.pos]);
      this.pos++;
    }
    return this.capture();
  }

  private capture(): Snapshot {
    const top = P.TopMemoryContext;
    const tree: TreeNode[] = [];
    const level = new Map<P.MemoryContext, number>();
    for (const c of preorder(top)) {
      const lv = c.parent === null ? 0 : (level.get(c.parent) ?? 0) + 1;
      level.set(c, lv);
      const k = P.MemoryContextCountersOf(c);
      tree.push({
        name: c.name,
        ident: c.ident,
        type: c.typeName,
        parent: c.parent === null ? "" : c.parent.name,
        level: lv,
        nblocks: k.nblocks,
        freechunks: k.freechunks,
        totalspace: k.totalspace,
        freespace: k.freespace,
        memAllocated: P.MemoryContextMemAllocated(c, false),
        statsLine: P.MemoryContextStatsLine(c),
      });
    }
    return {
      step: this.pos,
      tree,
      stats: P.MemoryContextStatsLines(top, 100, 100),
      heap: describeHeap(top, [...this.chunks.values()]),
      held: P.heap.held,
    };
  }

  private ctx(name: string): P.MemoryContext {
    const c = this.contexts.get(name);
    if (c === undefined) throw new Error(`context "${name}" does not exist`);
    return c;
  }

  private chunk(token: string): LiveChunk {
    const c = this.chunks.get(token);
    if (c === undefined) throw new Error(`chunk "${token}" is not live`);
    return c;
  }

  /** Runs one operation; returns its output lines in the trace format's order. */
  private run(step: TraceStep): string[] {
    const op = step.op;
    const head: string[] = [];
    const result: string[] = [];
    let space: string | null = null;
    let statCtx: P.MemoryContext | null = null;
    let killed: P.MemoryContext[] | null = null;
    this.fired = [];
    try {
      switch (op.verb) {
        case "create": {
          const parent = this.ctx(op.parent);
          let c: P.MemoryContext;
          if (op.type === "slab") {
            c = P.SlabContextCreate(parent, op.name, Number(op.blockSize), Number(op.chunkSize));
          } else {
            const create = op.type === "aset"
              ? P.AllocSetContextCreate
              : op.type === "generation"
              ? P.GenerationContextCreate
              : P.BumpContextCreate;
            c = create(parent, op.name, Number(op.min), Number(op.init), Number(op.max));
          }
          this.contexts.set(op.name, c);
          statCtx = c;
          break;
        }
        case "alloc":
        case "alloc0":
        case "allocext":
        case "aligned": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          const p = op.verb === "alloc"
            ? P.MemoryContextAlloc(c, op.size)
            : op.verb === "alloc0"
            ? P.MemoryContextAllocZero(c, op.size)
            : op.verb === "allocext"
            ? P.MemoryContextAllocExtended(c, op.size, op.flags)
            : P.MemoryContextAllocAligned(
              c,
              op.size,
              Number((op as { alignto: number }).alignto),
              0,
            );
          if (p === 0) {
            head.push("= null");
            break;
          }
          this.chunks.set(op.ptr, {
            token: op.ptr,
            ptr: p,
            ctx: c,
            requested: Number(op.size),
            alignto: op.verb === "aligned" ? Number(op.alignto) : 0,
          });
          if (c.typeName !== "BumpContext") space = `= space ${P.GetMemoryChunkSpace(p)}`;
          break;
        }
        case "free": {
          const ch = this.chunk(op.ptr);
          statCtx = ch.ctx;
          P.pfree(ch.ptr);
          this.chunks.delete(op.ptr);
          break;
        }
        case "realloc": {
          const ch = this.chunk(op.ptr);
          statCtx = ch.ctx;
          const p = P.repalloc(ch.ptr, op.size);
          ch.ptr = p;
          ch.requested = Number(op.size);
          ch.alignto = 0;
          if (ch.ctx.typeName !== "BumpContext") space = `= space ${P.GetMemoryChunkSpace(p)}`;
          break;
        }
        case "space": {
          const ch = this.chunk(op.ptr);
          statCtx = ch.ctx;
          result.push(`= space ${P.GetMemoryChunkSpace(ch.ptr)}`);
          break;
        }
        case "owner": {
          const ch = this.chunk(op.ptr);
          statCtx = ch.ctx;
          result.push(`= owner ${P.GetMemoryChunkContext(ch.ptr).name}`);
          break;
        }
        case "reset":
        case "resetonly":
        case "resetchildren":
        case "delete":
        case "deletechildren": {
          const c = this.ctx(op.ctx);
          if (op.verb !== "delete") statCtx = c;
          killed = op.verb === "resetonly" ? [c] : subtree(
            c,
            op.verb !== "resetchildren" &&
              op.verb !== "deletechildren",
          );
          if (op.verb === "reset") P.MemoryContextReset(c);
          else if (op.verb === "resetonly") P.MemoryContextResetOnly(c);
          else if (op.verb === "resetchildren") P.MemoryContextResetChildren(c);
          else if (op.verb === "delete") P.MemoryContextDelete(c);
          else P.MemoryContextDeleteChildren(c);
          break;
        }
        case "setparent": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          P.MemoryContextSetParent(c, this.ctx(op.parent));
          break;
        }
        case "ident": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          P.MemoryContextSetIdentifier(c, op.text);
          break;
        }
        case "callback": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          const p = P.MemoryContextAlloc(c, 24);
          this.chunks.set(`callback:${step.line}`, {
            token: `callback ${op.id}`,
            ptr: p,
            ctx: c,
            requested: 24,
            alignto: 0,
          });
          const id = op.id;
          P.MemoryContextRegisterResetCallback(c, {
            func: () => {
              this.fired.push(id);
            },
            arg: null,
          });
          break;
        }
        case "limit":
          P.heap.limit = op.bytes === null ? Infinity : Number(op.bytes);
          break;
        case "isempty": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          result.push(`= bool ${P.MemoryContextIsEmpty(c) ? 1 : 0}`);
          break;
        }
        case "memallocated": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          result.push(`= bytes ${P.MemoryContextMemAllocated(c, op.recurse)}`);
          break;
        }
        case "consumed": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          const k = { nblocks: 0, freechunks: 0, totalspace: 0, freespace: 0 };
          P.MemoryContextMemConsumed(c, k);
          result.push(`= counters ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace}`);
          break;
        }
        case "stats": {
          const c = this.ctx(op.ctx);
          statCtx = c;
          for (const l of P.MemoryContextStatsLines(c, op.maxLevel, op.maxChildren)) {
            result.push(`= line ${l}`);
          }
          break;
        }
        case "check":
          this.check(result);
          break;
      }
    } catch (err) {
      if (!(err instanceof P.PgError)) throw err;
      head.unshift(`= error ${err.message}`);
    }
    if (killed !== null) this.forget(killed);
    this.lastCtx = statCtx?.name ?? ("ctx" in op ? op.ctx : null);
    const out = head;
    if (this.fired.length > 0) out.push(`= fired ${this.fired.join(" ")}`);
    out.push(...result);
    if (space !== null) out.push(space);
    if (statCtx !== null) out.push(statLine(statCtx));
    return out;
  }

  /** Forgets the chunks of reset or deleted contexts and the names of deleted ones. */
  private forget(killed: P.MemoryContext[]): void {
    const set = new Set(killed);
    for (const [token, ch] of this.chunks) if (set.has(ch.ctx)) this.chunks.delete(token);
    for (const [name, c] of this.contexts) {
      if (c.id === 0 || detached(c)) this.contexts.delete(name);
    }
  }

  /** `check`: one `= ctx` and one `= text` line per context the trace made. */
  private check(out: string[]): void {
    const top = P.TopMemoryContext;
    const level = new Map<P.MemoryContext, number>([[top, 0]]);
    for (const c of preorder(top)) {
      if (c === top) continue;
      const lv = (level.get(c.parent!) ?? 0) + 1;
      level.set(c, lv);
      if (c === P.ErrorContext) continue;
      const k = P.MemoryContextCountersOf(c);
      out.push(
        `= ctx ${c.name} ${
          c.parent!.name
        } ${lv} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
          P.MemoryContextMemAllocated(c, false)
        } ${P.MemoryContextIsEmpty(c) ? 1 : 0}`,
      );
      out.push(`= text ${P.MemoryContextStatsLine(c)}`);
    }
  }
}

function statLine(c: P.MemoryContext): string {
  const k = P.MemoryContextCountersOf(c);
  return `= stat ${c.name} ${k.nblocks} ${k.freechunks} ${k.totalspace} ${k.freespace} ${
    P.MemoryContextMemAllocated(c, false)
  }`;
}

/** `c` and (when `self`) itself, or only its descendants. */
function subtree(c: P.MemoryContext, self: boolean): P.MemoryContext[] {
  return self ? preorder(c) : preorder(c).slice(1);
}

function detached(c: P.MemoryContext): boolean {
  let p: P.MemoryContext | null = c;
  while (p !== null && p !== P.TopMemoryContext) p = p.parent;
  return p === null;
}

function actingOn(op: Operation): string | null {
  if ("ctx" in op) return op.ctx;
  if (op.verb === "create") return op.name;
  return null;
}

/** The expectation lines of a step, formatted (re-exported for tests). */
export function formatLines(expect: Expectation[]): string[] {
  return expect.map(formatExpectation);
}
