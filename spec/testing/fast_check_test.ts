/**
 * The kit's description of fast-check (`src/testing/fast_check.ts`) must
 * accept fast-check's real module: this file only type-checks that
 * assignment and runs one tiny property through it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FastCheck } from "../../src/testing/fast_check.ts";

Deno.test("fast-check's default export is a FastCheck", () => {
  const kit: FastCheck = fc;
  const details = kit.check(kit.property(kit.nat({ max: 10 }), (n) => assert.ok(n <= 10)), {
    numRuns: 20,
  });
  assert.equal(details.failed, false);
});

Deno.test("the kit's FastCheck builds tuples and weighted choices with fast-check", () => {
  const kit: FastCheck = fc;
  const arb = kit.oneof(
    { arbitrary: kit.tuple(kit.nat({ max: 3 }), kit.boolean(), kit.constant("x")), weight: 2 },
    { arbitrary: kit.constantFrom<[number, boolean, string]>([9, true, "y"]), weight: 1 },
  );
  const details = kit.check(
    kit.property(arb, ([n, , s]) => assert.ok((n <= 3 && s === "x") || (n === 9 && s === "y"))),
    { numRuns: 50 },
  );
  assert.equal(details.failed, false);
});
