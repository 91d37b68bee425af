// Host steps of the infra node and the DCS servers: etcd, Prometheus/Alertmanager/nginx, per-instance registration.
import type { ClusterModel, Model, ScrapeTarget } from "../config/model";
import { renderEtcdEnv } from "../render/etcd";
import { renderFrontPage } from "../render/nginx";
import { ETCD_DEFAULTS, PROMETHEUS_YML } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { fileSdPath, renderFileSdTarget, renderPrometheusYml } from "../render/prometheus";
import { installFileFunction, installFileLines } from "./installFiles";
import { quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";

/** One etcd member: config, (re)start on change, then wait until the member answers healthy. */
export function etcdStep(model: Model, member: string): HostStep {
  return filesStep(`etcd member ${member}`, [{ path: ETCD_DEFAULTS, content: renderEtcdEnv(model, member) }], ["systemctl restart etcd"], [
    "systemctl enable -q etcd",
    "systemctl -q is-active etcd || systemctl start etcd",
    "for i in $(seq 1 60); do ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:" + model.dcs.clientPort + " endpoint health >/dev/null 2>&1 && break; sleep 1; done",
    `ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:${model.dcs.clientPort} endpoint health`,
  ]);
}

/** Prometheus (file SD over a directory), Alertmanager and the nginx front page. */
export function monitoringStep(model: Model): HostStep {
  const files = [
    { path: PROMETHEUS_YML, content: renderPrometheusYml(model), check: "promtool check config" },
    { path: "/var/www/html/index.html", content: renderFrontPage(model) },
  ];
  const services = "prometheus prometheus-alertmanager nginx";
  return filesStep("monitoring on the infra node", files, ["systemctl reload-or-restart prometheus nginx"], [
    `install -d -o prometheus -g prometheus ${model.infra.prometheusSdDir}/pgsql`,
    `systemctl enable -q ${services}`,
    `systemctl -q is-active ${services} || systemctl start ${services}`,
  ]);
}

const CLAIMED_DIR = "/var/lib/pigsty/dcs";

/**
 * The cluster's state in the DCS. Creating it checks that the DCS answers and that no cluster of
 * that name already lives there which this stack did not create (SOP S1's guard for the DCS key);
 * a marker on the infra node records the claim, so later runs pass. Removing it (after every
 * member's Patroni is gone, since they depend on it) clears the cluster's keys: SOP S2 "last".
 */
export function dcsStateStep(model: Model, cluster: ClusterModel): HostStep {
  const etcdctl = `ETCDCTL_API=3 etcdctl --endpoints=${model.dcs.endpoints.join(",")} --command-timeout=5s`;
  const prefix = `${PATRONI_NAMESPACE}${cluster.name}/`;
  const claim = quote(`${CLAIMED_DIR}/${cluster.name}`);
  const refuse = cluster.flags.safeguard
    ? "pg_safeguard is on, so it is never cleaned"
    : `set clusters.${cluster.name}.vars.pg_clean: true to clear it (dangerous: that cluster's HA state is lost), then run pulumi up again`;
  const onFound = cluster.flags.clean && !cluster.flags.safeguard
    ? [`  say "pg_clean is set: clearing ${prefix} in the DCS"`, `  ${etcdctl} del --prefix ${quote(prefix)} >/dev/null`]
    : [`  echo "error: the DCS already holds a cluster ${cluster.name} (keys under ${prefix}), which this stack did not create; nothing was changed. ${refuse}." >&2`, "  exit 1"];
  return hostStep(`DCS state of ${cluster.name}`, [
    `${etcdctl} endpoint health`,
    `if [ ! -f ${claim} ] && [ -n "$(${etcdctl} get --prefix --keys-only ${quote(prefix)})" ]; then`,
    ...onFound,
    "fi",
    `install -d ${CLAIMED_DIR} && echo ${quote(cluster.name)} >${claim}`,
  ], [`${etcdctl} del --prefix ${quote(prefix)} >/dev/null`, `rm -f ${claim}`, `say "cleared ${prefix} in the DCS"`]);
}

/**
 * SOP S9: one target file per instance, created with it and removed with it. `resetLines` (S11,
 * steps/reset.ts) run before the file is written; a reset removes it, so it is written afresh.
 */
export function registerStep(model: Model, target: ScrapeTarget, reset: (actions: string[]) => string[] = () => []): HostStep {
  const path = fileSdPath(model, target);
  const file = { path, content: renderFileSdTarget(target) };
  return hostStep(`Prometheus registration of ${target.instance}`, [...installFileFunction, ...reset([`rm -f ${quote(path)}`]), ...installFileLines([file])], [`rm -f ${quote(path)}`]);
}
