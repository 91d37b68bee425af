// An upstream outside the stack (pg_upstream given by addresses): what it needs from the inventory, and the standby it
// makes. Nothing of the upstream is ours: no slot is made there, no HBA rule, no archive read, and of its passwords
// only the replication password is known (given).
import type { ClusterModel, StandbyOfAddresses } from "./model";
import type { ClusterVars } from "./varsSchema";
import type { VarsPath } from "./deriveCluster";
import { error, warning, type Problem } from "./problems";

/** `pulumi config set` for a key of this cluster's vars; `secret` for passwords. */
const setCommand = (at: VarsPath, key: string, value: string, secret: boolean) =>
  `pulumi config set${secret ? " --secret" : ""} --path 'pigsty:inventory.${at(key)}' ${value}`;

/**
 * The problems of a standby cluster of an upstream outside the stack. `rules`: those every standby cluster obeys
 * (no pg_users, pg_databases or pg_pitr), worded with the upstream's label.
 */
export function externalUpstreamProblems(c: ClusterModel, addresses: string[], v: ClusterVars, at: VarsPath, clusters: ClusterModel[], rules: Problem[]): Problem[] {
  const key = at("pg_upstream");
  const problems: Problem[] = [...rules];
  const members = new Map(clusters.flatMap((x) => x.instances.map((i) => [i.ip, x.name] as const)));
  for (const ip of addresses) {
    const owner = members.get(ip);
    if (owner === c.name) problems.push(error(key, `${ip} is a member of ${c.name} itself. Give the addresses of the upstream's members, or remove pg_upstream.`));
    else if (owner !== undefined) {
      problems.push(warning(key, `${ip} is a member of ${owner}, a cluster of this stack. Name the cluster instead (pg_upstream: ${owner}): only then does ${owner} get the HBA rules and the slot for ${c.name}, and ${c.name} can replay ${owner}'s archive.`));
    }
  }
  if (v.pg_replication_password === undefined) {
    problems.push(error(at("pg_replication_password"), `is required with an upstream outside the stack: ${c.name} streams as ${c.accounts.replication} with the upstream's replication password, which this stack cannot know. Set it as a secret: ${setCommand(at, "pg_replication_password", "'<the upstream's password>'", true)}.`));
  }
  if (v.pg_upstream_ca === undefined) {
    problems.push(error(at("pg_upstream_ca"), `is required with an upstream outside the stack: replication is verified TLS (sslmode verify-full), and the upstream's certificate is not signed by this stack's CA. Give the CA certificate that signed it: ${setCommand(at, "pg_upstream_ca", '-- "$(cat upstream-ca.crt)"', false)}.`));
  }
  if (problems.some((p) => p.severity === "error")) return problems;
  problems.push(warning(key, `${c.name} follows an upstream outside the stack, whose users and passwords this stack cannot know: until ${c.name} is promoted, its pgbouncer serves no business user or database (services through pgbouncer reach none); applications read through its Postgres port, with the upstream's credentials. At promotion, define pg_users and pg_databases here.`));
  if (v.pg_monitor_password === undefined) {
    problems.push(warning(at("pg_monitor_password"), `is not given: ${c.name}'s catalog is the upstream's, so its exporter must log in as ${c.accounts.monitor} with the upstream's password; without it ${c.name} has no Postgres metrics until promotion. Set it as a secret: ${setCommand(at, "pg_monitor_password", "'<the upstream's password>'", true)}.`));
  }
  return problems;
}

/** The standby of an upstream outside the stack (after externalUpstreamProblems found no error). */
export function externalStandby(addresses: string[], v: ClusterVars): StandbyOfAddresses {
  return {
    external: true,
    hosts: addresses,
    port: v.pg_upstream_port ?? 5432,
    ...(v.pg_upstream_slot && { slot: v.pg_upstream_slot }),
    ca: v.pg_upstream_ca!,
    ...(v.pg_delay && { delay: v.pg_delay }),
  };
}

/** The keys that only an upstream outside the stack takes: each set one is an error on any other cluster. */
export function strayUpstreamKeys(c: ClusterModel, v: ClusterVars, at: VarsPath): Problem[] {
  const keys = (["pg_upstream_port", "pg_upstream_slot", "pg_upstream_ca"] as const).filter((k) => v[k] !== undefined);
  const why = v.pg_upstream === undefined ? `${c.name} has no pg_upstream` : `${c.name}'s pg_upstream names a cluster of this stack, which brings its own port, slot and CA`;
  return keys.map((k) => error(at(k), `applies to an upstream outside the stack only (pg_upstream given by addresses): ${why}. Remove ${k}.`));
}
