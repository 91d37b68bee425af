// The in-place restore's host steps (steps/restore.ts): every script parses, each part runs once per restore number,
// the essential commands in their order, and the steps the program adds (only while pg_pitr names the cluster itself).
import { spawnSync } from "node:child_process";
import { loadInventory } from "../../config/load";
import type { ClusterModel } from "../../config/model";
import { CLUSTER_STEPS, INSTANCE_STEPS } from "../../config/stepCatalogue";
import { pitrCheckStep } from "../../steps/backup";
import { databasesStep, rolesStep } from "../../steps/cluster";
import { dynamicConfigStep } from "../../steps/patroniApi";
import { restoreBackupStep, restoreLeaderStep, restoreReplicaStep, restoreStopStep } from "../../steps/restore";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";
import { unwrapScript } from "../helpers/shellRegions";

type RawInventory = { clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }> };

/** pg-test restored in place at `pitr` (restore 3 unless given). */
function restored(pitr: Record<string, unknown> = { time: "2026-12-02 10:15:00+00" }) {
  const inv = rawFixture("pg-test.stack.yaml") as RawInventory;
  inv.clusters["pg-test"].vars.pg_pitr = { cluster: "pg-test", restore: 3, data_loss_acknowledged: true, ...pitr };
  const model = loadInventory(pinHostKeys(inv)).model;
  return { model, cluster: model.clusters.find((c) => c.name === "pg-test") as ClusterModel };
}

const { model, cluster } = restored();
const [primary, replica] = [cluster.primary, cluster.instances.find((i) => i !== cluster.primary)!];
const steps = {
  check: pitrCheckStep(cluster),
  stop: restoreStopStep(cluster, replica),
  leader: restoreLeaderStep(model, cluster, primary, 600),
  replica: restoreReplicaStep(cluster, replica, 600),
  backup: restoreBackupStep(cluster),
};
const text = (s: keyof typeof steps) => unwrapScript(steps[s].create);

test.each(Object.keys(steps))("the %s script parses with bash -n", (s) => {
  const r = spawnSync("bash", ["-n"], { input: text(s as keyof typeof steps), encoding: "utf8" });
  expect(r.stderr).toBe("");
});

test.each(Object.keys(steps))("the %s script says what is lost, and exits when this host finished restore 3", (s) => {
  const t = text(s as keyof typeof steps);
  expect(t).toContain("# in-place restore 3 of pg-test to time 2026-12-02 10:15:00+00: every write after it is lost (the WAL after it stays in the repository)");
  expect(t).toContain(`if [ "$(cat '/var/lib/pigsty/restore/pg-test' 2>/dev/null || echo 0)" -ge 3 ]; then`);
});

test("the check runs on the cluster's own stanza, with no has-backup shortcut", () => {
  expect(text("check")).toContain("'/usr/local/bin/pigsty-backup' 'check-target' 'pg-test' 'time' '2026-12-02 10:15:00+00'");
  expect(text("check")).not.toContain("has-backup");
});

test("the restored member: data aside, DCS keys removed, Patroni started, waits until it leads, then records", () => {
  const t = text("leader");
  const order = ["systemctl stop patroni", "mv -- '/pg/data' '/pg/data.before-restore-3'", "etcd_patroni del --prefix '/pg/pg-test/'", "echo 3 >'/var/lib/pigsty/restore/pg-test.started'", "systemctl -q is-active patroni || systemctl start patroni", "'is-leader'", "echo 3 >'/var/lib/pigsty/restore/pg-test'"];
  const at = order.map((l) => t.indexOf(l));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  expect(steps.leader.secrets.sort()).toEqual(["pg-test/etcd", "tls/ca"].sort());
});

test("another member: its copy removed unless it led when stopped, rebuilt, never removing the DCS keys", () => {
  const t = text("replica");
  expect(t).toContain(`if [ "$(cat '/var/lib/pigsty/restore/pg-test.led' 2>/dev/null || echo 0)" -eq 3 ]; then`);
  expect(t).toContain("rm -rf -- '/pg/data'");
  expect(t).not.toContain("etcd_patroni");
  expect(steps.replica.secrets).toEqual([]);
});

test("the full backup after it is taken on the repository host", () => {
  expect(text("backup")).toContain("'/usr/local/bin/pigsty-backup' 'backup' 'pg-test' 'full'");
});

test("roles, databases and the dynamic config run again once per restore number", () => {
  for (const step of [rolesStep(cluster), databasesStep(cluster), dynamicConfigStep(model, cluster)]) {
    expect(unwrapScript(step.create)).toContain("# runs again after in-place restore 3 of pg-test");
  }
});

test("the catalogue orders the restore: stops (the primary's last), the primary, a full backup, the others, then Patroni", () => {
  expect(INSTANCE_STEPS["restore-stop"].after).toEqual(["cluster.pitr", "replicas.restore-stop"]);
  expect(INSTANCE_STEPS.restore.after).toEqual(["restore-stop", "config", "pgbackrest", "cluster.restore-backup"]);
  expect(INSTANCE_STEPS.patroni.after).toContain("restore");
  expect(CLUSTER_STEPS["restore-backup"].after).toEqual(["primary.restore", "infra.pgbackrest"]);
});
