/**
 * Property "counters": the counters keep their identities.
 * See `src/testing/runner.ts` for its command mix and size, `src/testing/checks.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./properties.ts";

Deno.test("property: the counters keep their identities", testProperty(PROPERTIES.counters));
