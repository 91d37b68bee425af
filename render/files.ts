// Every file a node needs, keyed by its path on the node: what the steps install, in one place.
import type { ClusterModel, DcsModel, InstanceModel, Model, ScrapeTarget } from "../config/model";
import { renderEtcdEnv } from "./etcd";
import { PG_EXPORTER_QUERIES_YML, renderNodeExporterEnv, renderPgExporterEnv } from "./exporters";
import { renderAlertRules } from "./alertRules";
import { renderAlertmanagerEnv, renderAlertmanagerYml } from "./alertmanager";
import { renderHaproxyCfg } from "./haproxy";
import { DASHBOARD_DIR, renderFleetJson } from "./dashboard";
import { NGINX_SITE, renderFrontPage, renderNginxSite } from "./nginx";
import * as paths from "./paths";
import { renderPatroniHelper } from "./patroniHelper";
import { renderPatroniYml } from "./patroni";
import { renderPgHba } from "./pgHba";
import { renderPgbouncerHba, renderPgbouncerIni, renderPgbouncerUserlist } from "./pgbouncer";
import { renderPrometheusYml, renderTargetFiles } from "./prometheus";
import { renderRoleChangeScript } from "./roleChange";

/** The inventory's clusters and members, for the dashboards (render/dashboard.ts). */
const FLEET_JSON = `${DASHBOARD_DIR}/fleet.json`;

/** Renders kept per (model, cluster, instance): four steps install an instance's files, and a fleet has thousands. */
const renderedFiles = new WeakMap<Model, WeakMap<ClusterModel, WeakMap<InstanceModel, Readonly<Record<string, string>>>>>();

/**
 * Files of one Postgres instance. Postgres and pgbouncer each get two HBA variants, the leader's and
 * this member's when not leading; the role-change callback activates the one of the actual role.
 * Rendered once per model, cluster and instance (the renderers are pure).
 */
export function instanceFiles(model: Model, cluster: ClusterModel, instance: InstanceModel): Readonly<Record<string, string>> {
  const byCluster = renderedFiles.get(model) ?? new WeakMap();
  renderedFiles.set(model, byCluster);
  const byInstance = byCluster.get(cluster) ?? new WeakMap();
  byCluster.set(cluster, byInstance);
  const cached = byInstance.get(instance);
  if (cached) return cached;
  const files = Object.freeze(renderInstanceFiles(model, cluster, instance));
  byInstance.set(instance, files);
  return files;
}

function renderInstanceFiles(model: Model, cluster: ClusterModel, instance: InstanceModel): Record<string, string> {
  const notLeader = paths.notLeaderHba(instance);
  const notLeaderRole = instance.role === "offline" ? "offline" : "replica";
  const files: Record<string, string> = {
    [paths.PATRONI_YML]: renderPatroniYml(model, cluster, instance),
    [paths.pgHbaForRole("primary")]: renderPgHba(cluster, "primary", instance.offlineQuery),
    [paths.pgHbaForRole(notLeader)]: renderPgHba(cluster, notLeaderRole, instance.offlineQuery),
    [paths.ROLE_CHANGE_SCRIPT]: renderRoleChangeScript(cluster, instance),
    [paths.PATRONI_HELPER]: renderPatroniHelper(),
    [`${paths.PGBOUNCER_DIR}/pgbouncer.ini`]: renderPgbouncerIni(cluster, instance),
    [`${paths.PGBOUNCER_DIR}/userlist.txt`]: renderPgbouncerUserlist(cluster),
    [paths.pgbouncerHbaForRole("primary")]: renderPgbouncerHba(cluster, "primary", instance.offlineQuery),
    [paths.pgbouncerHbaForRole(notLeader)]: renderPgbouncerHba(cluster, notLeaderRole, instance.offlineQuery),
    [paths.HAPROXY_CFG]: renderHaproxyCfg(cluster, instance),
    [paths.NODE_EXPORTER_DEFAULTS]: renderNodeExporterEnv(cluster),
    [paths.PG_EXPORTER_DEFAULTS]: renderPgExporterEnv(cluster, instance),
    [paths.PG_EXPORTER_QUERIES]: PG_EXPORTER_QUERIES_YML,
  };
  return files;
}

/**
 * Files of the monitoring step on the infra node: prometheus.yml (file SD over directories), the alert rules,
 * Alertmanager's config (receivers as placeholders) and unit settings, nginx's site, the front page and the
 * dashboards' fleet.json (the dashboards' own files come by sftp: steps/dashboard.ts).
 */
export function monitoringFiles(model: Model): Record<string, string> {
  return {
    [paths.PROMETHEUS_YML]: renderPrometheusYml(model),
    [paths.ALERT_RULES]: renderAlertRules(model),
    [paths.ALERTMANAGER_YML]: renderAlertmanagerYml(model),
    [paths.ALERTMANAGER_DEFAULTS]: renderAlertmanagerEnv(model),
    [NGINX_SITE]: renderNginxSite(model),
    [paths.FRONT_PAGE]: renderFrontPage(model),
    [FLEET_JSON]: renderFleetJson(model),
  };
}

/** The file-SD targets of one instance on the infra node, one per job: its registration (SOP S9). */
export function targetFiles(model: Model, target: ScrapeTarget): Record<string, string> {
  return renderTargetFiles(model, target);
}

/** /etc/default/etcd of one DCS member (its TLS files and root credentials are placeholders added by the step). */
export function etcdFiles(dcs: DcsModel, member: string): Record<string, string> {
  return { [paths.ETCD_DEFAULTS]: renderEtcdEnv(dcs, member) };
}
