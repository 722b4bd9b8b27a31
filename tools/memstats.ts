/**
 * tools/memstats.ts — `deno task memstats`: starts the published memstats command
 * (`src/memstats/cli.ts`, the package's `./memstats/cli` entry). Kept so the task and old
 * scripts keep working; all the logic is in the entry.
 *
 * @module
 */

export { main } from "../src/memstats/cli.ts";
export type { Io } from "../src/memstats/cli.ts";
import { main } from "../src/memstats/cli.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
