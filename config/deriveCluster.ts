// Builds one ClusterModel from a parsed cluster: instances, users, HBA lines, services with members.
import type { HbaRuleInput } from "./accessSchema";
import { normalizeHbaRule, requiringSsl, type HbaContext } from "./hbaRules";
import { backupRepoName, type BackupModel, type ClusterModel, type HbaRuleModel, type InstanceModel, type PitrModel, type ServiceModel } from "./model";
import { pitrTarget } from "./backupSchema";
import { error, warning, type Problem } from "./problems";
import type { ClusterInput } from "./schema";
import { parseSelector } from "./selector";
import type { ServiceInput } from "./serviceSchema";
import { DEFAULT_PG_PARAMETERS } from "./defaults";
import { alertThresholdsOf } from "./alertSchema";

/** Maps a cluster var to its path: `vars.<key>` when inherited from the top level, else the cluster's. */
export type VarsPath = (key: string) => string;

export function instancesOf(name: string, cluster: ClusterInput): InstanceModel[] {
  return Object.entries(cluster.hosts)
    .map(([ip, h]) => ({
      name: `${name}-${h.pg_seq}`,
      cluster: name,
      seq: h.pg_seq,
      ip,
      role: h.pg_role,
      offlineQuery: h.pg_role === "offline" || h.pg_offline_query,
      weight: h.pg_weight,
      // An offline (analytics) member is never elected leader: Debian's Patroni 3.0 has no failover priority,
      // so it is kept out of elections altogether unless the inventory sets nofailover itself.
      tags: { ...(h.clonefrom !== undefined && { clonefrom: h.clonefrom }), nofailover: h.nofailover ?? h.pg_role === "offline" },
      services: [] as string[],
      reset: Object.fromEntries(Object.entries(h.pg_reset ?? {}).filter(([, n]) => (n ?? 0) > 0)),
    }))
    .sort((a, b) => a.seq - b.seq || a.ip.localeCompare(b.ip));
}

function normalizeRules(list: HbaRuleInput[], key: string, ctx: HbaContext, pgbouncer: boolean, at: VarsPath, problems: Problem[]): HbaRuleModel[] {
  const out: HbaRuleModel[] = [];
  list.forEach((input, i) => {
    const r = normalizeHbaRule(input, ctx, pgbouncer);
    for (const p of r.problems) problems.push((p.warning ? warning : error)(`${at(key)}[${i}].${p.field}`, `${p.message}.`));
    if (r.rule) out.push(ctx.requireSsl ? requiringSsl(r.rule) : r.rule);
  });
  return out;
}

/** pg_services then pg_services_extra; an extra service with the same name replaces the default one. */
export function mergedServices(vars: ClusterInput["vars"]): { svc: ServiceInput; key: string }[] {
  const out = vars.pg_services.map((svc, i) => ({ svc, key: `pg_services[${i}]` }));
  vars.pg_services_extra.forEach((svc, i) => {
    const entry = { svc, key: `pg_services_extra[${i}]` };
    const at = out.findIndex((o) => o.svc.name === svc.name);
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  });
  return out;
}

