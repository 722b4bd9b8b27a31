/**
 * Builds the explorer — one self-contained HTML file (palloc bundled with the
 * page's modules, the style sheet and the scenario traces inlined; no
 * external script, font or request) — and serves it on 127.0.0.1.
 *
 * Run: deno task explorer            → writes test-output/explorer/index.html, serves it, prints the URL
 *      deno task explorer --no-serve → writes the file only (it opens from disk as well)
 *      deno task explorer --port 8080
 */
import { buildBundle, writeAtomically } from "./build_bundle.ts";

const root = new URL("..", import.meta.url).pathname;

/** Where the page is written. */
export const EXPLORER_DIR: string = root + "test-output/explorer";

/** The scenarios, in the order the page lists them (file names under explorer/scenarios/). */
export const SCENARIO_ORDER: readonly string[] = [
  "backend",
  "aset",
  "generation",
  "slab",
  "bump",
  "aligned",
  "fifo",
];

/** One scenario as the page embeds it. */
export interface ScenarioFile {
  /** File name without `.trace`. */
  id: string;
  /** Its `#! title`. */
  title: string;
  /** The trace text. */
  text: string;
}

/** Reads the scenario traces (every `explorer/scenarios/*.trace`, known ones first). */
export async function readScenarios(): Promise<ScenarioFile[]> {
  const dir = root + "explorer/scenarios/";
  const ids: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".trace")) ids.push(e.name.slice(0, -6));
  }
  ids.sort((a, b) => {
    const ia = SCENARIO_ORDER.indexOf(a), ib = SCENARIO_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const out: ScenarioFile[] = [];
  for (const id of ids) {
    const text = await Deno.readTextFile(dir + id + ".trace");
    const title = /^#!\s*title\s+(.*)$/m.exec(text)?.[1] ?? id;
    out.push({ id, title, text });
  }
  return out;
}

/** Text safe inside a `<script>` element. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** Builds the page; returns the path of the HTML file. */
export async function buildExplorer(outDir: string = EXPLORER_DIR): Promise<string> {
  await Deno.mkdir(outDir, { recursive: true });
  const bundle = await buildBundle("explorer/page.ts", `${outDir}/page.mjs`);
  const script = await Deno.readTextFile(bundle);
  const css = await Deno.readTextFile(root + "explorer/style.css");
  const template = await Deno.readTextFile(root + "explorer/index.html");
  const scenarios = JSON.stringify(await readScenarios()).replace(/</g, "\\u003c");
  const fill = (t: string, mark: string, value: string) => {
    const parts = t.split(mark);
    if (parts.length !== 2) throw new Error(`explorer/index.html must hold ${mark} exactly once`);
    return parts[0] + value + parts[1];
  };
  let html = fill(template, "/*STYLE*/", css.replace(/<\/style/gi, "<\\/style"));
  html = fill(html, "/*SCENARIOS*/", scenarios);
  html = fill(html, "/*SCRIPT*/", scriptSafe(script));
  const out = `${outDir}/index.html`;
  await writeAtomically(out, html);
  return out;
}

/** Serves `dir/index.html` on 127.0.0.1:`port` (0: any free port); returns the server. */
export function serveExplorer(file: string, port: number): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/" && path !== "/index.html") return new Response("not found", { status: 404 });
    return new Response(await Deno.readFile(file), {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  });
}

if (import.meta.main) {
  const args = Deno.args;
  const file = await buildExplorer();
  const { size } = await Deno.stat(file);
  console.log(
    `${file.slice(root.length)}: ${size} bytes, one self-contained file (open it from disk too)`,
  );
  if (!args.includes("--no-serve")) {
    const i = args.indexOf("--port");
    const port = i >= 0 ? Number(args[i + 1]) : 8019;
    const server = serveExplorer(file, port);
    console.log(`explorer: http://127.0.0.1:${server.addr.port}/  (Ctrl-C to stop)`);
    await server.finished;
  }
}
