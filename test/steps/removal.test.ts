// Removing a member stops what serves clients on it (HAProxy, pgbouncer), and leaves what re-adding it needs; a
// re-added member keeps its old data aside. The steps' real scripts run against a scratch root (test/helpers/fakeHost.ts).
import { haproxyStep } from "../../steps/haproxy";
import { pgbouncerStep } from "../../steps/pgbouncer";
import { guardStep, patroniStep } from "../../steps/postgres";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const member = cluster.instances[1];
const host = fakeHost();

test.each([
  ["haproxy", haproxyStep(model, cluster, member)],
  ["pgbouncer", pgbouncerStep(model, cluster, member)],
])("the %s step's removal stops and disables the service where it is installed, and passes where it is not", (unit, step) => {
  host().stub("systemctl");
  const r = host().run(step.delete!);
  expect(r.status).toBe(0);
  expect(r.calls).toEqual([`systemctl cat ${unit}`, `systemctl disable --now -q ${unit}`]);
  expect(r.said).toEqual([`stopped and disabled ${unit}`]);
  host().stub("systemctl", '[ "$1" != cat ]');
  const none = host().run(step.delete!);
  expect(none.status).toBe(0);
  expect(none.calls).toEqual([`systemctl cat ${unit}`]);
});

test("a removed member leaves a marker naming its cluster (so that re-adding it works), and stops a Postgres Patroni left running", () => {
  const h = host();
  for (const stub of ["/usr/local/bin/pigsty-patroni", "systemctl", "runuser"]) h.stub(stub);
  h.write("/pg/.pigsty-cluster", "pg-test\n");
  h.write("/pg/data/postmaster.pid", "4242\n");
  const r = h.run(patroniStep(cluster, member, 60).delete!);
  expect(r.status).toBe(0);
  expect(h.exists("/pg/.pigsty-cluster")).toBe(false);
  expect(h.read("/pg/.pigsty-cluster-removed")).toBe("pg-test\n");
  expect(r.calls.filter((c) => c.startsWith("runuser"))).toEqual(["runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /pg/data stop -m fast -w"]);
});

describe("a member re-added to its cluster (the guard step)", () => {
  const SECRETS = JSON.stringify({ "tls/ca": "CA", "pg-test/etcd": "etcd-pw" });
  /** Runs the guard of `who` on a host removed from pg-test with its data left; the DCS answers `initialized` for the cluster. */
  function guard(initialized: string, who = member) {
    const h = host();
    h.stub("etcdctl", `[ "$ETCDCTL_USER" = patroni-pg-test:etcd-pw ] || exit 9\necho ${initialized}`);
    h.stub("ps");
    h.write("/pg/.pigsty-cluster-removed", "pg-test\n");
    h.write("/pg/data/PG_VERSION", "15\n");
    return h.run(guardStep(model, cluster, who).create, { stdin: SECRETS });
  }

  test.each([["a replica", member], ["the primary", cluster.primary]])("%s: while the cluster lives in its DCS, its old data is kept aside and it is cloned again", (_, who) => {
    const r = guard("7390000000000000001", who);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.calls[0]).toBe("etcdctl --endpoints=https://10.10.10.10:2379 --command-timeout=5s get --print-value-only /pg/pg-test/initialize");
    const aside = /kept at (\/pg\/data\.removed-\d{8}T\d{6});/.exec(r.said.join("\n"))?.[1] as string;
    expect(host().read(`${aside}/PG_VERSION`)).toBe("15\n");
    expect(host().exists("/pg/data")).toBe(false);
    expect(host().read("/pg/.pigsty-cluster")).toBe("pg-test\n");
    expect(host().exists("/pg/.pigsty-cluster-removed")).toBe(false);
  });

  test("a cluster of that name created again (not in the DCS): the old data is refused, never moved", () => {
    const r = guard('""');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: 10.10.10.12 (pg-test-2) already has a data directory at /pg/data, which this stack did not create; nothing was changed.");
    expect(host().read("/pg/data/PG_VERSION")).toBe("15\n");
    expect(host().exists("/pg/.pigsty-cluster")).toBe(false);
  });

  test("a host that belongs to the cluster already is left as it is", () => {
    const h = host();
    h.write("/pg/.pigsty-cluster", "pg-test\n");
    h.write("/pg/data/PG_VERSION", "15\n");
    const r = h.run(guardStep(model, cluster, member).create, { stdin: SECRETS });
    expect(r.status).toBe(0);
    expect(r.said).toEqual(["host already belongs to pg-test"]);
    expect(r.calls).toEqual([]);
  });

  test("the same script for every role: a switchover in config does not run the guard again", () => {
    const same = (text: string, name: string, ip: string) => text.split(name).join("X").split(ip).join("X").replace(/PIGSTY_[0-9A-F]{12}/g, "TAG");
    expect(same(guardStep(model, cluster, cluster.primary).create, "pg-test-1", "10.10.10.11")).toBe(same(guardStep(model, cluster, member).create, "pg-test-2", "10.10.10.12"));
  });
});
