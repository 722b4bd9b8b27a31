/**
 * The public surface is what docs/api.md says it is: for every entry point in
 * deno.json's `exports`, the names `deno doc` finds exported there equal the
 * backticked names in the list items of that entry point's section.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const pkg: string = config.name;
const exportsMap: Record<string, string> = config.exports;
const api = await Deno.readTextFile(new URL("docs/api.md", root));

/** Backticked identifiers of the list items under `## \`<entry>\``, per entry. */
function documented(): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | null = null;
  let inItem = false;
  for (const line of api.split("\n")) {
    const head = /^## `([^`]+)`\s*$/.exec(line);
    if (head) {
      current = new Set();
      sections.set(head[1], current);
      inItem = false;
      continue;
    }
    if (line.startsWith("## ")) {
      current = null;
      continue;
    }
    if (current === null) continue;
    if (line.startsWith("- ")) inItem = true;
    else if (!line.startsWith("  ")) inItem = false;
    if (!inItem) continue;
    for (const m of line.matchAll(/`([A-Za-z_$][\w$]*)`/g)) current.add(m[1]);
  }
  return sections;
}

async function exported(file: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", file],
    cwd: root.pathname,
    stdout: "piped",
  }).output();
  assert.equal(out.code, 0, `deno doc --json ${file}`);
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  const names = new Set<string>();
  for (const node of Object.values(json.nodes as Record<string, { symbols: { name: string }[] }>)) {
    for (const s of node.symbols) names.add(s.name);
  }
  return names;
}

const docs = documented();

for (const [sub, file] of Object.entries(exportsMap)) {
  const entry = sub === "." ? pkg : pkg + sub.slice(1);
  Deno.test(`docs/api.md lists exactly what ${entry} exports`, async () => {
    const listed = docs.get(entry);
    assert.ok(listed, `docs/api.md has no section "## \`${entry}\`"`);
    const actual = await exported(file);
    const undocumented = [...actual].filter((n) => !listed.has(n)).sort();
    const missing = [...listed].filter((n) => !actual.has(n)).sort();
    assert.deepEqual(
      { undocumented, missing },
      { undocumented: [], missing: [] },
      `${entry}: exported but not in docs/api.md / in docs/api.md but not exported`,
    );
  });
}

Deno.test("docs/api.md has a section for no entry point deno.json lacks", () => {
  const entries = Object.keys(exportsMap).map((s) => s === "." ? pkg : pkg + s.slice(1));
  assert.deepEqual([...docs.keys()].filter((k) => !entries.includes(k)), []);
});
