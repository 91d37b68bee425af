// Cross-field checks inside one cluster: names, members, users and grants, databases, VIP, flags.
import type { VarsPath } from "./deriveCluster";
import { error, warning, type Problem } from "./problems";
import type { ClusterInput } from "./schema";
import { CLUSTER_NAME, PG_IDENTIFIER, isIpv4 } from "./schemaKit";
import { STACK_SSL_PARAMETERS } from "./tlsSchema";
import { validateVip } from "./vip";

export function validateCluster(name: string, cluster: ClusterInput, at: VarsPath): Problem[] {
  const problems: Problem[] = [];
  const base = `clusters.${name}`;
  if (!CLUSTER_NAME.test(name)) {
    problems.push(error(base, `${JSON.stringify(name)} is not a valid cluster name. Use lowercase letters, digits and hyphens, starting with a letter (e.g. pg-test).`));
  }
  const v = cluster.vars;
  if (v.pg_cluster !== undefined && v.pg_cluster !== name) {
    problems.push(error(at("pg_cluster"), `${JSON.stringify(v.pg_cluster)} differs from the cluster key ${JSON.stringify(name)}. Make them equal or drop pg_cluster.`));
  }
  problems.push(...checkHosts(base, cluster));
  problems.push(...checkUsersAndDatabases(cluster, at));
  const members = Object.entries(cluster.hosts).map(([ip, h]) => ({ ip, name: `${name}-${h.pg_seq}` }));
  problems.push(...validateVip(v, members, at));
  const p = v.patroni;
  if (p.loop_wait + 2 * p.retry_timeout > p.ttl) {
    // Patroni's rule: a leader that retries its DCS for retry_timeout, twice, within one loop must still hold the key.
    problems.push(
      error(
        at("patroni.ttl"),
        `${p.ttl} is below loop_wait + 2 × retry_timeout (${p.loop_wait} + 2 × ${p.retry_timeout} = ${p.loop_wait + 2 * p.retry_timeout}): a short DCS hiccup would then cost the leader its key (a failover). Raise ttl or lower loop_wait/retry_timeout.`,
      ),
    );
  }
  for (const key of STACK_SSL_PARAMETERS.filter((k) => k in v.pg_parameters)) {
    problems.push(error(at(`pg_parameters.${key}`), "is set by the stack on every member: TLS is on, with the member's certificate from the stack's CA (docs/security.md). Remove it; ssl_min_protocol_version and ssl_ciphers may be set here."));
  }
  if (v.pg_conf === "olap" || v.pg_conf === "tiny") {
    problems.push(warning(at("pg_conf"), `${v.pg_conf}: only crit changes settings here, so the cluster runs with the oltp defaults (Pigsty's memory tuning for ${v.pg_conf} is not applied). Set parameters in pg_parameters.`));
  }
  const strict = v.patroni.synchronous_mode_strict ?? v.pg_conf === "crit";
  if (strict && Object.keys(cluster.hosts).length < 2) {
    problems.push(error(v.pg_conf === "crit" ? at("pg_conf") : at("patroni.synchronous_mode_strict"), "makes every commit wait for a synchronous standby, and a cluster of one member has none, so no write would ever commit. Add a replica first."));
  }
  if (v.pg_safeguard && (v.pg_clean || v.rm_pgdata)) {
    const flag = v.pg_clean ? "pg_clean" : "rm_pgdata";
    problems.push(error(at(flag), `cannot be true while pg_safeguard is on. Turn pg_safeguard off first if you really mean to wipe data.`));
  }
  return problems;
}

