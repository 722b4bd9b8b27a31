/**
 * Property "counters": the counters keep their identities.
 * See `runner_test.ts` for its command mix and size, `checks_test.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./runner_test.ts";

Deno.test("property: the counters keep their identities", testProperty(PROPERTIES.counters));
