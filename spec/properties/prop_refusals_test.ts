/**
 * Property "refusals": the model's refusals are exactly palloc's typed errors.
 * See `src/testing/runner.ts` for its command mix and size, `src/testing/checks.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./properties.ts";

Deno.test(
  "property: the model's refusals are exactly palloc's typed errors",
  testProperty(PROPERTIES.refusals),
);
