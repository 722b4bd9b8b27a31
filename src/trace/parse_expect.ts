/**
 * Parsing of one `= …` expectation line, and the rule of which expectation
 * kinds may follow which verbs (FORMAT.md, "Expectations"). Kept apart from
 * `parse.ts` because the expectation grammar is independent of the operation
 * grammar and only conformance vectors (not benchmarks) exercise it.
 */
import type { Liveness } from "./liveness.ts";
import { parseU64 } from "./numbers.ts";
import { VERBS } from "./verbs.ts";
import { type Expectation, FLAG_NO_OOM, type Size, type TraceStep, type Verb } from "./types.ts";

const SPECS = Object.values(VERBS);
const RESETTING = new Set<Verb>(SPECS.filter((v) => v.kills !== undefined).map((v) => v.verb));
const SPACE_AFTER = new Set<Verb>(
  SPECS.filter((v) => v.space || v.verb === "space").map((v) => v.verb),
);
const NO_STAT = new Set<Verb>(SPECS.filter((v) => v.stat === "none").map((v) => v.verb));

/**
 * Parses expectation line `line` (starting with `=`) that follows `step`.
 * Calls `fail(reason)` (which throws) when the line is malformed or its kind
 * cannot follow the step's verb. An `= error` or `= null` tells `names` that
 * the operation failed, so nothing it would bind stays bound.
 */
export function parseExpectation(
  line: string,
  step: TraceStep,
  names: Liveness,
  fail: (reason: string) => never,
): Expectation {
  if (line.length < 3 || line.charCodeAt(1) !== 32) fail('malformed expectation (want "= KIND …")');
  const sp = line.indexOf(" ", 2);
  const kind = sp < 0 ? line.slice(2) : line.slice(2, sp);
  const verb = step.op.verb;
  const after = (ok: boolean): void => {
    if (!ok) fail(`"= ${kind}" cannot follow "${verb}"`);
  };
  // Kinds whose operand is the rest of the line.
  if (kind === "error" || kind === "line" || kind === "text") {
    if (sp < 0) fail(`"= ${kind}" needs text after it`);
    const rest = line.slice(sp + 1);
    if (kind === "error") {
      if (rest === "") fail('"= error" needs a message');
      names.undoLast();
      return { kind, message: rest };
    }
    if (kind === "line") {
      after(verb === "stats");
      return { kind, text: rest };
    }
    after(verb === "check");
    const prev = step.expect[step.expect.length - 1];
    if (prev === undefined || prev.kind !== "ctx") fail('"= text" must follow a "= ctx" line');
    return { kind, text: rest };
  }
  const t = line.split(" ");
  for (let i = 1; i < t.length; i++) {
    if (t[i] === "") fail("empty token (tokens are separated by exactly one space)");
  }
  const arity = (want: number): void => {
    if (t.length - 2 !== want) fail(`"= ${kind}" takes ${want} operands, got ${t.length - 2}`);
  };
  const num = (i: number, what: string): Size => {
    const v = parseU64(t[i]);
    if (v === undefined) fail(`bad number for ${what}: ${JSON.stringify(t[i])}`);
    return v;
  };
  const bit = (i: number, what: string): boolean => {
    if (t[i] !== "0" && t[i] !== "1") fail(`${what} must be 0 or 1, got ${JSON.stringify(t[i])}`);
    return t[i] === "1";
  };
  switch (kind) {
    case "null":
      arity(0);
      after(step.op.verb === "allocext" && (step.op.flags & FLAG_NO_OOM) !== 0);
      names.undoLast();
      return { kind };
    case "fired":
      if (t.length < 3) fail('"= fired" needs at least one ID');
      after(RESETTING.has(verb));
      return { kind, ids: t.slice(2) };
    case "space":
      arity(1);
      after(SPACE_AFTER.has(verb));
      return { kind, bytes: num(2, "BYTES") };
    case "owner":
      arity(1);
      after(verb === "owner");
      return { kind, name: t[2] };
    case "bool":
      arity(1);
      after(verb === "isempty");
      return { kind, value: bit(2, "the value") };
    case "bytes":
      arity(1);
      after(verb === "memallocated");
      return { kind, bytes: num(2, "N") };
    case "counters":
      arity(4);
      after(verb === "consumed");
      return {
        kind,
        nblocks: num(2, "NBLOCKS"),
        freechunks: num(3, "FREECHUNKS"),
        totalspace: num(4, "TOTALSPACE"),
        freespace: num(5, "FREESPACE"),
      };
    case "stat":
      arity(6);
      after(!NO_STAT.has(verb));
      return {
        kind,
        ctx: t[2],
        nblocks: num(3, "NBLOCKS"),
        freechunks: num(4, "FREECHUNKS"),
        totalspace: num(5, "TOTALSPACE"),
        freespace: num(6, "FREESPACE"),
        memallocated: num(7, "MEMALLOCATED"),
      };
    case "ctx": {
      arity(9);
      after(verb === "check");
      const level = num(4, "LEVEL");
      if (typeof level !== "number" || level > 0x7fffffff) fail(`LEVEL ${t[4]} is out of range`);
      return {
        kind,
        name: t[2],
        parent: t[3],
        level,
        nblocks: num(5, "NBLOCKS"),
        freechunks: num(6, "FREECHUNKS"),
        totalspace: num(7, "TOTALSPACE"),
        freespace: num(8, "FREESPACE"),
        memallocated: num(9, "MEMALLOCATED"),
        empty: bit(10, "EMPTY"),
      };
    }
    default:
      fail(`unknown expectation kind ${JSON.stringify(kind)}`);
  }
}
