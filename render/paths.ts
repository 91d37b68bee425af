// Where rendered files live on a Debian 12 node (Pigsty's /pg layout where Pigsty has one), and this program's records.

/** The dbsu's tree of Pigsty's layout: Patroni's config and helpers, HBA files, the cluster's ownership marker. */
export const PG_ROOT = "/pg";
export const PG_BIN_DIR = `${PG_ROOT}/bin`;
export const PG_CONF_DIR = `${PG_ROOT}/conf`;
export const PG_HBA_DIR = `${PG_CONF_DIR}/hba`;

/** Patroni config; Pigsty's path, so the SOP's `pt` alias (patronictl -c /pg/bin/patroni.yml) works. */
export const PATRONI_YML = `${PG_BIN_DIR}/patroni.yml`;

/**
 * The HBA file Postgres reads (postgresql.parameters.hba_file). It lives outside the data dir on
 * purpose: pg_basebackup copies the data dir, so a new replica would otherwise start with the
 * primary's HBA, and Patroni must not manage HBA at all (SOP S3, S6).
 */
export const PG_HBA_ACTIVE = `${PG_CONF_DIR}/pg_hba.conf`;

/** Per-role HBA files; the on_role_change callback copies the matching one to PG_HBA_ACTIVE. */
export const pgHbaForRole = (role: string) => `${PG_HBA_DIR}/${role}.conf`;

/** The two HBA variants an instance switches between: `primary` when leading, else this one. */
export const notLeaderHba = (instance: { offlineQuery: boolean }) => (instance.offlineQuery ? "offline" : "replica");

/** Patroni's role-change callback script (rendered by render/roleChange.ts). */
export const ROLE_CHANGE_SCRIPT = `${PG_BIN_DIR}/pg-role-change`;
/** Patroni's watchdog device (patroni_watchdog_mode); Patroni runs as the dbsu, which must own it. */
export const WATCHDOG_DEVICE = "/dev/watchdog";
/** Run by systemd when Patroni exits; stops a Postgres that a dead Patroni left running (render/systemd.ts). */
export const PATRONI_FENCE_SCRIPT = `${PG_BIN_DIR}/patroni-fence`;
/** Starts Patroni with the failsafe correction for Debian's 3.0.2 (render/host/patroni-launch.py); root's, run by the unit. */
export const PATRONI_LAUNCHER = `${PG_BIN_DIR}/patroni-launch`;
/** Which cluster owns this host's data (steps/postgres.ts guard); on removal the removed marker takes its place: the
 * data left behind belonged to that cluster. */
export const CLUSTER_MARKER = `${PG_ROOT}/.pigsty-cluster`;
export const REMOVED_CLUSTER_MARKER = `${PG_ROOT}/.pigsty-cluster-removed`;
/** Patroni's unit (render/systemd.ts), in the directory of units this program adds. */
export const SYSTEMD_UNIT_DIR = "/etc/systemd/system";
export const PATRONI_UNIT = `${SYSTEMD_UNIT_DIR}/patroni.service`;

export const HAPROXY_CFG = "/etc/haproxy/haproxy.cfg";
export const PGBOUNCER_DIR = "/etc/pgbouncer";

/** The HBA file pgbouncer reads (auth_hba_file); like Postgres', it is a copy of its per-role file. */
export const PGBOUNCER_HBA_ACTIVE = `${PGBOUNCER_DIR}/pgb_hba.conf`;
export const PGBOUNCER_HBA_DIR = `${PGBOUNCER_DIR}/hba`;
export const pgbouncerHbaForRole = (role: string) => `${PGBOUNCER_HBA_DIR}/${role}.conf`;
export const PGBOUNCER_PID = "/var/run/postgresql/pgbouncer.pid";
export const PG_SOCKET_DIR = "/var/run/postgresql";

/** Where etcd keeps each DCS's data (a directory per DCS name, below Debian's package directory). */
export const ETCD_DATA_ROOT = "/var/lib/etcd";
export const etcdDataDir = (dcs: string) => `${ETCD_DATA_ROOT}/${dcs}`;

/** Debian's EnvironmentFile locations for the packaged units. */
export const ETCD_DEFAULTS = "/etc/default/etcd";
export const PG_EXPORTER_DEFAULTS = "/etc/default/prometheus-postgres-exporter";
export const NODE_EXPORTER_DEFAULTS = "/etc/default/prometheus-node-exporter";

export const PROMETHEUS_YML = "/etc/prometheus/prometheus.yml";
/** The stack's CA for Prometheus (Patroni's /metrics is TLS): its own copy, so no other step writes it. */
export const PROMETHEUS_CA = "/etc/prometheus/pigsty-ca.crt";
/** Alertmanager's config (Debian's default --config.file) and its EnvironmentFile. */
export const ALERTMANAGER_YML = "/etc/prometheus/alertmanager.yml";
export const ALERTMANAGER_DEFAULTS = "/etc/default/prometheus-alertmanager";
/** Prometheus reads every rule file here (rule_files); ours is the one below. */
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
export const ALERT_RULES = `${PROMETHEUS_RULES_DIR}/pigsty.yml`;
/** The postgres exporter's extra queries (--extend.query-path): the metrics the alert rules need beyond its built-in ones. */
export const PG_EXPORTER_QUERIES = "/etc/prometheus-postgres-exporter/pigsty-queries.yml";

