// min-cluster-members on pg-test: a cluster smaller than the stack's minMembers is reported.
import { minClusterMembers } from "../../policies/minClusterMembers";
import { UNKNOWN, clusterArgs, pgTest, pgTestMembers, violations } from "./fixtures";

const [m1, m2] = pgTestMembers();

describe("min-cluster-members", () => {
  it("is off by default and passes pg-test at three", async () => {
    expect(await violations(minClusterMembers, clusterArgs(pgTest({ members: [m1] })))).toEqual([]);
    expect(await violations(minClusterMembers, clusterArgs(pgTest(), { config: { minMembers: 3 } }))).toEqual([]);
  });

  it("reports a cluster smaller than minMembers", async () => {
    const facts = pgTest({ members: [m1, m2] });
    expect(await violations(minClusterMembers, clusterArgs(facts, { config: { minMembers: 3 } }))).toEqual([
      "Cluster pg-test has 2 members but this stack requires at least 3; add replicas (a host with a new pg_seq and pg_role: replica) or lower minMembers in this policy's config.",
    ]);
  });

  it("counts members that are unknown and skips an unknown list", async () => {
    const config = { config: { minMembers: 3 } };
    expect(await violations(minClusterMembers, clusterArgs({ ...pgTest(), members: [m1, UNKNOWN, UNKNOWN] }, config))).toEqual([]);
    expect(await violations(minClusterMembers, clusterArgs({ ...pgTest(), members: UNKNOWN }, config))).toEqual([]);
  });
});
