// `npm run pg`: a cluster, member or candidate the stack's config does not name is refused with the names it has,
// before any credentials are read or any host is asked.
import { parseArgs } from "../../operator/args";
import { unknownCluster, unknownMember, unknownName } from "../../operator/names";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const clusters = model.clusters;
const cluster = clusters[0];
const clusterNames = clusters.map((c) => c.name).join(", ");
const members = cluster.instances.map((i) => i.name).join(", ");
const check = (...argv: string[]) => unknownName(parseArgs(argv), clusters);

test("the fixture has the cluster and members these cases name", () => {
  expect(cluster.name).toBe("pg-test");
  expect(members).toBe("pg-test-1, pg-test-2, pg-test-3");
});

test("an unknown cluster names the stack's clusters (the message the e2e tier asserts)", () => {
  expect(unknownCluster(clusters, "pg-test", "dev")).toBeUndefined();
  expect(unknownCluster(clusters, "pg-nope", "e2e")).toBe(`no cluster pg-nope in stack e2e (clusters: ${clusterNames})`);
  expect(check("history", "pg-nope")).toBe(`no cluster pg-nope in stack dev (clusters: ${clusterNames})`);
  expect(check("list", "pg-nope", "--stack", "prod")).toBe(`no cluster pg-nope in stack prod (clusters: ${clusterNames})`);
  expect(check("backups", "pg-nope")).toBe(`no cluster pg-nope in stack dev (clusters: ${clusterNames})`);
  expect(check("alerts", "pg-nope")).toBe(`no cluster pg-nope in stack dev (clusters: ${clusterNames})`);
});

test("an unknown candidate is refused with the cluster's members, not passed to Patroni", () => {
  const refusal = "pg-test has no member pg-test-9 in stack dev (members: pg-test-1, pg-test-2, pg-test-3)";
  expect(check("switchover", "pg-test", "--candidate", "pg-test-9")).toBe(refusal);
  expect(check("failover", "pg-test", "--candidate", "pg-test-9")).toBe(refusal);
  expect(unknownMember(cluster, "pg-test-9", "dev")).toBe(refusal);
});

test("an unknown member of restart, reload and reinit is refused the same way", () => {
  for (const command of ["restart", "reload", "reinit"]) {
    expect(`${command}: ${check(command, "pg-test", "pg-test-4")}`).toBe(`${command}: pg-test has no member pg-test-4 in stack dev (members: ${members})`);
  }
  // A member of another cluster is not a member of this one.
  expect(check("reinit", "pg-test", "pg-nope-1")).toBe(`pg-test has no member pg-nope-1 in stack dev (members: ${members})`);
});

test("known names pass, and commands without a cluster have nothing to check", () => {
  expect(check("switchover", "pg-test", "--candidate", "pg-test-2")).toBeUndefined();
  expect(check("failover", "pg-test", "--candidate", "pg-test-1")).toBeUndefined();
  expect(check("switchover", "pg-test")).toBeUndefined();
  expect(check("restart", "pg-test", "pg-test-3")).toBeUndefined();
  expect(check("restart", "pg-test", "--pending")).toBeUndefined();
  expect(check("reinit", "pg-test", "pg-test-3")).toBeUndefined();
  expect(check("history", "pg-test")).toBeUndefined();
  expect(check("list")).toBeUndefined();
  expect(check("alerts")).toBeUndefined();
});
