// Cluster vars (Pigsty's per-cluster `vars:`, also allowed once at top level as fleet-wide defaults).
import { z } from "zod";
import { ALERT_THRESHOLD_KEYS } from "./alertSchema";
import { DatabaseSchema, HbaRuleSchema, UserSchema } from "./accessSchema";
import { ARCHIVE_PARAMETERS, BackupRepoSchema, BackupScheduleSchema, backupSize, PitrSchema } from "./backupSchema";
import { DEFAULT_PG_HBA_RULES, DEFAULT_PGBOUNCER_HBA_RULES, DEFAULT_ROLES } from "./defaults";
import { accountName, encodingName, gucRecord, localeName, passwordText, safePath } from "./safeValues";
import { ipv4, port, strictObject } from "./schemaKit";
import { pgUpstream, UPSTREAM_KEYS } from "./upstreamSchema";
import { certValidity, DEFAULT_CERT_VALIDITY } from "./tlsSchema";
import { DEFAULT_SERVICES, ServiceSchema } from "./serviceSchema";

/**
 * No pgbouncer exporter is installed: Debian 12's only one, prometheus-pgbouncer-exporter 1.7 (a Python
 * program), stops at start against Debian 12's pgbouncer 1.18, asking SHOW STATS for `total_requests`,
 * a column pgbouncer 1.8 renamed (KeyError: 'total_requests'); the prometheus-community exporter is not packaged.
 */
export const UNSUPPORTED_PGBOUNCER_EXPORTER =
  "is not supported: no pgbouncer exporter is installed, because Debian 12's prometheus-pgbouncer-exporter (1.7) exits at start against its pgbouncer 1.18 " +
  "(it asks SHOW STATS for total_requests, a column pgbouncer 1.8 renamed) and no other pgbouncer exporter is packaged. " +
  "Remove pgbouncer_exporter_port; the monitor user can read pgbouncer's counters with SHOW STATS and SHOW POOLS on its admin console (database pgbouncer).";

/** A Linux interface name (at most 15 characters, no blanks or slashes): it goes into keepalived.conf and `ip` commands. */
const interfaceName = z
  .string()
  .refine((s) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(s), { error: (i) => `${JSON.stringify(i.input)} is not an interface name. Write the members' interface as \`ip -br link\` shows it, e.g. eth0.` });

/** A key this program does not support: absent is fine, any value is a problem that says why. */
const unsupported = (message: string) =>
  z
    .unknown()
    .superRefine((_value, ctx) => ctx.addIssue({ code: "custom", message }))
    .optional();

/** Cluster-wide Patroni settings, written to Patroni's DCS config (bootstrap.dcs, `pt edit-config`). */
export const PatroniSettingsSchema = strictObject({
  /** Synchronous replication is a Patroni setting, not a Postgres parameter. Default: true with pg_conf crit, else false. */
  synchronous_mode: z.boolean().optional(),
  /** Refuse writes when no synchronous standby is available. Default: true with pg_conf crit, else false. */
  synchronous_mode_strict: z.boolean().optional(),
  /**
   * Leader key TTL in seconds: a crashed leader's key expires ttl - loop_wait..ttl seconds after the crash, then a
   * replica takes over. Default 13 (Patroni's 30 kept writes away for 37 s after a crash; see docs/ha-and-failures.md).
   */
  ttl: z.number().int().positive().default(13),
  /** Seconds between HA loop runs (the leader renews its key each loop). Default 2. */
  loop_wait: z.number().int().positive().default(2),
  /** Seconds a DCS or Postgres operation is retried before it counts as failed. Default 5 (ttl >= loop_wait + 2 x this). */
  retry_timeout: z.number().int().positive().default(5),
  /** Max replica lag in bytes to be a failover candidate. Default 1048576 (1 MiB). */
  maximum_lag_on_failover: z.number().int().nonnegative().default(1048576),
  /** Use pg_rewind to rejoin an old primary. Default true. */
  use_pg_rewind: z.boolean().default(true),
  /** Use replication slots. Default true. */
  use_slots: z.boolean().default(true),
  /**
   * Patroni's failsafe mode: while the DCS is down, the leader keeps leading as long as every member answers its
   * /failsafe call, so an outage of the DCS alone (the infra node down) stops no writes. A member that does not answer
   * still makes the leader demote. Default true (docs/ha-and-failures.md).
   */
  failsafe_mode: z.boolean().default(true),
});

