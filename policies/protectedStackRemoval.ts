// protected-stack-data-removal: on stacks holding real data, no config flag may wipe a data directory or DCS state.
import { stackMarkedRule, stackMarker } from "./lib";

const protectedStack = stackMarker("protectedStack", "This stack holds data that must be kept.", "protectedStacks", "protected");

export const protectedStackRemoval = stackMarkedRule(
  "protected-stack-data-removal",
  "Protected stacks never set rm_pgdata or the clean-existing-state override on a cluster.",
  protectedStack,
  (facts, stack, isProtected) => {
    if (!isProtected) return [];
    const violations: string[] = [];
    if (facts.rmPgdata === true) {
      violations.push(
        `Cluster ${facts.cluster} sets rm_pgdata on protected stack ${stack}; removed members must keep their ` +
          "data directories here: unset rm_pgdata (wipe data by hand after a verified backup if you really must).",
      );
    }
    if (facts.pgClean === true) {
      violations.push(
        `Cluster ${facts.cluster} sets the clean-existing-state override on protected stack ${stack}; it would ` +
          "wipe an existing Postgres or DCS state: unset it and investigate what is already on the hosts.",
      );
    }
    return violations;
  },
);
