/**
 * The model's `ContextSpec` for a trace's `create` operation: the one
 * translation from the trace format's words to the model's, shared by the
 * model's vector test and the fuzzers' model oracle. Not a test file.
 */
import type * as M from "../../src/model/mod.ts";
import type { Operation } from "../../src/trace/types.ts";

/** What `create NAME TYPE PARENT …` asks the model for. */
export function modelSpecOf(op: Extract<Operation, { verb: "create" }>): M.ContextSpec {
  return op.type === "slab"
    ? { kind: "slab", blockSize: Number(op.blockSize), chunkSize: Number(op.chunkSize) }
    : {
      kind: op.type,
      minContextSize: Number(op.min),
      initBlockSize: Number(op.init),
      maxBlockSize: Number(op.max),
    };
}
