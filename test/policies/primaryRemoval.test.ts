// primary-removal-needs-switchover on the pg-test cluster.
import { primaryRemoval } from "../../policies/primaryRemoval";
import { UNKNOWN, clusterArgs, pgTest, pgTestMembers, violations } from "./fixtures";

const [, m2, m3] = pgTestMembers();

describe("primary-removal-needs-switchover", () => {
  it("passes when no primary is being removed", async () => {
    expect(await violations(primaryRemoval, clusterArgs(pgTest()))).toEqual([]);
  });

  it("reports a primary removed while replicas remain", async () => {
    const facts = pgTest({
      members: [m2, m3],
      primaryRemoval: { instance: "pg-test-1", remaining: ["pg-test-2", "pg-test-3"] },
      removedMembers: ["pg-test-1"],
    });
    expect(await violations(primaryRemoval, clusterArgs(facts))).toEqual([
      "Cluster pg-test removes its primary pg-test-1 while pg-test-2, pg-test-3 remain; switch over first (set pg_role: primary on a remaining member and run pulumi up), then remove pg-test-1.",
    ]);
  });

  it("passes a whole-cluster removal and tolerates an unknown fact", async () => {
    const whole = pgTest({ primaryRemoval: { instance: "pg-test-1", remaining: [] } });
    expect(await violations(primaryRemoval, clusterArgs(whole))).toEqual([]);
    expect(await violations(primaryRemoval, clusterArgs({ ...pgTest(), primaryRemoval: UNKNOWN }))).toEqual([]);
  });
});
