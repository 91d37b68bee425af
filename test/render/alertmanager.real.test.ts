// alertmanager.yml checked by the real amtool, then a real Alertmanager 0.25 on loopback with it: routing to the
// webhook, NodeDown's inhibition, and the `alerts` command's reading of its API (real-tools tier; a missing tool fails).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../config/load";
import type { Model } from "../../config/model";
import { alertRows, parseAlerts } from "../../operator/alerts";
import { renderAlertmanagerYml } from "../../render/alertmanager";
import { fillPlaceholders } from "../helpers/fillPlaceholders";
import { rawFixture } from "../helpers/inventoryFixtures";

const AMTOOL = "/usr/bin/amtool";
const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

type Infra = Record<string, unknown>;
function load(infra: Infra): { model: Model; secrets: Record<string, string | undefined> } {
  const raw = rawFixture("pg-test.stack.yaml") as { infra: Infra };
  raw.infra = { ...raw.infra, ...infra };
  return loadInventory(raw);
}

/** The rendered file with its placeholders filled from the inventory's secrets, as the host fills them. */
function filled(infra: Infra): string {
  const { model, secrets } = load(infra);
  return fillPlaceholders(renderAlertmanagerYml(model), secrets);
}

const EMAIL = { smarthost: "smtp.example.org:587", from: "pigsty@example.org", to: "dba@example.org, oncall@example.org", auth_username: "pigsty", auth_password: 'p"a\\ss: {w0rd} ü' };

describe("Alertmanager 0.25 with the rendered alertmanager.yml", () => {
  let dir: string;
  beforeAll(() => {
    for (const t of [AMTOOL, ALERTMANAGER]) if (!existsSync(t)) throw new Error(`real-tools tier: ${t} is missing: install prometheus-alertmanager`);
    dir = mkdtempSync(join(tmpdir(), "alertmanager-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const check = (text: string) => {
    const file = join(dir, "alertmanager.yml");
    writeFileSync(file, text);
    return spawnSync(AMTOOL, ["check-config", file], { encoding: "utf8", timeout: 30_000 });
  };

  test.each([
    ["no receiver (alerts are only listed)", {}],
    ["a webhook", { alertmanager_webhook_url: "https://hooks.example.org/alerts?token=a%22b&x=1" }],
    ["mail with SMTP auth and a hostile password", { alertmanager_email: EMAIL, alertmanager_group_wait: "5s", alertmanager_group_interval: "10s", alertmanager_repeat_interval: "1h" }],
    ["both, mail without auth or TLS", { alertmanager_webhook_url: "http://10.10.10.1:8080/", alertmanager_email: { ...EMAIL, auth_username: undefined, auth_password: undefined, require_tls: false } }],
  ])("amtool check-config accepts it with %s, placeholders filled", (_name, infra) => {
    const r = check(filled(infra as Infra));
    expect({ status: r.status, out: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS") });
  });

  test("the install check refuses a broken file (the previous one would stay)", () => {
    const text = filled({ alertmanager_webhook_url: "https://hooks.example.org/" }).replace("group_by:", "group_by: 7\n  nonsense:");
    expect(check(text).status).not.toBe(0);
  });

  describe("running on loopback", () => {
    let am: ChildProcess;
    let hook: Server;
    let apiPort: number;
    const received: { status: string; alerts: { status: string; labels: Record<string, string> }[] }[] = [];
    const api = `http://127.0.0.1`;

    beforeAll(async () => {
      hook = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          received.push(JSON.parse(body));
          res.end("ok");
        });
      });
      await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
      const hookPort = (hook.address() as AddressInfo).port;
      apiPort = await freePort();
      const file = join(dir, "running.yml");
      writeFileSync(file, filled({ alertmanager_webhook_url: `http://127.0.0.1:${hookPort}/hook`, alertmanager_group_wait: "1s", alertmanager_group_interval: "2s" }));
      am = spawn(ALERTMANAGER, [`--config.file=${file}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${apiPort}`, "--cluster.listen-address="], { stdio: "ignore" });
      await until(async () => (await fetch(`${api}:${apiPort}/-/ready`).catch(() => undefined))?.ok === true, "Alertmanager to be ready");
    }, 60_000);
    afterAll(async () => {
      // Alertmanager writes its state into the data directory as it stops: wait for its exit, or the outer
      // cleanup races that write (seen: ENOTEMPTY removing data/).
      if (am && am.exitCode === null && am.signalCode === null) {
        const exited = new Promise<void>((r) => am.once("exit", () => r()));
        am.kill("SIGTERM");
        const killLater = setTimeout(() => am.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killLater);
      }
      await new Promise<void>((r) => hook?.close(() => r()));
    }, 30_000);

    test("NodeDown silences its member's alerts only; the rest reach the webhook and the listing", async () => {
      const labels = [
        { alertname: "NodeDown", cls: "pg-test", ins: "pg-test-3", instance: "10.10.10.13:9100", job: "node", severity: "critical" },
        { alertname: "PatroniDown", cls: "pg-test", ins: "pg-test-3", severity: "critical" },
        { alertname: "PgbouncerDown", cls: "pg-test", ins: "pg-test-2", severity: "critical" },
        { alertname: "PostgresReplicaMissing", cls: "pg-test", severity: "warning" },
        { alertname: "EtcdMemberDown", instance: "10.10.10.10:2381", job: "etcd", severity: "critical" },
      ];
      const post = await fetch(`${api}:${apiPort}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(labels.map((l) => ({ labels: l, annotations: { summary: `${l.alertname} fires` } }))),
      });
      expect(post.ok).toBe(true);
      const told = () => new Set(received.flatMap((n) => n.alerts.map((a) => a.labels.alertname)));
      await until(async () => told().size >= 4, "the webhook to be told");
      const rows = await until(async () => {
        const r = alertRows(parseAlerts(await (await fetch(`${api}:${apiPort}/api/v2/alerts`)).text()), "pg-test");
        return r.some((x) => x.state === "suppressed") ? r : undefined;
      }, "the inhibition");
      expect(rows.map((r) => [r.alert, r.instance, r.state, r.suppressedBy])).toEqual([
        ["NodeDown", "pg-test-3", "active", []],
        ["PatroniDown", "pg-test-3", "suppressed", ["inhibited"]],
        ["PgbouncerDown", "pg-test-2", "active", []],
        ["PostgresReplicaMissing", null, "active", []],
      ]);
      // Grouped by cluster and alert name: one notification per group; PatroniDown of the down node never sent.
      expect([...told()].sort()).toEqual(["EtcdMemberDown", "NodeDown", "PgbouncerDown", "PostgresReplicaMissing"]);
      expect(received.every((n) => new Set(n.alerts.map((a) => a.labels.alertname)).size === 1)).toBe(true);
    }, 60_000);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every 200 ms until it gives a truthy value (returned), for at most 30 s. */
async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
