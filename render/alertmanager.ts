// Alertmanager on the infra node: one route grouped by cluster, the stack's receivers (secrets as placeholders), and
// the inhibition of a down node's services.
import { stringify } from "yaml";
import type { Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { NODE_DOWN } from "./alertDefinitions";
import { environmentFile } from "./environmentFile";
import { yamlPlaceholder } from "./placeholders";

/** The one receiver every alert goes to; with no webhook and no mail configured it tells no one (the API still lists). */
export const RECEIVER = "pigsty";

export function renderAlertmanagerYml(model: Model): string {
  const am = model.infra.alertmanager;
  const receiver: Record<string, unknown> = { name: RECEIVER };
  if (am.webhook) receiver.webhook_configs = [{ url: yamlPlaceholder(slot.alertmanagerWebhookUrl()), send_resolved: true }];
  if (am.email) {
    const e = am.email;
    receiver.email_configs = [
      {
        to: e.to,
        from: e.from,
        smarthost: e.smarthost,
        ...(e.authUsername && { auth_username: e.authUsername }),
        ...(e.auth && { auth_password: yamlPlaceholder(slot.alertmanagerSmtpPassword()) }),
        require_tls: e.requireTls,
        send_resolved: true,
      },
    ];
  }
  const config = {
    route: { receiver: RECEIVER, group_by: ["cls", "alertname"], group_wait: am.groupWait, group_interval: am.groupInterval, repeat_interval: am.repeatInterval },
    receivers: [receiver],
    // A member whose node exporter is gone: its other alerts (same ins) say nothing more. Alerts without ins
    // (a cluster's, etcd's) are not silenced: Alertmanager takes a missing label as equal to another missing one.
    inhibit_rules: [{ source_matchers: [`alertname="${NODE_DOWN}"`], target_matchers: [`alertname!="${NODE_DOWN}"`, 'ins=~".+"'], equal: ["ins"] }],
  };
  return `# Alertmanager of the infra node ${model.infra.ip} (README, "Monitoring and alerts"). Rendered by pigsty-pulumi.\n` + stringify(config, { lineWidth: 0, version: "1.1" });
}

/** Debian's EnvironmentFile of the unit: the port of the inventory, and no cluster gossip (one Alertmanager). */
export function renderAlertmanagerEnv(model: Model): string {
  return environmentFile("prometheus-alertmanager. Rendered by pigsty-pulumi.", { ARGS: `--web.listen-address=:${model.infra.alertmanagerPort} --cluster.listen-address=` });
}
