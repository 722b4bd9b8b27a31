/**
 * Builds palloc as one JavaScript file with no dependency and no types —
 * what Node 20 and a browser load directly — with `deno bundle` (Deno
 * 2.9.6's built-in esbuild; the esbuild binary comes from npm on first use).
 *
 * The output is checked before it is accepted: it must import nothing and
 * must not reach for the `Deno` namespace, or it would not run elsewhere.
 * The file is written under a temporary name and renamed into place, so two
 * builds running at once (the Node and browser smoke tests) never read a
 * half-written bundle.
 *
 * Run: deno run -A tools/build_bundle.ts   → test-output/dist/palloc.mjs (what the smoke tests
 * load). `deno task npm` (tools/build_npm.ts) builds the same bundle as `dist/palloc.mjs`, beside
 * the npm package.
 */

const root = new URL("..", import.meta.url).pathname;

/** Where the bundle and the smoke pages go. */
export const DIST_DIR: string = root + "test-output/dist";

/**
 * Bundles `entry` (a path relative to the repository root) into `outFile`
 * as an ES module for any platform; returns `outFile`. Throws when
 * `deno bundle` fails or the output has an import or uses `Deno`.
 */
export async function buildBundle(entry: string, outFile: string): Promise<string> {
  const dir = outFile.slice(0, outFile.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${outFile}.${Deno.pid}.${crypto.randomUUID()}.tmp.mjs`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "-o", tmp, entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`);
  }
  const text = await Deno.readTextFile(tmp);
  // Line-start patterns, so that JSDoc examples (" * import …") do not count.
  const problem = /^\s*(import[\s{*"']|export\s[^\n]*\bfrom\s*["'])/m.test(text)
    ? "it still imports something"
    : /^[^*/\n]*\bDeno\.\w/m.test(text)
    ? "it uses the Deno namespace"
    : null;
  if (problem !== null) {
    await Deno.remove(tmp);
    throw new Error(`bundle of ${entry} is not self-contained: ${problem}`);
  }
  await Deno.rename(tmp, outFile);
  return outFile;
}

/** Writes `text` to `path` atomically (temporary file, then rename). */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

if (import.meta.main) {
  const out = await buildBundle("mod.ts", `${DIST_DIR}/palloc.mjs`);
  const { size } = await Deno.stat(out);
  console.log(`${out.slice(root.length)}: ${size} bytes, self-contained`);
}
