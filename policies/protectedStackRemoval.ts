// protected-stack-data-removal: on stacks holding real data, no config flag may wipe a data directory or DCS state.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters, stackOf } from "./lib";

interface Config {
  protectedStack?: boolean;
  protectedStacks?: string[];
}

export const protectedStackRemoval: ResourceValidationPolicy = {
  name: "protected-stack-data-removal",
  description: "Protected stacks never set rm_pgdata or the clean-existing-state override on a cluster.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      protectedStack: { type: "boolean", default: false, description: "This stack holds data that must be kept." },
      protectedStacks: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Stack names that are protected, for one config file shared by several stacks.",
      },
    },
  },
  validateResource: forClusters<Config>((facts, config, args, report) => {
    const stack = stackOf(args.urn);
    if (!config.protectedStack && !(config.protectedStacks ?? []).includes(stack)) return;
    if (facts.rmPgdata === true) {
      report(
        `Cluster ${facts.cluster} sets rm_pgdata on protected stack ${stack}; removed members must keep their ` +
          "data directories here: unset rm_pgdata (wipe data by hand after a verified backup if you really must).",
      );
    }
    if (facts.pgClean === true) {
      report(
        `Cluster ${facts.cluster} sets the clean-existing-state override on protected stack ${stack}; it would ` +
          "wipe an existing Postgres or DCS state: unset it and investigate what is already on the hosts.",
      );
    }
  }),
};
