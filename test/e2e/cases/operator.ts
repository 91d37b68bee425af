// The operator tool against the deployed dev inventory: list, switchover, failover, restart, pause/resume, reinit,
// history, alerts reaching a webhook, and the dashboards in a real browser. No committed row may be lost.
// The cases leave pg-test-1 leading, as they found it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ALERTS } from "../../../render/alertDefinitions";
import { DASHBOARD_PATH, DASHBOARD_REFRESH_SECONDS } from "../../../render/dashboard";
import { DashboardBrowser, type ShownPage } from "../../helpers/browser";
import { alertmanagerAlerts, promQuery, webhookListener, within } from "../helpers/alerts";
import { curlPatroni, patroniList, psqlLocal, settled, sleep, waitMembers, missingRows, writeRow } from "../helpers/cluster";
import { E2E_STACK, plan, setInventory } from "../helpers/engine";
import { pg } from "../helpers/operator";
import { apply, type Deployment } from "../helpers/scenario";
import { REPO_ROOT, sshOk, sshRun } from "../helpers/sandbox";

const all = ["pg-test-1", "pg-test-2", "pg-test-3"];
const ips = ["10.10.10.11", "10.10.10.12", "10.10.10.13"];
const rows: string[] = [];

/** Prometheus' answer on the infra node: the members of pg-test that are primaries (pg_in_recovery 0). */
async function prometheusLeaders(): Promise<string[]> {
  const out = await sshOk("meta", `curl -fsS 'http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent('pg_in_recovery{cls="pg-test"} == 0')}'`);
  return (JSON.parse(out).data.result as { metric: { ins: string } }[]).map((r) => r.metric.ins).sort();
}

/** The dashboards' view of pg-test: the overview's leader and the cluster page's role per member. */
const overviewLeader = (p: ShownPage) => p.rows["pg-test"]?.leader;
const primaries = (p: ShownPage) => Object.keys(p.rows).filter((m) => p.rows[m].role === "primary");

async function noRowLost() {
  for (const ip of ips) expect({ ip, missing: await missingRows(ip, 5432, rows) }).toEqual({ ip, missing: [] });
}

async function write(label: string) {
  const token = `${label}-${Date.now()}`;
  await writeRow(token);
  rows.push(token);
}

/** Prometheus' scrape and evaluation interval (render/prometheus.ts). */
const SCRAPE_SECONDS = 10;
const seconds = (d: string) => Number(/^(\d+)([sm])$/.exec(d)![1]) * (d.endsWith("m") ? 60 : 1);

