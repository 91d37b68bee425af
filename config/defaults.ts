// Pigsty's default roles and HBA rules, in the raw inventory form (the schema fills in the rest).

/** Group roles every cluster gets (Pigsty's `pg_default_roles`): the privilege ladder that users join. */
export const DEFAULT_ROLES = [
  { name: "dbrole_readonly", login: false, comment: "role for global read-only access" },
  { name: "dbrole_offline", login: false, comment: "role for restricted read-only access (offline instances)" },
  { name: "dbrole_readwrite", login: false, roles: ["dbrole_readonly"], comment: "role for global read-write access" },
  { name: "dbrole_admin", login: false, roles: ["pg_monitor", "dbrole_readwrite"], comment: "role for object creation" },
];

/**
 * Default Postgres HBA rules (Pigsty's `pg_hba_rules`, structured form). Passwords use `pwd`
 * (scram-sha-256) over TLS or not, so existing clients keep working; `pg_hba_require_ssl` makes the
 * remote ones hostssl.
 */
export const DEFAULT_PG_HBA_RULES = [
  { user: "${dbsu}", db: "all", addr: "local", auth: "ident", title: "dbsu access via local os user ident" },
  { user: "${dbsu}", db: "replication", addr: "local", auth: "ident", title: "dbsu replication from local os ident" },
  { user: "${repl}", db: "replication", addr: "local", auth: "pwd", title: "replicator replication from the local socket (Patroni's checks)" },
  { user: "${repl}", db: "postgres", addr: "local", auth: "pwd", title: "replicator postgres db from the local socket (pg_rewind)" },
  { user: "${repl}", db: "replication", addr: "localhost", auth: "pwd", title: "replicator replication from localhost" },
  { user: "${repl}", db: "replication", addr: "intra", auth: "pwd", title: "replicator replication from intranet" },
  { user: "${repl}", db: "postgres", addr: "intra", auth: "pwd", title: "replicator postgres db from intranet (pg_rewind)" },
  { user: "${monitor}", db: "all", addr: "localhost", auth: "pwd", title: "monitor from localhost with password" },
  { user: "${monitor}", db: "all", addr: "infra", auth: "pwd", title: "monitor from infra host with password" },
  { user: "${admin}", db: "all", addr: "infra", auth: "pwd", title: "admin from infra nodes with password" },
  { user: "${admin}", db: "all", addr: "intra", auth: "pwd", title: "admin from intranet with password" },
  { user: "+dbrole_readonly", db: "all", addr: "local", auth: "pwd", title: "pool users via local socket (pgbouncer)" },
  { user: "+dbrole_readonly", db: "all", addr: "localhost", auth: "pwd", title: "read/write biz user via password" },
  { user: "+dbrole_readonly", db: "all", addr: "intra", auth: "pwd", title: "read/write biz user from intranet" },
  { user: "+dbrole_offline", db: "all", addr: "intra", auth: "pwd", title: "allow etl offline tasks from intranet", role: "offline" as const },
];

/** Default pgbouncer HBA rules (Pigsty's `pgbouncer_hba_rules`). */
export const DEFAULT_PGBOUNCER_HBA_RULES = [
  { user: "${dbsu}", db: "pgbouncer", addr: "local", auth: "peer", title: "dbsu local admin access with os ident" },
  { user: "all", db: "all", addr: "localhost", auth: "pwd", title: "allow all user local access with pwd" },
  { user: "${monitor}", db: "pgbouncer", addr: "intra", auth: "pwd", title: "monitor access via intranet with pwd" },
  { user: "${admin}", db: "all", addr: "intra", auth: "pwd", title: "admin access via intranet with pwd" },
  { user: "all", db: "all", addr: "intra", auth: "pwd", title: "allow all user intra access with pwd" },
];

/** Postgres parameters every cluster starts from; `pg_parameters` overrides them key by key. */
export const DEFAULT_PG_PARAMETERS: Record<string, string | number | boolean> = {
  max_connections: 200,
  password_encryption: "scram-sha-256",
  wal_level: "replica",
  wal_log_hints: "on",
  hot_standby: "on",
  max_wal_senders: 10,
  max_replication_slots: 10,
  wal_keep_size: "1GB",
};
