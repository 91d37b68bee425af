// Standby clusters (pg_upstream): checked and linked once every cluster is derived. A standby cluster streams from
// its upstream's members through a permanent slot there, the upstream's HBA admits its members, and its pgbouncer
// serves the upstream's users and databases (catalog objects come through replication; the files on each host do not).
// An upstream outside the stack, given by addresses, is checked and made in config/externalUpstream.ts.
import { addressesLabel, type ClusterModel, type DownstreamModel, type StandbyModel } from "./model";
import type { ClusterVars } from "./varsSchema";
import { normalizeHbaRule } from "./hbaRules";
import { closest } from "./didYouMean";
import { error, warning, type Problem } from "./problems";
import type { VarsPath } from "./deriveCluster";
import { externalStandby, externalUpstreamProblems, strayUpstreamKeys } from "./externalUpstream";

/** The permanent physical slot an upstream keeps for a standby cluster: `standby_<name>` in slot characters. */
export const standbySlotName = (cluster: string) => `standby_${cluster.replace(/-/g, "_")}`;

interface Inputs {
  vars: (name: string) => ClusterVars;
  at: (name: string) => VarsPath;
}

/** What every standby cluster obeys, named or not: nothing created on it (read-only), and no pg_pitr. */
function standbyRules(c: ClusterModel, v: ClusterVars, at: VarsPath, upstream: string): Problem[] {
  const problems: Problem[] = [];
  if (v.pg_users.length > 0) problems.push(error(at("pg_users"), `${c.name} is a standby cluster of ${upstream}: its users come from ${upstream} through replication, and nothing can be created on a read-only standby. Define them on ${upstream} and remove pg_users here.`));
  if (v.pg_databases.length > 0) problems.push(error(at("pg_databases"), `${c.name} is a standby cluster of ${upstream}: its databases come from ${upstream} through replication. Define them on ${upstream} and remove pg_databases here.`));
  if (v.pg_pitr) problems.push(error(at("pg_pitr"), `${c.name} is a standby cluster of ${upstream}, seeded from it: it cannot also be restored with pg_pitr. Remove one of the two.`));
  return problems;
}

/** The problems of pg_upstream and pg_delay, one cluster at a time; empty when the cluster may be linked. */
function problemsOf(c: ClusterModel, byName: Map<string, ClusterModel>, inputs: Inputs): Problem[] {
  const v = inputs.vars(c.name);
  const at = inputs.at(c.name);
  const upstream = v.pg_upstream;
  if (Array.isArray(upstream)) {
    const rules = standbyRules(c, v, at, addressesLabel(upstream));
    return externalUpstreamProblems(c, upstream, v, at, [...byName.values()], rules);
  }
  const stray = strayUpstreamKeys(c, v, at);
  if (upstream === undefined) {
    return v.pg_delay === undefined ? stray : [...stray, error(at("pg_delay"), `applies to a standby cluster only: ${c.name} has no pg_upstream. Remove pg_delay, or set pg_upstream to the cluster it should follow.`)];
  }
  const key = at("pg_upstream");
  if (upstream === c.name) return [error(key, `names ${c.name} itself. Name the cluster ${c.name} should follow, or remove pg_upstream.`)];
  const up = byName.get(upstream);
  if (!up) {
    const others = [...byName.keys()].filter((n) => n !== c.name);
    const guess = closest(upstream, others);
    return [error(key, `no cluster ${upstream} in the inventory${guess ? `: did you mean ${guess}?` : others.length > 0 ? ` (clusters: ${others.join(", ")})` : ""}. Name a cluster of this stack.`)];
  }
  const problems: Problem[] = [...stray];
  const upVars = inputs.vars(upstream);
  if (upVars.pg_replication_password === undefined || v.pg_replication_password !== upVars.pg_replication_password) {
    problems.push(warning(key, `${c.name} replicates from ${upstream} with ${upstream}'s replication password, which is generated for ${upstream} alone. After a promotion ${c.name} generates its own, and the way back (pg_upstream: ${c.name} on ${upstream}) cannot authenticate until ${upstream} is rewound. Give one pg_replication_password to both (top-level vars), as a secret.`));
  }
  if (upVars.pg_upstream === c.name) problems.push(error(key, `${c.name} and ${upstream} name each other as pg_upstream: one of them must be the primary cluster. Remove pg_upstream from it.`));
  else if (upVars.pg_upstream !== undefined) {
    const its = Array.isArray(upVars.pg_upstream) ? addressesLabel(upVars.pg_upstream) : upVars.pg_upstream;
    problems.push(error(key, `${upstream} is itself a standby cluster (of ${its}). Follow ${its} instead: a standby cluster streams from a read-write upstream.`));
  }
  problems.push(...standbyRules(c, v, at, upstream));
  if (up.version !== c.version) problems.push(error(at("pg_version"), `is ${c.version}, but ${upstream} runs ${up.version}: a standby cluster runs the upstream's major version. Set pg_version: ${up.version}.`));
  return problems;
}

/** The upstream's stanza, when both clusters keep backups in the same repository (the standby's members reach it). */
function sharedStanza(c: ClusterModel, up: ClusterModel): string | undefined {
  return c.backup && up.backup && c.backup.repo.ip === up.backup.repo.ip ? up.backup.stanza : undefined;
}

/**
 * Checks every pg_upstream and links the clusters: `standby` on each standby cluster (its users and databases the
 * upstream's), `downstream` and an HBA rule group per standby on each upstream; a standby of an upstream outside the
 * stack gets `standby` alone. Returns the problems found.
 */
export function linkStandbys(clusters: ClusterModel[], inputs: Inputs): Problem[] {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const problems = clusters.flatMap((c) => problemsOf(c, byName, inputs));
  if (problems.some((p) => p.severity === "error")) return problems;
  for (const c of clusters) {
    const v = inputs.vars(c.name);
    if (v.pg_upstream === undefined) continue;
    if (Array.isArray(v.pg_upstream)) {
      // Nothing of the upstream is ours: no downstream link, no HBA rule there; its users and databases stay unknown.
      c.standby = externalStandby(v.pg_upstream, v);
      continue;
    }
    const up = byName.get(v.pg_upstream)!;
    const slot = standbySlotName(c.name);
    const stanza = sharedStanza(c, up);
    const standby: StandbyModel = {
      upstream: up.name,
      hosts: up.instances.map((i) => i.ip),
      port: up.ports.postgres,
      slot,
      ...(stanza && { stanza }),
      ...(v.pg_delay && { delay: v.pg_delay }),
    };
    c.standby = standby;
    c.users = up.users;
    c.databases = up.databases;
    const downstream: DownstreamModel = { cluster: c.name, ips: c.instances.map((i) => i.ip), slot };
    up.downstream = [...up.downstream, downstream].sort((a, b) => a.cluster.localeCompare(b.cluster));
    up.hbaRules = [...up.hbaRules, ...standbyHbaRules(up, downstream)];
  }
  return problems;
}

/** On the upstream, on every member (a failover moves its primary): the standby's members replicate, and pg_rewind reads database postgres, over TLS. */
function standbyHbaRules(up: ClusterModel, d: DownstreamModel) {
  const ctx = { accounts: up.accounts, infraIp: "", memberIps: d.ips };
  return (["replication", "postgres"] as const).map((db) => {
    const title = `standby cluster ${d.cluster}: replicator ${db === "replication" ? "replication" : "postgres db (pg_rewind)"} from its members, over TLS`;
    const { rule } = normalizeHbaRule({ title, role: "common", user: "${repl}", db, addr: "cluster", auth: "ssl" }, ctx, false);
    return rule!;
  });
}
