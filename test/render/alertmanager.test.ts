// alertmanager.yml from infra.alertmanager_*: route by cluster, receivers as placeholders, NodeDown's inhibition;
// secrets only in slots. The monitoring step that installs it runs in test/steps/infra.test.ts.
import { parse } from "yaml";
import { loadInventory, type LoadResult } from "../../config/load";
import { renderAlertmanagerEnv, renderAlertmanagerYml } from "../../render/alertmanager";
import { renderNodeExporterEnv } from "../../render/exporters";
import { parseEnv } from "../helpers/inventoryConfParsers";
import { rawFixture } from "../helpers/inventoryFixtures";

const URL = "https://hooks.example.org/alerts?token=T0KEN-SECRET";
const SMTP_PASSWORD = "smtp-Passw0rd-SECRET";
const EMAIL = { smarthost: "smtp.example.org:587", from: "pigsty@example.org", to: "dba@example.org,oncall@example.org", auth_username: "pigsty", auth_password: SMTP_PASSWORD };

function load(infra: Record<string, unknown>): LoadResult {
  const raw = rawFixture("pg-test.stack.yaml") as { infra: Record<string, unknown> };
  raw.infra = { ...raw.infra, ...infra };
  return loadInventory(raw);
}

test("without receivers: one route grouped by cluster and alert, the defaults' timing, NodeDown inhibits its member", () => {
  const { model } = load({});
  expect(parse(renderAlertmanagerYml(model))).toEqual({
    route: { receiver: "pigsty", group_by: ["cls", "alertname"], group_wait: "30s", group_interval: "5m", repeat_interval: "4h" },
    receivers: [{ name: "pigsty" }],
    inhibit_rules: [{ source_matchers: ['alertname="NodeDown"'], target_matchers: ['alertname!="NodeDown"', 'ins=~".+"'], equal: ["ins"] }],
  });
  expect(parseEnv(renderAlertmanagerEnv(model))).toEqual({ ARGS: "--web.listen-address=:9093 --cluster.listen-address=" });
});

test("a webhook and mail: the URL and the SMTP password are placeholders, the rest as given", () => {
  const { model, secrets } = load({ alertmanager_webhook_url: URL, alertmanager_email: EMAIL, alertmanager_group_wait: "5s", alertmanager_group_interval: "10s", alertmanager_port: 9094 });
  const text = renderAlertmanagerYml(model);
  const yml = parse(text);
  expect(yml.route).toMatchObject({ group_wait: "5s", group_interval: "10s", repeat_interval: "4h" });
  expect(yml.receivers).toEqual([
    {
      name: "pigsty",
      webhook_configs: [{ url: "{{secret:alertmanager/webhook_url|yaml}}", send_resolved: true }],
      email_configs: [{ to: EMAIL.to, from: EMAIL.from, smarthost: EMAIL.smarthost, auth_username: "pigsty", auth_password: "{{secret:alertmanager/smtp_password|yaml}}", require_tls: true, send_resolved: true }],
    },
  ]);
  expect(secrets).toMatchObject({ "alertmanager/webhook_url": URL, "alertmanager/smtp_password": SMTP_PASSWORD });
  for (const secret of [URL, "T0KEN", SMTP_PASSWORD]) {
    expect(text).not.toContain(secret);
    expect(JSON.stringify(model)).not.toContain(secret);
  }
  expect(parseEnv(renderAlertmanagerEnv(model)).ARGS).toBe("--web.listen-address=:9094 --cluster.listen-address=");
});

test("the node exporter reports overlay filesystems (the sandbox's root, holding /pg), and still leaves out the pseudo ones", () => {
  const { model } = load({});
  const args = parseEnv(renderNodeExporterEnv(model.clusters[0])).ARGS.split(" ");
  const exclude = args.find((a) => a.startsWith("--collector.filesystem.fs-types-exclude="))?.split("=")[1] as string;
  const excluded = (fstype: string) => new RegExp(exclude).test(fstype);
  expect(["overlay", "ext4", "xfs", "tmpfs"].filter(excluded)).toEqual([]);
  expect(["proc", "sysfs", "cgroup2", "devpts", "squashfs", "nsfs"].every(excluded)).toBe(true);
});
