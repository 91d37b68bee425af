// min-cluster-members and offline-member-required on pg-test.
import { minClusterMembers } from "../../policies/minClusterMembers";
import { offlineMemberRequired } from "../../policies/offlineMemberRequired";
import { UNKNOWN, clusterArgs, pgTest, pgTestMembers, violations } from "./fixtures";

const [m1, m2, m3] = pgTestMembers();

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

describe("offline-member-required", () => {
  const required = { config: { requireOfflineMember: true } };
  const noOffline = pgTest({ members: [m1, m2, { ...m3, role: "replica", offlineQuery: false }] });

  it("passes pg-test, and any cluster when not required", async () => {
    expect(await violations(offlineMemberRequired, clusterArgs(pgTest(), required))).toEqual([]);
    expect(await violations(offlineMemberRequired, clusterArgs(noOffline))).toEqual([]);
  });

  it("accepts a replica with pg_offline_query as offline-capable", async () => {
    const flagged = pgTest({ members: [m1, m2, { ...m3, role: "replica" }] });
    expect(await violations(offlineMemberRequired, clusterArgs(flagged, required))).toEqual([]);
  });

  it("reports a cluster without an offline-capable member", async () => {
    expect(await violations(offlineMemberRequired, clusterArgs(noOffline, required))).toEqual([
      "Cluster pg-test has no offline-capable member, which this stack requires; set pg_offline_query: true (or pg_role: offline) on one replica so offline queries have a home.",
    ]);
  });

  it("does not judge when a member is unknown", async () => {
    const facts = { ...noOffline, members: [m1, m2, { ...m3, role: "replica", offlineQuery: UNKNOWN }] };
    expect(await violations(offlineMemberRequired, clusterArgs(facts, required))).toEqual([]);
  });
});
