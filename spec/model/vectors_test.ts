/**
 * The model against PostgreSQL itself: every conformance vector under
 * `../shared/conformance/pg18/` is replayed through the model, and each
 * expectation the model has an opinion on must match — error messages,
 * NULL results, fired callbacks, `= space`, `= owner`, `= bool`
 * (isempty) and the tree of every `check` (names, parents, levels, EMPTY).
 * Counters and stats text are the allocator's business, not the model's.
 *
 * `limit 0` means an exhausted heap, and the model's verdicts are checked
 * (a request the model says fails must fail; one it says succeeds must
 * succeed). Under any other limit the model cannot know the answer, so the
 * replay follows the vector: an out-of-memory or NULL there is applied with
 * `outOfMemory`.
 *
 * Aligned chunks (`aligned` with ALIGNTO > 8) are allocated as PostgreSQL
 * does (size + ALIGNTO, flags kept) so that emptiness and lifetimes follow,
 * but what the vectors say about operations on them is not compared: the
 * model does not describe the aligned redirect header.
 */
import assert from "node:assert/strict";
import * as M from "../../src/model/mod.ts";
import { readTraceFile } from "../../src/trace/parse.ts";
import type { Expectation, Operation, TraceStep } from "../../src/trace/types.ts";
import { modelSpecOf } from "./trace_spec.ts";

const ROOT = new URL("../../../shared/conformance/pg18/", import.meta.url);

async function traceFiles(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) out.push(...await traceFiles(u));
    else if (e.name.endsWith(".trace")) out.push(u);
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

type Limit = "none" | "zero" | "some";

class Replay {
  state = M.initialState();
  ctxs = new Map<string, M.CtxId>([["TopMemoryContext", M.TOP], ["ErrorContext", 1]]);
  ptrs = new Map<string, M.ChunkId>();
  opaque = new Set<string>();
  limit: Limit = "none";

  constructor(readonly file: string) {}

  fail(step: TraceStep, what: string): never {
    throw new assert.AssertionError({
      message: `${this.file}:${step.line}: ${what}\n${M.describeModel(this.state)}`,
    });
  }

  ctx(name: string): M.CtxId {
    return this.ctxs.get(name) ?? -1;
  }

  /** Applies an outcome, comparing its error/null/fired lines with the vector's. */
  settle<T extends object>(step: TraceStep, out: M.Outcome<T>, compare = true): M.Outcome<T> {
    const err = find(step.expect, "error");
    const isNull = find(step.expect, "null") !== undefined;
    const fired = find(step.expect, "fired");
    if (compare) {
      const got = out.ok ? undefined : out.refusal.message;
      if (got !== err?.message) this.fail(step, `error: model ${got}, vector ${err?.message}`);
      const gotNull = out.ok && "chunk" in out && out.chunk === null;
      if (gotNull !== isNull) this.fail(step, `null: model ${gotNull}, vector ${isNull}`);
      const gotFired = out.ok && "fired" in out ? (out.fired as string[]).join(" ") : "";
      if (gotFired !== (fired?.ids.join(" ") ?? "")) {
        this.fail(step, `fired: model [${gotFired}], vector [${fired?.ids.join(" ")}]`);
      }
    }
    this.state = out.state;
    return out;
  }

  /** Runs a request that may need the heap, checking (limit 0) or following the verdict. */
  request<T extends object>(
    step: TraceStep,
    req: M.MemoryRequest,
    run: () => M.Outcome<T>,
    compare = true,
  ): M.Outcome<T> {
    const err = find(step.expect, "error");
    const heapSaidNo = err?.message === "out of memory" || find(step.expect, "null") !== undefined;
    if (heapSaidNo) {
      if (this.limit === "zero" && compare && M.memoryVerdict(this.state, req) === "succeeds") {
        this.fail(step, "the heap refused a request the model says always succeeds");
      }
      return this.settle(step, M.outOfMemory(this.state, req) as M.Outcome<T>, compare);
    }
    if (this.limit === "zero" && compare && err === undefined) {
      if (M.memoryVerdict(this.state, req) === "fails") {
        this.fail(step, "the heap served a request the model says always fails");
      }
    }
    return this.settle(step, run(), compare);
  }

  step(step: TraceStep): void {
    const op = step.op;
    const s = this.state;
    switch (op.verb) {
      case "create": {
        const spec = modelSpecOf(op);
        const out = this.request(
          step,
          { op: "create", spec },
          () => M.createContext(s, this.ctx(op.parent), op.name, spec),
        );
        if (out.ok && "ctx" in out) this.ctxs.set(op.name, out.ctx as M.CtxId);
        return;
      }
      case "alloc":
      case "alloc0":
      case "allocext":
      case "aligned":
        return this.allocate(step, op);
      case "callback": {
        const id = this.ctx(op.ctx);
        const out = this.request(
          step,
          { op: "alloc", ctx: id, size: 24 },
          () => M.alloc(s, id, 24),
        );
        if (out.ok) this.state = M.registerCallback(this.state, id, op.id).state;
        return;
      }
      case "free":
      case "space":
      case "owner":
      case "realloc":
        return this.chunkOp(step, op);
      case "reset":
        this.settle(step, M.reset(s, this.ctx(op.ctx)));
        return;
      case "resetonly":
        this.settle(step, M.resetOnly(s, this.ctx(op.ctx)));
        return;
      case "resetchildren":
        this.settle(step, M.resetChildren(s, this.ctx(op.ctx)));
        return;
      case "delete":
        this.settle(step, M.deleteContext(s, this.ctx(op.ctx)));
        return;
      case "deletechildren":
        this.settle(step, M.deleteChildren(s, this.ctx(op.ctx)));
        return;
      case "setparent":
        this.settle(step, M.setParent(s, this.ctx(op.ctx), this.ctx(op.parent)));
        return;
      case "isempty": {
        const out = this.settle(step, M.isEmpty(s, this.ctx(op.ctx)));
        const want = find(step.expect, "bool");
        if (out.ok && want !== undefined && out.empty !== want.value) {
          this.fail(step, `isempty: model ${out.empty}, vector ${want.value}`);
        }
        return;
      }
      case "limit":
        this.limit = op.bytes === null ? "none" : Number(op.bytes) === 0 ? "zero" : "some";
        this.state = this.limit === "zero" ? M.exhaustHeap(s) : M.replenishHeap(s);
        return;
      case "check":
        return this.check(step);
      default:
        return; // ident, stats, consumed, memallocated: nothing the model tracks
    }
  }