export const ClusterVarsSchema = strictObject({
  /** Pigsty repeats the cluster name here; when given it must equal the key under `clusters`. */
  pg_cluster: z.string().optional(),
  /** PostgreSQL major version (Debian 12 ships 15). Default 15. */
  pg_version: z.literal(15).default(15),
  /** Data directory. Default /pg/data (Pigsty's). */
  pg_data: safePath("/pg/data").default("/pg/data"),
  /** OS user owning Postgres and superuser role name. Default postgres. */
  pg_dbsu: accountName("dbsu").default("postgres"),
  /** Superuser password; slot `<cluster>/superuser`. */
  pg_dbsu_password: passwordText.optional(),
  /** Replication user. Default replicator. */
  pg_replication_username: accountName("replication user").default("replicator"),
  /** Replication password; slot `<cluster>/replication`. */
  pg_replication_password: passwordText.optional(),
  /** Monitoring user (exporters). Default dbuser_monitor. */
  pg_monitor_username: accountName("monitor user").default("dbuser_monitor"),
  /** Monitoring password; slot `<cluster>/monitor`. */
  pg_monitor_password: passwordText.optional(),
  /** Admin user. Default dbuser_dba. */
  pg_admin_username: accountName("admin user").default("dbuser_dba"),
  /** Admin password; slot `<cluster>/admin`. */
  pg_admin_password: passwordText.optional(),
  /** Initdb encoding. Default UTF8. */
  pg_encoding: encodingName.default("UTF8"),
  /** Initdb locale. Default C. */
  pg_locale: localeName.default("C"),
  /** Initdb data checksums. Default true. */
  pg_checksum: z.boolean().default(true),
  /** Postgres port. Default 5432. */
  pg_port: port.default(5432),
  /** pgbouncer port. Default 6432. */
  pgbouncer_port: port.default(6432),
  /** pgbouncer pool mode. Default transaction. */
  pgbouncer_poolmode: z.enum(["transaction", "session", "statement"]).default("transaction"),
  /** pgbouncer max_client_conn. Default 1000. */
  pgbouncer_max_client_conn: z.number().int().positive().default(1000),
  /** Patroni REST API port (health checks). Default 8008. */
  patroni_port: port.default(8008),
  /** Patroni REST API user for unsafe endpoints. Default postgres. */
  patroni_username: accountName("Patroni API user").default("postgres"),
  /** Patroni REST API password; slot `<cluster>/patroni_api`. */
  patroni_password: passwordText.optional(),
  /** HAProxy admin page and /metrics port (Pigsty's haproxy_exporter_port). Default 9101. */
  haproxy_admin_port: port.default(9101),
  /** Require basic auth on the HAProxy admin page. Default false. */
  haproxy_admin_auth_enabled: z.boolean().default(false),
  /** HAProxy admin user. Default admin. */
  haproxy_admin_username: accountName("HAProxy admin user").default("admin"),
  /** HAProxy admin password; slot `<cluster>/haproxy_admin`. */
  haproxy_admin_password: passwordText.optional(),
  /** Postgres exporter port. Default 9630. */
  pg_exporter_port: port.default(9630),
  /** Not supported: setting it is a problem (see UNSUPPORTED_PGBOUNCER_EXPORTER). */
  pgbouncer_exporter_port: unsupported(UNSUPPORTED_PGBOUNCER_EXPORTER),
  /** Node exporter port. Default 9100. */
  node_exporter_port: port.default(9100),
  /** Business users. Default []. */
  pg_users: z.array(UserSchema).default([]),
  /** Group roles created before users. Default dbrole_readonly/offline/readwrite/admin. */
  pg_default_roles: z.array(UserSchema).prefault(DEFAULT_ROLES),
  /** Business databases. Default []. */
  pg_databases: z.array(DatabaseSchema).default([]),
  /** Base HBA rules. Default Pigsty's. */
  pg_hba_rules: z.array(HbaRuleSchema).prefault(DEFAULT_PG_HBA_RULES),
  /** Extra HBA rules appended after pg_hba_rules. Default []. */
  pg_hba_rules_extra: z.array(HbaRuleSchema).default([]),
  /** Base pgbouncer HBA rules. Default Pigsty's. */
  pgbouncer_hba_rules: z.array(HbaRuleSchema).prefault(DEFAULT_PGBOUNCER_HBA_RULES),
  /** Extra pgbouncer HBA rules. Default []. */
  pgbouncer_hba_rules_extra: z.array(HbaRuleSchema).default([]),
  /**
   * Every HBA rule over the network (not the unix socket, not loopback) becomes hostssl, in Postgres' HBA and
   * pgbouncer's: clients elsewhere must use TLS. Lines written hostnossl stay as written. Our key (Pigsty has none).
   * Default false, so existing clients keep working.
   */
  pg_hba_require_ssl: z.boolean().default(false),
  /**
   * Pigsty's cert_validity, in days (`365d`): the lifetime of each member's Postgres certificate. The first `up` in
   * each period of half that many days issues it again and reloads Postgres and pgbouncer. Default 7300d.
   */
  cert_validity: certValidity.prefault(DEFAULT_CERT_VALIDITY),
  /** Services on every member's HAProxy. Default primary 5433, replica 5434, default 5436, offline 5438. */
  pg_services: z.array(ServiceSchema).prefault([...DEFAULT_SERVICES]),
  /** Services added to pg_services (same name replaces). Default []. */
  pg_services_extra: z.array(ServiceSchema).default([]),
  /** Postgres parameters merged over the defaults (cluster-wide, in Patroni's DCS config). Default {}. */
  pg_parameters: gucRecord("cluster", ARCHIVE_PARAMETERS).default({}),
  /** Patroni cluster settings. */
  patroni: PatroniSettingsSchema.prefault({}),
  /**
   * Pigsty's configuration profile (`oltp.yml` or `oltp` alike). crit: no committed transaction is ever lost
   * (synchronous_mode and synchronous_mode_strict, so writes stop while no synchronous standby is left); oltp: the
   * defaults. olap and tiny are taken as oltp with a warning (Pigsty's memory tuning is not applied here). Default oltp.
   */
  pg_conf: z.preprocess((v) => (typeof v === "string" ? v.replace(/\.yml$/, "") : v), z.enum(["oltp", "crit", "olap", "tiny"])).default("oltp"),
  /**
   * Patroni's watchdog (Pigsty's var): automatic uses /dev/watchdog where the host has one (a hung leader's host is
   * reset before its key expires), required refuses to lead without one, off never uses it. Default automatic.
   */
  patroni_watchdog_mode: z.enum(["off", "automatic", "required"]).default("automatic"),
  /**
   * An L2 VIP that follows Patroni's leader (keepalived on every member, config/vip.ts): none or l2. With l2,
   * vip_address is required. Default none.
   */
  vip_mode: z.enum(["none", "l2"]).default("none"),
  /** The VIP (vip_mode l2): an unused IPv4 address in the members' subnet, not a host of the inventory. */
  vip_address: ipv4.optional(),
  /** The VIP's prefix length, 1-32: vip_address/vip_cidrmask must contain every member's address. Default 24. */
  vip_cidrmask: z.number().int().min(1).max(32).optional(),
  /** The members' interface the VIP is added to (the same name on every member). Default eth0. */
  vip_interface: interfaceName.optional(),
  /**
   * The cluster's VRRP virtual_router_id, 1-255, unique in the fleet (our key, not Pigsty's). Default: derived from
   * the cluster's name (config/vip.ts); set it when another VRRP router on the segment already uses the derived one.
   */
  vip_vrid: z.number().int().min(1).max(255).optional(),
  /** pgBackRest backups and WAL archiving into a repository off the members (docs/backups.md). Default true. */
  pgbackrest_enabled: z.boolean().default(true),
  /** The backup repository: host (default the infra node), path, retention_full, cipher. */
  pgbackrest_repo: BackupRepoSchema.prefault({}),
  /** Backup timers on the repository host. Default full weekly, diff daily. */
  pgbackrest_schedule: BackupScheduleSchema.prefault({}),
  /** Take backups from a replica (pgBackRest's backup-standby); 2.45 fails the backup when no replica is healthy. Default false. */
  pgbackrest_backup_standby: z.boolean().default(false),
  /**
   * WAL a member keeps waiting for an unreachable repository before it drops it (archive-push-queue-max), so an
   * outage cannot fill the disk. Dropped WAL breaks point-in-time recovery until the next full backup. Default 4GB.
   */
  pgbackrest_archive_queue_max: backupSize.default("4GB"),
  /**
   * Creating the cluster's stanza where the repository holds one of another database (same name, other system id)
   * is refused; true deletes that stanza and its backups first (dangerous). Default false.
   */
  pgbackrest_clean: z.boolean().default(false),
  /** On removal of the cluster, also delete its stanza and every backup in it. Default false: backups are kept. */
  rm_backup: z.boolean().default(false),
  /** Create this cluster from another cluster's backups at a recovery target, instead of initdb. */
  pg_pitr: PitrSchema.optional(),
  /**
   * Makes this cluster a standby cluster (Pigsty's key): its leader is a standby leader that streams from the upstream's
   * members, its replicas follow it. A cluster of the stack by name, or an upstream outside the stack by its addresses
   * (a list, or one address). Removing the key promotes the cluster.
   */
  pg_upstream: pgUpstream.optional(),
  ...UPSTREAM_KEYS,
  /** A delayed standby cluster (Pigsty's key): its standby leader applies WAL this long after it was written, e.g. 1h. Only with pg_upstream. */
  pg_delay: z.string().regex(/^[0-9]+(ms|s|min|h|d)$/, { error: "is not a delay: a whole number and a unit of ms, s, min, h or d, e.g. 1h" }).optional(),
  /** The promotion of a standby cluster (pg_upstream removed) is blocked by the policy pack unless this is true. Default false. */
  pg_promotion_acknowledged: z.boolean().default(false),
  /** Maintenance mode: Patroni paused, no automatic failover or replica bootstrap. Default false. */
  pg_maintenance: z.boolean().default(false),
  /** On removal, also delete the data directory. Default false. */
  rm_pgdata: z.boolean().default(false),
  /** On removal, also uninstall packages. Default false. */
  rm_pgpkgs: z.boolean().default(false),
  /** Refuse to remove or wipe any instance of this cluster. Default false. */
  pg_safeguard: z.boolean().default(false),
  /** Wipe an existing Postgres/DCS state found on a target when creating (dangerous). Default false. */
  pg_clean: z.boolean().default(false),
  /** Alert thresholds (config/alertSchema.ts); a cluster's own value renders rules for that cluster alone. */
  ...ALERT_THRESHOLD_KEYS,
});

export type ClusterVars = z.infer<typeof ClusterVarsSchema>;
export type PatroniSettingsInput = z.infer<typeof PatroniSettingsSchema>;
/** Patroni's settings with the profile's defaults filled in (config/deriveCluster.ts). */
export type PatroniSettings = Required<PatroniSettingsInput>;
