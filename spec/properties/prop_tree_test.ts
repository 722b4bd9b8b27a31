/**
 * Property "tree": reset and delete free exactly their subtree; TopMemoryContext stays the root.
 * See `runner_test.ts` for its command mix and size, `checks_test.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./runner_test.ts";

Deno.test(
  "property: reset and delete free exactly their subtree; TopMemoryContext stays the root",
  testProperty(PROPERTIES.tree),
);
