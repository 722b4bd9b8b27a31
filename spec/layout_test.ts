/**
 * The layout rules of issue 14, checked on the tree: `src/` has no import
 * cycle, and each of PostgreSQL's mmgr functions is defined in the file the
 * folder rule predicts (`XFree` in `src/x/alloc.ts`, …; see
 * docs/architecture.md).
 */
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url);
const src = new URL("src/", root);

/** Every `.ts` file under `dir`, as a path relative to the repository root. */
function tsFiles(dir: URL, rel: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      out.push(...tsFiles(new URL(entry.name + "/", dir), rel + entry.name + "/"));
    } else if (entry.name.endsWith(".ts")) out.push(rel + entry.name);
  }
  return out.sort();
}

/** The relative modules one file imports or re-exports (type-only ones too). */
export function relativeImports(text: string): string[] {
  const out: string[] = [];
  // Drop comments so JSDoc examples' imports do not count.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const re = /(?:^|[;\n])\s*(?:import|export)\b[^;"']*?(?:from\s*)?["'](\.[^"']+)["']/g;
  for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/** The import graph of `src/`: file → files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(src, "src/")) {
    const text = Deno.readTextFileSync(new URL(file, root));
    const deps = relativeImports(text).map((spec) =>
      new URL(spec, new URL(file, root)).pathname.slice(root.pathname.length)
    );
    graph.set(file, deps);
  }
  return graph;
}

/** One cycle of `graph` as a list of files, or null when it has none (iterative DFS). */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const deps = graph.get(top.node) ?? [];
      if (top.next === deps.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const dep = deps[top.next++];
      const s = state.get(dep);
      if (s === 1) {
        const from = stack.findIndex((f) => f.node === dep);
        return [...stack.slice(from).map((f) => f.node), dep];
      }
      if (s === undefined && graph.has(dep)) {
        state.set(dep, 1);
        stack.push({ node: dep, next: 0 });
      }
    }
  }
  return null;
}

Deno.test("layout: findCycle finds a cycle and accepts a DAG", () => {
  assert.deepEqual(
    findCycle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])),
    ["a", "b", "c", "a"],
  );
  assert.equal(findCycle(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]])), null);
  assert.deepEqual(relativeImports('import {\n  x,\n} from "./a.ts";\nexport * from "../b.ts";'), [
    "./a.ts",
    "../b.ts",
  ]);
});

Deno.test("layout: src/ has no import cycle", () => {
  const cycle = findCycle(importGraph());
  assert.equal(cycle, null, `import cycle: ${cycle?.join(" → ")}`);
});

/**
 * The folder rule of docs/architecture.md, as data: the file in which each of
 * PostgreSQL's mmgr functions is defined. A context type X's functions go by
 * verb (`XAlloc`/`XFree`/`XRealloc`/`XGetChunk*` in `src/x/alloc.ts`;
 * `XContextCreate`/`XReset`/`XDelete`/`XIsEmpty` in `src/x/mod.ts`;
 * `XStats`/`XCheck` in `src/x/inspect.ts`); mcxt's by concept.
 */
const TYPE_FOLDERS: Array<[prefix: string, folder: string]> = [
  ["AllocSet", "src/aset/"],
  ["Generation", "src/generation/"],
  ["Slab", "src/slab/"],
  ["Bump", "src/bump/"],
];
const TYPE_VERBS: Array<[verb: string, file: string]> = [
  ["ContextCreate", "mod.ts"],
  ["Reset", "mod.ts"],
  ["Delete", "mod.ts"],
  ["IsEmpty", "mod.ts"],
  ["Alloc", "alloc.ts"],
  ["Free", "alloc.ts"],
  ["Realloc", "alloc.ts"],
  ["GetChunkContext", "alloc.ts"],
  ["GetChunkSpace", "alloc.ts"],
  ["Stats", "inspect.ts"],
  ["Check", "inspect.ts"],
];
const MCXT_CONCEPTS: Record<string, string[]> = {
  "src/mcxt/mod.ts": ["MemoryContextInit"],
  "src/mcxt/context.ts": [
    "MemoryContextCreate",
    "MemoryContextCheckSize",
    "MemoryContextSizeFailure",
    "MemoryContextAllocationFailure",
  ],
  "src/mcxt/current.ts": ["MemoryContextSwitchTo"],
  "src/mcxt/guard.ts": ["GetMemoryChunkMethodID"],
  "src/mcxt/reset.ts": [
    "MemoryContextReset",
    "MemoryContextResetOnly",
    "MemoryContextResetChildren",
    "MemoryContextDelete",
    "MemoryContextDeleteOnly",
    "MemoryContextDeleteChildren",
    "MemoryContextRegisterResetCallback",
    "MemoryContextCallResetCallbacks",
  ],
  "src/mcxt/tree.ts": [
    "MemoryContextSetParent",
    "MemoryContextGetParent",
    "MemoryContextSetIdentifier",
    "MemoryContextIsEmpty",
    "MemoryContextMemAllocated",
    "MemoryContextMemConsumed",
    "MemoryContextTraverseNext",
  ],
  "src/mcxt/alloc.ts": [
    "MemoryContextAlloc",
    "MemoryContextAllocZero",
    "MemoryContextAllocExtended",
    "MemoryContextAllocHuge",
    "palloc",
    "palloc0",
    "palloc_extended",
    "pfree",
    "repalloc",
    "repalloc0",
    "repalloc_extended",
    "repalloc_huge",
    "GetMemoryChunkContext",
    "GetMemoryChunkSpace",
  ],
  "src/mcxt/stats.ts": [
    "MemoryContextStats",
    "MemoryContextStatsDetail",
    "MemoryContextStatsInternal",
  ],
  "src/checking/tree.ts": ["MemoryContextCheck"],
  "src/alignedalloc.ts": [
    "MemoryContextAllocAligned",
    "palloc_aligned",
    "AlignedAllocFree",
    "AlignedAllocRealloc",
    "AlignedAllocGetChunkContext",
    "AlignedAllocGetChunkSpace",
  ],
};

