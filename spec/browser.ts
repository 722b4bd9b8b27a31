/**
 * The one DevTools-protocol driver of every browser test (the explorer's and
 * memstats' pages): finds and starts Debian's headless Chromium (the flags of
 * the developers' guide, a fresh profile), opens one page over Deno's own
 * WebSocket (no npm package), and records every network request, console
 * error and uncaught exception the page makes. Not a test file itself (no
 * `_test` suffix).
 *
 * A test skips only when Chromium is missing and CI is unset (`chromium`,
 * `inCi`); under CI a missing Chromium fails (tools/install-chromium.sh).
 */

/** Where Chromium is looked for. */
export const CHROMIUM_CANDIDATES = [
  Deno.env.get("CHROMIUM_PATH"),
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

/** The first Chromium found, or undefined. */
export function findChromium(): string | undefined {
  for (const c of CHROMIUM_CANDIDATES) {
    if (c === undefined || c === "") continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* not there */ }
  }
  return undefined;
}

/** The Chromium these tests use, if one is installed. */
export const chromium: string | undefined = findChromium();

/** True under CI, where a missing Chromium is a failure, not a skip. */
export const inCi: boolean = (Deno.env.get("CI") ?? "") !== "";

type Msg = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
};

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** One browser with one page. */
export class Browser {
  private next = 1;
  private pending = new Map<number, (m: Msg) => void>();
  private waiters: { method: string; resolve: (m: Msg) => void }[] = [];
  private sid = "";
  /** URLs of every request the page started. */
  readonly requests: string[] = [];
  /** Console errors, exceptions and error log entries. */
  readonly problems: string[] = [];

  private constructor(
    private ws: WebSocket,
    private child: Deno.ChildProcess,
    private drained: Promise<void>,
    private profile: string,
  ) {
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data as string) as Msg;
      if (m.id !== undefined) {
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
        return;
      }
      this.observe(m);
      this.waiters = this.waiters.filter((
        w,
      ) => (w.method === m.method ? (w.resolve(m), false) : true));
    };
  }

  private observe(m: Msg): void {
    const p = m.params ?? {};
    if (m.method === "Network.requestWillBeSent") {
      this.requests.push(String((p.request as { url: string }).url));
    } else if (m.method === "Runtime.exceptionThrown") {
      const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
      this.problems.push(`exception: ${d.exception?.description ?? d.text}`);
    } else if (
      m.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")
    ) {
      const args = (p.args as { value?: unknown; description?: string }[]) ?? [];
      this.problems.push(
        `console.${p.type}: ${args.map((a) => a.value ?? a.description).join(" ")}`,
      );
    } else if (m.method === "Log.entryAdded") {
      const e = p.entry as { level: string; text: string; url?: string };
      if (e.level === "error") this.problems.push(`log: ${e.text} ${e.url ?? ""}`);
    }
  }

  /** Starts Chromium and opens a blank page of `width` × `height` CSS pixels. */
  static async launch(path: string, width: number, height: number): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "explorer-chromium-" });
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
        `--window-size=${width},${height}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let url: string | undefined;
    while (url === undefined) {
      const { value, done } = await withTimeout(lines.read(), 20_000, "Chromium start");
      if (done) throw new Error(`Chromium exited early:\n${buffer.slice(-2000)}`);
      buffer += value;
      url = /DevTools listening on (ws:\/\/\S+)/.exec(buffer)?.[1];
    }
    const drained = (async () => {
      while (!(await lines.read()).done) { /* discard */ }
    })();
    const ws = new WebSocket(url);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("DevTools WebSocket failed"));
      }),
      10_000,
      "DevTools connect",
    );
    const b = new Browser(ws, child, drained, profile);
    const { result } = await b.send("Target.createTarget", { url: "about:blank" }, false);
    const att = await b.send(
      "Target.attachToTarget",
      { targetId: result!.targetId, flatten: true },
      false,
    );
    b.sid = att.result!.sessionId as string;
    for (const m of ["Runtime.enable", "Log.enable", "Page.enable", "Network.enable"]) {
      await b.send(m);
    }
    await b.resize(width, height);
    return b;
  }

  /** Sends one command (to the page's session unless `toPage` is false). */
  send(method: string, params: Record<string, unknown> = {}, toPage = true): Promise<Msg> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params, sessionId: toPage ? this.sid : undefined }));
    return withTimeout(
      new Promise((resolve, reject) => {
        this.pending.set(
          id,
          (m) => m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m),
        );
      }),
      30_000,
      method,
    );
  }

  /** Sets the viewport. */
  async resize(width: number, height: number): Promise<void> {
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
  }

  /** Navigates and waits for the load event. */
  async open(url: string): Promise<void> {
    const loaded = new Promise<Msg>((resolve) =>
      this.waiters.push({ method: "Page.loadEventFired", resolve })
    );
    await this.send("Page.navigate", { url });
    await withTimeout(loaded, 20_000, `load ${url}`);
  }

  /** Evaluates `expression` in the page and returns its value (promises awaited). */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const ex = r.result!.exceptionDetails as
      | { text: string; exception?: { description?: string } }
      | undefined;
    if (ex !== undefined) {
      throw new Error(`page: ${ex.exception?.description ?? ex.text}\n  in: ${expression}`);
    }
    return (r.result!.result as { value: T }).value;
  }

  /** Presses one key as a user would (keydown, char, keyup). */
  async key(key: string, code: string, keyCode: number, text?: string): Promise<void> {
    const base = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
    await this.send("Input.dispatchKeyEvent", {
      type: text ? "keyDown" : "rawKeyDown",
      ...base,
      text,
    });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", ...base });
  }

  /** Moves the mouse to (x, y). */
  async hover(x: number, y: number): Promise<void> {
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
  }

  /** A PNG of the viewport, of `clip` (page coordinates), or with `"full"` of the whole page. */
  async screenshot(
    clip?: { x: number; y: number; width: number; height: number } | "full",
  ): Promise<Uint8Array> {
    const r = await this.send("Page.captureScreenshot", {
      format: "png",
      ...(clip === "full"
        ? { captureBeyondViewport: true }
        : clip
        ? { clip: { ...clip, scale: 1 } }
        : {}),
    });
    const b64 = r.result!.data as string;
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  /** Stops Chromium and removes its profile. */
  async close(): Promise<void> {
    try {
      this.ws.close();
    } catch { /* closed */ }
    try {
      this.child.kill("SIGTERM");
    } catch { /* gone */ }
    await this.child.status;
    await this.drained;
    await Deno.remove(this.profile, { recursive: true }).catch(() => {});
  }
}
