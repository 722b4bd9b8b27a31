/**
 * Counterexamples the properties once found, kept as fixed command lists
 * and replayed on every run (seeds and paths stop replaying as soon as a
 * generator changes; a command list does not). Each entry names what it
 * caught.
 */
import fc from "fast-check";
import type { Base } from "../../src/testing/commands.ts";
import { AllocCmd, CreateCmd } from "../../src/testing/commands.ts";
import { LifetimeCmd } from "../../src/testing/commands_tree.ts";
import { World } from "../../src/testing/world.ts";

const SMALL_ASET = { kind: "aset", minContextSize: 0, initBlockSize: 1024, maxBlockSize: 8192 };

const REGRESSIONS: Array<[string, Base[]]> = [
  [
    // Found by property "counters": GenerationDelete gave its header block back to the heap
    // and then cleared the header's registry word, writing into freed memory (the heap's
    // free-list link); MemoryContextReset of the parent left the heap corrupt.
    "deleting a Generation context does not write into memory it gave back",
    [
      new CreateCmd(0, { ...SMALL_ASET, kind: "aset" }),
      new CreateCmd(13751, {
        kind: "generation",
        minContextSize: 0,
        initBlockSize: 1024,
        maxBlockSize: 8 << 20,
      }),
      new CreateCmd(24958, { kind: "slab", blockSize: 1024, chunkSize: 0 }),
      new CreateCmd(18477, { kind: "slab", blockSize: 65536, chunkSize: 0 }),
      new AllocCmd(16835, 0, "alloc", 0, true),
      new CreateCmd(0, { ...SMALL_ASET, kind: "aset" }),
      new AllocCmd(42759, 32705, "alloc"),
      new CreateCmd(0, { ...SMALL_ASET, kind: "aset" }),
      new LifetimeCmd(799, "reset"),
    ],
  ],
];

for (const [name, commands] of REGRESSIONS) {
  Deno.test(`regression: ${name}`, () => {
    fc.modelRun(() => ({ model: World.model(), real: new World() }), commands);
  });
}