/** The host-side Patroni helper the steps call (render/host/pigsty-patroni.py); root's, as the steps run as root. */
export const PATRONI_HELPER = "/usr/local/bin/pigsty-patroni";

/** pgBackRest's config (its default path) and the directory of per-stanza files it concatenates to it. */
export const PGBACKREST_DIR = "/etc/pgbackrest";
export const PGBACKREST_CONF = `${PGBACKREST_DIR}/pgbackrest.conf`;
export const PGBACKREST_CONF_D = `${PGBACKREST_DIR}/conf.d`;
/** pgBackRest's spool (asynchronous archiving) and log directories, as Debian's package makes them (the dbsu's). */
export const PGBACKREST_SPOOL = "/var/spool/pgbackrest";
export const PGBACKREST_LOG = "/var/log/pgbackrest";
/** The backup helper on a repository host (render/host/pigsty-backup.py): backups, the listing, the metrics. */
export const BACKUP_HELPER = "/usr/local/bin/pigsty-backup";
/** node_exporter's textfile directory on Debian: the backup metrics land here. */
export const NODE_EXPORTER_TEXTFILES = "/var/lib/prometheus/node-exporter";
/** The names this program adds to /etc/hosts (pgBackRest checks names in certificates): one marked block per step. */
export const ETC_HOSTS = "/etc/hosts";
/** The lock of the steps that write /etc/hosts (the step library's hosts_block). */
export const ETC_HOSTS_LOCK = "/run/pigsty-hosts.lock";

/** keepalived's config (Debian's unit reads it) and the drop-in that restarts a killed keepalived (render/keepalived.ts). */
export const KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf";
export const KEEPALIVED_DROP_IN = "/etc/systemd/system/keepalived.service.d/pigsty.conf";
/** The unprivileged user keepalived runs the VIP's check as (script_user). */
export const VIP_SCRIPT_USER = "keepalived_script";
/** Lets the dbsu's role-change callback remove the VIP from the interface, that one command only. */
export const VIP_SUDOERS = "/etc/sudoers.d/pigsty-vip";
/** iproute2's `ip`, as the sudoers rule names it (Debian 12's merged /usr has it at both /usr/sbin/ip and /bin/ip). */
export const IP_COMMAND = "/usr/sbin/ip";
/** The infra node's front page (nginx's default root on Debian). */
export const FRONT_PAGE = "/var/www/html/index.html";

/** This program's own configuration: the stack's certificates, etcd's root credentials. */
export const PIGSTY_ETC = "/etc/pigsty";
export const TLS_DIR = `${PIGSTY_ETC}/tls`;
/** etcd's root credentials on the DCS members and the infra node, readable by root only: `set -a; . FILE` before etcdctl. */
export const ETCD_ROOT_ENV = `${PIGSTY_ETC}/etcd-root.env`;
/** The same for a cluster's own DCS (each DCS has its own root password): on its members and the infra node. */
export const etcdRootEnvOf = (dcs: { name: string; owner?: string }) => (dcs.owner === undefined ? ETCD_ROOT_ENV : `${PIGSTY_ETC}/etcd-root-${dcs.name}.env`);

/**
 * Where each host keeps the step library (render/hostLibrary.ts), one directory per version named by the hash of its
 * content: `<root>/<hash>/step.sh`. A host's -prepare step installs it; every other step sources it.
 */
export const HOST_LIBRARY_ROOT = "/usr/local/lib/pigsty";

/** What steps record on their host between runs. */
export const PIGSTY_STATE = "/var/lib/pigsty";
/** A step's replaced files whose follow-up actions have not yet succeeded (steps/installFiles.ts). */
export const PENDING_DIR = `${PIGSTY_STATE}/pending`;
/** The DCS servers each cluster lives on, on the infra node (the DCS state step). */
export const DCS_CLAIMS_DIR = `${PIGSTY_STATE}/dcs`;
/** The reset counts done per instance and component (steps/reset.ts). */
export const RESET_DIR = `${PIGSTY_STATE}/reset`;
/** The in-place restore numbers done per cluster (steps/restore.ts). */
export const RESTORE_DIR = `${PIGSTY_STATE}/restore`;
/** Each step's full output, one file per step (steps/shell.ts). */
export const STEP_LOG_DIR = "/var/log/pigsty";

/**
 * Directories that are this program's own: a data directory or repository there would take rendered files or
 * records with it (config/safeValues.ts refuses them).
 */
export const OWN_DIRS: readonly string[] = [
  PG_ROOT, PG_BIN_DIR, PG_CONF_DIR, PG_HBA_DIR, PGBOUNCER_DIR, PGBOUNCER_HBA_DIR,
  PIGSTY_ETC, TLS_DIR, PIGSTY_STATE, PENDING_DIR, DCS_CLAIMS_DIR, RESET_DIR, RESTORE_DIR, STEP_LOG_DIR,
];
