// The policy contract (config/facts.ts): HBA facts come from the fields the rules were made from, not from re-read text.
import { clusterFacts } from "../../config/facts";
import { normalizeHbaRule, type HbaContext } from "../../config/hbaRules";
import { loadInventory } from "../../config/load";
import { pgTest, rawFixture } from "../helpers/inventoryFixtures";

const ctx: HbaContext = { accounts: { dbsu: "postgres", replication: "replicator", monitor: "dbuser_monitor", admin: "dbuser_dba" }, infraIp: "10.10.10.10", memberIps: ["10.10.10.11", "10.10.10.12"] };

test("a raw line is read once into fields; extra blanks, options and local lines keep their columns", () => {
  const { rule, problems } = normalizeHbaRule({ role: "common", title: "raw", rules: ["host  all\tdbuser_x 10.0.0.0/8 scram-sha-256 clientcert=verify-ca", "local all postgres peer map=dba"] }, ctx, false);
  expect(problems).toEqual([]);
  expect(rule?.entries).toEqual([
    { type: "host", db: "all", user: "dbuser_x", addr: "10.0.0.0/8", auth: "scram-sha-256", options: ["clientcert=verify-ca"] },
    { type: "local", db: "all", user: "postgres", addr: "", auth: "peer", options: ["map=dba"] },
  ]);
  expect(rule?.lines).toEqual(["host all dbuser_x 10.0.0.0/8 scram-sha-256 clientcert=verify-ca", "local all postgres peer map=dba"]);
});

test("a structured rule carries its resolved fields, one entry per address", () => {
  const { rule } = normalizeHbaRule({ role: "replica", title: "members", user: "${repl}", db: "replication", addr: "cluster", auth: "pwd" }, ctx, false);
  expect(rule?.entries.map((e) => [e.type, e.db, e.user, e.addr, e.auth])).toEqual([
    ["host", "replication", "replicator", "10.10.10.11/32", "scram-sha-256"],
    ["host", "replication", "replicator", "10.10.10.12/32", "scram-sha-256"],
  ]);
  expect(rule?.lines).toEqual(["host replication replicator 10.10.10.11/32 scram-sha-256", "host replication replicator 10.10.10.12/32 scram-sha-256"]);
});

test("a cluster's HBA facts are its rules' entries, with the rule's title and role", () => {
  const cluster = pgTest().model.clusters[0];
  const facts = clusterFacts(cluster, []);
  expect(facts.hbaRules).toHaveLength(cluster.hbaRules.flatMap((r) => r.lines).length);
  expect(facts.hbaRules.slice(-2)).toEqual([
    { title: "allow internal infra service direct access", role: "common", type: "host", db: "test", user: "dbuser_test", addr: "10.0.0.0/8", auth: "md5" },
    { title: "test user from the infra node", role: "common", type: "host", db: "test", user: "dbuser_test", addr: "10.10.10.10/32", auth: "scram-sha-256" },
  ]);
  expect(facts.hbaRules.filter((r) => r.type === "local").every((r) => r.addr === "")).toBe(true);
});

test("a primary deployed before and gone from config is a primary removal; removed replicas are listed", () => {
  const cluster = pgTest().model.clusters[0];
  const names = cluster.instances.map((i) => i.name);
  expect(clusterFacts(cluster, [{ name: "pg-test-9", role: "primary" }, { name: "pg-test-8", role: "replica" }])).toMatchObject({
    removedMembers: ["pg-test-9", "pg-test-8"],
    primaryRemoval: { instance: "pg-test-9", remaining: names },
  });
  expect(clusterFacts(cluster, [{ name: names[0], role: "primary" }]).primaryRemoval).toBeUndefined();
});

describe("standby and promotion facts", () => {
  const cluster = pgTest().model.clusters[0];
  const asStandby = { ...cluster, standby: { upstream: "pg-up", hosts: ["10.10.20.11"], port: 5432, slot: "pg_test" } };

  test("a standby cluster's fact names its upstream; a cluster that never was one has neither fact", () => {
    expect(clusterFacts(asStandby, []).standby).toEqual({ upstream: "pg-up" });
    expect(clusterFacts(cluster, [])).not.toHaveProperty("standby");
    expect(clusterFacts(cluster, [])).not.toHaveProperty("promotion");
  });

  test("a standby deployed before and without pg_upstream now is a promotion, acknowledged by the flag", () => {
    expect(clusterFacts(cluster, [], "pg-up").promotion).toEqual({ upstream: "pg-up", acknowledged: false });
    const acknowledged = { ...cluster, flags: { ...cluster.flags, promotionAcknowledged: true } };
    expect(clusterFacts(acknowledged, [], "pg-up").promotion).toEqual({ upstream: "pg-up", acknowledged: true });
  });

  test("a standby that stays a standby, even of another upstream, is no promotion", () => {
    expect(clusterFacts(asStandby, [], "pg-up")).not.toHaveProperty("promotion");
    expect(clusterFacts(asStandby, [], "pg-other")).not.toHaveProperty("promotion");
  });

  test("pg_promotion_acknowledged reaches the model's flags (default false)", () => {
    expect(cluster.flags.promotionAcknowledged).toBe(false);
    const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
    raw.clusters["pg-test"].vars.pg_promotion_acknowledged = true;
    expect(loadInventory(raw).model.clusters[0].flags.promotionAcknowledged).toBe(true);
  });
});
