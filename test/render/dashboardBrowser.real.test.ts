// The dashboards in Debian's Chromium against a real Prometheus and Alertmanager on 127.0.0.1 (real-tools tier; a missing
// program fails, never skips). Prometheus holds synthetic series for two clusters backfilled with promtool; a small
// Node server serves the bundle and proxies the API paths nginx proxies (render/nginx.ts API_PROXIES); and the real
// nginx checks the rendered site with the same proxies. Every process started here is ended by its PID.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../config/load";
import type { Model } from "../../config/model";
import { DASHBOARD_PATH, dashboardBundle, renderFleetJson } from "../../render/dashboard";
import { API_PROXIES, renderFrontPage, renderNginxSite } from "../../render/nginx";
import { CHROMIUM, DashboardBrowser } from "../helpers/browser";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";

const PROGRAMS = { prometheus: "/usr/bin/prometheus", promtool: "/usr/bin/promtool", alertmanager: "/usr/bin/prometheus-alertmanager", nginx: "/usr/sbin/nginx", chromium: CHROMIUM };

/** pg-test as in the SOP plus pg-meta with two members: two clusters for the overview. */
function twoClusters(): Model {
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { hosts?: Record<string, unknown> }> };
  raw.clusters["pg-meta"] = {
    hosts: { "10.10.10.21": { pg_seq: 1, pg_role: "primary" }, "10.10.10.22": { pg_seq: 2, pg_role: "replica" } },
    vars: { pg_cluster: "pg-meta", vip_mode: "none" },
  } as { hosts: Record<string, unknown> };
  return loadInventory(pinHostKeys(raw)).model;
}

/** The synthetic fleet: pg-test is led by pg-test-2 (not its configured primary) and pg-test-3's Postgres is down. */
const LEADERS: Record<string, string> = { "pg-test": "pg-test-2", "pg-meta": "pg-meta-1" };
const DOWN = new Set(["pg-test-3"]);

