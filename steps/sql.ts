// SQL that makes roles, users and databases match the model; idempotent, passwords as secret placeholders.
// Names are validated identifiers (config/) and still go through ident()/literal(); setting names
// are validated GUC names, quoted part by part.
import type { ClusterModel, DatabaseModel, UserModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { placeholder, SCRAM_FORMAT } from "../render/placeholders";

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
/**
 * The host fills the placeholder with a SCRAM verifier, never the password (steps/scram.ts): its
 * alphabet has no `_`, so this tag cannot occur in it and the value cannot end the quoting.
 */
const passwordLiteral = (s: string) => `$pigsty_pw$${placeholder(s, SCRAM_FORMAT)}$pigsty_pw$`;

/** `work_mem` or `ext.setting` quoted part by part; the schema already allows only GUC names. */
export const settingName = (name: string) => name.split(".").map(ident).join(".");

/** A DO block; its body is built from quoted names only, and may not hold the `$$` that would end it. */
function doBlock(body: string): string {
  if (body.includes("$$")) throw new Error(`a DO block body holds $$: ${body}`);
  return `DO $$${body}$$;`;
}

function createRole(name: string): string {
  return doBlock(`BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(name)}) THEN CREATE ROLE ${ident(name)}; END IF; END`);
}

function roleOptions(u: UserModel): string[] {
  const flag = (on: boolean, word: string) => (on ? word : `NO${word}`);
  const opts = [
    flag(u.login, "LOGIN"),
    flag(u.superuser, "SUPERUSER"),
    flag(u.createdb, "CREATEDB"),
    flag(u.createrole, "CREATEROLE"),
    flag(u.inherit, "INHERIT"),
    flag(u.replication, "REPLICATION"),
    flag(u.bypassrls, "BYPASSRLS"),
    `CONNECTION LIMIT ${u.connlimit}`,
  ];
  if (u.expire_at) opts.push(`VALID UNTIL ${literal(u.expire_at)}`);
  return opts;
}

/** The built-in accounts this system owns besides Patroni's (superuser, replication). */
function accountSql(c: ClusterModel): string[] {
  const a = c.accounts;
  return [
    createRole(a.monitor),
    `ALTER ROLE ${ident(a.monitor)} LOGIN NOSUPERUSER CONNECTION LIMIT 8 PASSWORD ${passwordLiteral(slot.monitor(c.name))};`,
    `GRANT pg_monitor TO ${ident(a.monitor)};`,
    createRole(a.admin),
    `ALTER ROLE ${ident(a.admin)} LOGIN SUPERUSER PASSWORD ${passwordLiteral(slot.admin(c.name))};`,
    `ALTER ROLE ${ident(a.replication)} PASSWORD ${passwordLiteral(slot.replication(c.name))};`,
    // What pg_rewind needs from a non-superuser (PostgreSQL docs, pg_rewind).
    ...["pg_ls_dir(text, boolean, boolean)", "pg_stat_file(text, boolean)", "pg_read_binary_file(text)", "pg_read_binary_file(text, bigint, bigint, boolean)"].map(
      (f) => `GRANT EXECUTE ON FUNCTION pg_catalog.${f} TO ${ident(a.replication)};`,
    ),
  ];
}

export function userSql(c: ClusterModel, u: UserModel): string[] {
  const lines = [createRole(u.name), `ALTER ROLE ${ident(u.name)} ${roleOptions(u).join(" ")};`];
  if (u.login) lines.push(`ALTER ROLE ${ident(u.name)} PASSWORD ${passwordLiteral(slot.user(c.name, u.name))};`);
  for (const r of u.roles) lines.push(`GRANT ${ident(r)} TO ${ident(u.name)};`);
  for (const [k, v] of Object.entries(u.parameters ?? {})) lines.push(`ALTER ROLE ${ident(u.name)} SET ${settingName(k)} = ${literal(String(v))};`);
  if (u.comment) lines.push(`COMMENT ON ROLE ${ident(u.name)} IS ${literal(u.comment)};`);
  return lines;
}

/** Roles and users, group roles first (users are granted them), in inventory order. */
export function rolesSql(c: ClusterModel): string {
  const lines = ["SET client_min_messages = warning;", ...accountSql(c), ...c.users.flatMap((u) => userSql(c, u))];
  return `${lines.join("\n")}\n`;
}

function databaseSql(d: DatabaseModel): string[] {
  const create = [`CREATE DATABASE ${ident(d.name)} OWNER ${ident(d.owner)} TEMPLATE ${ident(d.template)}`];
  if (d.encoding) create.push(`ENCODING ${literal(d.encoding)}`);
  if (d.locale) create.push(`LOCALE ${literal(d.locale)}`);
  if (d.tablespace !== "pg_default") create.push(`TABLESPACE ${ident(d.tablespace)}`);
  const lines = [
    // CREATE DATABASE cannot run inside DO; psql's \gexec runs it only when the database is missing.
    `SELECT ${literal(create.join(" "))} WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(d.name)})\\gexec`,
    `ALTER DATABASE ${ident(d.name)} OWNER TO ${ident(d.owner)};`,
    `ALTER DATABASE ${ident(d.name)} CONNECTION LIMIT ${d.connlimit};`,
  ];
  // Moving an existing database needs it closed to everyone while its files are copied: that is left to a person.
  lines.push(
    doBlock(
      `BEGIN IF (SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = ${literal(d.name)}) <> ${literal(d.tablespace)} THEN ` +
        `RAISE WARNING ${literal(`database ${d.name} is not in tablespace ${d.tablespace} as configured; moving it locks it out while its files are copied, so it is not done here: ALTER DATABASE ${d.name} SET TABLESPACE ${d.tablespace}`)}; END IF; END`,
    ),
  );
  for (const [k, v] of Object.entries(d.parameters ?? {})) lines.push(`ALTER DATABASE ${ident(d.name)} SET ${settingName(k)} = ${literal(String(v))};`);
  if (d.comment) lines.push(`COMMENT ON DATABASE ${ident(d.name)} IS ${literal(d.comment)};`);
  if (d.revokeconn) lines.push(`REVOKE CONNECT ON DATABASE ${ident(d.name)} FROM PUBLIC;`);
  const inside = [
    ...d.schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${ident(s)} AUTHORIZATION ${ident(d.owner)};`),
    ...d.extensions.map((e) => {
      const ext = typeof e === "string" ? { name: e, schema: undefined } : e;
      return `CREATE EXTENSION IF NOT EXISTS ${ident(ext.name)}${ext.schema ? ` SCHEMA ${ident(ext.schema)}` : ""};`;
    }),
  ];
  // Nobody, not even a superuser, can connect while ALLOW_CONNECTIONS is false (set by an earlier run): such a
  // database is opened only for its schemas and extensions, and its final setting always comes last.
  if (inside.length > 0) {
    if (!d.allowconn) lines.push(`ALTER DATABASE ${ident(d.name)} ALLOW_CONNECTIONS true;`);
    lines.push(`\\connect ${ident(d.name)}`, ...inside, "\\connect postgres");
  }
  lines.push(`ALTER DATABASE ${ident(d.name)} ALLOW_CONNECTIONS ${d.allowconn};`);
  return lines;
}

/**
 * Databases and users marked absent. Runs after the databases (a dropped user may own a dropped
 * database); a user that still owns objects makes DROP ROLE fail with Postgres's own explanation.
 */
function droppedSql(c: ClusterModel): string[] {
  return [
    ...c.dropped.databases.map((d) => `DROP DATABASE IF EXISTS ${ident(d)} WITH (FORCE);`),
    ...c.dropped.users.map((u) => `DROP ROLE IF EXISTS ${ident(u)};`),
  ];
}

export function databasesSql(c: ClusterModel): string {
  return `${["SET client_min_messages = warning;", ...c.databases.flatMap(databaseSql), ...droppedSql(c)].join("\n")}\n`;
}
