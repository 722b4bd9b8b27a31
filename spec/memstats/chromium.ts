// Headless Chromium over the DevTools protocol (Deno's built-in WebSocket, no npm package),
// shared by the browser tests: find it, start it with the project's flags and a fresh profile,
// open a page at a given viewport size, evaluate expressions, take screenshots.

const CANDIDATES = [
  Deno.env.get("CHROMIUM_PATH"),
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

export function findChromium(): string | undefined {
  for (const c of CANDIDATES) {
    if (c === undefined || c === "") continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* not there */ }
  }
  return undefined;
}

export const chromium = findChromium();
export const inCi = (Deno.env.get("CI") ?? "") !== "";
if (chromium === undefined && !inCi) {
  console.warn(
    "browser_test: Chromium not found (tried /usr/bin/chromium and friends); skipping. " +
      "Run tools/install-chromium.sh to enable it.",
  );
}

type Msg = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
};

/** A minimal DevTools-protocol client over one WebSocket. */
export class Cdp {
  private next = 1;
  private pending = new Map<number, (m: Msg) => void>();
  private waiters: { method: string; resolve: (m: Msg) => void }[] = [];
  readonly events: Msg[] = [];
  private constructor(private ws: WebSocket) {
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data as string) as Msg;
      if (m.id !== undefined) {
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
        return;
      }
      this.events.push(m);
      this.waiters = this.waiters.filter((
        w,
      ) => (w.method === m.method ? (w.resolve(m), false) : true));
    };
  }
  static open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new Cdp(ws));
      ws.onerror = (e) =>
        reject(new Error(`DevTools WebSocket failed: ${(e as ErrorEvent).message}`));
    });
  }
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Msg> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => {
      this.pending.set(
        id,
        (m) => m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m),
      );
    });
  }
  waitFor(method: string): Promise<Msg> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.onclose = () => resolve();
      this.ws.close();
    });
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Starts Chromium with a DevTools port and returns its WebSocket URL and a stop function. */
export async function launch(path: string) {
  const profile = await Deno.makeTempDir({ prefix: "memstats-chromium-" });
  const child = new Deno.Command(path, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "--window-size=1600,1000",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Read stderr until the DevTools line, then keep draining it so Chromium never blocks.
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await withTimeout(lines.read(), 15_000, "Chromium start");
    if (done) throw new Error(`Chromium exited early:\n${buffer.slice(-2000)}`);
    buffer += value;
    url = /DevTools listening on (ws:\/\/\S+)/.exec(buffer)?.[1];
  }
  const drained = (async () => {
    while (!(await lines.read()).done) { /* discard */ }
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await drained;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  return { url, stop };
}

/** Opens `url` in a new tab at `width` x `height`; returns an evaluator and a screenshot taker. */
export async function openPage(cdp: Cdp, url: string, width: number, height: number) {
  const { result } = await cdp.send("Target.createTarget", { url: "about:blank" });
  const attached = await cdp.send("Target.attachToTarget", {
    targetId: result!.targetId,
    flatten: true,
  });
  const sid = attached.result!.sessionId as string;
  for (const m of ["Runtime.enable", "Log.enable", "Page.enable"]) await cdp.send(m, {}, sid);
  await cdp.send("Emulation.setDeviceMetricsOverride", {
    width,
    height,
    deviceScaleFactor: 1,
    mobile: false,
  }, sid);
  const loaded = cdp.waitFor("Page.loadEventFired");
  await cdp.send("Page.navigate", { url }, sid);
  await withTimeout(loaded, 10_000, "page load");
  const evaluate = async (expression: string) => {
    const r = await cdp.send("Runtime.evaluate", { expression, returnByValue: true }, sid);
    return (r.result!.result as { value: unknown }).value;
  };
  const screenshot = async (fullPage = false) => {
    const shot = await cdp.send(
      "Page.captureScreenshot",
      { format: "png", captureBeyondViewport: fullPage },
      sid,
    );
    return Uint8Array.from(atob(shot.result!.data as string), (c) => c.charCodeAt(0));
  };
  return { sid, evaluate, screenshot };
}
