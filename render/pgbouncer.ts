// pgbouncer.ini, userlist.txt and pgbouncer's own HBA file for one instance (/etc/pgbouncer/).
import type { ClusterModel, InstanceModel, PgRole } from "../config/model";
import { slot } from "../config/secretSlots";
import { PG_SOCKET_DIR, PGBOUNCER_DIR, PGBOUNCER_PID } from "./paths";
import { hbaRulesFor, hbaText } from "./pgHba";
import { placeholder } from "./placeholders";
import { CA_CERT, serverCert } from "./tls";

/** Where pgbouncer reads and writes; tests point these at a temp dir. */
export interface PgbouncerLayout {
  confDir: string;
  socketDir: string;
  logFile: string;
  pidFile: string;
  listenAddr: string;
  /** Defaults to the cluster's pgbouncer_port. */
  port?: number;
  /** The member's Postgres certificate and key (pgbouncer runs as the dbsu, which owns them) and the stack's CA. */
  tls: { cert: string; key: string; ca: string };
}

export const DEBIAN_PGBOUNCER_LAYOUT: PgbouncerLayout = {
  confDir: PGBOUNCER_DIR,
  socketDir: PG_SOCKET_DIR,
  logFile: "/var/log/postgresql/pgbouncer.log",
  pidFile: PGBOUNCER_PID,
  listenAddr: "0.0.0.0",
  tls: { ...serverCert("postgres"), ca: CA_CERT },
};

/** Users listed in the userlist: pool users plus the admin and monitor accounts pgbouncer itself needs. */
export function pgbouncerUsers(cluster: ClusterModel): string[] {
  const pooled = cluster.users.filter((u) => u.pgbouncer && u.login).map((u) => u.name);
  return [...new Set([cluster.accounts.admin, cluster.accounts.monitor, ...pooled])];
}

export function renderPgbouncerIni(cluster: ClusterModel, instance: InstanceModel, layout: PgbouncerLayout = DEBIAN_PGBOUNCER_LAYOUT): string {
  const db = (name: string) => `${name} = host=${layout.socketDir} port=${cluster.ports.postgres} dbname=${name}`;
  const poolDbs = cluster.databases.filter((d) => d.pgbouncer).map((d) => d.name);
  const userModes = cluster.users.filter((u) => u.pgbouncer && u.pool_mode).map((u) => `${u.name} = pool_mode=${u.pool_mode}`);
  const lines = [
    `; pgbouncer of ${instance.name} (cluster ${cluster.name}). Rendered by pigsty-pulumi: databases come from pg_databases with pgbouncer: true.`,
    "[databases]",
    ...poolDbs.map(db),
    "",
    ...(userModes.length > 0 ? ["[users]", ...userModes, ""] : []),
    "[pgbouncer]",
    `listen_addr = ${layout.listenAddr}`,
    `listen_port = ${layout.port ?? cluster.ports.pgbouncer}`,
    `unix_socket_dir = ${layout.socketDir}`,
    `logfile = ${layout.logFile}`,
    `pidfile = ${layout.pidFile}`,
    // auth_type hba: the per-client method comes from pgb_hba.conf, passwords from userlist.txt.
    "auth_type = hba",
    `auth_file = ${layout.confDir}/userlist.txt`,
    `auth_hba_file = ${layout.confDir}/pgb_hba.conf`,
    `admin_users = ${cluster.accounts.dbsu}, ${cluster.accounts.admin}`,
    `stats_users = ${cluster.accounts.monitor}`,
    `pool_mode = ${cluster.pgbouncer.poolMode}`,
    `max_client_conn = ${cluster.pgbouncer.maxClientConn}`,
    "default_pool_size = 64",
    "max_db_connections = 100",
    "server_reset_query = DISCARD ALL",
    // After a failed server login (Postgres restarting, e.g. for a parameter), pgbouncer refuses every new client
    // for this long before it tries again: its default 15 s outlasted the restart itself (e2e, S3 under writes).
    "server_login_retry = 1",
    "ignore_startup_parameters = extra_float_digits",
    // Clients may use TLS (Postgres' certificate); the HBA file decides who must (hostssl). All reloadable.
    "client_tls_sslmode = prefer",
    `client_tls_cert_file = ${layout.tls.cert}`,
    `client_tls_key_file = ${layout.tls.key}`,
    `client_tls_ca_file = ${layout.tls.ca}`,
    "client_tls_protocols = tlsv1.2,tlsv1.3",
    // Towards Postgres: verified by the CA and by name. The databases above go through the unix socket, where
    // pgbouncer uses no TLS (nothing leaves the host); a database given by address would get verify-full.
    "server_tls_sslmode = verify-full",
    `server_tls_ca_file = ${layout.tls.ca}`,
    "server_tls_protocols = tlsv1.2,tlsv1.3",
    "",
  ];
  return lines.join("\n");
}

/**
 * userlist.txt with a placeholder per user; the host fills in the password (plain text or a SCRAM
 * secret) from the user's slot, so no diff ever shows it.
 */
export function renderPgbouncerUserlist(cluster: ClusterModel): string {
  const c = cluster.name;
  const slotOf = (user: string) =>
    user === cluster.accounts.admin ? slot.admin(c) : user === cluster.accounts.monitor ? slot.monitor(c) : slot.user(c, user);
  return pgbouncerUsers(cluster)
    .map((u) => `"${u}" "${placeholder(slotOf(u), "userlist")}"`)
    .join("\n")
    .concat("\n");
}

/** pgbouncer's HBA, selected by role like Postgres' (pgbouncer_hba_rules + pgbouncer_hba_rules_extra). */
export function renderPgbouncerHba(cluster: ClusterModel, role: PgRole, offlineQuery: boolean): string {
  const header = `# pgbouncer HBA of cluster ${cluster.name}, role ${role}. Rendered by pigsty-pulumi from pgbouncer_hba_rules.`;
  return hbaText(header, hbaRulesFor(cluster.pgbouncerHbaRules, role, offlineQuery));
}
