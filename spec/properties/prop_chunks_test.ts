/**
 * Property "chunks": live chunks keep their bytes, never overlap and agree with the model.
 * See `runner_test.ts` for its command mix and size, `checks_test.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./runner_test.ts";

Deno.test(
  "property: live chunks keep their bytes, never overlap and agree with the model",
  testProperty(PROPERTIES.chunks),
);