  allocate(step: TraceStep, op: Operation & { ptr: string; ctx: string; size: unknown }): void {
    const id = this.ctx(op.ctx);
    let size = op.size as number | bigint;
    let flags = op.verb === "allocext" ? op.flags : 0;
    let extended = op.verb === "allocext";
    if (op.verb === "aligned") {
      extended = true;
      flags = 0;
      const to = Number(op.alignto);
      if (to > 8) {
        size = typeof size === "bigint" ? size + BigInt(to) : size + to;
        this.opaque.add(op.ptr);
      }
    }
    const run = () =>
      extended ? M.allocExtended(this.state, id, size, flags) : M.alloc(this.state, id, size);
    const out = this.request(step, { op: "alloc", ctx: id, size, flags }, run);
    if (!out.ok || out.chunk === null) return;
    this.ptrs.set(op.ptr, out.chunk);
    const want = find(step.expect, "space");
    if (want !== undefined && !this.opaque.has(op.ptr)) {
      const got = M.space(this.state, out.chunk);
      if (!got.ok || got.space !== Number(want.bytes)) {
        this.fail(
          step,
          `space: model ${got.ok ? got.space : got.refusal.message}, vector ${want.bytes}`,
        );
      }
    }
  }

  chunkOp(step: TraceStep, op: Operation & { ptr: string }): void {
    const chunk = this.ptrs.get(op.ptr) ?? -1;
    const compare = !this.opaque.has(op.ptr);
    const s = this.state;
    let out: M.Outcome<object>;
    if (op.verb === "free") out = this.settle(step, M.free(s, chunk), compare);
    else if (op.verb === "space") out = this.settle(step, M.space(s, chunk), compare);
    else if (op.verb === "owner") {
      const got = this.settle(step, M.owner(s, chunk), compare);
      const want = find(step.expect, "owner");
      if (compare && got.ok && want !== undefined && M.nameOf(this.state, got.ctx) !== want.name) {
        this.fail(step, `owner: model ${M.nameOf(this.state, got.ctx)}, vector ${want.name}`);
      }
      out = got;
    } else if (op.verb === "realloc") {
      const size = op.size;
      const req = { op: "realloc", chunk, size } as const;
      // an aligned chunk: PostgreSQL re-aligns it in the same context; it stays alive
      if (!compare) return;
      out = this.request(step, req, () => M.realloc(s, chunk, size), compare);
    } else return;
    const want = find(step.expect, "space");
    if (compare && out.ok && want !== undefined) {
      const got = M.space(this.state, chunk);
      if (!got.ok || got.space !== Number(want.bytes)) {
        this.fail(
          step,
          `space: model ${got.ok ? got.space : got.refusal.message}, vector ${want.bytes}`,
        );
      }
    }
  }

  check(step: TraceStep): void {
    const want = step.expect.filter((e) => e.kind === "ctx").map((e) =>
      `${e.name} ${e.parent} ${e.level} ${e.empty ? 1 : 0}`
    );
    const got = M.allContexts(this.state).filter((c) => c > 1).map((c) => {
      const ctx = M.mustContext(this.state, c);
      return `${ctx.name} ${M.nameOf(this.state, ctx.parent ?? 0)} ${M.levelOf(this.state, c)} ${
        M.isEmptyNow(this.state, c) ? 1 : 0
      }`;
    });
    assert.deepEqual(got, want, `${this.file}:${step.line}: check\n${M.describeModel(this.state)}`);
  }
}

function find<K extends Expectation["kind"]>(
  list: readonly Expectation[],
  kind: K,
): Extract<Expectation, { kind: K }> | undefined {
  return list.find((e) => e.kind === kind) as Extract<Expectation, { kind: K }> | undefined;
}

const files = await traceFiles(ROOT).catch(() => [] as URL[]);

Deno.test("the model agrees with every PostgreSQL 18 conformance vector", async (t) => {
  assert.ok(files.length > 0, "no vectors found under ../shared/conformance/pg18");
  for (const url of files) {
    const name = url.pathname.slice(ROOT.pathname.length);
    await t.step(name, async () => {
      const trace = await readTraceFile(url.pathname, name);
      const replay = new Replay(name);
      for (const step of trace.steps) replay.step(step);
      assert.deepEqual(M.modelViolations(replay.state), []);
    });
  }
});
