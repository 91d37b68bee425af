// standby-promotion-acknowledged: a standby cluster that loses pg_upstream is promoted only with pg_promotion_acknowledged.
import { standbyPromotionAcknowledged } from "../../policies/standbyPromotionAcknowledged";
import { UNKNOWN, clusterArgs, pgTest, violations } from "./fixtures";

/** pg-std, deployed as a standby cluster of pg-test, with `patch` applied on top. */
const pgStd = (patch: object = {}) => ({ ...pgTest(), cluster: "pg-std", ...patch });
const promotion = { upstream: "pg-test", acknowledged: false };

describe("standby-promotion-acknowledged", () => {
  it("ignores a cluster that is not and was not a standby cluster", async () => {
    expect(await violations(standbyPromotionAcknowledged, clusterArgs(pgTest()))).toEqual([]);
  });

  it("ignores a standby cluster that stays a standby", async () => {
    expect(await violations(standbyPromotionAcknowledged, clusterArgs(pgStd({ standby: { upstream: "pg-test" } })))).toEqual([]);
  });

  it("fails a promotion without the acknowledgement, naming the key and both ways out", async () => {
    expect(await violations(standbyPromotionAcknowledged, clusterArgs(pgStd({ promotion })))).toEqual([
      "Cluster pg-std was deployed as a standby cluster of pg-test and its config no longer has pg_upstream: `pulumi up` promotes it, and it starts accepting writes. " +
        "If pg-test still runs, both accept writes (split brain) and their data diverge. " +
        "Stop writes on pg-test first (or accept the divergence), then set clusters.pg-std.vars.pg_promotion_acknowledged: true to promote it; " +
        "or put clusters.pg-std.vars.pg_upstream: pg-test back to keep it a standby.",
    ]);
  });

  it("passes it with the acknowledgement", async () => {
    expect(await violations(standbyPromotionAcknowledged, clusterArgs(pgStd({ promotion: { ...promotion, acknowledged: true } })))).toEqual([]);
  });

  it("fails when the acknowledgement is unknown (it is never an output of another resource)", async () => {
    expect(await violations(standbyPromotionAcknowledged, clusterArgs(pgStd({ promotion: { ...promotion, acknowledged: UNKNOWN } })))).toHaveLength(1);
  });

  it("still says what to do when the upstream's name is unknown", async () => {
    const [message] = await violations(standbyPromotionAcknowledged, clusterArgs(pgStd({ promotion: { ...promotion, upstream: UNKNOWN } })));
    expect(message).toContain("a standby cluster of its upstream");
    expect(message).toContain("set clusters.pg-std.vars.pg_promotion_acknowledged: true");
  });
});
