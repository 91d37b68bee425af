// Where rendered files live on a Debian 12 node (Pigsty's /pg layout where Pigsty has one).

/** Patroni config; Pigsty's path, so the SOP's `pt` alias (patronictl -c /pg/bin/patroni.yml) works. */
export const PATRONI_YML = "/pg/bin/patroni.yml";

/**
 * The HBA file Postgres reads (postgresql.parameters.hba_file). It lives outside the data dir on
 * purpose: pg_basebackup copies the data dir, so a new replica would otherwise start with the
 * primary's HBA, and Patroni must not manage HBA at all (SOP S3, S6).
 */
export const PG_HBA_ACTIVE = "/pg/conf/pg_hba.conf";

/** Per-role HBA files; the on_role_change callback copies the matching one to PG_HBA_ACTIVE. */
export const pgHbaForRole = (role: string) => `/pg/conf/hba/${role}.conf`;

/** The two HBA variants an instance switches between: `primary` when leading, else this one. */
export const notLeaderHba = (instance: { offlineQuery: boolean }) => (instance.offlineQuery ? "offline" : "replica");

/** Patroni's role-change callback script (rendered by render/roleChange.ts). */
export const ROLE_CHANGE_SCRIPT = "/pg/bin/pg-role-change";
/** Patroni's watchdog device (patroni_watchdog_mode); Patroni runs as the dbsu, which must own it. */
export const WATCHDOG_DEVICE = "/dev/watchdog";
/** Run by systemd when Patroni exits; stops a Postgres that a dead Patroni left running (render/systemd.ts). */
export const PATRONI_FENCE_SCRIPT = "/pg/bin/patroni-fence";
/** Starts Patroni with the failsafe correction for Debian's 3.0.2 (render/host/patroni-launch.py); root's, run by the unit. */
export const PATRONI_LAUNCHER = "/pg/bin/patroni-launch";

export const HAPROXY_CFG = "/etc/haproxy/haproxy.cfg";
export const PGBOUNCER_DIR = "/etc/pgbouncer";

/** The HBA file pgbouncer reads (auth_hba_file); like Postgres', it is a copy of its per-role file. */
export const PGBOUNCER_HBA_ACTIVE = `${PGBOUNCER_DIR}/pgb_hba.conf`;
export const pgbouncerHbaForRole = (role: string) => `${PGBOUNCER_DIR}/hba/${role}.conf`;
export const PGBOUNCER_PID = "/var/run/postgresql/pgbouncer.pid";
export const PG_SOCKET_DIR = "/var/run/postgresql";

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
export const PGBACKREST_CONF = "/etc/pgbackrest/pgbackrest.conf";
export const PGBACKREST_CONF_D = "/etc/pgbackrest/conf.d";
/** pgBackRest's spool (asynchronous archiving) and log directories, as Debian's package makes them (the dbsu's). */
export const PGBACKREST_SPOOL = "/var/spool/pgbackrest";
export const PGBACKREST_LOG = "/var/log/pgbackrest";
/** The backup helper on a repository host (render/host/pigsty-backup.py): backups, the listing, the metrics. */
export const BACKUP_HELPER = "/usr/local/bin/pigsty-backup";
/** node_exporter's textfile directory on Debian: the backup metrics land here. */
export const NODE_EXPORTER_TEXTFILES = "/var/lib/prometheus/node-exporter";
/** The names this program adds to /etc/hosts (pgBackRest checks names in certificates): one marked block per step. */
export const ETC_HOSTS = "/etc/hosts";

/** keepalived's config (Debian's unit reads it) and the drop-in that restarts a killed keepalived (render/keepalived.ts). */
export const KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf";
export const KEEPALIVED_DROP_IN = "/etc/systemd/system/keepalived.service.d/pigsty.conf";
/** The unprivileged user keepalived runs the VIP's check as (script_user). */
export const VIP_SCRIPT_USER = "keepalived_script";
/** Lets the dbsu's role-change callback remove the VIP from the interface, that one command only. */
export const VIP_SUDOERS = "/etc/sudoers.d/pigsty-vip";
/** iproute2's `ip`, as the sudoers rule names it (Debian 12's merged /usr has it at both /usr/sbin/ip and /bin/ip). */
export const IP_COMMAND = "/usr/sbin/ip";
