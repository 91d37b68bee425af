// The names a command of `npm run pg` gives (cluster, member, candidate), checked against the stack's config before any host is asked.
import type { ClusterModel } from "../config/model";
import type { Args } from "./args";

/** An unknown cluster, refused with the stack's clusters named. */
export function unknownCluster(clusters: readonly ClusterModel[], cluster: string, stack: string): string | undefined {
  if (clusters.some((c) => c.name === cluster)) return undefined;
  return `no cluster ${cluster} in stack ${stack} (clusters: ${clusters.map((c) => c.name).join(", ")})`;
}

/** A member the cluster's config does not name, refused with its members named. */
export function unknownMember(cluster: ClusterModel, member: string, stack: string): string | undefined {
  if (cluster.instances.some((i) => i.name === member)) return undefined;
  return `${cluster.name} has no member ${member} in stack ${stack} (members: ${cluster.instances.map((i) => i.name).join(", ")})`;
}

/**
 * The first name in the arguments that the stack's config does not know, as the message that refuses it; undefined
 * when all are known. Patroni would refuse an unknown candidate too, but with a reason about its own state (e.g.
 * "candidate name does not match with sync_standby") that does not say the name is wrong.
 */
export function unknownName(args: Pick<Args, "cluster" | "member" | "candidate" | "stack">, clusters: readonly ClusterModel[]): string | undefined {
  if (args.cluster === undefined) return undefined;
  const missing = unknownCluster(clusters, args.cluster, args.stack);
  if (missing) return missing;
  const cluster = clusters.find((c) => c.name === args.cluster) as ClusterModel;
  for (const member of [args.member, args.candidate]) {
    const unknown = member === undefined ? undefined : unknownMember(cluster, member, args.stack);
    if (unknown) return unknown;
  }
  return undefined;
}
