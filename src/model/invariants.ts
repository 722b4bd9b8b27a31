/**
 * The model's own invariants, checked on a state: the properties run this
 * after every command, so a bug in the model shows up as itself rather than
 * as a disagreement with the allocator. `describeModel` prints a state the
 * way a failing test wants to see it.
 */
import { TOP } from "./state.ts";
import type { ModelState } from "./types.ts";

/**
 * Every invariant `state` breaks, in words; empty when it is sound.
 *
 * @example
 * ```ts
 * import { initialState, modelViolations } from "@palloc/palloc/model";
 * console.assert(modelViolations(initialState()).length === 0);
 * ```
 */
export function modelViolations(state: ModelState): string[] {
  const bad: string[] = [];
  const top = state.contexts.get(TOP);
  if (top === undefined || top.parent !== null) bad.push("TopMemoryContext is not the root");
  if (!state.contexts.has(state.current)) bad.push(`current context #${state.current} is dead`);
  for (const ctx of state.contexts.values()) {
    if (ctx.id >= state.nextCtx) bad.push(`context #${ctx.id} was never issued`);
    if (state.names.get(ctx.id) !== ctx.name) bad.push(`context #${ctx.id} has lost its name`);
    if (ctx.id !== TOP) {
      const parent = ctx.parent === null ? undefined : state.contexts.get(ctx.parent);
      if (parent === undefined) bad.push(`${ctx.name} has no live parent`);
      else if (parent.children.filter((c) => c === ctx.id).length !== 1) {
        bad.push(`${ctx.name} is not listed once among ${parent.name}'s children`);
      }
      let steps = 0;
      for (let p = ctx.parent; p !== null && steps <= state.contexts.size; steps++) {
        p = state.contexts.get(p)?.parent ?? null;
      }
      if (steps > state.contexts.size) bad.push(`${ctx.name} is on a cycle`);
    }
    for (const c of ctx.children) {
      if (state.contexts.get(c)?.parent !== ctx.id) bad.push(`${ctx.name} lists a stranger child`);
    }
    if (ctx.isReset && (ctx.callbacks.length > 0 || ctx.holdsMemory)) {
      bad.push(`${ctx.name} is reset but holds callbacks or memory`);
    }
  }
  for (const chunk of state.chunks.values()) {
    const ctx = state.contexts.get(chunk.ctx);
    if (ctx === undefined) bad.push(`chunk ${chunk.id} lives in a dead context`);
    else if (ctx.isReset) bad.push(`chunk ${chunk.id} lives in reset context ${ctx.name}`);
    if (chunk.id <= 0 || chunk.id >= state.nextChunk) bad.push(`chunk ${chunk.id} never issued`);
  }
  return bad;
}

/**
 * A readable dump of the tree, one context per line, its chunks listed after it.
 *
 * @example
 * ```ts
 * import { describeModel, initialState } from "@palloc/palloc/model";
 * console.log(describeModel(initialState())); // one line per context, chunks after it
 * ```
 */
export function describeModel(state: ModelState): string {
  const lines: string[] = [`current: ${state.names.get(state.current)}; heap: ${state.heap}`];
  const visit = (id: number, depth: number): void => {
    const ctx = state.contexts.get(id);
    if (ctx === undefined) return;
    const chunks = [...state.chunks.values()].filter((c) => c.ctx === id)
      .map((c) => `${c.id}:${c.size}`);
    const flags = [
      ctx.isReset ? "reset" : "",
      ctx.holdsMemory ? "holds" : "",
      ctx.limit === null ? "" : `limit=${ctx.limit}`,
    ].filter((f) => f);
    lines.push(
      `${"  ".repeat(depth)}${ctx.name} (#${id} ${ctx.spec.kind}${
        flags.length ? " " + flags.join(" ") : ""
      }) cbs=[${ctx.callbacks.join(",")}] chunks=[${chunks.join(" ")}]`,
    );
    for (const c of ctx.children) visit(c, depth + 1);
  };
  visit(TOP, 0);
  return lines.join("\n");
}
