// single-primary: config names exactly one primary per cluster, so a deploy never asks for two leaders or none.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters, names } from "./lib";

export const singlePrimary: ResourceValidationPolicy = {
  name: "single-primary",
  description: "Every PostgreSQL cluster declares exactly one member with pg_role primary.",
  enforcementLevel: "mandatory",
  validateResource: forClusters((facts, _config, _args, report) => {
    const members = facts.members;
    if (!members) return;
    const primaries = members.filter((m) => m?.role === "primary");
    if (primaries.length > 1) {
      report(
        `Cluster ${facts.cluster} has ${primaries.length} members with pg_role primary (${names(primaries)}); ` +
          "keep pg_role: primary on one member and set the others to replica or offline.",
      );
    }
    // With a role still unknown at preview the unknown one may be the primary: only judge complete lists.
    const complete = members.every((m) => m?.role !== undefined);
    if (primaries.length === 0 && complete) {
      report(
        `Cluster ${facts.cluster} has no member with pg_role primary; ` +
          "set pg_role: primary on exactly one member (the one Patroni currently leads, see `pt list`).",
      );
    }
  }),
};
