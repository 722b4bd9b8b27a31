/**
 * The portal manager (PostgreSQL's `portalmem.c`): each portal — a named
 * query execution — gets its own small AllocSet context, "PortalContext"
 * with the portal's name as identifier, under TopPortalContext.
 * `CreatePortal` makes it current (`PortalContext`), `DropPortal` deletes it
 * (switching to TopMemoryContext first when the current context lies inside
 * it), and the end of a transaction drops every portal left.
 *
 * Kept apart from `standard.ts`, which owns the backend's lifetimes
 * (postmaster, backend, message, transaction) and re-exports all of this,
 * so each file holds one concept.
 */
import { ALLOCSET_DEFAULT_SIZES, ALLOCSET_SMALL_SIZES, AllocSetContextCreate } from "./aset/mod.ts";
import { type MemoryContext, registerHeapLocal } from "./mcxt/context.ts";
import {
  CurrentMemoryContext,
  MemoryContextDelete,
  MemoryContextSetIdentifier,
  MemoryContextSwitchTo,
  TopMemoryContext,
} from "./mcxt/mod.ts";

const none = undefined as unknown as MemoryContext;

/**
 * Parent of every portal's context.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CreatePortal,
 *   PostmasterStart,
 *   StartTransaction,
 *   TopPortalContext,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * const portal = CreatePortal("c1");
 * console.assert(portal.context.parent === TopPortalContext);
 * ```
 */
export let TopPortalContext: MemoryContext = none;
/**
 * The context of the portal being executed, if any.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CreatePortal,
 *   DropPortal,
 *   PortalContext,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * const portal = CreatePortal("");
 * console.assert(PortalContext === portal.context);
 * DropPortal(portal);
 * console.assert(PortalContext === null);
 * ```
 */
export let PortalContext: MemoryContext | null = null;

/**
 * A portal: a named query execution with its own context.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CreatePortal,
 *   type Portal,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * const portal: Portal = CreatePortal(""); // the unnamed portal of a simple query
 * console.assert(portal.context.ident === "<unnamed>");
 * ```
 */
export interface Portal {
  /** Portal name (`""` is the unnamed portal, shown as `<unnamed>`). */
  readonly name: string;
  /** The portal's context (`PortalContext`, ident = portal name). */
  readonly context: MemoryContext;
}

let portals = new Set<Portal>();

// Portals and their contexts belong to the heap they were made in (see standard.ts).
registerHeapLocal({
  fresh() {
    portals = new Set();
    TopPortalContext = none;
    PortalContext = null;
  },
  save: () => [portals, TopPortalContext, PortalContext],
  load(state) {
    const s = state as [Set<Portal>, MemoryContext, MemoryContext | null];
    [portals, TopPortalContext, PortalContext] = s;
  },
});

/**
 * `CreatePortal`: a portal context under TopPortalContext, identified by the portal name.
 *
 * @example
 * ```ts
 * import { MemoryContextAlloc } from "@palloc/palloc";
 * import {
 *   BackendStart,
 *   CreatePortal,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * const portal = CreatePortal("c1"); // DECLARE c1 CURSOR FOR ...
 * MemoryContextAlloc(portal.context, 200); // the cursor's plan and state
 * console.assert(portal.context.name === "PortalContext" && portal.context.ident === "c1");
 * ```
 */
export function CreatePortal(name: string): Portal {
  const context = AllocSetContextCreate(TopPortalContext, "PortalContext", ...ALLOCSET_SMALL_SIZES);
  MemoryContextSetIdentifier(context, name === "" ? "<unnamed>" : name);
  const portal = { name, context };
  portals.add(portal);
  PortalContext = context;
  return portal;
}

/**
 * `PortalDrop`: the portal's context and everything under it are deleted.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CreatePortal,
 *   DropPortal,
 *   OpenPortals,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * const portal = CreatePortal("c1");
 * DropPortal(portal); // CLOSE c1
 * console.assert(OpenPortals().length === 0 && portal.context.id === 0); // id 0: deleted
 * ```
 */
export function DropPortal(portal: Portal): void {
  if (!portals.delete(portal)) return;
  for (let c: MemoryContext | null = CurrentMemoryContext; c !== null; c = c.parent) {
    if (c === portal.context) {
      MemoryContextSwitchTo(TopMemoryContext);
      break;
    }
  }
  if (PortalContext === portal.context) PortalContext = null;
  MemoryContextDelete(portal.context);
}

/**
 * The portals currently open.
 *
 * @example
 * ```ts
 * import {
 *   BackendStart,
 *   CreatePortal,
 *   OpenPortals,
 *   PostmasterStart,
 *   StartTransaction,
 * } from "@palloc/palloc/backend";
 * PostmasterStart(); // runs MemoryContextInit()
 * BackendStart();
 * StartTransaction();
 * CreatePortal("c1");
 * CreatePortal("c2");
 * console.assert(OpenPortals().map((p) => p.name).join() === "c1,c2");
 * ```
 */
export function OpenPortals(): Portal[] {
  return [...portals];
}

/** `EnablePortalManager`: creates TopPortalContext (at backend start). */
export function EnablePortalManager(): void {
  TopPortalContext = AllocSetContextCreate(
    TopMemoryContext,
    "TopPortalContext",
    ...ALLOCSET_DEFAULT_SIZES,
  );
}

/** Forgets every portal and TopPortalContext (a new heap: the postmaster starts again). */
export function PortalManagerReset(): void {
  portals.clear();
  TopPortalContext = none;
  PortalContext = null;
}

/** Drops every open portal, newest last (at the end of a transaction). */
export function PortalDropAll(): void {
  for (const p of [...portals]) DropPortal(p);
}
