/**
 * The docs name only files that exist: every backticked repository path in
 * README.md, bench/README.md and docs/*.md (`src/…`, `spec/…`, `tools/…`,
 * `docs/…`, `examples/…`, `explorer/…`, `bench/…`, `.ci/…`, `../shared/…`)
 * must be there. Globs (`*`) and the folder map's placeholder type `x`
 * (`src/x/alloc.ts`) are not paths. A moved or deleted file leaves the docs
 * false; this fails then.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const PATH =
  /`((?:\.\.\/shared|src|spec|tools|docs|bench|examples|explorer|\.ci)\/[A-Za-z0-9_./-]*)`/g;

function docFiles(): string[] {
  const docs = [...Deno.readDirSync(new URL("docs/", root))]
    .filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`);
  return ["README.md", "bench/README.md", ...docs.sort()];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(new URL(path.replace(/\/$/, ""), root));
    return true;
  } catch {
    return false;
  }
}

Deno.test("every repository path the docs name exists", () => {
  const missing: string[] = [];
  let seen = 0;
  for (const file of docFiles()) {
    const text = Deno.readTextFileSync(new URL(file, root));
    for (const m of text.matchAll(PATH)) {
      const path = m[1];
      if (path.includes("*") || path.startsWith("src/x/")) continue;
      seen++;
      if (!exists(path)) missing.push(`${file}: ${path}`);
    }
  }
  assert.ok(seen > 100, `only ${seen} paths found: the pattern no longer matches the docs`);
  assert.deepEqual(missing, []);
});
