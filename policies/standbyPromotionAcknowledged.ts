// standby-promotion-acknowledged: promoting a standby cluster makes it writable beside its upstream (split brain).
import { mandatoryClusterRule } from "./lib";

export const standbyPromotionAcknowledged = mandatoryClusterRule(
  "standby-promotion-acknowledged",
  "A deployed standby cluster is promoted (pg_upstream removed) only when its config acknowledges that it starts accepting writes.",
  (facts) => {
    const promotion = facts.promotion;
    if (!promotion || promotion.acknowledged === true) return undefined;
    const upstream = promotion.upstream ?? "its upstream";
    const vars = `clusters.${facts.cluster}.vars`;
    return (
      `Cluster ${facts.cluster} was deployed as a standby cluster of ${upstream} and its config no longer has pg_upstream: \`pulumi up\` promotes it, ` +
      `and it starts accepting writes. If ${upstream} still runs, both accept writes (split brain) and their data diverge. ` +
      `Stop writes on ${upstream} first (or accept the divergence), then set ${vars}.pg_promotion_acknowledged: true to promote it; ` +
      `or put ${vars}.pg_upstream: ${upstream} back to keep it a standby.`
    );
  },
);
