/**
 * Property "oom": an exhausted heap fails requests, and ErrorContext's reserve holds.
 * See `src/testing/runner.ts` for its command mix and size, `src/testing/checks.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./properties.ts";

Deno.test(
  "property: an exhausted heap fails requests, and ErrorContext's reserve holds",
  testProperty(PROPERTIES.oom),
);
