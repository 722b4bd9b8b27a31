/**
 * Property "oom": an exhausted heap fails requests, and ErrorContext's reserve holds.
 * See `runner_test.ts` for its command mix and size, `checks_test.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./runner_test.ts";

Deno.test(
  "property: an exhausted heap fails requests, and ErrorContext's reserve holds",
  testProperty(PROPERTIES.oom),
);