/** Membership checks; also run on a cluster that failed its schema, so one bad field hides nothing else. */
export function checkHosts(base: string, cluster: { hosts: Record<string, { pg_seq?: unknown; pg_role?: unknown }> }): Problem[] {
  const problems: Problem[] = [];
  const seqOwner = new Map<unknown, string>();
  const primaries: string[] = [];
  for (const [ip, host] of Object.entries(cluster.hosts)) {
    if (!isIpv4(ip)) problems.push(error(`${base}.hosts.${ip}`, `${JSON.stringify(ip)} is not an IPv4 address. Key each host by its IP, e.g. 10.10.10.11.`));
    if (typeof host.pg_seq !== "number") continue;
    const owner = seqOwner.get(host.pg_seq);
    if (owner !== undefined) {
      problems.push(error(`${base}.hosts.${ip}.pg_seq`, `${host.pg_seq} is already used by ${owner}. Give each host of a cluster its own pg_seq.`));
    } else seqOwner.set(host.pg_seq, ip);
    if (host.pg_role === "primary") primaries.push(ip);
  }
  if (Object.keys(cluster.hosts).length === 0) {
    problems.push(error(`${base}.hosts`, "the cluster has no hosts. Add at least one host with pg_role: primary."));
  } else if (primaries.length === 0) {
    problems.push(error(`${base}.hosts`, "no host has pg_role: primary. Mark exactly one host pg_role: primary."));
  } else if (primaries.length > 1) {
    problems.push(error(`${base}.hosts`, `${primaries.join(", ")} are all pg_role: primary. Keep exactly one primary and make the others replica.`));
  }
  return problems;
}

/** Built-in Postgres roles (pg_monitor, pg_read_all_data, ...) may be granted without being declared. */
const BUILTIN_ROLE = /^pg_[a-z_]+$/;

function checkUsersAndDatabases(cluster: ClusterInput, at: VarsPath): Problem[] {
  const problems: Problem[] = [];
  const v = cluster.vars;
  const accounts = [v.pg_dbsu, v.pg_replication_username, v.pg_monitor_username, v.pg_admin_username];
  const known = new Set<string>(accounts);
  const lists = [
    { key: "pg_default_roles", users: v.pg_default_roles },
    { key: "pg_users", users: v.pg_users },
  ];
  for (const { key, users } of lists) {
    users.forEach((u, i) => {
      const path = `${at(key)}[${i}].name`;
      if (!PG_IDENTIFIER.test(u.name)) {
        problems.push(error(path, `${JSON.stringify(u.name)} is not a valid user name. Use lowercase letters, digits and _, starting with a letter or _ (at most 63).`));
      } else if (known.has(u.name) && !accounts.includes(u.name)) {
        problems.push(error(path, `user ${u.name} is defined twice. Keep one definition.`));
      }
      known.add(u.name);
    });
  }
  for (const { key, users } of lists) {
    users.forEach((u, i) =>
      u.roles.forEach((role, j) => {
        if (!known.has(role) && !BUILTIN_ROLE.test(role)) {
          problems.push(error(`${at(key)}[${i}].roles[${j}]`, `${role} is not a user or role of this cluster. Add it to pg_users (or pg_default_roles) or fix the name.`));
        }
      }),
    );
  }
  const absent = new Set([...v.pg_default_roles, ...v.pg_users].filter((u) => u.state === "absent").map((u) => u.name));
  const dbNames = new Set<string>();
  v.pg_databases.forEach((d, i) => {
    const path = `${at("pg_databases")}[${i}]`;
    if (!PG_IDENTIFIER.test(d.name)) problems.push(error(`${path}.name`, `${JSON.stringify(d.name)} is not a valid database name. Use lowercase letters, digits and _, starting with a letter or _.`));
    else if (dbNames.has(d.name)) problems.push(error(`${path}.name`, `database ${d.name} is defined twice. Keep one definition.`));
    dbNames.add(d.name);
    if (d.owner !== undefined && !known.has(d.owner)) {
      problems.push(error(`${path}.owner`, `${d.owner} is not a user of this cluster. Add it to pg_users or fix the owner.`));
    } else if (d.state === "present" && d.owner !== undefined && absent.has(d.owner)) {
      problems.push(error(`${path}.owner`, `${d.owner} is marked state: absent, so it cannot own ${d.name}. Change the owner first, or drop the database too.`));
    }
    if (d.state === "absent" && !d.drop) {
      problems.push(error(`${path}.drop`, `state: absent drops database ${d.name} and all its data. Set drop: true as well to confirm, or remove state: absent.`));
    }
  });
  return problems;
}
