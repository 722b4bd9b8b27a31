/**
 * Property "refusals": the model's refusals are exactly palloc's typed errors.
 * See `runner_test.ts` for its command mix and size, `checks_test.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./runner_test.ts";

Deno.test(
  "property: the model's refusals are exactly palloc's typed errors",
  testProperty(PROPERTIES.refusals),
);
