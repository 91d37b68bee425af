// The policy contract: the model facts that components register as their inputs, so that CrossGuard checks can
// read them. A policy sees these as `props` of resources typed `pigsty:pg:Cluster` / `pigsty:pg:Instance` /
// `pigsty:infra:Node`. Keep this file free of Pulumi imports: the policy pack and tests import it as plain data.
import { upstreamLabel, type ClusterModel, type InstanceModel, type Model, type PgRole } from "./model";

export type { PgRole };

export const clusterType = "pigsty:pg:Cluster";
export const instanceType = "pigsty:pg:Instance";
export const infraNodeType = "pigsty:infra:Node";

/** One HBA rule in structured form, as the cluster applies it. */
export interface HbaRuleFact {
  title: string;
  /** Which members get it: common | primary | replica | offline. */
  role: "common" | "primary" | "replica" | "offline";
  /** `local` for unix socket rules, otherwise `host`, `hostssl`, `hostnossl`. */
  type: string;
  user: string;
  db: string;
  /** CIDR, or "" for local rules. */
  addr: string;
  /** trust | md5 | scram-sha-256 | password | cert | reject | peer | ident ... */
  auth: string;
}

export interface MemberFact {
  name: string;
  ip: string;
  seq: number;
  role: PgRole;
  weight: number;
  offlineQuery: boolean;
}

/** Props of a `pigsty:pg:Cluster` component. */
export interface ClusterFacts {
  cluster: string;
  members: MemberFact[];
  hbaRules: HbaRuleFact[];
  /** Cluster-wide Postgres parameters, as given in config. */
  pgParameters: Record<string, string | number | boolean>;
  /** Patroni dynamic settings, e.g. synchronous_mode. */
  patroni: Record<string, unknown>;
  /** true when HAProxy's admin page asks for a username and password. */
  haproxyAdminAuth: boolean;
  rmPgdata: boolean;
  rmPgpkgs: boolean;
  /** The explicit "clean existing Postgres/DCS state" safety-guard override. */
  pgClean: boolean;
  maintenance: boolean;
  /**
   * Set when the program sees that the instance deployed as primary by the previous `up` is no longer in
   * config while other members remain: the user is removing the primary without a switchover.
   */
  primaryRemoval?: { instance: string; remaining: string[] };
  /** Names of the members deployed by the previous `up` that config no longer lists. */
  removedMembers: string[];
  /** pg_pitr naming the cluster itself: its restore number, target, and whether the loss of later writes is acknowledged. */
  inPlaceRestore?: { number: number; target: string; acknowledged: boolean };
  /** Set while the cluster is a standby cluster (pg_upstream): the cluster it follows, or the addresses of one outside the stack. */
  standby?: { upstream: string };
  /**
   * Set when the previous `up` deployed the cluster as a standby of `upstream` and config no longer has pg_upstream:
   * the next `up` promotes it. `acknowledged` is pg_promotion_acknowledged.
   */
  promotion?: { upstream: string; acknowledged: boolean };
}

/** Props of a `pigsty:pg:Instance` component: its member facts and its cluster. */
export interface InstanceFacts extends MemberFact {
  cluster: string;
}

/** Props of a `pigsty:infra:Node` component. */
export interface InfraNodeFacts {
  ip: string;
  /** The stack's DCS's members. */
  dcsMembers: { name: string; ip: string }[];
  /** The clusters' own DCSes (clusters.<c>.dcs), when any has one. */
  clusterDcs?: { cluster: string; name: string; members: { name: string; ip: string }[] }[];
}

/** What a removal looks like: the instances the previous `up` deployed (from stack outputs), by name and role. */
export interface DeployedMember {
  name: string;
  role: string;
}

/** A member's facts. */
export function memberFacts(i: InstanceModel): MemberFact {
  return { name: i.name, ip: i.ip, seq: i.seq, role: i.role, weight: i.weight, offlineQuery: i.offlineQuery };
}

/**
 * The facts a policy reads about a cluster; no secret among them. `deployed` and `deployedUpstream` are what the
 * previous `up` deployed: the cluster's members, and the upstream it followed if it was a standby cluster.
 */
export function clusterFacts(cluster: ClusterModel, deployed: DeployedMember[], deployedUpstream?: string): ClusterFacts {
  const names = new Set(cluster.instances.map((i) => i.name));
  const removed = deployed.filter((d) => !names.has(d.name));
  const removedPrimary = removed.find((d) => d.role === "primary");
  return {
    cluster: cluster.name,
    members: cluster.instances.map(memberFacts),
    hbaRules: cluster.hbaRules.flatMap((r) => r.entries.map(({ type, db, user, addr, auth }) => ({ title: r.title, role: r.role, type, db, user, addr, auth }))),
    pgParameters: cluster.parameters,
    patroni: { ...cluster.patroni },
    haproxyAdminAuth: cluster.haproxyAdmin.authEnabled,
    rmPgdata: cluster.flags.rmPgdata,
    rmPgpkgs: cluster.flags.rmPgpkgs,
    pgClean: cluster.flags.clean,
    maintenance: cluster.flags.maintenance,
    removedMembers: removed.map((d) => d.name),
    ...(removedPrimary && names.size > 0 && { primaryRemoval: { instance: removedPrimary.name, remaining: [...names] } }),
    ...(cluster.pitr?.inPlace && { inPlaceRestore: { ...cluster.pitr.inPlace, target: [cluster.pitr.type, cluster.pitr.target ?? ""].join(" ").trim() } }),
    ...(cluster.standby && { standby: { upstream: upstreamLabel(cluster.standby) } }),
    ...(deployedUpstream !== undefined && !cluster.standby && { promotion: { upstream: deployedUpstream, acknowledged: cluster.flags.promotionAcknowledged } }),
  };
}

/** An instance's facts: its member facts and its cluster. */
export function instanceFacts(cluster: ClusterModel, instance: InstanceModel): InstanceFacts {
  return { cluster: cluster.name, ...memberFacts(instance) };
}

/** The infra node's facts. */
export function infraNodeFacts(model: Model): InfraNodeFacts {
  const own = model.clusters.flatMap((c) => (c.ownDcs ? [{ cluster: c.name, name: c.ownDcs.name, members: c.ownDcs.members }] : []));
  return { ip: model.infra.ip, dcsMembers: model.dcs.members, ...(own.length > 0 && { clusterDcs: own }) };
}
