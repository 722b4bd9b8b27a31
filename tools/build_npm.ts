/**
 * tools/build_npm.ts — `deno task npm`: palloc as an npm package for Node 20 and later, and the
 * browser bundle, from one script.
 *
 * The package (`dist/npm/`) is what TypeScript's own compiler makes of the sources: ES modules
 * with `.d.ts` declarations beside them, one pair per source file, relative imports rewritten from
 * `.ts` to `.js` (`rewriteRelativeImportExtensions`). Its `package.json` takes the name, version
 * and licence from deno.json and has one `exports` entry per entry point of deno.json's `exports`
 * (read at build time, so a new subpath is picked up with no change here). An entry point whose
 * key ends in `/cli` (e.g. `./memstats/cli`) also becomes a `bin` command named after the segment
 * before it (`memstats`); without one, the package has no `bin` and the build says so. README.md
 * and LICENSE go in as they are. `npm pack` then makes `dist/palloc-palloc-VERSION.tgz`.
 *
 * The build refuses its own output when a JavaScript file imports anything but another file of
 * the package or a `node:` module (the library has no runtime dependency), or when an entry
 * point's `.js` or `.d.ts` is missing. The library's entry points are compiled without any
 * platform's types (they must run in Node, Deno and browsers alike); a CLI entry point is compiled
 * in a second pass with Node's types (`@types/node`), since a command line reads files and
 * arguments. TypeScript and `@types/node` are development tools only: the script installs them
 * at pinned versions into `test-output/npm-tools/` on first use (from npm), then reuses them.
 *
 * The browser bundle (`dist/palloc.mjs`, one self-contained file) is `tools/build_bundle.ts`'s.
 *
 * Run: deno task npm   (= deno run -A tools/build_npm.ts [--no-pack])
 *
 * @module
 */

import { buildBundle } from "./build_bundle.ts";

const root = new URL("..", import.meta.url).pathname;

/** Where `deno task npm` writes the package, the tarball and the browser bundle. */
export const DIST: string = root + "dist";

/** The development tools the build installs (never dependencies of the package). */
export const DEV_TOOLS: readonly string[] = ["typescript@5.9.3", "@types/node@20.19.43"];

/** Where the development tools are installed. */
export const TOOLS_DIR: string = root + "test-output/npm-tools";

/** One entry point of the package. */
export interface NpmEntry {
  /** The subpath, as in deno.json's `exports` (`.`, `./memstats`, …). */
  key: string;
  /** The TypeScript source, relative to the repository root (`src/memstats/mod.ts`). */
  source: string;
  /** The JavaScript file in the package (`./src/memstats/mod.js`). */
  js: string;
  /** Its declarations (`./src/memstats/mod.d.ts`). */
  dts: string;
}

/** What {@link buildNpm} made. */
export interface NpmBuild {
  /** The package directory. */
  dir: string;
  /** The package's name and version (from deno.json). */
  name: string;
  version: string;
  /** Every entry point, in deno.json's order. */
  entries: NpmEntry[];
  /** The `bin` command, or null when deno.json exports no `…/cli` entry point. */
  bin: { name: string; js: string } | null;
  /** Remarks for the person building (e.g. why there is no `bin`). */
  notes: string[];
}

/** The real Node (not Deno's emulation, which Deno puts first on its children's PATH). */
export async function findNode(): Promise<{ path: string; version: string } | null> {
  const probe = "process.stdout.write(typeof Deno === 'undefined' ? process.version : 'deno')";
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    const path = `${dir}/node`;
    try {
      if (dir === "" || !Deno.statSync(path).isFile) continue;
      const out = await new Deno.Command(path, { args: ["-e", probe], stdout: "piped" }).output();
      const version = new TextDecoder().decode(out.stdout);
      if (out.success && version.startsWith("v")) return { path, version };
    } catch {
      // not here, or not runnable
    }
  }
  return null;
}

/**
 * Runs `tool` (`node`, `npm`) from the real Node's directory, with that directory first on PATH
 * so that its `#!/usr/bin/env node` finds Node and not Deno. Throws with the output on failure.
 */
