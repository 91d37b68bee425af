// The in-place restore's host steps (steps/restore.ts), their real scripts run against a scratch root
// (test/helpers/fakeHost.ts): each part runs once per restore number, the restored member's data goes aside and its
// DCS keys are removed before Patroni starts, the others are rebuilt, and the steps the program adds re-run per number.
import { spawnSync } from "node:child_process";
import { loadInventory } from "../../config/load";
import type { ClusterModel } from "../../config/model";
import { CLUSTER_STEPS, INSTANCE_STEPS } from "../../config/stepCatalogue";
import { BACKUP_HELPER, PATRONI_HELPER } from "../../render/paths";
import { pitrCheckStep } from "../../steps/backup";
import { databasesStep, rolesStep } from "../../steps/cluster";
import { dynamicConfigStep } from "../../steps/patroniApi";
import { restoreBackupStep, restoreLeaderStep, restoreReplicaStep, restoreStopStep } from "../../steps/restore";
import { expectRanCleanly, fakeHost } from "../helpers/fakeHost";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";
import { unwrapScript } from "../helpers/shellRegions";

type RawInventory = { clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }> };

/** pg-test restored in place at `pitr` (restore 3 unless given), or not at all. */
function restored(pitr: Record<string, unknown> | null = { time: "2026-12-02 10:15:00+00" }) {
  const inv = rawFixture("pg-test.stack.yaml") as RawInventory;
  if (pitr) inv.clusters["pg-test"].vars.pg_pitr = { cluster: "pg-test", restore: 3, data_loss_acknowledged: true, ...pitr };
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
const SECRETS = JSON.stringify({ "tls/ca": "CA", "pg-test/etcd": "etcd-pw" });
const RECORD = "/var/lib/pigsty/restore/pg-test";
const host = fakeHost();

/**
 * Stand-ins for a member: systemctl (Patroni active unless PATRONI_DOWN), pg_ctl through runuser (Postgres runs
 * unless PG_DOWN), etcdctl, and the Patroni helper (leads unless NOT_LEADER; `status` says running).
 */
function member() {
  const h = host();
  h.stub("systemctl", 'if [ "$1" = -q ] && [ "$2" = is-active ]; then [ -z "${PATRONI_DOWN:-}" ]; fi');
  h.stub("runuser", 'if [ "${!#}" = status ]; then [ -z "${PG_DOWN:-}" ]; fi');
  h.stub("etcdctl", '[ "$ETCDCTL_USER" = patroni-pg-test:etcd-pw ] || exit 9');
  h.stub(PATRONI_HELPER, 'case "$1" in is-leader) [ -z "${NOT_LEADER:-}" ];; status) echo "pg-test-1 running";; esac');
  h.stub(BACKUP_HELPER, 'echo "helper says $1"');
  return h;
}

test.each(Object.keys(steps))("the %s script parses with bash -n", (s) => {
  const r = spawnSync("bash", ["-n"], { input: unwrapScript(steps[s as keyof typeof steps].create), encoding: "utf8" });
  expect(r.stderr).toBe("");
});

test.each(Object.entries(steps))("the %s script does nothing on a host that finished restore 3 (a later up, a changed target)", (_, step) => {
  const h = member();
  h.write(RECORD, "3\n");
  h.write("/pg/data/PG_VERSION", "15\n");
  const r = h.run(step.create, { stdin: SECRETS });
  expect(r.status).toBe(0);
  expect(r.calls).toEqual([]);
  expect(r.said).toEqual([expect.stringMatching(/^in-place restore 3 of pg-test: .* done already; raise pg_pitr.restore to restore again$/)]);
  expect(h.read("/pg/data/PG_VERSION")).toBe("15\n");
  // The preview's diff of every part names the restore, its target and the loss.
  expect(unwrapScript(step.create)).toContain("# in-place restore 3 of pg-test to time 2026-12-02 10:15:00+00: every write after it is lost");
});

test("the check asks the helper about the cluster's own stanza at the target, with no has-backup shortcut", () => {
  const r = member().run(steps.check.create);
  expect(r.status).toBe(0);
  expect(r.calls).toEqual([`${BACKUP_HELPER} check-target pg-test time 2026-12-02 10:15:00+00`]);
  expect(r.said).toEqual(["helper says check-target"]);
});

test("the stop records that the member led, then stops Patroni and the Postgres it left running", () => {
  const h = member();
  const r = h.run(steps.stop.create);
  expect(r.status).toBe(0);
  expect(h.read(`${RECORD}.led`)).toBe("3\n");
  expect(r.calls).toEqual([
    "systemctl -q is-active patroni",
    `${PATRONI_HELPER} is-leader`,
    "systemctl stop patroni",
    "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /pg/data status",
    "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /pg/data stop -m fast -w -t 120",
  ]);
});

test("a member that does not lead when stopped records nothing (its copy is removed at the rebuild)", () => {
  const h = member();
  expect(h.run(steps.stop.create, { env: { NOT_LEADER: "1" } }).status).toBe(0);
  expect(h.exists(`${RECORD}.led`)).toBe(false);
});

describe("the restored member", () => {
  test("stops, puts its data aside, removes the cluster's DCS keys, starts Patroni, waits until it leads, then records", () => {
    expect([...steps.leader.secrets].sort()).toEqual(["pg-test/etcd", "tls/ca"]);
    const h = member();
    h.write("/pg/data/PG_VERSION", "15\n");
    const r = h.run(steps.leader.create, { stdin: SECRETS, env: { PATRONI_DOWN: "1", PG_DOWN: "1" } });
    expectRanCleanly(r);
    expect(r.calls).toEqual([
      "systemctl stop patroni",
      "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /pg/data status",
      "own postgres:postgres /pg/data",
      "etcdctl --endpoints=https://10.10.10.10:2379 --command-timeout=5s del --prefix /pg/pg-test/",
      "systemctl -q is-active patroni",
      "systemctl start patroni",
      `${PATRONI_HELPER} status`,
      `${PATRONI_HELPER} is-leader`,
    ]);
    expect(h.read("/pg/data.before-restore-3/PG_VERSION")).toBe("15\n");
    expect(h.exists("/pg/data/PG_VERSION")).toBe(false);
    expect(h.mode("/pg/data")).toBe("0700");
    expect(h.read(`${RECORD}.started`)).toBe("3\n");
    expect(h.read(RECORD)).toBe("3\n");
    expect(r.said).toContain("pg-test restored in place to time 2026-12-02 10:15:00+00 on pg-test-1, on a new timeline");
  });

  test("an aside left by an earlier attempt is never overwritten: refused before anything is removed in the DCS", () => {
    const h = member();
    h.write("/pg/data/PG_VERSION", "15\n");
    h.write("/pg/data.before-restore-3/PG_VERSION", "14\n");
    const r = h.run(steps.leader.create, { stdin: SECRETS });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: pg-test-1 has both /pg/data and /pg/data.before-restore-3");
    expect(r.calls.some((c) => c.startsWith("etcdctl"))).toBe(false);
    expect(h.read("/pg/data.before-restore-3/PG_VERSION")).toBe("14\n");
    expect(h.exists(RECORD)).toBe(false);
  });

  test("a DCS that refuses the removal fails the step before Patroni starts", () => {
    const h = member();
    h.stub("etcdctl", "exit 1");
    const r = h.run(steps.leader.create, { stdin: SECRETS, env: { PATRONI_DOWN: "1" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: could not remove /pg/pg-test/ in the DCS; every member is stopped.");
    expect(r.calls).not.toContain("systemctl start patroni");
    expect(h.exists(`${RECORD}.started`)).toBe(false);
  });

  test("not leading by the deadline fails without recording; the next run only waits again, never clearing anything", () => {
    const h = member();
    const slow = restoreLeaderStep(model, cluster, primary, 0);
    const r = h.run(slow.create, { stdin: SECRETS, env: { NOT_LEADER: "1" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: pg-test-1 is not leading after 0s (now: pg-test-1 running)");
    expect(h.exists(RECORD)).toBe(false);
    h.write("/pg/data/PG_VERSION", "restoring\n");
    const again = h.run(slow.create, { stdin: SECRETS });
    expect(again.status).toBe(0);
    expect(again.calls).toEqual(["systemctl -q is-active patroni", `${PATRONI_HELPER} status`, `${PATRONI_HELPER} is-leader`]);
    expect(h.read("/pg/data/PG_VERSION")).toBe("restoring\n");
    expect(h.read(RECORD)).toBe("3\n");
  });
});

describe("another member", () => {
  test("its copy is removed and Patroni rebuilds it; the DCS is never touched", () => {
    const h = member();
    h.write("/pg/data/PG_VERSION", "15\n");
    const r = h.run(steps.replica.create, { env: { PATRONI_DOWN: "1", PG_DOWN: "1" } });
    expect(r.status).toBe(0);
    expect(steps.replica.secrets).toEqual([]);
    expect(r.calls.some((c) => c.startsWith("etcdctl"))).toBe(false);
    expect(r.calls).toContain("systemctl start patroni");
    expect(h.exists("/pg/data/PG_VERSION")).toBe(false);
    expect(h.exists("/pg/data.before-restore-3")).toBe(false);
    expect(h.read(RECORD)).toBe("3\n");
  });

  test("a member that led when stopped keeps its data aside (it may hold WAL not archived yet)", () => {
    const h = member();
    h.write("/pg/data/PG_VERSION", "15\n");
    h.write(`${RECORD}.led`, "3\n");
    expect(h.run(steps.replica.create, { env: { PATRONI_DOWN: "1", PG_DOWN: "1" } }).status).toBe(0);
    expect(h.read("/pg/data.before-restore-3/PG_VERSION")).toBe("15\n");
  });
});

test("the full backup after it is taken on the repository host, then recorded", () => {
  const h = member();
  const r = h.run(steps.backup.create);
  expect(r.status).toBe(0);
  expect(r.calls).toEqual([`${BACKUP_HELPER} backup pg-test full`]);
  expect(h.read(RECORD)).toBe("3\n");
  h.stub(BACKUP_HELPER, "exit 1");
  h.write(RECORD, "2\n");
  expect(h.run(steps.backup.create).status).toBe(1);
  expect(h.read(RECORD)).toBe("2\n");
});

test("roles, databases and the dynamic config change (so run again) with each restore number, and only then", () => {
  const builders = [(c: ClusterModel) => rolesStep(c), (c: ClusterModel) => databasesStep(c), (c: ClusterModel) => dynamicConfigStep(model, c)];
  const [three, four, none] = [restored(), restored({ time: "2026-12-02 10:15:00+00", restore: 4 }), restored(null)];
  const otherTarget = restored({ time: "2026-12-02 11:00:00+00" });
  for (const build of builders) {
    expect(build(three.cluster).create).not.toBe(build(four.cluster).create);
    expect(build(three.cluster).create).not.toBe(build(none.cluster).create);
    expect(build(three.cluster).create).toBe(build(otherTarget.cluster).create);
  }
});

test("the catalogue orders the restore: stops (the primary's last), the primary, a full backup, the others, then Patroni", () => {
  expect(INSTANCE_STEPS["restore-stop"].after).toEqual(["cluster.pitr", "replicas.restore-stop"]);
  expect(INSTANCE_STEPS.restore.after).toEqual(["restore-stop", "config", "pgbackrest", "cluster.restore-backup"]);
  expect(INSTANCE_STEPS.patroni.after).toContain("restore");
  expect(CLUSTER_STEPS["restore-backup"].after).toEqual(["primary.restore", "infra.pgbackrest"]);
});
