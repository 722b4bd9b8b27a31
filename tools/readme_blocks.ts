/**
 * tools/readme_blocks.ts — every ```ts block of the README (or of the Markdown files named) is a
 * program: this tool extracts each one, writes it to a temporary directory, and type-checks and
 * runs it there with `deno run --check`, as a user who copied it into their own project would.
 *
 * A block imports palloc by its public names (`@palloc/palloc`, `@palloc/palloc/memstats`, …),
 * which resolve through the import map of the repository's deno.json (the config is passed with
 * `--config`); a relative import (`./mod.ts`) is refused, since it means nothing outside the
 * repository. A block must assert what it shows (`assert…` from `node:assert/strict` or
 * `console.assert`): a block with no assertion fails, and so does an "Assertion failed" line in
 * its output (console.assert does not throw). A block that is deliberately not a program (a shell
 * command, output, a fragment) uses another fence language (`sh`, `text`, none).
 *
 * The blocks run in an empty directory, except for the few input files a README block reads
 * (`server.log`, `a.log`: real PostgreSQL 18 dumps from `../shared/reference/`), copied in first.
 *
 * Run: deno run -A tools/readme_blocks.ts [FILE.md…]   (default README.md; ends "N passed, M failed")
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language (`ts`, `sh`, … or "" for none). */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
}

/** What running one block gave. */
export interface BlockResult {
  /** `FILE:LINE` of the block's opening fence. */
  name: string;
  /** True when the block type-checked, ran to exit 0 and asserted without a failure. */
  ok: boolean;
  /** Why it failed (the end of its output), or "". */
  detail: string;
}

/** Input files the README's blocks read, copied into the blocks' directory before they run. */
export const INPUT_FILES: Readonly<Record<string, string>> = {
  "server.log": "../shared/reference/pg18/05-hash-cursor.log",
  "a.log": "../shared/reference/pg18/03-cursor-sort.log",
};

/** Every fenced block of a Markdown text (``` or ~~~ fences, any length of three or more). */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (open === null) continue;
    const fence = open[1];
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j])) body.push(lines[j++]);
    out.push({ file, line: i + 1, lang: open[2].toLowerCase(), code: body.join("\n") + "\n" });
    i = j;
  }
  return out;
}

/** The blocks that are programs: fence language `ts` or `typescript`. */
export function programBlocks(blocks: CodeBlock[]): CodeBlock[] {
  return blocks.filter((b) => b.lang === "ts" || b.lang === "typescript");
}

/**
 * Refusals found by reading a block, before running it: relative imports, and no assertion.
 * Returns the reasons, empty when there is none.
 */
export function staticProblems(code: string): string[] {
  const problems: string[] = [];
  for (const m of code.matchAll(/\bfrom\s*["'](\.{1,2}\/[^"']*)["']|import\(\s*["'](\.[^"']*)/g)) {
    problems.push(
      `imports "${m[1] ?? m[2]}" by a relative path; import the public name (@palloc/palloc…)`,
    );
  }
  if (!/\b(console\.)?assert(\.\w+|\w*)\s*\(/.test(code)) {
    problems.push("asserts nothing: a README program must check what it shows");
  }
  return problems;
}

const decoder = new TextDecoder();
/** Terminal colour codes, stripped from a failing block's output. */
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

/**
 * Type-checks and runs each program block of `files` (relative to the repository root, or
 * absolute) in a fresh temporary directory.
 */
export async function runBlocks(files: string[] = ["README.md"]): Promise<BlockResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "palloc-readme-" });
  const results: BlockResult[] = [];
  try {
    for (const [name, from] of Object.entries(INPUT_FILES)) {
      await Deno.copyFile(root + from, `${dir}/${name}`);
    }
    for (const file of files) {
      const path = file.startsWith("/") ? file : root + file;
      const blocks = programBlocks(codeBlocks(file, await Deno.readTextFile(path)));
      for (const block of blocks) results.push(await runBlock(block, dir));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return results;
}

async function runBlock(block: CodeBlock, dir: string): Promise<BlockResult> {
  const name = `${block.file}:${block.line}`;
  const problems = staticProblems(block.code);
  if (problems.length > 0) return { name, ok: false, detail: problems.join("\n") };
  const base = block.file.slice(block.file.lastIndexOf("/") + 1).replace(/[^\w.-]/g, "_");
  const program = `${dir}/${base}_L${block.line}.ts`;
  await Deno.writeTextFile(program, block.code);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--check", "-A", "--config", `${root}deno.json`, program],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
  }).output();
  const out = (decoder.decode(stdout) + decoder.decode(stderr)).replace(ANSI, "");
  const asserted = out.split("\n").filter((l) => l.includes("Assertion failed"));
  const ok = code === 0 && asserted.length === 0;
  return { name, ok, detail: ok ? "" : [...asserted, out.slice(-3000)].join("\n") };
}

if (import.meta.main) {
  const files = Deno.args.length > 0 ? Deno.args : ["README.md"];
  const results = await runBlocks(files);
  for (const r of results) {
    console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}`);
    if (!r.ok) console.log(r.detail.replace(/^/gm, "     "));
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  Deno.exit(failed > 0 ? 1 : 0);
}
