// Host steps of the infra node and the DCS servers: etcd, Prometheus/Alertmanager/nginx, per-instance registration.
import type { Model, ScrapeTarget } from "../config/model";
import { renderEtcdEnv } from "../render/etcd";
import { renderFrontPage } from "../render/nginx";
import { ETCD_DEFAULTS, PROMETHEUS_YML } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { fileSdPath, renderFileSdTarget, renderPrometheusYml } from "../render/prometheus";
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

/**
 * The cluster's state in the DCS. Creating it only checks that the DCS answers; removing it (after
 * every member's Patroni is gone, since they depend on it) clears the cluster's keys: SOP S2 "last".
 */
export function dcsStateStep(model: Model, cluster: string): HostStep {
  const etcdctl = `ETCDCTL_API=3 etcdctl --endpoints=${model.dcs.endpoints.join(",")} --command-timeout=5s`;
  const prefix = quote(`${PATRONI_NAMESPACE}${cluster}/`);
  return hostStep(`DCS state of ${cluster}`, [`${etcdctl} endpoint health`], [`${etcdctl} del --prefix ${prefix} >/dev/null`, `say "cleared ${PATRONI_NAMESPACE}${cluster}/ in the DCS"`]);
}

/** SOP S9: one target file per instance, created with it and removed with it. */
export function registerStep(model: Model, target: ScrapeTarget): HostStep {
  const path = fileSdPath(model, target);
  return filesStep(`Prometheus registration of ${target.instance}`, [{ path, content: renderFileSdTarget(target) }], [], [], [`rm -f ${quote(path)}`]);
}
