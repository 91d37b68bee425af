// Exporter settings as Debian EnvironmentFiles: node and postgres exporters on each member (no pgbouncer exporter: config/varsSchema.ts).
import type { ClusterModel, InstanceModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { environmentFile } from "./environmentFile";
import { PG_EXPORTER_QUERIES } from "./paths";
import { placeholder } from "./placeholders";

/**
 * The services whose state the alert rules read from the node exporter's systemd collector
 * (node_systemd_unit_state). A character class instead of a backslash: the EnvironmentFile keeps it as it is.
 */
const WATCHED_UNITS = "(patroni|pgbouncer|haproxy)[.]service";

/**
 * node_exporter 1.5's default list of filesystem types it leaves out, without overlay: the root filesystem of the
 * sandbox and of many hosts is one, and /pg lives on it. No `$` anchor: systemd may expand `$` in an EnvironmentFile
 * (a prefix match leaves out nothing more here).
 */
const FS_TYPES_EXCLUDE = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)";

/** prometheus-node-exporter: the listen port, the systemd collector for the units the alert rules watch, overlay reported. */
export function renderNodeExporterEnv(cluster: ClusterModel): string {
  const args = [
    `--web.listen-address=:${cluster.ports.nodeExporter}`,
    "--collector.systemd",
    `--collector.systemd.unit-include=${WATCHED_UNITS}`,
    `--collector.filesystem.fs-types-exclude=${FS_TYPES_EXCLUDE}`,
  ];
  return environmentFile("node_exporter. Rendered by pigsty-pulumi.", { ARGS: args.join(" ") });
}

/**
 * Queries Debian's postgres_exporter 0.11 lacks and the alert rules read (render/alertDefinitions.ts), each run on the
 * exporter's own database only (master: true), whatever --auto-discover-databases finds.
 */
export const PG_EXPORTER_QUERIES_YML = `# Extra postgres_exporter queries for the alert rules. Rendered by pigsty-pulumi.
# pg_in_recovery: 1 on a replica, 0 on the primary.
pg:
  master: true
  query: "SELECT pg_is_in_recovery()::int AS in_recovery"
  metrics:
    - in_recovery: { usage: GAUGE, description: "1 when the instance replays WAL (a replica), 0 on the primary" }
# pg_timeline_id: the primary's timeline (the first 8 hex digits of its current WAL file's name); replicas report none.
pg_timeline:
  master: true
  query: "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS id WHERE NOT pg_is_in_recovery()"
  metrics:
    - id: { usage: GAUGE, description: "Timeline of the primary" }
# pg_replica_replay_lag_seconds{application_name}: on the primary, per streaming replica (0 once it has caught up).
pg_replica:
  master: true
  query: "SELECT application_name, COALESCE(EXTRACT(EPOCH FROM replay_lag), 0)::float AS replay_lag_seconds FROM pg_stat_replication"
  metrics:
    - application_name: { usage: LABEL, description: "The replica's name (its Patroni member name)" }
    - replay_lag_seconds: { usage: GAUGE, description: "Seconds between a commit on the primary and its replay on the replica" }
# pg_wal_position_bytes: WAL written (primary) or replayed (replica) since 0/0; its rate is the dashboards' WAL rate.
pg_wal_position:
  master: true
  query: "SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, '0/0')::float AS bytes"
  metrics:
    - bytes: { usage: COUNTER, description: "Bytes of WAL written on the primary, replayed on a replica" }
# pg_slot_retained_bytes{slot_name,slot_type}: WAL kept on this instance for each replication slot.
pg_slot:
  master: true
  query: "SELECT slot_name, slot_type, pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::float AS retained_bytes FROM pg_replication_slots WHERE restart_lsn IS NOT NULL"
  metrics:
    - slot_name: { usage: LABEL, description: "Replication slot" }
    - slot_type: { usage: LABEL, description: "physical or logical" }
    - retained_bytes: { usage: GAUGE, description: "Bytes of WAL the slot keeps" }
# pg_database_xid_age{datname}: age of the oldest unfrozen XID per database (wraparound at 2^31).
pg_database_xid:
  master: true
  query: "SELECT datname, age(datfrozenxid)::float AS age FROM pg_database WHERE datallowconn"
  metrics:
    - datname: { usage: LABEL, description: "Database" }
    - age: { usage: GAUGE, description: "Age of the database's datfrozenxid" }
`;

/**
 * prometheus-postgres-exporter: connects as the monitor user over loopback (HBA allows
 * ${"${monitor}"} from localhost with a password); the password is a slot placeholder.
 */
export function renderPgExporterEnv(cluster: ClusterModel, instance: InstanceModel): string {
  return environmentFile(`postgres_exporter of ${instance.name}. Rendered by pigsty-pulumi.`, {
    DATA_SOURCE_URI: `127.0.0.1:${cluster.ports.postgres}/postgres?sslmode=disable`,
    DATA_SOURCE_USER: cluster.accounts.monitor,
    DATA_SOURCE_PASS: placeholder(slot.monitor(cluster.name), "env"),
    ARGS: `--web.listen-address=:${cluster.ports.pgExporter} --auto-discover-databases --extend.query-path=${PG_EXPORTER_QUERIES}`,
  });
}