function resolveServices(instances: InstanceModel[], vars: ClusterInput["vars"], at: VarsPath, problems: Problem[]): ServiceModel[] {
  const services: ServiceModel[] = [];
  for (const { svc, key } of mergedServices(vars)) {
    const base = key.split("[")[0];
    const path = (field: string) => `${at(base)}${key.slice(base.length)}.${field}`;
    const subject = (i: InstanceModel) => ({ pg_role: i.role, pg_seq: i.seq, pg_offline_query: i.offlineQuery && i.role !== "offline" });
    const select = parseSelector(svc.selector);
    const backup = svc.selector_backup === undefined ? () => false : parseSelector(svc.selector_backup);
    if (typeof select === "string") problems.push(error(path("selector"), `${select}.`));
    if (typeof backup === "string") problems.push(error(path("selector_backup"), `${backup}.`));
    if (typeof select === "string" || typeof backup === "string") continue;
    const regular = instances.filter((i) => select(subject(i)) && !backup(subject(i)));
    const anyMember = instances.some((i) => select(subject(i)) || backup(subject(i)));
    // Backups alone are fine (a one-node cluster's replica service falls back to the primary);
    // only the offline service is worth a warning then, and no member at all is an error.
    if (regular.length === 0 && (svc.name === "offline" || !anyMember)) {
      if (svc.name === "offline") {
        problems.push(warning(path("selector"), "no member is offline-capable, so offline traffic only reaches backup servers. Mark a replica pg_offline_query: true or add a pg_role: offline host."));
      } else {
        problems.push(error(path("selector"), `${JSON.stringify(svc.selector)} matches no member of the cluster. Fix the selector or the members' pg_role.`));
      }
    }
    const members = instances
      .filter((i) => select(subject(i)) || backup(subject(i)))
      .map((i) => ({ instance: i.name, ip: i.ip, weight: i.weight, backup: backup(subject(i)) }));
    services.push({
      name: svc.name,
      srcIp: svc.src_ip,
      port: svc.src_port,
      dstPort: svc.dst_port === "postgres" ? vars.pg_port : svc.dst_port === "pgbouncer" ? vars.pgbouncer_port : svc.dst_port,
      checkPort: svc.check_port === "patroni" ? vars.patroni_port : svc.check_port,
      checkUrl: svc.check_url,
      checkCode: svc.check_code,
      maxconn: svc.haproxy.maxconn,
      balance: svc.haproxy.balance,
      defaultServerOptions: svc.haproxy.default_server_options,
      members,
    });
  }
  return services;
}

/**
 * The cluster's backups: its stanza in the repository on pgbackrest_repo.host (the infra node by default). A cluster
 * with a member on the infra node (Pigsty's pg-meta) has no default repository: its backups would share its disk.
 */
function backupOf(name: string, v: ClusterInput["vars"], infraIp: string, instances: InstanceModel[], at: VarsPath, problems: Problem[]): BackupModel | undefined {
  if (!v.pgbackrest_enabled) return undefined;
  const onInfra = instances.find((i) => i.ip === infraIp);
  if (v.pgbackrest_repo.host === undefined && onInfra) {
    problems.push(warning(at("pgbackrest_repo"), `${onInfra.name} runs on the infra node ${infraIp}, where backups go by default, so ${name} has no backups: they would share its disk. Set pgbackrest_repo.host to a host outside ${name} (or pgbackrest_enabled: false to silence this).`));
    return undefined;
  }
  const ip = v.pgbackrest_repo.host ?? infraIp;
  return {
    stanza: name,
    repo: { ip, name: backupRepoName(ip), path: v.pgbackrest_repo.path, cipher: v.pgbackrest_repo.cipher !== "none" },
    retentionFull: v.pgbackrest_repo.retention_full,
    schedule: { ...v.pgbackrest_schedule },
    backupStandby: v.pgbackrest_backup_standby,
    archiveQueueMax: v.pgbackrest_archive_queue_max,
    clean: v.pgbackrest_clean,
    removeWithCluster: v.rm_backup,
  };
}

/** pg_pitr; restore and data_loss_acknowledged belong to an in-place restore only (validateBackups.ts checks the rest). */
function pitrOf(name: string, v: ClusterInput["vars"], at: VarsPath, problems: Problem[]): PitrModel | undefined {
  const p = v.pg_pitr;
  if (!p) return undefined;
  if (p.cluster !== name && (p.restore !== undefined || p.data_loss_acknowledged !== undefined)) {
    problems.push(error(at("pg_pitr"), `restore and data_loss_acknowledged apply only to an in-place restore (pg_pitr.cluster naming ${name} itself); ${name} is created from ${p.cluster}. Remove them.`));
  }
  const inPlace = p.cluster === name && p.restore !== undefined ? { number: p.restore, acknowledged: p.data_loss_acknowledged === true } : undefined;
  return { source: p.cluster, ...pitrTarget(p), ...(inPlace && { inPlace }) };
}

/** The zero-loss profile (pg_conf crit) turns synchronous mode on, strict; the cluster's own patroni settings win. */
function patroniOf(v: ClusterInput["vars"]): ClusterModel["patroni"] {
  const crit = v.pg_conf === "crit";
  return { ...v.patroni, synchronous_mode: v.patroni.synchronous_mode ?? crit, synchronous_mode_strict: v.patroni.synchronous_mode_strict ?? crit };
}

