/**
 * Tests of `tools/readme_blocks.ts`, the runner that makes every README code block a program:
 * it finds the blocks and their lines, refuses relative imports and blocks that assert nothing,
 * and fails a block that does not type-check, throws, or fails a console.assert — while a good
 * block that imports palloc by its public names passes.
 */
import assert from "node:assert/strict";
import { codeBlocks, programBlocks, runBlocks, staticProblems } from "../../tools/readme_blocks.ts";

const FENCE = "```";

Deno.test("codeBlocks finds every fence with its language and line; programBlocks keeps ts", () => {
  const md = [
    "# title",
    `${FENCE}sh`,
    "deno task test",
    FENCE,
    "",
    `${FENCE}ts`,
    "const a = 1;",
    `${FENCE}${FENCE}`, // a longer fence closes a shorter one
    `~~~typescript`,
    "const b = 2;",
    "~~~",
    FENCE,
    "plain output",
    FENCE,
  ].join("\n");
  const blocks = codeBlocks("x.md", md);
  assert.deepEqual(blocks.map((b) => [b.line, b.lang]), [[2, "sh"], [6, "ts"], [9, "typescript"], [
    12,
    "",
  ]]);
  assert.equal(blocks[1].code, "const a = 1;\n");
  assert.deepEqual(programBlocks(blocks).map((b) => b.line), [6, 9]);
});

Deno.test("staticProblems refuses relative imports and blocks without an assertion", () => {
  assert.deepEqual(
    staticProblems(`import { palloc } from "@palloc/palloc";\nconsole.assert(palloc);\n`),
    [],
  );
  assert.deepEqual(staticProblems(`import assert from "node:assert/strict";\nassert.ok(1);\n`), []);
  const relative = staticProblems(`import { palloc } from "./mod.ts";\nconsole.assert(1);\n`);
  assert.equal(relative.length, 1);
  assert.match(relative[0], /"\.\/mod\.ts" by a relative path/);
  const silent = staticProblems(`import assert from "node:assert/strict";\nconsole.log(assert);\n`);
  assert.equal(silent.length, 1);
  assert.match(silent[0], /asserts nothing/);
});

Deno.test("runBlocks passes a good block and fails type errors, throws and console.assert", async () => {
  const dir = await Deno.makeTempDir({ prefix: "palloc-blocks-test-" });
  try {
    const block = (code: string) => `${FENCE}ts\n${code}\n${FENCE}\n`;
    const md = [
      block(
        `import { Context } from "@palloc/palloc";\nconst top = Context.init();\n` +
          `console.assert(top.name === "TopMemoryContext");`,
      ),
      block(`const n: number = "one";\nconsole.assert(n !== undefined);`),
      block(`import assert from "node:assert/strict";\nassert.equal(1 + 1, 3);`),
      block(`console.assert(1 + 1 === 3, "arithmetic");`),
    ].join("\n");
    await Deno.writeTextFile(`${dir}/blocks.md`, md);
    const results = await runBlocks([`${dir}/blocks.md`]);
    assert.deepEqual(results.map((r) => r.ok), [true, false, false, false]);
    assert.match(results[1].detail, /TS2322/);
    assert.match(results[2].detail, /AssertionError/);
    assert.match(results[3].detail, /Assertion failed: arithmetic/);
    assert.deepEqual(
      results.map((r) => r.name),
      md.split("\n").flatMap((l, i) => l === `${FENCE}ts` ? [`${dir}/blocks.md:${i + 1}`] : []),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
