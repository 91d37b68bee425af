// Every file a node needs, keyed by its path on the node: what components copy, in one place.
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { renderEtcdEnv } from "./etcd";
import { renderNodeExporterEnv, renderPgExporterEnv, renderPgbouncerExporterEnv } from "./exporters";
import { renderHaproxyCfg } from "./haproxy";
import * as paths from "./paths";
import { renderPatroniYml } from "./patroni";
import { renderPgHba } from "./pgHba";
import { renderPgbouncerHba, renderPgbouncerIni, renderPgbouncerUserlist } from "./pgbouncer";
import { fileSdPath, renderFileSdTarget, renderPrometheusYml } from "./prometheus";
import { renderRoleChangeScript } from "./roleChange";

/**
 * Files of one Postgres instance. Postgres and pgbouncer each get two HBA variants, the leader's and
 * this member's when not leading; the role-change callback activates the one of the actual role.
 */
export function instanceFiles(model: Model, cluster: ClusterModel, instance: InstanceModel): Record<string, string> {
  const notLeader = paths.notLeaderHba(instance);
  const notLeaderRole = instance.role === "offline" ? "offline" : "replica";
  const files: Record<string, string> = {
    [paths.PATRONI_YML]: renderPatroniYml(model, cluster, instance),
    [paths.pgHbaForRole("primary")]: renderPgHba(cluster, "primary", instance.offlineQuery),
    [paths.pgHbaForRole(notLeader)]: renderPgHba(cluster, notLeaderRole, instance.offlineQuery),
    [paths.ROLE_CHANGE_SCRIPT]: renderRoleChangeScript(cluster, instance),
    [`${paths.PGBOUNCER_DIR}/pgbouncer.ini`]: renderPgbouncerIni(cluster, instance),
    [`${paths.PGBOUNCER_DIR}/userlist.txt`]: renderPgbouncerUserlist(cluster),
    [paths.pgbouncerHbaForRole("primary")]: renderPgbouncerHba(cluster, "primary", instance.offlineQuery),
    [paths.pgbouncerHbaForRole(notLeader)]: renderPgbouncerHba(cluster, notLeaderRole, instance.offlineQuery),
    [paths.HAPROXY_CFG]: renderHaproxyCfg(cluster, instance),
    [paths.NODE_EXPORTER_DEFAULTS]: renderNodeExporterEnv(cluster),
    [paths.PG_EXPORTER_DEFAULTS]: renderPgExporterEnv(cluster, instance),
    [paths.PGBOUNCER_EXPORTER_DEFAULTS]: renderPgbouncerExporterEnv(cluster, instance),
  };
  return files;
}

/** Files of the infra node: prometheus.yml and one file-SD target per instance of the fleet. */
export function infraFiles(model: Model): Record<string, string> {
  const files: Record<string, string> = { [paths.PROMETHEUS_YML]: renderPrometheusYml(model) };
  for (const t of model.scrapeTargets) files[fileSdPath(model, t)] = renderFileSdTarget(t);
  return files;
}

/** /etc/default/etcd of each DCS member, keyed by member name. */
export function dcsFiles(model: Model): Record<string, string> {
  return Object.fromEntries(model.dcs.members.map((m) => [m.name, renderEtcdEnv(model, m.name)]));
}
