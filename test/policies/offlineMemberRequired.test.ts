// offline-member-required on pg-test: a stack that asks for it needs an offline-capable member in every cluster.
import { offlineMemberRequired } from "../../policies/offlineMemberRequired";
import { UNKNOWN, clusterArgs, pgTest, pgTestMembers, violations } from "./fixtures";

const [m1, m2, m3] = pgTestMembers();

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
