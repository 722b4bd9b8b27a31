/**
 * The call fuzzer's counter oracles: what a round's palloc reported,
 * compared with two replays of the same trace text, once the round is over.
 *
 * The world writes each round's log as a conformance-format trace (FORMAT.md):
 * every valid call is its trace line, followed by the lines palloc printed
 * for it on the fuzzed heap (in checking mode or not, at a base of 0, just
 * past 2^31 or near 2^32) — `= space` after an allocation or realloc outside
 * Bump, `= stat CTX NBLOCKS FREECHUNKS TOTALSPACE FREESPACE MEMALLOCATED` after
 * every call but `delete`; and at checkpoints (every 50 steps and at the end)
 * `memallocated CTX 1` with `= bytes` and `= stat` for every live context, and
 * `space`/`owner` of some live chunks. Invalid calls are comments (each was
 * refused with nothing changed, which the fuzzer checks as it goes).
 *
 * The log stays comparable only while the trace text can say what happened:
 * the first out-of-memory (or NULL), and the first callback that acts, end
 * the compared prefix (`World.comparableEnd`); what follows is still fuzzed
 * and verified, just not compared. About half the call rounds register no
 * acting callback, so most of their calls are compared.
 *
 * 1. **The reference palloc** (`checkAgainstReference`): the prefix is replayed
 *    with `replayTrace` on a fresh heap in the configuration that
 *    `deno task conformance` holds to PostgreSQL 18's own output — base 0,
 *    checking off — and every expectation line must come out the same: every
 *    counter after every call, every chunk space, every subtree total.
 * 2. **The model** (`checkAgainstModel`): the same prefix through the
 *    pure-functional model of `src/model` (`@palloc/palloc/model`), which knows
 *    chunk spaces and owners but no block counters: every `= space` (of a
 *    plain chunk: the model does not describe aligned ones) and `= owner`
 *    must be the model's, and every call the model refuses is a failure.
 *
 * Either mismatch is a `FuzzFailure` naming the line; the round's seed and
 * `deno task fuzz --replay calls:SEED` come with it.
 */
import * as M from "../../../src/model/mod.ts";
import type { PallocApi } from "../../../src/trace/api.ts";
import { parseTrace } from "../../../src/trace/parse.ts";
import { replayTrace } from "../../../src/trace/replay.ts";
import type { Expectation, TraceStep } from "../../../src/trace/types.ts";
import { FuzzFailure } from "./common.ts";
import { modelSpecOf } from "../../model/trace_spec.ts";

/** The heap the reference replay runs on: the conformance configuration. */
export const REFERENCE_HEAP = { maxBytes: 64 << 20, checking: false, base: 0 };

/** Raises a FuzzFailure when the reference palloc prints other lines for `text`. */
export function checkAgainstReference(api: PallocApi, text: string): number {
  const trace = parseTrace(text, "fuzz round");
  const r = replayTrace(trace, api, { heap: REFERENCE_HEAP, lenient: true });
  if (!r.ok) {
    const m = r.firstMismatch!;
    throw new FuzzFailure(
      `counters differ from the reference palloc (base 0, checking off) at trace line ` +
        `${m.line}: ${m.op}\n  fuzzed:    ${m.expected.join(" | ")}\n  reference: ${
          m.actual.join(" | ")
        }${m.reason === undefined ? "" : `\n  ${m.reason}`}`,
    );
  }
  return r.operations;
}

function find<K extends Expectation["kind"]>(
  step: TraceStep,
  kind: K,
): Extract<Expectation, { kind: K }> | undefined {
  return step.expect.find((e) => e.kind === kind) as Extract<Expectation, { kind: K }> | undefined;
}

