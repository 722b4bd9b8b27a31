/**
 * The heap: one linear memory and PostgreSQL's malloc/free/realloc over it
 * (a TLSF allocator with in-memory boundary tags). Memory contexts get their
 * blocks from a `Heap`; pointers are byte offsets into `heap.u8.buffer`.
 *
 * @module
 */
export { Heap } from "./heap.ts";
export { HeapCore } from "./core.ts";
export { Backing } from "./backing.ts";
export type { BackingOptions } from "./backing.ts";
export type { BulkOps } from "./bulk.ts";
export type { GrowListener, HeapOptions, HeapStats } from "./public_types.ts";
export { HeapCeilingError, HeapCorruptionError, HeapPointerError } from "./errors.ts";
