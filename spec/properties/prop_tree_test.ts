/**
 * Property "tree": reset and delete free exactly their subtree; TopMemoryContext stays the root.
 * See `src/testing/runner.ts` for its command mix and size, `src/testing/checks.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./properties.ts";

Deno.test(
  "property: reset and delete free exactly their subtree; TopMemoryContext stays the root",
  testProperty(PROPERTIES.tree),
);
