/**
 * The PostgreSQL call each trace operation stands for, written the way a
 * reader of PostgreSQL's source would recognise it: `palloc(120) in
 * ExprContext`, `MemoryContextReset(MessageContext)`,
 * `AllocSetContextCreate(TopMemoryContext, "CacheMemoryContext",
 * ALLOCSET_DEFAULT_SIZES)`. Used by the step log.
 */
import type { Operation, Size } from "../src/trace/types.ts";
import { FLAG_HUGE, FLAG_NO_OOM, FLAG_ZERO } from "../src/trace/types.ts";

const NAMED_SIZES: Record<string, string> = {
  "0 8192 8388608": "ALLOCSET_DEFAULT_SIZES",
  "0 1024 8192": "ALLOCSET_SMALL_SIZES",
  "0 1024 8388608": "ALLOCSET_START_SMALL_SIZES",
};

const CREATE: Record<string, string> = {
  aset: "AllocSetContextCreate",
  generation: "GenerationContextCreate",
  bump: "BumpContextCreate",
  slab: "SlabContextCreate",
};

function flags(mask: number): string {
  const out: string[] = [];
  if (mask & FLAG_HUGE) out.push("MCXT_ALLOC_HUGE");
  if (mask & FLAG_NO_OOM) out.push("MCXT_ALLOC_NO_OOM");
  if (mask & FLAG_ZERO) out.push("MCXT_ALLOC_ZERO");
  return out.length === 0 ? "0" : out.join(" | ");
}

const s = (v: Size): string => String(v);

/** The PostgreSQL call of `op` (chunk operations get their context appended by the replay). */
export function pgCall(op: Operation): string {
  switch (op.verb) {
    case "create": {
      if (op.type === "slab") {
        return `SlabContextCreate(${op.parent}, "${op.name}", ${s(op.blockSize)}, ${
          s(op.chunkSize)
        })`;
      }
      const sizes = `${s(op.min)} ${s(op.init)} ${s(op.max)}`;
      const named = op.type === "aset" ? NAMED_SIZES[sizes] : undefined;
      return `${CREATE[op.type]}(${op.parent}, "${op.name}", ${
        named ?? sizes.replaceAll(" ", ", ")
      })`;
    }
    case "alloc":
      return `palloc(${s(op.size)}) in ${op.ctx} → ${op.ptr}`;
    case "alloc0":
      return `palloc0(${s(op.size)}) in ${op.ctx} → ${op.ptr}`;
    case "allocext":
      return `palloc_extended(${s(op.size)}, ${flags(op.flags)}) in ${op.ctx} → ${op.ptr}`;
    case "aligned":
      return `palloc_aligned(${s(op.size)}, ${s(op.alignto)}, 0) in ${op.ctx} → ${op.ptr}`;
    case "free":
      return `pfree(${op.ptr})`;
    case "realloc":
      return `repalloc(${op.ptr}, ${s(op.size)})`;
    case "space":
      return `GetMemoryChunkSpace(${op.ptr})`;
    case "owner":
      return `GetMemoryChunkContext(${op.ptr})`;
    case "reset":
      return `MemoryContextReset(${op.ctx})`;
    case "resetonly":
      return `MemoryContextResetOnly(${op.ctx})`;
    case "resetchildren":
      return `MemoryContextResetChildren(${op.ctx})`;
    case "delete":
      return `MemoryContextDelete(${op.ctx})`;
    case "deletechildren":
      return `MemoryContextDeleteChildren(${op.ctx})`;
    case "setparent":
      return `MemoryContextSetParent(${op.ctx}, ${op.parent})`;
    case "ident":
      return `MemoryContextSetIdentifier(${op.ctx}, "${op.text}")`;
    case "callback":
      return `MemoryContextRegisterResetCallback(${op.ctx}, ${op.id})`;
    case "limit":
      return op.bytes === null
        ? "(malloc limit lifted)"
        : `(malloc limited to ${s(op.bytes)} bytes held)`;
    case "isempty":
      return `MemoryContextIsEmpty(${op.ctx})`;
    case "memallocated":
      return `MemoryContextMemAllocated(${op.ctx}, ${op.recurse})`;
    case "consumed":
      return `MemoryContextMemConsumed(${op.ctx}, &counters)`;
    case "stats":
      return `MemoryContextStatsDetail(${op.ctx}, ${op.maxLevel}, ${op.maxChildren}, true)`;
    case "check":
      return "(compare the whole tree)";
  }
}
