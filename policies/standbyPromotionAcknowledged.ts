// standby-promotion-acknowledged: promoting a standby cluster makes it writable beside its upstream (split brain).
import { acknowledgedChangeRule } from "./lib";

export const standbyPromotionAcknowledged = acknowledgedChangeRule(
  "standby-promotion-acknowledged",
  "A deployed standby cluster is promoted (pg_upstream removed) only when its config acknowledges that it starts accepting writes.",
  "promotion",
  (promotion, cluster) => {
    const upstream = promotion.upstream ?? "its upstream";
    const vars = `clusters.${cluster}.vars`;
    return (
      `Cluster ${cluster} was deployed as a standby cluster of ${upstream} and its config no longer has pg_upstream: \`pulumi up\` promotes it, ` +
      `and it starts accepting writes. If ${upstream} still runs, both accept writes (split brain) and their data diverge. ` +
      `Stop writes on ${upstream} first (or accept the divergence), then set ${vars}.pg_promotion_acknowledged: true to promote it; ` +
      `or put ${vars}.pg_upstream: ${upstream} back to keep it a standby.`
    );
  },
);