export async function runNodeTool(tool: string, args: string[], cwd: string): Promise<string> {
  const node = await findNode();
  if (node === null) throw new Error(`${tool}: no Node on PATH (Node 20 and npm are needed)`);
  const bin = node.path.slice(0, node.path.lastIndexOf("/"));
  const { code, stdout, stderr } = await new Deno.Command(`${bin}/${tool}`, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}`, npm_config_update_notifier: "false" },
  }).output();
  const out = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${tool} ${args.join(" ")} failed:\n${out}\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return out;
}

/**
 * Installs {@link DEV_TOOLS} into {@link TOOLS_DIR} unless they are there already (a manifest
 * names what was installed); returns the directory. The install goes to a temporary directory
 * that is renamed into place, so two builds at once never see half an install.
 */
export async function devTools(): Promise<string> {
  const manifest = `${TOOLS_DIR}/installed.json`;
  const want = JSON.stringify(DEV_TOOLS);
  try {
    if ((await Deno.readTextFile(manifest)) === want) return TOOLS_DIR;
  } catch {
    // not installed yet
  }
  const tmp = `${TOOLS_DIR}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.mkdir(tmp, { recursive: true });
  try {
    await Deno.writeTextFile(`${tmp}/package.json`, JSON.stringify({ private: true }));
    await runNodeTool("npm", ["install", "--no-audit", "--no-fund", ...DEV_TOOLS], tmp);
    await Deno.writeTextFile(`${tmp}/installed.json`, want);
    await Deno.remove(TOOLS_DIR, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, TOOLS_DIR).catch(async (e) => {
      // Another build installed them meanwhile: use theirs.
      if ((await Deno.readTextFile(manifest).catch(() => "")) !== want) throw e;
    });
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return TOOLS_DIR;
}

/** Runs the installed TypeScript compiler with `args` in `cwd`; throws with its output. */
export async function tsc(args: string[], cwd: string): Promise<string> {
  const tools = await devTools();
  return await runNodeTool("node", [`${tools}/node_modules/typescript/bin/tsc`, ...args], cwd);
}

/** `src/memstats/mod.ts` → `./src/memstats/mod.js` (or `.d.ts`). */
function outputPath(source: string, ext: ".js" | ".d.ts"): string {
  return "./" + source.replace(/^\.\//, "").replace(/\.ts$/, ext);
}

/** All files under `dir`, relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir + prefix)) {
    if (e.isDirectory) out.push(...filesUnder(dir, `${prefix}${e.name}/`));
    else out.push(prefix + e.name);
  }
  return out;
}

/**
 * The import specifiers of a JavaScript module that leave the package: neither relative nor
 * `node:`. Comment lines (JSDoc examples) are skipped.
 */
export function foreignImports(js: string): string[] {
  const code = js.split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l)).join("\n");
  const specs = [
    ...code.matchAll(/\b(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s*(?:\(\s*)?["']([^"']+)["']/g),
  ].map((m) => m[1]);
  return specs.filter((s) => !s.startsWith("./") && !s.startsWith("../") && !s.startsWith("node:"));
}

/**
 * Builds the npm package into `outDir` (replaced whole); returns what it made. Throws when the
 * compiler fails or the output breaks a rule (see the module comment).
 */
export async function buildNpm(outDir: string = `${DIST}/npm`): Promise<NpmBuild> {
  const config = JSON.parse(await Deno.readTextFile(root + "deno.json"));
  const exports = config.exports as Record<string, string>;
  const entries: NpmEntry[] = Object.entries(exports).map(([key, source]) => {
    const src = source.replace(/^\.\//, "");
    return { key, source: src, js: outputPath(src, ".js"), dts: outputPath(src, ".d.ts") };
  });
  const notes: string[] = [];

  const isCli = (e: NpmEntry) => e.key.endsWith("/cli");
  const staging = `${outDir}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  const work = await Deno.makeTempDir({ prefix: "palloc-npm-" });
  try {
    await Deno.mkdir(staging, { recursive: true });
    const tools = await devTools();
    const compile = async (pass: string, files: NpmEntry[], types: string[]) => {
      if (files.length === 0) return;
      const tsconfig = {
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          allowImportingTsExtensions: true,
          rewriteRelativeImportExtensions: true,
          declaration: true,
          strict: true,
          skipLibCheck: true,
          types,
          typeRoots: [`${tools}/node_modules/@types`],
          lib: ["ES2024", "ESNext.Disposable", "DOM"],
          rootDir: root,
          outDir: staging,
          newLine: "lf",
        },
        files: files.map((e) => root + e.source),
      };
      const config = `${work}/tsconfig.${pass}.json`;
      await Deno.writeTextFile(config, JSON.stringify(tsconfig, null, 2));
      await tsc(["-p", config], work);
    };
    await compile("library", entries.filter((e) => !isCli(e)), []);
    await compile("cli", entries.filter(isCli), ["node"]);

    // Declarations keep the sources' `.ts` specifiers; point them at the `.d.ts` files' `.js`
    // twins as the JavaScript does (comment lines, such as JSDoc examples, are left alone).
    const files = filesUnder(staging + "/");
    for (const f of files.filter((f) => f.endsWith(".d.ts"))) {
      const path = `${staging}/${f}`;
      const text = await Deno.readTextFile(path);
      const fixed = text.split("\n").map((l) =>
        /^\s*(\*|\/\/|\/\*)/.test(l)
          ? l
          : l.replace(/((?:from\s*|import\(\s*)["']\.{1,2}\/[^"']*)\.ts(["'])/g, "$1.js$2")
      ).join("\n");
      if (fixed !== text) await Deno.writeTextFile(path, fixed);
    }
    const problems: string[] = [];
    for (const f of files.filter((f) => f.endsWith(".js"))) {
      const foreign = foreignImports(await Deno.readTextFile(`${staging}/${f}`));
      if (foreign.length > 0) problems.push(`${f} imports ${foreign.join(", ")}`);
    }
    for (const e of entries) {
      for (const p of [e.js, e.dts]) if (!files.includes(p.slice(2))) problems.push(`${p} missing`);
    }
    if (problems.length > 0) throw new Error(`npm package refused:\n${problems.join("\n")}`);

    // The CLI entry point, if deno.json exports one, is the package's `bin`.
    const cli = entries.find(isCli);
    let bin: NpmBuild["bin"] = null;
    if (cli !== undefined) {
      const name = cli.key.slice(0, -"/cli".length).split("/").pop() || "cli";
      bin = { name: name === "." ? "palloc" : name, js: cli.js };
      const path = `${staging}/${cli.js.slice(2)}`;
      const text = (await Deno.readTextFile(path)).replace(/^#![^\n]*\n/, "");
      await Deno.writeTextFile(path, `#!/usr/bin/env node\n${text}`);
      await Deno.chmod(path, 0o755);
    } else {
      notes.push("deno.json exports no …/cli entry point: the package has no bin");
    }

    const pkg: Record<string, unknown> = {
      name: config.name,
      version: config.version,
      description: "PostgreSQL's memory contexts (palloc, AllocSet, Generation, Slab, Bump) " +
        "for TypeScript and WebAssembly, byte-exact with PostgreSQL 18",
      license: config.license,
      type: "module",
      main: entries[0].js,
      types: entries[0].dts,
      exports: Object.fromEntries(
        entries.map((e) => [e.key, { types: e.dts, default: e.js }]),
      ),
      ...(bin !== null ? { bin: { [bin.name]: bin.js } } : {}),
      engines: { node: ">=20" },
      keywords: ["postgresql", "memory-context", "palloc", "allocator", "arena", "wasm"],
    };
    await Deno.writeTextFile(`${staging}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
    await Deno.copyFile(root + "README.md", `${staging}/README.md`);
    await Deno.copyFile(root + "LICENSE", `${staging}/LICENSE`);

    await Deno.remove(outDir, { recursive: true }).catch(() => {});
    await Deno.rename(staging, outDir);
    return { dir: outDir, name: config.name, version: config.version, entries, bin, notes };
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** `npm pack` of a built package into `dest`; returns the tarball's path. */
export async function packNpm(dir: string, dest: string): Promise<string> {
  await Deno.mkdir(dest, { recursive: true });
  const out = await runNodeTool("npm", ["pack", "--json", "--pack-destination", dest], dir);
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  return `${dest}/${filename}`;
}

if (import.meta.main) {
  const build = await buildNpm();
  const rel = (p: string) => p.startsWith(root) ? p.slice(root.length) : p;
  console.log(`${rel(build.dir)}: ${build.name}@${build.version}`);
  for (const e of build.entries) console.log(`  ${e.key.padEnd(16)} ${e.js}  ${e.dts}`);
  if (build.bin !== null) console.log(`  bin ${build.bin.name} → ${build.bin.js}`);
  for (const n of build.notes) console.log(`  note: ${n}`);
  if (!Deno.args.includes("--no-pack")) console.log(rel(await packNpm(build.dir, DIST)));
  const bundle = await buildBundle("mod.ts", `${DIST}/palloc.mjs`);
  console.log(`${rel(bundle)}: ${(await Deno.stat(bundle)).size} bytes, self-contained (browser)`);
}
