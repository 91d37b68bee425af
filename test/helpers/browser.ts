// Headless Chromium (Debian's package; puppeteer-core drives it and downloads nothing): opens a dashboard page, waits
// for its data, saves screenshots under test/screenshots/ and returns what the page shows, read from its DOM.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Where every browser test saves its screenshots (ignored by git; docs/monitoring.md names it). */
export const SCREENSHOT_DIR = join(__dirname, "..", "screenshots");

/** What a dashboard page shows. */
export interface ShownPage {
  /** body[data-refreshes]: how many refreshes completed. */
  refreshes: number;
  /** The status line and its state (loading, ok, error). */
  status: { state: string; text: string };
  /** Table rows by their data-cluster (overview) or data-member (cluster page): field -> the cell's text. */
  rows: Record<string, Record<string, string>>;
  /** On the overview: the members listed in each cluster's row. */
  members: Record<string, string[]>;
  /** Firing alerts listed on a cluster page (data-alert). */
  alerts: string[];
  /** uPlot charts drawn. */
  charts: number;
}

// Runs in the page (a string, so this file needs no DOM types): reads the tables the pages build (dashboard.js).
const READ_PAGE = `(() => {
  const text = (n) => (n ? n.textContent.trim() : "");
  const rows = {}, members = {};
  for (const tr of document.querySelectorAll("tr[data-cluster], tr[data-member]")) {
    const key = tr.getAttribute("data-cluster") || tr.getAttribute("data-member");
    rows[key] = {};
    for (const td of tr.querySelectorAll("td[data-field]")) rows[key][td.getAttribute("data-field")] = text(td);
    if (tr.hasAttribute("data-cluster")) members[key] = [...tr.querySelectorAll("[data-member]")].map((m) => m.getAttribute("data-member"));
  }
  const status = document.getElementById("status");
  return {
    refreshes: Number(document.body.getAttribute("data-refreshes") || 0),
    status: { state: status ? status.getAttribute("data-state") : "", text: text(status) },
    rows, members,
    alerts: [...document.querySelectorAll("[data-alert]")].map((a) => a.getAttribute("data-alert")).filter((a) => a),
    charts: document.querySelectorAll(".uplot").length,
  };
})()`;

export class DashboardPage {
  constructor(private readonly page: Page) {}

  async read(): Promise<ShownPage> {
    return (await this.page.evaluate(READ_PAGE)) as ShownPage;
  }

  /** Waits until the page has completed more than `after` refreshes (and so shows data), then reads it. */
  async waitForRefresh(after = 0, timeoutMs = 20_000): Promise<ShownPage> {
    try {
      await this.page.waitForFunction(`Number(document.body.getAttribute("data-refreshes") || 0) > ${after}`, { timeout: timeoutMs, polling: 100 });
    } catch (e) {
      const shown = await this.read();
      throw new Error(`the page completed no refresh after #${after} within ${timeoutMs} ms; its status: ${shown.status.state}: ${shown.status.text} (${(e as Error).message})`);
    }
    return this.read();
  }

  /** Reads the page after each refresh until `shows` holds; throws with the last reading when `timeoutMs` passes. */
  async waitUntil(shows: (p: ShownPage) => boolean, timeoutMs: number): Promise<ShownPage> {
    const deadline = Date.now() + timeoutMs;
    let shown = await this.read();
    while (!shows(shown)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the page did not show what was expected within ${timeoutMs} ms; it shows ${JSON.stringify(shown.rows)}`);
      shown = await this.waitForRefresh(shown.refreshes, left).catch(() => this.read());
    }
    return shown;
  }

  /** Saves a full-page PNG as test/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}

export class DashboardBrowser {
  private constructor(
    private readonly browser: Browser,
    readonly pid: number,
  ) {}

  /**
   * Starts Chromium headless. Only `allowedHosts` (IP addresses) are reached directly; any other request goes to a
   * proxy address where nothing listens and every host name resolves to nothing, and background services are off, so
   * the browser sends nothing beyond the pages under test.
   */
  static async launch(allowedHosts: string[]): Promise<DashboardBrowser> {
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      pipe: true,
      defaultViewport: { width: 1400, height: 900 },
      args: [
        "--no-sandbox", // root cannot use Chromium's sandbox
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--no-pings",
        "--disable-quic",
        "--media-router=0",
        "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
        "--proxy-server=http://127.0.0.1:9",
        `--proxy-bypass-list=${allowedHosts.join(";")}`,
        `--host-resolver-rules=MAP * ~NOTFOUND, ${allowedHosts.map((h) => `EXCLUDE ${h}`).join(", ")}`,
      ],
    });
    const pid = browser.process()?.pid;
    if (pid === undefined) throw new Error("Chromium started without a process id");
    return new DashboardBrowser(browser, pid);
  }

  /** Opens `url` and waits for the page's first refresh. */
  async open(url: string, timeoutMs = 20_000): Promise<DashboardPage> {
    const page = await this.browser.newPage();
    const response = await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
    if (!response?.ok()) throw new Error(`${url} answered HTTP ${response?.status()}`);
    const shown = new DashboardPage(page);
    await shown.waitForRefresh(0, timeoutMs);
    return shown;
  }

  /** Closes Chromium; if it has not exited 5 s later, ends its process by its PID. */
  async close(): Promise<void> {
    await Promise.race([this.browser.close(), new Promise((r) => setTimeout(r, 5_000))]);
    try {
      process.kill(this.pid, 0);
      process.kill(this.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
