/**
 * The mutation list of `deno task mutate` (`tools/mutations.txt`) stays
 * applicable to the tree: every text to mutate occurs exactly once in its
 * file and every test it names exists. The source moves on under the list;
 * a mutation whose text no longer matches used to end `deno task mutate`
 * halfway (it stopped at `aligned-stale-redirect` after the aligned-chunk
 * redirect check moved into `AlignedAllocInsideUnaligned`), and nothing in
 * `deno task test` noticed.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { listProblems, parseList } from "../../tools/mutate.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const list = parseList(Deno.readTextFileSync(join(repo, "tools/mutations.txt")));

Deno.test("every mutation of tools/mutations.txt applies to the tree as it is", () => {
  assert.ok(list.length >= 30, `${list.length} mutations (issue 17 asks for at least 30)`);
  assert.deepEqual(listProblems(list, repo), []);
});

Deno.test("a mutation whose text moved, or whose test is gone, is reported", () => {
  const [first] = list;
  const stale = { ...first, id: "stale", search: first.search + " /* not in the file */" };
  const lost = { ...first, id: "lost", tests: ["spec/no_such_test.ts"] };
  const twice = { ...first, id: "twice", search: ";" };
  const problems = listProblems([stale, lost, twice, { ...first }, { ...first }], repo);
  assert.ok(
    problems.some((p) => p.startsWith("stale: the text to mutate is not in")),
    problems.join("\n"),
  );
  assert.ok(problems.includes("lost: no test spec/no_such_test.ts"), problems.join("\n"));
  assert.ok(problems.some((p) => p.startsWith("twice: the text to mutate occurs more than once")));
  assert.ok(problems.includes(`${first.id}: id used twice`));
});
