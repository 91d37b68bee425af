// standby-promotion-acknowledged: promoting a standby cluster makes it writable beside its upstream (split brain).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters } from "./lib";

export const standbyPromotionAcknowledged: ResourceValidationPolicy = {
  name: "standby-promotion-acknowledged",
  description: "A deployed standby cluster is promoted (pg_upstream removed) only when its config acknowledges that it starts accepting writes.",
  enforcementLevel: "mandatory",
  validateResource: forClusters((facts, _config, _args, report) => {
    const promotion = facts.promotion;
    if (!promotion || promotion.acknowledged === true) return;
    const upstream = promotion.upstream ?? "its upstream";
    const vars = `clusters.${facts.cluster}.vars`;
    report(
      `Cluster ${facts.cluster} was deployed as a standby cluster of ${upstream} and its config no longer has pg_upstream: \`pulumi up\` promotes it, ` +
        `and it starts accepting writes. If ${upstream} still runs, both accept writes (split brain) and their data diverge. ` +
        `Stop writes on ${upstream} first (or accept the divergence), then set ${vars}.pg_promotion_acknowledged: true to promote it; ` +
        `or put ${vars}.pg_upstream: ${upstream} back to keep it a standby.`,
    );
  }),
};