/** Every PostgreSQL mmgr name with the file the folder rule predicts for it. */
export function predictedFiles(): Array<[name: string, file: string]> {
  const out: Array<[string, string]> = [];
  for (const [prefix, folder] of TYPE_FOLDERS) {
    for (const [verb, file] of TYPE_VERBS) out.push([prefix + verb, folder + file]);
  }
  for (const [file, names] of Object.entries(MCXT_CONCEPTS)) {
    for (const name of names) out.push([name, file]);
  }
  return out;
}

/** True when `text` defines `name` as a function or a top-level const. */
export function defines(text: string, name: string): boolean {
  const re = new RegExp(`^(?:export\\s+)?(?:function\\s+${name}\\s*[(<]|const\\s+${name}\\b)`, "m");
  return re.test(text);
}

Deno.test("layout: defines matches a function or const of exactly that name", () => {
  assert.equal(defines("export function pfree(p: number) {}", "pfree"), true);
  assert.equal(defines("const palloc0 = 1;", "palloc0"), true);
  assert.equal(defines("export function pfreeAll() {}", "pfree"), false);
  assert.equal(defines(" * pfree(p) frees", "pfree"), false);
});

Deno.test("layout: each PostgreSQL mmgr function is defined in the file the rule predicts", () => {
  const wrong: string[] = [];
  for (const [name, file] of predictedFiles()) {
    let text = "";
    try {
      text = Deno.readTextFileSync(new URL(file, root));
    } catch {
      wrong.push(`${name}: ${file} does not exist`);
      continue;
    }
    if (!defines(text, name)) wrong.push(`${name}: not defined in ${file}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(predictedFiles().length >= 80);
});

/**
 * The names a file copies out of a namespace import at module level
 * (`import * as m from "./x.ts"; const { A, B } = m;`), with the module each
 * comes from.
 */
export function namespaceCopies(text: string): { name: string; from: string }[] {
  const aliases = new Map<string, string>();
  for (const m of text.matchAll(/^import \* as (\w+) from "(\.[^"]+)";/gm)) aliases.set(m[1], m[2]);
  const out: { name: string; from: string }[] = [];
  for (const m of text.matchAll(/^const \{([^}]*)\} = (\w+);/gm)) {
    const from = aliases.get(m[2]);
    if (from === undefined) continue;
    for (const n of m[1].split(",")) if (n.trim() !== "") out.push({ name: n.trim(), from });
  }
  return out;
}

/** How `name` is exported by the module at `file` (following re-exports), or null. */
function exportKind(file: URL, name: string): string | null {
  const text = Deno.readTextFileSync(file);
  const own = text.match(
    new RegExp(`^export (?:async )?(function|const|let|class) ${name}\\b`, "m"),
  );
  if (own !== null) return own[1];
  for (const m of text.matchAll(/^export \{([^}]*)\} from "(\.[^"]+)";/gm)) {
    if (m[1].split(",").some((x) => x.trim() === name)) {
      return exportKind(new URL(m[2], file), name);
    }
  }
  return null;
}

Deno.test("module-level copies of imports are of constants and functions, never of a live let", () => {
  let copies = 0;
  for (const file of tsFiles(src, "src/")) {
    const at = new URL(file, root);
    for (const { name, from } of namespaceCopies(Deno.readTextFileSync(at))) {
      const kind = exportKind(new URL(from, at), name);
      assert.ok(
        kind === "const" || kind === "function",
        `${file} copies ${name} from ${from}, which is ${kind ?? "not exported there"}`,
      );
      copies++;
    }
  }
  assert.ok(copies > 50, `only ${copies} copies found: the pattern changed, update this test`);
  // The rule bites: a copy of the live `heap` binding is refused.
  const bad = namespaceCopies('import * as c from "../mcxt/context.ts";\nconst { heap } = c;\n');
  assert.deepEqual(bad, [{ name: "heap", from: "../mcxt/context.ts" }]);
  assert.equal(exportKind(new URL("src/mcxt/context.ts", root), "heap"), "let");
});
