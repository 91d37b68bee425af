// min-cluster-members, offline-member-required and synchronous-mode-in-patroni on pg-test.
import { minClusterMembers } from "../../policies/minClusterMembers";
import { offlineMemberRequired } from "../../policies/offlineMemberRequired";
import { syncModeInPatroni } from "../../policies/syncModeInPatroni";
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

describe("synchronous-mode-in-patroni", () => {
  it("passes pg-test, which sets it in Patroni", async () => {
    expect(await violations(syncModeInPatroni, clusterArgs(pgTest()))).toEqual([]);
  });

  it("reports synchronous_mode and synchronous_mode_strict among Postgres parameters", async () => {
    const facts = pgTest({ pgParameters: { synchronous_mode: true, synchronous_mode_strict: "on" } });
    expect(await violations(syncModeInPatroni, clusterArgs(facts))).toEqual([
      "Cluster pg-test sets synchronous_mode as a Postgres parameter; it is a Patroni setting: move it from the cluster's Postgres parameters to its Patroni settings (patroni.synchronous_mode).",
      "Cluster pg-test sets synchronous_mode_strict as a Postgres parameter; it is a Patroni setting: move it from the cluster's Postgres parameters to its Patroni settings (patroni.synchronous_mode_strict).",
    ]);
  });

  it("still sees the key when its value is unknown, and skips an unknown map", async () => {
    const unknownValue = { ...pgTest(), pgParameters: { synchronous_mode: UNKNOWN } };
    expect(await violations(syncModeInPatroni, clusterArgs(unknownValue))).toHaveLength(1);
    expect(await violations(syncModeInPatroni, clusterArgs({ ...pgTest(), pgParameters: UNKNOWN }))).toEqual([]);
  });
});
