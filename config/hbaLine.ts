// What a pg_hba.conf / pgbouncer HBA line may contain: known connection types and methods, one line,
// tokens without whitespace or quotes. A bad line is refused here, because on the host Postgres would
// refuse to reload HBA (and the next start would fail) while the step still reported success.
import { isCidr, isIpv4 } from "./schemaKit";

/** A problem in an HBA rule; warnings do not stop a deploy. */
export interface HbaIssue {
  message: string;
  warning?: boolean;
}

const PG_TYPES = ["local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"];
const PGBOUNCER_TYPES = ["local", "host", "hostssl", "hostnossl"];

/** The methods PostgreSQL 15 accepts in pg_hba.conf. */
export const PG_METHODS = ["trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi", "ident", "peer", "ldap", "radius", "cert", "pam", "bsd"];
/** The methods pgbouncer's auth_hba_file accepts. */
export const PGBOUNCER_METHODS = ["trust", "reject", "scram-sha-256", "md5", "password", "peer", "cert"];

/**
 * One item of a db or user column: a keyword or name, `+group` for users. No whitespace, commas,
 * quotes, `#` (starts a comment) or `@` (includes a file).
 */
const NAME_ITEM = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

/** Why a db/user column is unsafe, or undefined. Lists are comma-separated items. */
export function tokenProblem(column: "db" | "user", token: string): string | undefined {
  const items = token.split(",");
  const ok = items.every((item) => NAME_ITEM.test(column === "user" && item.startsWith("+") ? item.slice(1) : item));
  if (ok) return undefined;
  const example = column === "user" ? "dbuser_app, +dbrole_readonly or all" : "all, replication or meta";
  return `${JSON.stringify(token)} is not a ${column} name or list. Write names without spaces, quotes or line breaks, separated by commas, e.g. ${example}`;
}

const OPTION = /^[a-z_]+=[A-Za-z0-9_.,:/@+-]*$/;

/** Checks a raw HBA line: one line, known type, safe tokens, a CIDR, a whitelisted method, key=value options. */
export function checkRawLine(line: string, forPgbouncer: boolean): HbaIssue[] {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) {
    return [{ message: `${JSON.stringify(line)} holds a line break or control character. Give each HBA line as its own list item` }];
  }
  if (line.includes("#")) return [{ message: `${JSON.stringify(line)} has a #, which would cut the line short. Put comments in title` }];
  const f = line.trim().split(/[ \t]+/);
  const types = forPgbouncer ? PGBOUNCER_TYPES : PG_TYPES;
  if (!types.includes(f[0])) return [{ message: `${JSON.stringify(f[0])} is not a connection type. Start the line with ${types.slice(0, -1).join(", ")} or ${types[types.length - 1]}` }];
  const local = f[0] === "local";
  const need = local ? 4 : 5;
  if (f.length < need) return [{ message: `${JSON.stringify(line)} has too few fields. Write "${local ? "local DB USER METHOD" : "host DB USER CIDR METHOD"}"` }];
  const tokens = [tokenProblem("db", f[1]), tokenProblem("user", f[2])].filter((p): p is string => p !== undefined);
  if (tokens.length > 0) return [{ message: tokens[0] }];
  if (!local && !isCidr(f[3]) && !/^(all|samehost|samenet)$/.test(f[3])) {
    return [{ message: `${JSON.stringify(f[3])} is not a CIDR. Write the address as a.b.c.d/n, e.g. 10.0.0.0/8` }];
  }
  const method = f[need - 1];
  const methods = forPgbouncer ? PGBOUNCER_METHODS : PG_METHODS;
  if (!methods.includes(method)) {
    return [{ message: `${JSON.stringify(method)} is not an auth method ${forPgbouncer ? "pgbouncer" : "PostgreSQL 15"} accepts. Use one of: ${methods.join(", ")}` }];
  }
  const bad = f.slice(need).find((o) => !OPTION.test(o));
  if (bad !== undefined) return [{ message: `${JSON.stringify(bad)} is not an auth option. Write options as name=value after the method, e.g. map=omicron` }];
  return methodIssues(method, local ? "local" : f[3]);
}

/** True for an HBA address that matches only the host itself: samehost, a CIDR inside 127.0.0.0/8, or ::1/128. */
export function isLoopback(addr: string): boolean {
  if (addr === "samehost" || addr === "::1/128") return true;
  const [ip, bits] = addr.split("/");
  return isCidr(addr) && isIpv4(ip) && ip.startsWith("127.") && Number(bits) >= 8;
}

/** Methods that only make sense on some connections: peer only on the socket, ident over TCP trusts the client's identd. */
export function methodIssues(method: string, addr: string): HbaIssue[] {
  if (addr === "local") return [];
  if (method === "peer") return [{ message: "peer works only on local (unix socket) lines; Postgres refuses to load it on a host line. Use addr local, or scram-sha-256 (pwd) for TCP" }];
  if (method === "ident" && !isLoopback(addr)) {
    return [{ warning: true, message: `ident over TCP from ${addr} believes whatever identd runs on the client host. Prefer scram-sha-256 (pwd), or ident only on local lines` }];
  }
  return [];
}
