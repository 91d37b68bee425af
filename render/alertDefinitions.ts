// The alert rules: which series each one reads, its threshold key and how long it must hold (docs/monitoring.md).
import type { AlertThresholdKey, AlertThresholds } from "../config/alertSchema";

/** Builds a vector selector's braces from the rule's cluster matcher plus the given matchers ("" when none). */
export type Matcher = (...extra: string[]) => string;

export interface AlertDefinition {
  alert: string;
  /** cluster: judged per cluster (series carry `cls`); fleet: the DCS, whose series have no cluster. */
  scope: "cluster" | "fleet";
  /** The threshold it reads; a cluster with another value than the fleet's gets its own rule. */
  threshold?: AlertThresholdKey;
  for: string;
  severity: "critical" | "warning";
  /** Annotation summary; `{{ $labels.x }}` only, so tests can expand it. */
  summary: string;
  expr: (t: AlertThresholds, m: Matcher) => string;
}

/** The 2^31 XIDs after which Postgres would wrap around (it stops writes well before). */
const XID_LIMIT = 2147483648;
/**
 * Filesystems that are memory, not disk. overlay is judged: many hosts' root (the sandbox's, containers') is one, and
 * /pg lives there (the node exporter is told to report it, render/exporters.ts).
 */
const NOT_DISK = 'fstype!~"tmpfs|ramfs|squashfs"';
/** The member's node exporter is not scraped: Alertmanager silences the member's other alerts meanwhile (render/alertmanager.ts). */
export const NODE_DOWN = "NodeDown";
/** HAProxy's own proxies (the admin page and its internals) have no servers: they are not services. */
const NOT_SERVICE = 'proxy!~"admin|GLOBAL|MASTER"';
/** 1 per member whose probe (`up`, or the blackbox's `probe_success`) fails or whose unit is not active, else 0; by cls and ins. */
const downByProbeOrUnit = (probe: string, unit: string, m: Matcher) =>
  `max by (cls, ins) (${probe} == bool 0 or node_systemd_unit_state${m(`name="${unit}"`, 'state="active"')} == bool 0) > 0`;

