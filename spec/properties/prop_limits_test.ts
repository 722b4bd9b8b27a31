/**
 * Property "limits": memory limits refuse blocks past them, in their subtree only.
 * See `src/testing/runner.ts` for its command mix and size, `src/testing/checks.ts` for
 * what is checked after every command (`checkLimits` for the limit rule).
 */
import { PROPERTIES, testProperty } from "./properties.ts";

Deno.test(
  "property: a memory limit refuses blocks past it, in its subtree only",
  testProperty(PROPERTIES.limits),
);
