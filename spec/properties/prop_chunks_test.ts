/**
 * Property "chunks": live chunks keep their bytes, never overlap and agree with the model.
 * See `src/testing/runner.ts` for its command mix and size, `src/testing/checks.ts` for
 * what is checked after every command.
 */
import { PROPERTIES, testProperty } from "./properties.ts";

Deno.test(
  "property: live chunks keep their bytes, never overlap and agree with the model",
  testProperty(PROPERTIES.chunks),
);
