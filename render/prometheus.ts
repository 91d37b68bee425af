// Prometheus on the infra node: per instance one file-SD target file per job, and prometheus.yml reading those directories.
import { stringify } from "yaml";
import { ETCD_METRICS_PORT, everyDcs, SCRAPE_JOBS, type Model, type ScrapeJob, type ScrapeTarget } from "../config/model";
import { PROMETHEUS_CA, PROMETHEUS_RULES_DIR } from "./paths";

/** Debian's node exporter listens here on a repository host (it installs the package). */
const NODE_EXPORTER_PORT = 9100;
/** Debian's blackbox exporter on the infra node (its default listen address). */
export const BLACKBOX_PORT = 9115;
/** The module of Debian's /etc/prometheus/blackbox.yml that only opens a TCP connection. */
export const PGBOUNCER_PROBE_MODULE = "tcp_connect";

/** Directory of one job's per-instance target files (SOP S9: one file per instance, removed with it). */
export const targetsDir = (model: Model, job: ScrapeJob) => `${model.infra.prometheusSdDir}/${job}`;
/** The pgsql job's directory (the postgres exporter and HAProxy). */
export const pgsqlTargetsDir = (model: Model) => targetsDir(model, "pgsql");

/** Path of one instance's target file of a job; named after the instance so a rename is a new file. */
export const fileSdPath = (model: Model, target: ScrapeTarget, job: ScrapeJob = "pgsql") => `${targetsDir(model, job)}/${target.instance}.json`;

/** File-SD JSON for one instance and job, labelled cls/ins. */
export function renderFileSdTarget(target: ScrapeTarget, job: ScrapeJob = "pgsql"): string {
  return JSON.stringify([{ targets: target.targets[job], labels: target.labels }], null, 2) + "\n";
}

/** New and removed instances only add or delete files in these directories: no Prometheus reload needed. */
const fileSd = (dir: string) => [{ files: [`${dir}/*.json`], refresh_interval: "10s" }];

/** The member jobs: each reads its own directory under `sdDir`. */
function memberJobs(model: Model, sdDir: string) {
  const dir = (job: ScrapeJob) => `${sdDir}/${job}`;
  return [
    { job_name: "pgsql", file_sd_configs: fileSd(dir("pgsql")) },
    { job_name: "node", file_sd_configs: fileSd(dir("node")) },
    // Patroni's REST API speaks TLS with the stack's CA; GET /metrics needs no auth (only changes do).
    { job_name: "patroni", scheme: "https", tls_config: { ca_file: PROMETHEUS_CA }, file_sd_configs: fileSd(dir("patroni")) },
    // pgbouncer "down" as a probe: the blackbox exporter opens a TCP connection to each member's pgbouncer port.
    {
      job_name: "pgbouncer",
      metrics_path: "/probe",
      params: { module: [PGBOUNCER_PROBE_MODULE] },
      file_sd_configs: fileSd(dir("pgbouncer")),
      relabel_configs: [
        { source_labels: ["__address__"], target_label: "__param_target" },
        { source_labels: ["__param_target"], target_label: "instance" },
        { target_label: "__address__", replacement: `${model.infra.ip}:${BLACKBOX_PORT}` },
      ],
    },
  ];
}

/** `sdDir`: where the job directories are (tests point it at a scratch directory). */
export function renderPrometheusYml(model: Model, sdDir: string = model.infra.prometheusSdDir): string {
  const config = {
    global: { scrape_interval: "10s", evaluation_interval: "10s", scrape_timeout: "8s" },
    rule_files: [`${PROMETHEUS_RULES_DIR}/*.yml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${model.infra.ip}:${model.infra.alertmanagerPort}`] }] }] },
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: [`${model.infra.ip}:${model.infra.prometheusPort}`] }] },
      // etcd's client port speaks TLS only; its metrics listener (plain HTTP, no keys) is for this. Every DCS: the stack's and the clusters' own.
      { job_name: "etcd", static_configs: [{ targets: everyDcs(model).flatMap((d) => d.members.map((m) => `${m.ip}:${ETCD_METRICS_PORT}`)) }] },
      ...memberJobs(model, sdDir),
      // The backup metrics (render/host/pigsty-backup.py) through each repository host's node exporter.
      ...(model.backupRepos.length > 0 ? [{ job_name: "pgbackrest", static_configs: [{ targets: model.backupRepos.map((r) => `${r.ip}:${NODE_EXPORTER_PORT}`) }] }] : []),
    ],
  };
  return `# Prometheus of the infra node ${model.infra.ip}. Rendered by pigsty-pulumi.\n` + stringify(config, { lineWidth: 0, version: "1.1" });
}

/** Every job's target file of one instance, by path. */
export function renderTargetFiles(model: Model, target: ScrapeTarget): Record<string, string> {
  return Object.fromEntries(SCRAPE_JOBS.map((job) => [fileSdPath(model, target, job), renderFileSdTarget(target, job)]));
}
