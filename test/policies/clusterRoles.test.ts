// single-primary, unique-pg-seq and primary-removal-needs-switchover on the pg-test cluster.
import { primaryRemoval } from "../../policies/primaryRemoval";
import { singlePrimary } from "../../policies/singlePrimary";
import { uniquePgSeq } from "../../policies/uniquePgSeq";
import { UNKNOWN, clusterArgs, pgTest, pgTestMembers, violations } from "./fixtures";

const [m1, m2, m3] = pgTestMembers();

describe("single-primary", () => {
  it("passes pg-test", async () => expect(await violations(singlePrimary, clusterArgs(pgTest()))).toEqual([]));

  it("reports two primaries", async () => {
    const facts = pgTest({ members: [m1, { ...m2, role: "primary" }, m3] });
    expect(await violations(singlePrimary, clusterArgs(facts))).toEqual([
      "Cluster pg-test has 2 members with pg_role primary (pg-test-1, pg-test-2); keep pg_role: primary on one member and set the others to replica or offline.",
    ]);
  });

  it("reports no primary", async () => {
    const facts = pgTest({ members: [{ ...m1, role: "replica" }, m2, m3] });
    expect(await violations(singlePrimary, clusterArgs(facts))).toEqual([
      "Cluster pg-test has no member with pg_role primary; set pg_role: primary on exactly one member (the one Patroni currently leads, see `pt list`).",
    ]);
  });

  it("does not guess when a role is unknown, nor when the member list is", async () => {
    const unknownRole = { ...pgTest(), members: [{ ...m1, role: UNKNOWN }, m2, m3] };
    expect(await violations(singlePrimary, clusterArgs(unknownRole))).toEqual([]);
    expect(await violations(singlePrimary, clusterArgs({ ...pgTest(), members: UNKNOWN }))).toEqual([]);
    expect(await violations(singlePrimary, clusterArgs({ cluster: "pg-test" }))).toEqual([]);
  });
});

describe("unique-pg-seq", () => {
  it("passes pg-test", async () => expect(await violations(uniquePgSeq, clusterArgs(pgTest()))).toEqual([]));

  it("reports a shared pg_seq", async () => {
    const facts = pgTest({ members: [m1, m2, { ...m3, seq: 2 }] });
    expect(await violations(uniquePgSeq, clusterArgs(facts))).toEqual([
      "Cluster pg-test uses pg_seq 2 for 2 members (pg-test-2, pg-test-3); give each member a pg_seq of its own (instance and Patroni member names derive from it).",
    ]);
  });

  it("ignores members whose pg_seq is unknown", async () => {
    const facts = { ...pgTest(), members: [m1, { ...m2, seq: UNKNOWN }, UNKNOWN] };
    expect(await violations(uniquePgSeq, clusterArgs(facts))).toEqual([]);
  });
});

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
