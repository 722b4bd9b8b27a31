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
 * Each step runs through palloc's one checked replay (`ReplayEngine` of
 * `src/trace/replay.ts`, the engine conformance uses), so its output lines
 * are the trace format's own (`= error …`, `= space …`, `= stat …`,
 * `= line …`, …) and the page can put them beside the lines PostgreSQL
 * printed when the trace is a conformance vector. This file adds only what a
 * page needs on top: captions, the PostgreSQL call of each step, landmarks,
 * and snapshots of the tree and heap.
 */
import * as P from "../mod.ts";
import * as mcxt from "../src/mcxt/mod.ts";
import { contextCreator, type PallocApi } from "../src/trace/api.ts";
import { parseTrace } from "../src/trace/parse.ts";
import { ReplayEngine } from "../src/trace/replay.ts";
import type { Expectation, Operation, ParsedTrace } from "../src/trace/types.ts";
import { formatExpectation } from "../src/trace/write.ts";
import { type ContextLayout, describeHeap, type LiveChunk, preorder } from "./layout.ts";
import { pgCall } from "./calls.ts";

/** palloc as the replay drives it, from the modules this page bundles (no dynamic import). */
const API: PallocApi = {
  mcxt,
  creators: {
    aset: contextCreator("aset", P),
    generation: contextCreator("generation", P),
    bump: contextCreator("bump", P),
    slab: contextCreator("slab", P),
  },
  allocAligned: P.MemoryContextAllocAligned,
  unavailable: new Map(),
  heap: () => P.heap,
};

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
  private engine!: ReplayEngine;
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
        info.actual = this.engine.run(this.trace.steps[info.n - 1]);
      } catch (err) {
        // Not a PostgreSQL ERROR: the step cannot be replayed (a chunk the trace
        // thinks is live is not, because an earlier step failed without `= error`).
        this.failure = `line ${info.line}: ${info.text}: ${
          err instanceof Error ? err.message : err
        }`;
        this.steps.length = info.n - 1;
        break;
      }
      const op = this.trace.steps[info.n - 1].op;
      const acted = this.engine.lastContext?.name ?? ("ctx" in op ? op.ctx : null);
      if (acted !== null) {
        info.acting = acted;
        const v = this.trace.steps[info.n - 1].op.verb;
        if (v === "free" || v === "realloc" || v === "space" || v === "owner") {
          info.call += ` in ${acted}`;
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
    this.engine = new ReplayEngine(API, this.trace.file);
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
      this.engine.run(this.trace.steps[this.pos]);
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
      heap: describeHeap(top, this.chunks()),
      held: P.heap.held,
    };
  }

  /** The chunks the trace holds, as the heap picture labels them. */
  private chunks(): LiveChunk[] {
    const out: LiveChunk[] = [];
    for (const c of this.engine.liveChunks()) {
      out.push({ token: c.token, ptr: c.ptr, ctx: c.ctx, requested: c.size, alignto: c.alignto });
    }
    return out;
  }
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