/** Raises a FuzzFailure when the model disagrees with a space or owner of `text`. */
export function checkAgainstModel(text: string): number {
  const trace = parseTrace(text, "fuzz round");
  let s = M.initialState();
  const ctxs = new Map<string, M.CtxId>([["TopMemoryContext", M.TOP], ["ErrorContext", 1]]);
  const ptrs = new Map<string, M.ChunkId>();
  const aligned = new Set<string>();
  const ctx = (name: string) => ctxs.get(name) ?? -1;
  const fail = (step: TraceStep, what: string): never => {
    throw new FuzzFailure(`the model disagrees at trace line ${step.line}: ${what}`);
  };
  const settle = <T extends object>(step: TraceStep, out: M.Outcome<T>): M.Outcome<T> & {
    ok: true;
  } => {
    if (!out.ok) fail(step, `it refuses the call: ${out.refusal.message}`);
    s = out.state;
    return out as M.Outcome<T> & { ok: true };
  };
  const spaceIs = (step: TraceStep, token: string) => {
    const want = find(step, "space");
    if (want === undefined || aligned.has(token)) return;
    const got = M.space(s, ptrs.get(token)!);
    if (!got.ok || got.space !== Number(want.bytes)) {
      fail(
        step,
        `space of ${token}: model ${got.ok ? got.space : got.refusal.message}, ` +
          `palloc ${want.bytes}`,
      );
    }
  };
  let n = 0;
  for (const step of trace.steps) {
    n++;
    const op = step.op;
    switch (op.verb) {
      case "create": {
        const spec = modelSpecOf(op);
        const out = settle(step, M.createContext(s, ctx(op.parent), op.name, spec));
        ctxs.set(op.name, out.ctx);
        break;
      }
      case "alloc":
      case "alloc0":
      case "allocext":
      case "aligned": {
        let size = Number(op.size);
        let flags = op.verb === "allocext" ? op.flags : 0;
        if (op.verb === "aligned") {
          flags = 0;
          // PostgreSQL asks the context for size + ALIGNTO and cuts a redirect header in it.
          if (Number(op.alignto) > 8) {
            size += Number(op.alignto);
            aligned.add(op.ptr);
          }
        }
        const out = settle(
          step,
          op.verb === "allocext" || op.verb === "aligned"
            ? M.allocExtended(s, ctx(op.ctx), size, flags)
            : M.alloc(s, ctx(op.ctx), size),
        );
        if (out.chunk === null) fail(step, "the model returned NULL");
        ptrs.set(op.ptr, out.chunk!);
        spaceIs(step, op.ptr);
        break;
      }
      case "free":
        settle(step, M.free(s, ptrs.get(op.ptr)!));
        break;
      case "realloc":
        if (aligned.has(op.ptr)) break; // its inner chunk's new size is not the model's business
        settle(step, M.realloc(s, ptrs.get(op.ptr)!, Number(op.size)));
        spaceIs(step, op.ptr);
        break;
      case "space":
        spaceIs(step, op.ptr);
        break;
      case "owner": {
        const want = find(step, "owner");
        if (want === undefined || aligned.has(op.ptr)) break;
        const got = M.owner(s, ptrs.get(op.ptr)!);
        if (!got.ok || M.nameOf(s, got.ctx) !== want.name) {
          fail(
            step,
            `owner of ${op.ptr}: model ${got.ok ? M.nameOf(s, got.ctx) : "refused"}, ` +
              `palloc ${want.name}`,
          );
        }
        break;
      }
      case "reset":
        settle(step, M.reset(s, ctx(op.ctx)));
        break;
      case "resetonly":
        settle(step, M.resetOnly(s, ctx(op.ctx)));
        break;
      case "resetchildren":
        settle(step, M.resetChildren(s, ctx(op.ctx)));
        break;
      case "delete":
        settle(step, M.deleteContext(s, ctx(op.ctx)));
        break;
      case "deletechildren":
        settle(step, M.deleteChildren(s, ctx(op.ctx)));
        break;
      case "setparent":
        settle(step, M.setParent(s, ctx(op.ctx), ctx(op.parent)));
        break;
      default:
        break; // memallocated: counters, which the model does not know
    }
  }
  return n;
}
