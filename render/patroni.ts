// patroni.yml for one instance (/pg/bin/patroni.yml) and the cluster-wide DCS config Patroni keeps in etcd.
import { stringify } from "yaml";
import { dcsOf, type ClusterModel, type InstanceModel, type Model, type StandbyModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { etcdUserOf } from "./etcd";
import { PG_HBA_ACTIVE, PG_SOCKET_DIR, ROLE_CHANGE_SCRIPT, WATCHDOG_DEVICE } from "./paths";
import { yamlPlaceholder } from "./placeholders";
import { CA_CERT, MEMBER_SSL, serverCert, UPSTREAM_CA_BUNDLE } from "./tls";
import { archiveCommand, restoreCommand } from "./pgbackrest";
import { quote } from "./quote";

/** Patroni's namespace; the leader key is `<namespace><cluster>/leader` (vip-manager watches it). */
export const PATRONI_NAMESPACE = "/pg/";

/**
 * Cluster-wide settings: `bootstrap.dcs` at creation and later `patronictl edit-config` / PATCH /config.
 * synchronous_mode is a Patroni setting, never a Postgres parameter (SOP S3). `pause` carries pg_maintenance.
 */
export function patroniDcsConfig(cluster: ClusterModel): Record<string, unknown> {
  const p = cluster.patroni;
  return {
    ttl: p.ttl,
    loop_wait: p.loop_wait,
    retry_timeout: p.retry_timeout,
    maximum_lag_on_failover: p.maximum_lag_on_failover,
    synchronous_mode: p.synchronous_mode,
    synchronous_mode_strict: p.synchronous_mode_strict,
    failsafe_mode: p.failsafe_mode,
    pause: cluster.flags.maintenance,
    postgresql: {
      use_pg_rewind: p.use_pg_rewind,
      use_slots: p.use_slots,
      parameters: { ...cluster.parameters, ...archiving(cluster) },
    },
    ...(cluster.standby && { standby_cluster: standbyCluster(cluster.standby) }),
    // A slot per standby cluster that follows this one: Patroni keeps it on the primary, whichever member that is.
    ...(cluster.downstream.length > 0 && { slots: Object.fromEntries(cluster.downstream.map((d) => [d.slot, { type: "physical" }])) }),
  };
}

/**
 * pg_upstream: the standby leader streams from the upstream's members (libpq takes the read-write one, Patroni adds
 * target_session_attrs with a slot) through the upstream's slot, replays its archive when it has one, and is
 * created from the upstream's backup (else by basebackup from the upstream). Replication goes over TLS (MEMBER_SSL).
 * An upstream outside the stack has no stanza here: basebackup, no restore_command, a slot only if the user made one.
 * Removing the section (null, render/host/pigsty-patroni.py) promotes the cluster.
 */
function standbyCluster(s: StandbyModel): Record<string, unknown> {
  return {
    host: s.hosts.join(","),
    port: s.port,
    // An upstream outside the stack: only the slot the user made there, if any (Patroni then streams without one).
    ...(s.slot && { primary_slot_name: s.slot }),
    create_replica_methods: s.stanza ? ["pgbackrest", "basebackup"] : ["basebackup"],
    ...(s.stanza && { restore_command: restoreCommand(s.stanza) }),
    ...(s.delay && { recovery_min_apply_delay: s.delay }),
  };
}

/** Replication's TLS: the stack's CA, and on a standby of an upstream outside the stack the upstream's CA as well. */
function replicationSsl(cluster: ClusterModel) {
  return cluster.standby?.external ? { ...MEMBER_SSL, sslrootcert: UPSTREAM_CA_BUNDLE } : MEMBER_SSL;
}

/** WAL archiving into the cluster's own stanza (asynchronous archive-push: render/pgbackrest.ts). archive_mode needs a restart. */
function archiving(cluster: ClusterModel): Record<string, string> {
  return cluster.backup ? { archive_mode: "on", archive_command: archiveCommand(cluster) } : {};
}

/**
 * How a new member gets its data: from the repository when there is one (the newest backup, then WAL from the
 * archive, then streaming), else (or when that fails, e.g. before the first backup) from the leader by basebackup.
 */
function replicaMethods(cluster: ClusterModel): Record<string, unknown> {
  const basebackup = { basebackup: [{ "max-rate": "100M" }, { checkpoint: "fast" }] };
  // A standby cluster holds the upstream's data: its members restore the upstream's backups and archive until it is promoted.
  const stanza = cluster.standby ? cluster.standby.stanza : cluster.backup?.stanza;
  if (!stanza) return { create_replica_methods: ["basebackup"], ...basebackup };
  return {
    create_replica_methods: ["pgbackrest", "basebackup"],
    pgbackrest: { command: `/usr/bin/pgbackrest --stanza=${stanza} --delta restore`, keep_data: true, no_params: true },
    ...basebackup,
    recovery_conf: { restore_command: restoreCommand(stanza) },
  };
}

/**
 * pg_pitr: the first member restores the source's backup and replays its archived WAL up to the target, then
 * promotes; pgBackRest writes the recovery settings, which Patroni keeps for this bootstrap only. Archiving goes to
 * the cluster's own stanza from its first start (bootstrap.dcs), never into the source's.
 */
function bootstrapMethod(cluster: ClusterModel): Record<string, unknown> {
  const pitr = cluster.pitr;
  if (!pitr) return { initdb: initdbOptions(cluster) };
  const target = pitr.target === undefined ? [] : [`--target=${pitr.target}`];
  const restore = ["/usr/bin/pgbackrest", `--stanza=${pitr.source}`, `--pg1-path=${cluster.dataDir}`, `--type=${pitr.type}`, ...target, "--target-action=promote", "restore"];
  return {
    method: "pgbackrest",
    pgbackrest: { command: restore.map((w) => (/^[A-Za-z0-9_./=:-]+$/.test(w) ? w : quote(w))).join(" "), keep_existing_recovery_conf: true, no_params: true },
  };
}

function initdbOptions(cluster: ClusterModel): unknown[] {
  const opts: unknown[] = [{ encoding: cluster.initdb.encoding }, { locale: cluster.initdb.locale }];
  if (cluster.initdb.checksum) opts.push("data-checksums");
  return opts;
}

/**
 * Postgres' TLS: the member's certificate from the stack's CA; the CA also checks client certificates (auth cert). TLS
 * 1.2 or newer unless pg_parameters sets ssl_min_protocol_version (local settings would override the DCS's).
 */
export function postgresSsl(cluster: ClusterModel): Record<string, string> {
  const tls = serverCert("postgres");
  const settings: Record<string, string> = { ssl: "on", ssl_cert_file: tls.cert, ssl_key_file: tls.key, ssl_ca_file: CA_CERT };
  if (!("ssl_min_protocol_version" in cluster.parameters)) settings.ssl_min_protocol_version = "TLSv1.2";
  return settings;
}

export function renderPatroniYml(model: Model, cluster: ClusterModel, instance: InstanceModel): string {
  const { pause: _pause, ...bootstrapDcs } = patroniDcsConfig(cluster);
  const config = {
    scope: cluster.name,
    namespace: PATRONI_NAMESPACE,
    name: instance.name,
    restapi: {
      listen: `0.0.0.0:${cluster.ports.patroni}`,
      connect_address: `${instance.ip}:${cluster.ports.patroni}`,
      // TLS with the member's certificate; cafile also verifies other members' APIs (and patronictl's calls).
      certfile: serverCert("patroni").cert,
      keyfile: serverCert("patroni").key,
      cafile: CA_CERT,
      // Only unsafe endpoints (POST/PATCH/...) need auth; HAProxy's GET health checks stay open.
      authentication: { username: cluster.accounts.patroniApi, password: yamlPlaceholder(slot.patroniApi(cluster.name)) },
    },
    // Over TLS, as the cluster's own etcd user (its role reaches only this cluster's keys), in the cluster's own DCS if it has one.
    etcd3: { hosts: dcsOf(model, cluster).endpoints, protocol: "https", cacert: CA_CERT, username: etcdUserOf(cluster.name), password: yamlPlaceholder(slot.patroniEtcd(cluster.name)) },
    bootstrap: {
      dcs: bootstrapDcs,
      ...bootstrapMethod(cluster),
      // Patroni 3.0's validator insists on a non-empty list; Patroni skips it anyway when hba_file
      // is set (below), and this one line is the first line of our own HBA files.
      pg_hba: [`local all ${cluster.accounts.dbsu} ident`],
    },
    postgresql: {
      listen: `0.0.0.0:${cluster.ports.postgres}`,
      connect_address: `${instance.ip}:${cluster.ports.postgres}`,
      data_dir: cluster.dataDir,
      bin_dir: cluster.binDir,
      pgpass: "/pg/conf/pgpass",
      // Patroni's own connections go through the socket as the dbsu OS user: HBA lets the dbsu in
      // only by ident on local connections (render/pgHba.ts), never by password over TCP.
      use_unix_socket: true,
      use_unix_socket_repl: true,
      // Connections to other members (replication, basebackup, pg_rewind) use TLS, verified by the CA and the address
      // (render/tls.ts); on the unix socket (the superuser's, local replication checks) libpq ignores sslmode.
      authentication: {
        superuser: { username: cluster.accounts.dbsu, password: yamlPlaceholder(slot.superuser(cluster.name)), ...MEMBER_SSL },
        replication: { username: cluster.accounts.replication, password: yamlPlaceholder(slot.replication(cluster.name)), ...replicationSsl(cluster) },
        // pg_rewind connects to the new leader over the network, where HBA admits the replicator (not
        // the dbsu, which is ident-only); steps/sql.ts grants it the functions pg_rewind needs.
        rewind: { username: cluster.accounts.replication, password: yamlPlaceholder(slot.replication(cluster.name)), ...MEMBER_SSL },
      },
      // A non-default hba_file makes Patroni leave HBA alone: we render it per role (render/pgHba.ts). TLS settings are
      // local, not in the DCS, so a member turns ssl on only once its own certificate is in place (the tls step runs
      // first); all are reloadable in Postgres 15, so an existing member takes them with a reload.
      parameters: { hba_file: PG_HBA_ACTIVE, unix_socket_directories: PG_SOCKET_DIR, ...postgresSsl(cluster) },
      // With a VIP, on_stop too: a leader whose Postgres Patroni stops drops the VIP at once (render/roleChange.ts).
      callbacks: { on_role_change: ROLE_CHANGE_SCRIPT, on_start: ROLE_CHANGE_SCRIPT, ...(cluster.vip && { on_stop: ROLE_CHANGE_SCRIPT }) },
      ...replicaMethods(cluster),
    },
    // safety_margin: the watchdog fires this many seconds before the leader key would expire.
    watchdog: cluster.watchdog === "off" ? { mode: "off" } : { mode: cluster.watchdog, device: WATCHDOG_DEVICE, safety_margin: 5 },
    tags: {
      nofailover: instance.tags.nofailover ?? false,
      noloadbalance: false,
      // A member that may never lead must not be the synchronous standby either: in synchronous mode Patroni fails
      // over only to that standby, so it would block every failover (and, strict, every commit after one).
      nosync: instance.tags.nofailover ?? false,
      ...(instance.tags.clonefrom !== undefined && { clonefrom: instance.tags.clonefrom }),
    },
  };
  const header = `# Patroni config of ${instance.name} (cluster ${cluster.name}; Patroni decides its role). Rendered by pigsty-pulumi; passwords are secret-slot placeholders filled on the host.\n`;
  // YAML 1.1 output: Patroni reads with PyYAML, where a bare `off`/`on` would turn into a boolean.
  return header + stringify(config, { lineWidth: 0, version: "1.1" });
}
