// offline-member-required: offline traffic (port 5438) needs a member that serves it, or it lands on replicas.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters } from "./lib";

interface Config {
  requireOfflineMember?: boolean;
}

export const offlineMemberRequired: ResourceValidationPolicy = {
  name: "offline-member-required",
  description: "Every PostgreSQL cluster keeps an offline-capable member when the stack requires one.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requireOfflineMember: {
        type: "boolean",
        default: false,
        description: "Require a member with pg_role offline or pg_offline_query true in every cluster.",
      },
    },
  },
  validateResource: forClusters<Config>((facts, config, _args, report) => {
    const members = facts.members;
    if (!config.requireOfflineMember || !members) return;
    if (members.some((m) => m?.role === "offline" || m?.offlineQuery === true)) return;
    // A member whose role or flag is unknown may be the offline one.
    if (members.some((m) => m?.role === undefined || m.offlineQuery === undefined)) return;
    report(
      `Cluster ${facts.cluster} has no offline-capable member, which this stack requires; ` +
        "set pg_offline_query: true (or pg_role: offline) on one replica so offline queries have a home.",
    );
  }),
};