/** OpenMetrics text of 45 minutes of samples every 15 s, ending 15 minutes from now (so rate() has samples while the test runs). */
function syntheticSeries(model: Model): string {
  const step = 15;
  const end = Math.floor(Date.now() / 1000) + 15 * 60;
  const times: number[] = [];
  for (let t = end - 45 * 60; t <= end; t += step) times.push(t);
  const families = new Map<string, string[]>();
  const add = (metric: string, labels: Record<string, string>, value: (t: number, i: number) => number) => {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",");
    const lines = families.get(metric) ?? [];
    times.forEach((t, i) => lines.push(`${metric}{${l}} ${value(t, i)} ${t}`));
    families.set(metric, lines);
  };
  model.clusters.forEach((c, k) => {
    const leader = LEADERS[c.name];
    c.instances.forEach((m, n) => {
      const base = { job: "pgsql", cls: c.name, ins: m.name };
      const up = !DOWN.has(m.name);
      const tps = 40 + 25 * n + 30 * k;
      add("pg_up", { ...base, instance: `${m.ip}:9630` }, () => (up ? 1 : 0));
      add("node_filesystem_avail_bytes", { ...base, instance: `${m.ip}:9100`, mountpoint: "/", fstype: "ext4" }, () => (30 + 5 * n) * 2 ** 30);
      add("node_filesystem_size_bytes", { ...base, instance: `${m.ip}:9100`, mountpoint: "/", fstype: "ext4" }, () => 100 * 2 ** 30);
      add("haproxy_frontend_current_sessions", { ...base, instance: `${m.ip}:9101`, proxy: `${c.name}-primary` }, (_t, i) => 3 + n + (i % 4));
      if (!up) return;
      const pg = { ...base, instance: `${m.ip}:9630` };
      add("pg_in_recovery", pg, () => (m.name === leader ? 0 : 1));
      add("pg_stat_database_xact_commit", { ...pg, datname: "postgres" }, (_t, i) => tps * step * i);
      add("pg_stat_database_xact_rollback", { ...pg, datname: "postgres" }, (_t, i) => step * i);
      add("pg_stat_activity_count", { ...pg, datname: "postgres", state: "active" }, (_t, i) => 5 + n + (i % 3));
      add("pg_wal_position_bytes", pg, (_t, i) => 2 ** 24 * (n + 1) * i);
      if (m.name === leader) {
        for (const r of c.instances.filter((x) => x.name !== leader && !DOWN.has(x.name))) {
          add("pg_stat_replication_pg_wal_lsn_diff", { ...pg, application_name: r.name }, (_t, i) => 4096 * (1 + (i % 5)));
          add("pg_replica_replay_lag_seconds", { ...pg, application_name: r.name }, () => 0.5);
        }
      }
    });
  });
  add("pigsty_backup_last_success_timestamp_seconds", { job: "pgbackrest", cls: "pg-test", type: "full" }, () => end - 15 * 60 - 3 * 3600);
  return [...families].map(([metric, lines]) => [`# TYPE ${metric} gauge`, ...lines].join("\n")).join("\n") + "\n# EOF\n";
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts a program and records it, so afterAll ends it by its PID. */
const started: ChildProcess[] = [];
function start(program: string, args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, "a");
  const child = spawn(program, args, { stdio: ["ignore", out, out] });
  started.push(child);
  return child;
}
async function stopAll() {
  for (const c of started.splice(0)) {
    if (c.pid === undefined || c.exitCode !== null) continue;
    const exited = new Promise((r) => c.once("exit", r));
    process.kill(c.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (c.exitCode === null && c.signalCode === null) process.kill(c.pid, "SIGKILL");
  }
}

async function waitReady(url: string, what: string, log: string) {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready at ${url}; its log:\n${existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "(none)"}`);
}

/** Serves `root` and, like nginx's site, proxies the API paths (GET only, exact paths) to the services. */
function staticAndProxy(root: string, upstream: Record<"prometheus" | "alertmanager", number>): Server {
  const types: Record<string, string> = { html: "text/html", js: "application/javascript", css: "text/css", json: "application/json" };
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const proxy = API_PROXIES.find((p) => p.path === url.pathname);
    if (proxy) {
      if (req.method !== "GET") return void res.writeHead(403).end();
      const up = request({ host: "127.0.0.1", port: upstream[proxy.service], path: proxy.upstreamPath + url.search, method: "GET" }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.writeHead(502).end());
      return void up.end();
    }
    const path = join(root, url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname);
    if (!path.startsWith(root) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[path.split(".").pop() ?? ""] ?? "application/octet-stream" });
    res.end(readFileSync(path));
  });
}

/** Prometheus' answer to an instant query: one value per series, by the label asked. */
async function ask(port: number, expr: string, label: string): Promise<Record<string, number>> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return Object.fromEntries(body.data.result.map((s) => [s.metric[label], Number(s.value[1])]));
}

describe("the dashboards in Chromium, fed by a real Prometheus and Alertmanager", () => {
  const model = twoClusters();
  const dir = mkdtempSync(join(tmpdir(), "dashboards-"));
  // nginx's workers (nobody, when started by root) read the web root under it.
  chmodSync(dir, 0o755);
  const web = join(dir, "www");
  const ports = { prometheus: 0, alertmanager: 0, web: 0 };
  let server: Server;
  let browser: DashboardBrowser | undefined;

  beforeAll(async () => {
    for (const [name, path] of Object.entries(PROGRAMS)) if (!existsSync(path)) throw new Error(`real-tools tier: ${name} (${path}) is missing: apt-get install ${name === "promtool" ? "prometheus" : name}`);
    ports.prometheus = await freePort();
    ports.alertmanager = await freePort();
    // Prometheus with the backfilled blocks and nothing to scrape.
    writeFileSync(join(dir, "series.om"), syntheticSeries(model));
    const backfill = spawnSync(PROGRAMS.promtool, ["tsdb", "create-blocks-from", "openmetrics", join(dir, "series.om"), join(dir, "tsdb")], { encoding: "utf8" });
    if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.stderr}`);
    writeFileSync(join(dir, "prometheus.yml"), "global: { scrape_interval: 15s }\n");
    const promLog = join(dir, "prometheus.log");
    start(PROGRAMS.prometheus, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`], promLog);
    // Alertmanager alone (no cluster gossip), with one alert posted as Prometheus would post it.
    writeFileSync(join(dir, "alertmanager.yml"), "route: { receiver: none }\nreceivers: [{ name: none }]\n");
    const amLog = join(dir, "alertmanager.log");
    start(PROGRAMS.alertmanager, [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "am")}`, `--web.listen-address=127.0.0.1:${ports.alertmanager}`, "--cluster.listen-address="], amLog);
    await waitReady(`http://127.0.0.1:${ports.prometheus}/-/ready`, "Prometheus", promLog);
    await waitReady(`http://127.0.0.1:${ports.alertmanager}/-/ready`, "Alertmanager", amLog);
    const alert = { labels: { alertname: "PostgresDown", cls: "pg-test", ins: "pg-test-3", severity: "critical" }, annotations: { summary: "Postgres of pg-test-3 does not answer its exporter" } };
    const posted = await fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([alert]) });
    expect(posted.status).toBe(200);
    // The web root as the infra node holds it: the front page, the bundle and fleet.json.
    mkdirSync(join(web, "dashboard"), { recursive: true });
    writeFileSync(join(web, "index.html"), renderFrontPage(model));
    for (const f of dashboardBundle().files) writeFileSync(join(web, "dashboard", f.name), f.content);
    writeFileSync(join(web, "dashboard", "fleet.json"), renderFleetJson(model));
    server = staticAndProxy(web, ports);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    ports.web = (server.address() as AddressInfo).port;
    browser = await DashboardBrowser.launch(["127.0.0.1"]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the overview shows every cluster and member, and the leader and replica count Prometheus answers", async () => {
    const page = await (browser as DashboardBrowser).open(`http://127.0.0.1:${ports.web}${DASHBOARD_PATH}`);
    const shown = await page.waitUntil((p) => p.charts === 3 && p.rows["pg-test"]?.alerts === "1", 20_000);
    await page.screenshot("fleet-overview");
    expect(shown.status.state).toBe("ok");
    expect(Object.keys(shown.rows).sort()).toEqual(["pg-meta", "pg-test"]);
    for (const c of model.clusters) expect(shown.members[c.name]).toEqual(c.instances.map((i) => i.name));
    const leaders = await ask(ports.prometheus, "pg_in_recovery == 0", "cls");
    const leaderNames = await ask(ports.prometheus, "pg_in_recovery == 0", "ins");
    expect(Object.keys(leaders).sort()).toEqual(["pg-meta", "pg-test"]);
    const replicas = await ask(ports.prometheus, "count by (cls) (pg_in_recovery == 1)", "cls");
    for (const c of model.clusters) {
      expect(shown.rows[c.name].leader).toBe(Object.keys(leaderNames).find((n) => n.startsWith(`${c.name}-`)));
      expect(Number(shown.rows[c.name].replicas)).toBe(replicas[c.name]);
    }
    expect(shown.rows["pg-test"].leader).toBe("pg-test-2");
    expect(shown.rows["pg-test"].members).toMatch(/^2\/3 up/);
    expect([shown.rows["pg-test"].alerts, shown.rows["pg-meta"].alerts]).toEqual(["1", "0"]);
    const connections = await ask(ports.prometheus, "sum by (cls) (pg_stat_activity_count)", "cls");
    expect(Number(shown.rows["pg-meta"].connections)).toBe(connections["pg-meta"]);
    expect(shown.rows["pg-test"].backup).toMatch(/^3h \d+m ago$/);
    expect(shown.rows["pg-meta"].backup).toBe("none");
    // The page refreshes by itself.
    const next = await page.waitForRefresh(shown.refreshes, 10_000);
    expect(next.refreshes).toBeGreaterThan(shown.refreshes);
  }, 60_000);

  it("a cluster page shows every member with its role, the down one too, its values and its firing alert", async () => {
    const page = await (browser as DashboardBrowser).open(`http://127.0.0.1:${ports.web}${DASHBOARD_PATH}cluster.html?cls=pg-test`);
    const shown = await page.waitUntil((p) => p.charts === 6 && p.alerts.length > 0, 20_000);
    await page.screenshot("cluster-pg-test");
    expect(Object.keys(shown.rows)).toEqual(["pg-test-1", "pg-test-2", "pg-test-3"]);
    const inRecovery = await ask(ports.prometheus, 'pg_in_recovery{cls="pg-test"}', "ins");
    for (const [ins, v] of Object.entries(inRecovery)) expect(shown.rows[ins].role).toBe(v === 0 ? "primary" : "replica");
    expect(shown.rows["pg-test-3"].role).toBe("down");
    const tps = await ask(ports.prometheus, 'sum by (ins) (rate(pg_stat_database_xact_commit{cls="pg-test"}[1m]) + rate(pg_stat_database_xact_rollback{cls="pg-test"}[1m]))', "ins");
    expect(Number(shown.rows["pg-test-2"].tps)).toBeCloseTo(tps["pg-test-2"], 0);
    expect(shown.rows["pg-test-1"]["haproxy-sessions"]).toMatch(/^\d+$/);
    expect(shown.rows["pg-test-1"].disk).toBe("70.0 %");
    expect(shown.rows["pg-test-1"]["wal-rate"]).toMatch(/^1\.1 MiB\/s$/);
    expect(shown.rows["pg-test-1"]["replay-lag"]).toBe("0.5 s");
    expect(shown.alerts).toEqual(["PostgresDown"]);
  }, 60_000);

  it("nginx accepts the rendered site, and its proxies pass the pages' queries and refuse anything else", async () => {
    const port = await freePort();
    const testModel = { ...model, infra: { ...model.infra, nginxPort: port, prometheusPort: ports.prometheus, alertmanagerPort: ports.alertmanager } };
    const site = renderNginxSite(testModel).replace(`listen ${port} default_server;`, `listen 127.0.0.1:${port} default_server;`).split("/var/www/html").join(web);
    const nginxDir = join(dir, "nginx");
    mkdirSync(nginxDir, { recursive: true });
    writeFileSync(join(nginxDir, "site.conf"), site);
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${join(nginxDir, t)};`).join(" ");
    writeFileSync(
      join(nginxDir, "nginx.conf"),
      `daemon off; pid ${join(nginxDir, "nginx.pid")}; error_log ${join(nginxDir, "error.log")};\nevents {}\nhttp { include /etc/nginx/mime.types; access_log off; ${temp}\ninclude ${join(nginxDir, "site.conf")};\n}\n`,
    );
    const log = join(nginxDir, "stderr.log");
    start(PROGRAMS.nginx, ["-c", join(nginxDir, "nginx.conf"), "-p", nginxDir], log);
    await waitReady(`http://127.0.0.1:${port}/`, "nginx", join(nginxDir, "error.log"));
    const base = `http://127.0.0.1:${port}`;
    const q = await fetch(`${base}/prometheus/api/v1/query?query=${encodeURIComponent("count(pg_up)")}`);
    expect(((await q.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0].value[1]).toBe("5");
    const alerts = (await (await fetch(`${base}/alertmanager/api/v2/alerts?active=true`)).json()) as { labels: Record<string, string> }[];
    expect(alerts.map((a) => a.labels.alertname)).toEqual(["PostgresDown"]);
    expect((await fetch(`${base}/alertmanager/api/v2/alerts`, { method: "POST", body: "[]" })).status).toBe(403);
    expect((await fetch(`${base}/prometheus/api/v1/admin/tsdb/snapshot`, { method: "GET" })).status).toBe(404);
    expect((await fetch(`${base}/prometheus/-/quit`)).status).toBe(404);
    expect(await (await fetch(`${base}/dashboard/fleet.json`)).json()).toEqual(JSON.parse(renderFleetJson(model)));
  }, 60_000);
});
