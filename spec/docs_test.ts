/**
 * The public API's documentation, checked as CI checks code: every symbol
 * each entry point of deno.json's `exports` (`mod.ts`, `./memstats`) exports has JSDoc with an `@example`, and `deno doc --lint` finds
 * nothing to complain about. Running the examples themselves is a separate
 * step of `tools/test.ts` ("doc examples run"), since each example is its own
 * test module and that takes longer than a spec test should.
 */
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;

async function deno(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

interface DocDeclaration {
  location: { filename: string; line: number };
  jsDoc?: { tags?: Array<{ kind: string }> };
}

interface DocSymbol {
  name: string;
  declarations: DocDeclaration[];
}

/** The package's entry points, as deno.json's `exports` names them. */
const ENTRIES = Object.values(
  JSON.parse(Deno.readTextFileSync(`${root}deno.json`)).exports as Record<string, string>,
);

for (const entry of ENTRIES) {
  Deno.test(`every symbol exported from ${entry} has JSDoc with an @example`, async () => {
    const { code, stdout, stderr } = await deno("doc", "--json", entry);
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout) as { nodes: Record<string, { symbols: DocSymbol[] }> };
    const symbols = Object.values(doc.nodes).flatMap((node) => node.symbols);
    // A library entry exports many symbols; a command entry (./memstats/cli) only its main; ./internal a handful.
    const least = entry.endsWith("/cli.ts") ? 1 : 5;
    assert.ok(symbols.length >= least, `only ${symbols.length} exported symbols found`);
    const missing = symbols.flatMap((symbol) =>
      symbol.declarations
        .filter((d) => !(d.jsDoc?.tags ?? []).some((tag) => tag.kind === "example"))
        .map((d) =>
          `${symbol.name} (${
            d.location.filename.slice(`file://${root}`.length)
          }:${d.location.line})`
        )
    );
    assert.deepEqual(
      missing,
      [],
      `exported symbols without an @example:\n  ${missing.join("\n  ")}`,
    );
  });

  Deno.test(`deno doc --lint ${entry} reports nothing`, async () => {
    const { code, stdout, stderr } = await deno("doc", "--lint", entry);
    assert.equal(code, 0, stdout + stderr);
  });
}