/** The operator tool's cases on `deployment()`: the dev inventory, deployed, pg-test-1 leading. */
export function operatorCases(deployment: () => Deployment): void {
  let d: Deployment;
  beforeAll(async () => {
    d = deployment();
    await waitMembers(settled(all));
  }, 300_000);

  it("lists members and each HAProxy's view, as JSON for scripts", async () => {
    const r = await pg("list", "pg-test", "--json");
    expect(r.code).toBe(0);
    const [c] = JSON.parse(r.stdout);
    expect(c.members.map((m: { name: string }) => m.name).sort()).toEqual(all);
    expect(c.members.filter((m: { role: string }) => m.role === "leader").map((m: { name: string }) => m.name)).toEqual(["pg-test-1"]);
    expect(c.haproxy).toHaveLength(3);
    const primaryService = c.haproxy[0].servers.filter((s: { service: string; status: string }) => s.service === "pg-test-primary");
    expect(primaryService.filter((s: { status: string }) => s.status === "UP").map((s: { server: string }) => s.server)).toEqual(["pg-test-1"]);
    const text = await pg("list");
    expect(text.stdout).toContain("| pg-test-1 | 10.10.10.11 | Leader");
  }, 120_000);

  it("scrapes Patroni's /metrics, probes pgbouncer and sees the overlay filesystem holding /pg, labelled cls/ins", async () => {
    const labelled = (series: Record<string, string>[]) => series.map((m) => `${m.cls}/${m.ins}`).sort();
    const members = all.map((i) => `pg-test/${i}`);
    const leader = await within(60, "Patroni's metrics", async () => {
      const s = await promQuery('patroni_primary{cls="pg-test"}');
      return s.length === 3 && s;
    });
    expect(labelled(leader.value)).toEqual(members);
    expect(labelled(await promQuery('probe_success{job="pgbouncer",cls="pg-test"} == 1'))).toEqual(members);
    expect(labelled(await promQuery('node_filesystem_avail_bytes{cls="pg-test",mountpoint="/",fstype="overlay"}'))).toEqual(members);
  }, 120_000);

  it("tells a webhook that a replica is missing while its Patroni is stopped, and that it resolved after the restart", async () => {
    const rule = ALERTS.find((a) => a.alert === "PostgresReplicaMissing")!;
    const hook = await webhookListener();
    try {
      const applied = await apply(d, "alert receiver", (inv) => {
        Object.assign((inv as unknown as { infra: Record<string, unknown> }).infra, {
          alertmanager_webhook_url: hook.url,
          alertmanager_group_wait: "5s",
          alertmanager_group_interval: "10s",
          alertmanager_repeat_interval: "1h",
        });
      }, true);
      expect(Object.keys(applied.planned)).toEqual(["meta-monitoring"]);
      // The URL is a secret: never in the checkpoint on disk in plain text (the Automation API's export decrypts).
      const onDisk = readFileSync(join(REPO_ROOT, ".state", ".pulumi", "stacks", "pigsty", `${E2E_STACK}.json`), "utf8");
      expect(onDisk).not.toContain(hook.url.split("/")[2]);
      const missing = async () => (await alertmanagerAlerts("pg-test")).find((a) => a.alert === rule.alert && a.state === "active");
      expect(await missing()).toBeUndefined();
      const told = (status: string) => hook.received.find((n) => n.status === status && n.alerts.some((a) => a.labels.alertname === rule.alert && a.labels.cls === "pg-test" && a.status === status));

      await sshRun("pg-test-3", "sudo systemctl stop patroni");
      const stopped = Date.now();
      const after = (t: number) => ((t - stopped) / 1000).toFixed(1);
      // The worst case: the next scrape sees Postgres down, the next evaluation starts the rule pending, and it fires
      // at the first evaluation `for` later (scrapes and evaluations every 10 s). Prometheus sends at that evaluation;
      // 10 s more for that send and this poll on a loaded machine (85 s in all was exceeded once, at 70.9-76.8 s before).
      const limit = seconds(rule.for) + 3 * SCRAPE_SECONDS;
      const fired = await within(limit + 10, `${rule.alert} firing in Alertmanager`, missing);
      const listed = await pg("alerts", "pg-test");
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`\\| ${rule.alert} +\\| warning +\\| pg-test +\\| +\\| active `));
      const hooked = await within(30, "the webhook told of it", async () => told("firing"));

      await sshRun("pg-test-3", "sudo systemctl start patroni");
      const restarted = Date.now();
      await waitMembers(settled(all), 120);
      await within(90, `${rule.alert} resolved in Alertmanager`, async () => !(await missing()));
      const resolvedAt = Date.now();
      const hookedResolved = await within(60, "the webhook told it resolved", async () => told("resolved"));
      process.stdout.write(
        `${rule.alert} (for ${rule.for}, scrape ${SCRAPE_SECONDS}s), seconds after Patroni stopped on pg-test-3: firing in Alertmanager ${after(stopped + fired.seconds * 1000)} ` +
          `(limit ${limit}), at the webhook ${after(hooked.value.at)}; Patroni started again ${after(restarted)}; resolved in Alertmanager ${after(resolvedAt)}, ` +
          `at the webhook ${after(hookedResolved.value.at)}\n`,
      );
    } finally {
      await sshRun("pg-test-3", "sudo systemctl start patroni");
      await hook.close();
    }
  }, 240_000);

  it("refuses a bad receiver URL and a threshold of the wrong type at preview, naming the keys, never showing the URL", async () => {
    const inventory = JSON.parse(JSON.stringify(d.inventory));
    inventory.infra.alertmanager_webhook_url = "ftp://hooks.example.org/T0KEN";
    inventory.vars = { ...inventory.vars, alert_fs_usage_ratio: "high" };
    await setInventory(d.stack, inventory, true);
    try {
      const refused = await plan(d.stack).then(() => "", (e: Error) => e.message);
      expect(refused).toContain("infra.alertmanager_webhook_url: the given value (hidden, a secret) is not an http:// or https:// URL");
      expect(refused).toContain('vars.alert_fs_usage_ratio: "high" is not a number. Write a number.');
      expect(refused).not.toContain("T0KEN");
    } finally {
      await setInventory(d.stack, d.inventory, true);
    }
    expect(await plan(d.stack)).toEqual({});
  }, 120_000);

  it("switches over with --candidate and says what to change in config", async () => {
    await write("before-switchover");
    const r = await pg("switchover", "pg-test", "--candidate", "pg-test-2", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pg-test: pg-test-2 leads now. config still names pg-test-1 as primary. To keep pg-test-2, set pg_role: primary on 10.10.10.12");
    await waitMembers(settled(all), 120, "pg-test-2");
    await write("after-switchover");
    await noRowLost();
  }, 300_000);

  it("fails over to a named candidate, and back to the configured primary needs nothing in config", async () => {
    const r = await pg("failover", "pg-test", "--candidate", "pg-test-1", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pg-test: pg-test-1 leads now. config already names pg-test-1 as primary: nothing to change.");
    await waitMembers(settled(all), 120);
    await write("after-failover");
    await noRowLost();
  }, 300_000);

  it("refuses a disruptive action without a terminal unless --yes (exit 4)", async () => {
    const r = await pg("restart", "pg-test", "pg-test-3");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("pass --yes to run it from a script");
  }, 60_000);

  it("restarts only members with a pending restart, replicas first", async () => {
    await sshRun("pg-test-1", "sudo -iu postgres patronictl -c /pg/bin/patroni.yml edit-config --force -p max_connections=360 pg-test >/dev/null");
    await waitMembers((ms) => ms.filter((m) => (m as { "Pending restart"?: string })["Pending restart"] === "*").length === 3, 60).catch(() => undefined);
    const r = await pg("restart", "pg-test", "--pending", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^restarted pg-test-(2|3), pg-test-(2|3), pg-test-1$/m);
    for (const n of all) expect(await psqlLocal(n, "SHOW max_connections")).toBe("360");
  }, 300_000);

  it("pauses and resumes Patroni", async () => {
    expect((await pg("pause", "pg-test", "--yes")).code).toBe(0);
    expect((await sshRun("pg-test-1", curlPatroni("/config"))).stdout).toContain('"pause": true');
    expect((await pg("resume", "pg-test")).code).toBe(0);
    expect((await sshRun("pg-test-1", curlPatroni("/config"))).stdout).not.toContain('"pause": true');
  }, 120_000);

  it("rebuilds a replica with reinit, with every row still there", async () => {
    await write("before-reinit");
    const r = await pg("reinit", "pg-test", "pg-test-3", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pg-test-3 rebuilt and running");
    await waitMembers(settled(all), 180);
    await noRowLost();
  }, 900_000);

  it("shows the timeline history and explains an unknown cluster or member (exit 3)", async () => {
    const h = await pg("history", "pg-test", "--json");
    expect(h.code).toBe(0);
    expect(JSON.parse(h.stdout).length).toBeGreaterThanOrEqual(2);
    const u = await pg("history", "pg-nope");
    expect(u.code).toBe(3);
    expect(u.stderr).toContain(`no cluster pg-nope in stack ${E2E_STACK} (clusters: pg-test)`);
    // Before Patroni is asked (it would answer "412: candidate name does not match with sync_standby").
    const m = await pg("switchover", "pg-test", "--candidate", "pg-test-9", "--yes");
    expect(m.code).toBe(3);
    expect(m.stderr).toContain(`error: pg-test has no member pg-test-9 in stack ${E2E_STACK} (members: ${all.join(", ")})`);
    expect((await patroniList()).length).toBe(3);
  }, 60_000);

  it("the dashboards show every member and the leader Prometheus knows, and the new leader within one refresh of a switchover", async () => {
    const browser = await DashboardBrowser.launch(["10.10.10.10"]);
    try {
      const overview = await browser.open(`http://10.10.10.10${DASHBOARD_PATH}`);
      const cluster = await browser.open(`http://10.10.10.10${DASHBOARD_PATH}cluster.html?cls=pg-test`);
      expect(await prometheusLeaders()).toEqual(["pg-test-1"]);
      // The cases before restart and rebuild members: wait until Prometheus sees every one up again, then the page.
      await within(60, "every member's Postgres up in Prometheus", async () => (await promQuery('pg_up{cls="pg-test"} == 1')).length === 3);
      const shown = (p: ShownPage) => overviewLeader(p) === "pg-test-1" && p.rows["pg-test"]?.members === `3/3 up: ${all.join("")}`;
      const before = await overview.waitUntil(shown, 3 * DASHBOARD_REFRESH_SECONDS * 1000);
      expect(before.members["pg-test"]).toEqual(all);
      expect(before.rows["pg-test"].members).toBe(`3/3 up: ${all.join("")}`);
      expect(Number(before.rows["pg-test"].replicas)).toBe(2);
      const everyRoleKnown = (p: ShownPage) => primaries(p).length === 1 && all.every((m) => ["primary", "replica"].includes(p.rows[m]?.role));
      const members = await cluster.waitUntil(everyRoleKnown, 3 * DASHBOARD_REFRESH_SECONDS * 1000);
      expect(Object.keys(members.rows)).toEqual(all);
      expect(primaries(members)).toEqual(await prometheusLeaders());
      expect(all.filter((m) => members.rows[m].role === "replica")).toEqual(["pg-test-2", "pg-test-3"]);
      await overview.screenshot("e2e-overview-before-switchover");
      await cluster.screenshot("e2e-pg-test-before-switchover");

      expect((await pg("switchover", "pg-test", "--candidate", "pg-test-2", "--yes")).code).toBe(0);
      // Prometheus learns it at its next scrape (10 s); from then on the pages must show it within one refresh.
      for (let i = 0; i < 30 && (await prometheusLeaders()).join() !== "pg-test-2"; i++) await sleep(1000);
      expect(await prometheusLeaders()).toEqual(["pg-test-2"]);
      const oneRefresh = DASHBOARD_REFRESH_SECONDS * 1000 + 2000; // the period, and the time one refresh takes
      await overview.waitUntil((p) => overviewLeader(p) === "pg-test-2", oneRefresh);
      await cluster.waitUntil((p) => primaries(p).join() === "pg-test-2", oneRefresh);
      // The old leader restarts as a replica: its Postgres is down for a scrape or two (the page says so), then back.
      const after = await cluster.waitUntil((p) => p.rows["pg-test-1"]?.role === "replica", 3 * DASHBOARD_REFRESH_SECONDS * 1000 + 20_000);
      expect(primaries(after)).toEqual(["pg-test-2"]);
      await overview.screenshot("e2e-overview-after-switchover");
      await cluster.screenshot("e2e-pg-test-after-switchover");
    } catch (e) {
      // One CI run failed here with a TypeError that had no stack: keep where it came from.
      throw new Error(`the dashboards case failed: ${(e as Error)?.stack ?? String(e)}`);
    } finally {
      await browser.close();
    }
    // Back to the configured primary, as every case here leaves it.
    expect((await pg("switchover", "pg-test", "--candidate", "pg-test-1", "--yes")).code).toBe(0);
    await waitMembers(settled(all), 60);
  }, 120_000);
}
