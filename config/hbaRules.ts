// Normalizes both HBA rule forms (raw lines, structured {user, db, addr, auth}) into concrete lines.
import type { HbaRuleInput } from "./accessSchema";
import type { HbaEntry, HbaRuleModel } from "./model";
import { checkRawLine, isLoopback, methodIssues, tokenProblem } from "./hbaLine";
import { isCidr } from "./schemaKit";

/** What structured rules may refer to; filled from the inventory. */
export interface HbaContext {
  accounts: { dbsu: string; replication: string; monitor: string; admin: string };
  infraIp: string;
  memberIps: string[];
  /** pg_hba_require_ssl: remote lines become hostssl (requiringSsl). */
  requireSsl?: boolean;
}

const INTRANET = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** Address aliases of structured rules, resolved to CIDRs ("local" means the unix socket). */
function resolveAddr(addr: string, ctx: HbaContext): string[] | undefined {
  switch (addr) {
    case "local":
      return ["local"];
    case "localhost":
      return ["127.0.0.1/32"];
    case "infra":
      return [`${ctx.infraIp}/32`];
    case "cluster":
      return ctx.memberIps.map((ip) => `${ip}/32`);
    case "intra":
    case "intranet":
      return INTRANET;
    case "world":
      return ["0.0.0.0/0"];
    default:
      return isCidr(addr) ? [addr] : undefined;
  }
}

/** Auth aliases of structured rules. `pwd` follows password_encryption (scram-sha-256). */
const AUTH: Record<string, string> = {
  trust: "trust",
  deny: "reject",
  reject: "reject",
  pwd: "scram-sha-256",
  scram: "scram-sha-256",
  sha: "scram-sha-256",
  md5: "md5",
  ident: "ident",
  peer: "peer",
  ssl: "scram-sha-256",
  "ssl-sha": "scram-sha-256",
  "ssl-md5": "md5",
  cert: "cert",
};

/** Pigsty's aliases whose TCP lines are hostssl: the password (or client certificate) only over TLS. */
const OVER_TLS = new Set(["ssl", "ssl-sha", "ssl-md5", "cert"]);

function resolveUser(user: string, ctx: HbaContext): string {
  const vars: Record<string, string> = {
    "${dbsu}": ctx.accounts.dbsu,
    "${repl}": ctx.accounts.replication,
    "${monitor}": ctx.accounts.monitor,
    "${admin}": ctx.accounts.admin,
  };
  return vars[user] ?? user;
}

/** A raw line in fields (whitespace-separated; the address column only on non-local lines). */
function parseRawLine(line: string): HbaEntry {
  const [type = "", db = "", user = "", ...rest] = line.trim().split(/[ \t]+/);
  const local = type === "local";
  const [addr = "", auth = "", ...options] = local ? ["", ...rest] : rest;
  return { type, db, user, addr, auth, options };
}

const lineOf = (e: HbaEntry) => [e.type, e.db, e.user, e.addr, e.auth, ...e.options].filter((f) => f !== "").join(" ");

/** The rule with its entries, and the entries as HBA lines. */
function ruleOf(input: HbaRuleInput, entries: HbaEntry[]): HbaRuleModel {
  return { title: input.title ?? "", role: input.role, entries, lines: entries.map(lineOf) };
}

/**
 * pg_hba_require_ssl: every `host` line for addresses beyond this host becomes `hostssl`, so a client elsewhere gets
 * in only over TLS. The unix socket, loopback and `samehost` stay as they are (the exporter and pgbouncer connect
 * there without TLS), and so do lines written hostnossl, hostssl or hostgssenc.
 */
export function requiringSsl(rule: HbaRuleModel): HbaRuleModel {
  const entries = rule.entries.map((e) => (e.type === "host" && !isLoopback(e.addr) ? { ...e, type: "hostssl" } : e));
  return { ...rule, entries, lines: entries.map(lineOf) };
}

/** Result of normalizing one rule: lines, or problems (and warnings) relative to the rule's path. */
export interface NormalizedRule {
  rule?: HbaRuleModel;
  problems: { field: string; message: string; warning?: boolean }[];
}

export function normalizeHbaRule(input: HbaRuleInput, ctx: HbaContext, forPgbouncer: boolean): NormalizedRule {
  if (input.rules !== undefined) {
    const structured = ["user", "db", "addr", "auth"].filter((k) => input[k as keyof HbaRuleInput] !== undefined);
    if (structured.length > 0) {
      return { problems: [{ field: structured[0], message: "cannot be combined with rules. Use either raw rules or the structured user/db/addr/auth form" }] };
    }
    const problems = input.rules.flatMap((line, i) => checkRawLine(line, forPgbouncer).map((p) => ({ field: `rules[${i}]`, ...p })));
    return { rule: ruleOf(input, input.rules.map(parseRawLine)), problems };
  }
  const missing = (["user", "db", "addr", "auth"] as const).filter((k) => input[k] === undefined);
  if (missing.length > 0) {
    return { problems: [{ field: missing[0], message: "is required. Give user, db, addr and auth, or raw rules: [...]" }] };
  }
  const problems: NormalizedRule["problems"] = [];
  const user = resolveUser(input.user!, ctx);
  // A line break or space inside a token would add HBA lines of the author's choosing.
  const userProblem = tokenProblem("user", user);
  if (userProblem) problems.push({ field: "user", message: `${userProblem}, or one of \${dbsu}, \${repl}, \${monitor}, \${admin}` });
  const dbProblem = tokenProblem("db", input.db!);
  if (dbProblem) problems.push({ field: "db", message: dbProblem });
  const addrs = resolveAddr(input.addr!, ctx);
  if (!addrs) problems.push({ field: "addr", message: `${JSON.stringify(input.addr)} is not a CIDR or address alias. Use e.g. 10.0.0.0/8, local, localhost, infra, cluster, intra or world` });
  let method = AUTH[input.auth!];
  if (method === undefined) problems.push({ field: "auth", message: `${JSON.stringify(input.auth)} is not an auth method. Use one of: ${Object.keys(AUTH).join(", ")}` });
  // pgbouncer has no ident; on its unix socket peer is the same check.
  if (forPgbouncer && method === "ident" && input.addr === "local") method = "peer";
  if (forPgbouncer && method === "ident") problems.push({ field: "auth", message: "pgbouncer has no ident method. Use peer with addr: local, or pwd" });
  if (problems.length > 0) return { problems };
  const issues = [...new Set(addrs!)].flatMap((a) => methodIssues(method, a));
  for (const issue of issues.slice(0, 1)) problems.push({ field: "auth", ...issue });
  if (problems.some((p) => !p.warning)) return { problems };
  const tcp = OVER_TLS.has(input.auth!) ? "hostssl" : "host";
  const entries = addrs!.map((a) => ({ type: a === "local" ? "local" : tcp, db: input.db!, user, addr: a === "local" ? "" : a, auth: method, options: [] }));
  return { rule: ruleOf(input, entries), problems };
}
