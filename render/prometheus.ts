// Prometheus on the infra node: one file-SD target file per instance, and prometheus.yml reading that directory.
import { stringify } from "yaml";
import { ETCD_METRICS_PORT, type Model, type ScrapeTarget } from "../config/model";
import { PROMETHEUS_RULES_DIR } from "./paths";

/** Debian's node exporter listens here on a repository host (it installs the package). */
const NODE_EXPORTER_PORT = 9100;

/** Directory of the per-instance target files (SOP S9: one file per instance, removed with it). */
export const pgsqlTargetsDir = (model: Model) => `${model.infra.prometheusSdDir}/pgsql`;

/** Path of one instance's target file; named after the instance so a rename is a new file. */
export const fileSdPath = (model: Model, target: ScrapeTarget) => `${pgsqlTargetsDir(model)}/${target.instance}.json`;

/** File-SD JSON for one instance: labels cls/ins; node and postgres exporters and HAProxy. */
export function renderFileSdTarget(target: ScrapeTarget): string {
  return JSON.stringify([{ targets: target.targets, labels: target.labels }], null, 2) + "\n";
}

export function renderPrometheusYml(model: Model, targetsDir: string = pgsqlTargetsDir(model)): string {
  const config = {
    global: { scrape_interval: "10s", evaluation_interval: "10s", scrape_timeout: "8s" },
    rule_files: [`${PROMETHEUS_RULES_DIR}/*.yml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${model.infra.ip}:${model.infra.alertmanagerPort}`] }] }] },
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: [`${model.infra.ip}:${model.infra.prometheusPort}`] }] },
      // etcd's client port speaks TLS only; its metrics listener (plain HTTP, no keys) is for this.
      { job_name: "etcd", static_configs: [{ targets: model.dcs.members.map((m) => `${m.ip}:${ETCD_METRICS_PORT}`) }] },
      // New and removed instances only add or delete files here: no Prometheus reload needed.
      { job_name: "pgsql", file_sd_configs: [{ files: [`${targetsDir}/*.json`], refresh_interval: "10s" }] },
      // The backup metrics (render/host/pigsty-backup.py) through each repository host's node exporter.
      ...(model.backupRepos.length > 0 ? [{ job_name: "pgbackrest", static_configs: [{ targets: model.backupRepos.map((r) => `${r.ip}:${NODE_EXPORTER_PORT}`) }] }] : []),
    ],
  };
  return `# Prometheus of the infra node ${model.infra.ip}. Rendered by pigsty-pulumi.\n` + stringify(config, { lineWidth: 0, version: "1.1" });
}
