// Schemas for who may connect to a cluster: pg_users, pg_databases and HBA rules (Pigsty names).
import { z } from "zod";
import { accountName, encodingName, gucRecord, localeName, matching, oneLine, passwordText } from "./safeValues";
import { strictObject } from "./schemaKit";

/** Extension names may have hyphens (uuid-ossp); they are always double-quoted in SQL. */
const extensionName = matching(/^[a-z_][a-z0-9_-]{0,62}$/, "an extension name", "Use the name pg_available_extensions lists, e.g. pg_stat_statements");

/** One entry of `pg_users` / `pg_default_roles` (Pigsty's user definition). */
export const UserSchema = strictObject({
  /** Role name, a lowercase Postgres identifier. */
  name: z.string(),
  /** Password; moved into the secret slot `<cluster>/user/<name>`, generated when absent. */
  password: passwordText.optional(),
  /** `absent` drops the role on the next up; deleting the entry only stops managing it. Default present. */
  state: z.enum(["present", "absent"]).default("present"),
  /** May log in (false makes it a group role). Default true. */
  login: z.boolean().default(true),
  /** Superuser. Default false. */
  superuser: z.boolean().default(false),
  /** May create databases. Default false. */
  createdb: z.boolean().default(false),
  /** May create roles. Default false. */
  createrole: z.boolean().default(false),
  /** Inherits privileges of granted roles. Default true. */
  inherit: z.boolean().default(true),
  /** Replication privilege. Default false. */
  replication: z.boolean().default(false),
  /** Bypasses row level security. Default false. */
  bypassrls: z.boolean().default(false),
  /** Connection limit, -1 = unlimited. Default -1. */
  connlimit: z.number().int().min(-1).default(-1),
  /** Password expires this many days after creation. */
  expire_in: z.number().int().positive().optional(),
  /** Password expires on this date (YYYY-MM-DD). */
  expire_at: matching(/^\d{4}-\d{2}-\d{2}$/, "a date", "Write it as YYYY-MM-DD, e.g. 2030-12-31").optional(),
  /** Roles granted to this user; each must be a user/role of the cluster or a built-in pg_* role. Default []. */
  roles: z.array(z.string()).default([]),
  /** Role-level settings (ALTER ROLE ... SET); keys are setting names. Default {}. */
  parameters: gucRecord("role").default({}),
  /** Expose through pgbouncer (adds it to the userlist). Default false. */
  pgbouncer: z.boolean().default(false),
  /** pgbouncer pool mode override for this user. */
  pool_mode: z.enum(["transaction", "session", "statement"]).optional(),
  /** COMMENT ON ROLE. */
  comment: z.string().optional(),
});

/** An extension to install in a database: a name or {name, schema}. */
const ExtensionSchema = z.union([extensionName, strictObject({ name: extensionName, schema: accountName("schema").optional() })]);

/** One entry of `pg_databases` (Pigsty's database definition). */
export const DatabaseSchema = strictObject({
  /** Database name, a lowercase Postgres identifier. */
  name: z.string(),
  /** `absent` drops the database (with `drop: true` to confirm); deleting the entry only stops managing it. Default present. */
  state: z.enum(["present", "absent"]).default("present"),
  /** The second, explicit flag that a `state: absent` database may really be dropped with its data. Default false. */
  drop: z.boolean().default(false),
  /** Owner; must be a user of the cluster. Default: the dbsu (postgres). */
  owner: z.string().optional(),
  /** Template database. Default template1. */
  template: accountName("template database").default("template1"),
  /** Encoding. Default: pg_encoding. */
  encoding: encodingName.optional(),
  /** Locale (LC_COLLATE and LC_CTYPE). Default: pg_locale. */
  locale: localeName.optional(),
  /** Tablespace. Default pg_default. */
  tablespace: accountName("tablespace").default("pg_default"),
  /** Connections allowed. Default true. */
  allowconn: z.boolean().default(true),
  /** Revoke CONNECT from PUBLIC. Default false. */
  revokeconn: z.boolean().default(false),
  /** Connection limit, -1 = unlimited. Default -1. */
  connlimit: z.number().int().min(-1).default(-1),
  /** Extensions to create. Default []. */
  extensions: z.array(ExtensionSchema).default([]),
  /** Schemas to create. Default []. */
  schemas: z.array(accountName("schema")).default([]),
  /** Database-level settings (ALTER DATABASE ... SET); keys are setting names. Default {}. */
  parameters: gucRecord("database").default({}),
  /** Expose through pgbouncer ([databases] entry). Default true, as in Pigsty. */
  pgbouncer: z.boolean().default(true),
  /** COMMENT ON DATABASE. */
  comment: z.string().optional(),
});

/** Which instances an HBA rule applies to. `replica` = every non-primary; `offline` = pg_role offline or pg_offline_query. */
export const HbaRoleSchema = z.enum(["common", "primary", "replica", "offline"]);

/**
 * One HBA rule group, in either Pigsty form:
 * raw `{title, role, rules: ["host all all 10.0.0.0/8 md5", ...]}` (Pigsty v1, the SOP's form), or
 * structured `{user, db, addr, auth, title, role}` (later Pigsty) where addr may be an alias
 * (local, localhost, infra, cluster, intra, world) or a CIDR and auth one of
 * trust, deny, reject, pwd, scram, sha, md5, ident, peer, or Pigsty's TLS-only ssl, ssl-sha, ssl-md5 and
 * cert, whose TCP lines are hostssl (config/hbaRules.ts). Raw lines are checked too: one line, a known type,
 * method and tokens (config/hbaLine.ts).
 */
export const HbaRuleSchema = strictObject({
  /** Comment line written above the rule (one line). */
  title: oneLine.optional(),
  /** Where the rule applies. Default common. */
  role: HbaRoleSchema.default("common"),
  /** Raw pg_hba.conf lines (raw form). */
  rules: z.array(z.string()).optional(),
  /** Role name, `all`, `+group`, or ${dbsu} ${repl} ${monitor} ${admin} (structured form). */
  user: z.string().optional(),
  /** Database name, `all` or `replication` (structured form). */
  db: z.string().optional(),
  /** Address alias or CIDR (structured form). */
  addr: z.string().optional(),
  /** Auth method alias (structured form). */
  auth: z.string().optional(),
});

export type UserInput = z.infer<typeof UserSchema>;
export type DatabaseInput = z.infer<typeof DatabaseSchema>;
export type HbaRuleInput = z.infer<typeof HbaRuleSchema>;
export type HbaRole = z.infer<typeof HbaRoleSchema>;