/** Derives the cluster; problems found on the way (HBA forms, selectors) are appended. */
export function deriveCluster(name: string, cluster: ClusterInput, infraIp: string, at: VarsPath, problems: Problem[]): ClusterModel {
  const v = cluster.vars;
  const instances = instancesOf(name, cluster);
  const accounts = {
    dbsu: v.pg_dbsu,
    replication: v.pg_replication_username,
    monitor: v.pg_monitor_username,
    admin: v.pg_admin_username,
    patroniApi: v.patroni_username,
    haproxyAdmin: v.haproxy_admin_username,
  };
  const ctx: HbaContext = { accounts, infraIp, memberIps: instances.map((i) => i.ip), requireSsl: v.pg_hba_require_ssl };
  const services = resolveServices(instances, v, at, problems);
  for (const i of instances) i.services = services.filter((s) => s.members.some((m) => m.instance === i.name && !m.backup)).map((s) => s.name);
  const parameters = { ...DEFAULT_PG_PARAMETERS, ...v.pg_parameters };
  return {
    name,
    instances,
    primary: instances.find((i) => i.role === "primary") ?? instances[0],
    version: v.pg_version,
    dataDir: v.pg_data,
    binDir: `/usr/lib/postgresql/${v.pg_version}/bin`,
    accounts,
    users: [...v.pg_default_roles, ...v.pg_users].filter((u) => u.state === "present").map(({ password: _password, ...rest }) => rest),
    databases: v.pg_databases.filter((d) => d.state === "present").map((d) => ({ ...d, owner: d.owner ?? v.pg_dbsu })),
    dropped: {
      users: [...v.pg_default_roles, ...v.pg_users].filter((u) => u.state === "absent").map((u) => u.name),
      databases: v.pg_databases.filter((d) => d.state === "absent").map((d) => d.name),
    },
    hbaRules: [
      ...normalizeRules(v.pg_hba_rules, "pg_hba_rules", ctx, false, at, problems),
      ...normalizeRules(v.pg_hba_rules_extra, "pg_hba_rules_extra", ctx, false, at, problems),
    ],
    pgbouncerHbaRules: [
      ...normalizeRules(v.pgbouncer_hba_rules, "pgbouncer_hba_rules", ctx, true, at, problems),
      ...normalizeRules(v.pgbouncer_hba_rules_extra, "pgbouncer_hba_rules_extra", ctx, true, at, problems),
    ],
    services,
    parameters: Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => a.localeCompare(b))),
    patroni: patroniOf(v),
    watchdog: v.patroni_watchdog_mode,
    initdb: { encoding: v.pg_encoding, locale: v.pg_locale, checksum: v.pg_checksum },
    pgbouncer: { poolMode: v.pgbouncer_poolmode, maxClientConn: v.pgbouncer_max_client_conn },
    ports: {
      postgres: v.pg_port,
      pgbouncer: v.pgbouncer_port,
      patroni: v.patroni_port,
      haproxyAdmin: v.haproxy_admin_port,
      pgExporter: v.pg_exporter_port,
      nodeExporter: v.node_exporter_port,
    },
    haproxyAdmin: { authEnabled: v.haproxy_admin_auth_enabled, username: v.haproxy_admin_username },
    flags: { maintenance: v.pg_maintenance, rmPgdata: v.rm_pgdata, rmPgpkgs: v.rm_pgpkgs, safeguard: v.pg_safeguard, clean: v.pg_clean, promotionAcknowledged: v.pg_promotion_acknowledged },
    ...(v.pgbackrest_enabled && { backup: backupOf(name, v, infraIp, instances, at, problems) }),
    ...(v.pg_pitr && { pitr: pitrOf(name, v, at, problems) }),
    // Filled in once every cluster is derived (config/standby.ts).
    downstream: [],
    alerts: alertThresholdsOf(v),
    tls: { certValidityDays: v.cert_validity, requireSsl: v.pg_hba_require_ssl },
  };
}