export const ALERTS: AlertDefinition[] = [
  { alert: "PostgresDown", scope: "cluster", for: "1m", severity: "critical", summary: "Postgres of {{ $labels.ins }} does not answer its exporter", expr: (_t, m) => `pg_up${m()} == 0` },
  { alert: NODE_DOWN, scope: "cluster", for: "1m", severity: "critical", summary: "the node of {{ $labels.ins }} is down or unreachable: its node exporter is not scraped", expr: (_t, m) => `up${m('job="node"')} == 0` },
  { alert: "ScrapeTargetDown", scope: "cluster", for: "1m", severity: "warning", summary: "{{ $labels.instance }} of {{ $labels.ins }} (postgres exporter or HAProxy) is not scraped", expr: (_t, m) => `up${m('job="pgsql"')} == 0` },
  {
    alert: "PatroniDown", scope: "cluster", for: "1m", severity: "critical", summary: "Patroni of {{ $labels.ins }} is not running or its REST API does not answer",
    expr: (_t, m) => downByProbeOrUnit(`up${m('job="patroni"')}`, "patroni.service", m),
  },
  {
    alert: "PgbouncerDown", scope: "cluster", for: "1m", severity: "critical", summary: "pgbouncer of {{ $labels.ins }} is not running or refuses connections",
    expr: (_t, m) => downByProbeOrUnit(`probe_success${m('job="pgbouncer"')}`, "pgbouncer.service", m),
  },
  { alert: "PostgresNoLeader", scope: "cluster", for: "1m", severity: "critical", summary: "no member of {{ $labels.cls }} is a primary", expr: (_t, m) => `min by (cls) (pg_in_recovery${m()}) > 0` },
  {
    alert: "PatroniNoLeader", scope: "cluster", for: "1m", severity: "critical", summary: "Patroni of {{ $labels.cls }} has no leader: the leader key in the DCS is free or no member runs as primary",
    expr: (_t, m) => `max by (cls) (patroni_cluster_unlocked${m()}) > 0 or max by (cls) (patroni_primary${m()}) == 0`,
  },
  { alert: "PostgresSplitBrain", scope: "cluster", for: "1m", severity: "critical", summary: "more than one member of {{ $labels.cls }} is a primary", expr: (_t, m) => `count by (cls) (pg_in_recovery${m()} == 0) > 1` },
  { alert: "PostgresFailover", scope: "cluster", for: "0s", severity: "warning", summary: "the timeline of {{ $labels.cls }} changed in the last 10 minutes: a failover or switchover happened", expr: (_t, m) => `max by (cls) (pg_timeline_id${m()}) > max by (cls) (pg_timeline_id${m()} offset 10m)` },
  {
    alert: "PostgresReplicaMissing", scope: "cluster", for: "1m", severity: "warning", summary: "fewer replicas of {{ $labels.cls }} stream from the primary than members are monitored",
    // Members known to Prometheus minus the primary, against the primary's streaming replicas (none: 0).
    expr: (_t, m) => `count by (cls) (pg_up${m()}) - 1 > (count by (cls) (pg_stat_replication_pg_wal_lsn_diff${m()}) or group by (cls) (pg_up${m()}) * 0)`,
  },
  { alert: "PostgresReplicaLagBytes", scope: "cluster", threshold: "alert_replica_lag_bytes", for: "1m", severity: "warning", summary: "replica {{ $labels.application_name }} of {{ $labels.cls }} is behind the primary in WAL bytes", expr: (t, m) => `pg_stat_replication_pg_wal_lsn_diff${m()} > ${t.alert_replica_lag_bytes}` },
  { alert: "PostgresReplicaLagSeconds", scope: "cluster", threshold: "alert_replica_lag_seconds", for: "1m", severity: "warning", summary: "replica {{ $labels.application_name }} of {{ $labels.cls }} replays late", expr: (t, m) => `pg_replica_replay_lag_seconds${m()} > ${t.alert_replica_lag_seconds}` },
  { alert: "PostgresSlotRetainsWal", scope: "cluster", threshold: "alert_slot_retained_bytes", for: "5m", severity: "warning", summary: "replication slot {{ $labels.slot_name }} on {{ $labels.ins }} keeps too much WAL", expr: (t, m) => `pg_slot_retained_bytes${m()} > ${t.alert_slot_retained_bytes}` },
  {
    alert: "PostgresTooManyConnections", scope: "cluster", threshold: "alert_connections_ratio", for: "3m", severity: "warning", summary: "{{ $labels.ins }} is close to max_connections",
    expr: (t, m) => `sum by (cls, ins) (pg_stat_activity_count${m()}) / max by (cls, ins) (pg_settings_max_connections${m()}) > ${t.alert_connections_ratio}`,
  },
  { alert: "PostgresXidWraparound", scope: "cluster", threshold: "alert_xid_age_ratio", for: "5m", severity: "warning", summary: "database {{ $labels.datname }} on {{ $labels.ins }} approaches XID wraparound", expr: (t, m) => `pg_database_xid_age${m()} / ${XID_LIMIT} > ${t.alert_xid_age_ratio}` },
  {
    alert: "PostgresArchiveFailing", scope: "cluster", for: "1m", severity: "critical", summary: "{{ $labels.ins }} fails to archive WAL and archived none in 10 minutes",
    expr: (_t, m) => `increase(pg_stat_archiver_failed_count${m()}[10m]) > 0 unless increase(pg_stat_archiver_archived_count${m()}[10m]) > 0`,
  },
  { alert: "BackupTooOld", scope: "cluster", threshold: "alert_backup_age_hours", for: "10m", severity: "warning", summary: "the newest successful backup of {{ $labels.cls }} is too old", expr: (t, m) => `time() - max by (cls) (pigsty_backup_last_success_timestamp_seconds${m()}) > ${t.alert_backup_age_hours * 3600}` },
  {
    alert: "HaproxyServiceDown", scope: "cluster", for: "1m", severity: "critical", summary: "service {{ $labels.proxy }} on {{ $labels.ins }} has no server up",
    expr: (_t, m) => `haproxy_backend_active_servers${m(NOT_SERVICE)} + haproxy_backend_backup_servers${m(NOT_SERVICE)} == 0`,
  },
  {
    alert: "NodeFilesystemFull", scope: "cluster", threshold: "alert_fs_usage_ratio", for: "5m", severity: "warning", summary: "{{ $labels.mountpoint }} on {{ $labels.ins }} is filling up",
    expr: (t, m) => `1 - node_filesystem_avail_bytes${m(NOT_DISK)} / node_filesystem_size_bytes${m(NOT_DISK)} > ${t.alert_fs_usage_ratio}`,
  },
  {
    alert: "NodeLoadHigh", scope: "cluster", threshold: "alert_load_per_cpu", for: "5m", severity: "warning", summary: "the load of {{ $labels.ins }} is high for its CPUs",
    expr: (t, m) => `node_load5${m()} / on (cls, ins, instance) group_left count by (cls, ins, instance) (node_cpu_seconds_total${m('mode="idle"')}) > ${t.alert_load_per_cpu}`,
  },
  {
    alert: "NodeMemoryLow", scope: "cluster", threshold: "alert_memory_available_ratio", for: "5m", severity: "warning", summary: "{{ $labels.ins }} is running out of memory",
    expr: (t, m) => `node_memory_MemAvailable_bytes${m()} / node_memory_MemTotal_bytes${m()} < ${t.alert_memory_available_ratio}`,
  },
  { alert: "EtcdNoLeader", scope: "fleet", for: "30s", severity: "critical", summary: "etcd member {{ $labels.instance }} has no leader", expr: () => "etcd_server_has_leader == 0" },
  { alert: "EtcdMemberDown", scope: "fleet", for: "1m", severity: "critical", summary: "etcd member {{ $labels.instance }} is not scraped", expr: () => 'up{job="etcd"} == 0' },
];
