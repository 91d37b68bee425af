// min-cluster-members: a stack can demand a minimum HA size (e.g. 3 so a failover still leaves a replica).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters } from "./lib";

interface Config {
  minMembers?: number;
}

export const minClusterMembers: ResourceValidationPolicy = {
  name: "min-cluster-members",
  description: "Every PostgreSQL cluster has at least the number of members the stack requires.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minMembers: { type: "integer", minimum: 1, default: 1, description: "Fewest members per cluster; 1 = off." },
    },
  },
  validateResource: forClusters<Config>((facts, config, _args, report) => {
    const min = config.minMembers ?? 1;
    // Unknown members still count as members: only the list itself must be known.
    const count = facts.members?.length;
    if (count === undefined || count >= min) return;
    report(
      `Cluster ${facts.cluster} has ${count} member${count === 1 ? "" : "s"} but this stack requires at least ${min}; ` +
        "add replicas (a host with a new pg_seq and pg_role: replica) or lower minMembers in this policy's config.",
    );
  }),
};
