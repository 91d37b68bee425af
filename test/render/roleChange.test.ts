// Patroni's role-change callback (render/roleChange.ts), run by sh against a scratch root as Patroni runs it
// (`<action> <role> <cluster>`): the HBA files of the actual role go into place, pgbouncer re-reads its own, and with
// a VIP a member that does not lead (or whose Postgres stops) drops the VIP through its one sudo rule.
import { loadInventory } from "../../config/load";
import type { ClusterModel, InstanceModel } from "../../config/model";
import { renderRoleChangeScript } from "../../render/roleChange";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest, rawFixture } from "../helpers/inventoryFixtures";

const plain = pgTest().model.clusters[0];
const host = fakeHost();
const PSQL = "/usr/lib/postgresql/15/bin/psql";
const RELOAD = `${PSQL} -h /var/run/postgresql -p 5432 -d postgres -Atqc select pg_reload_conf()`;

/**
 * Lays out the member's HBA variants (each file's text names it) and earlier active files, pgbouncer's unless it is
 * not installed yet; stands in psql, ip and sudo.
 */
function member(o: { pgbouncer?: boolean; vipOnInterface?: boolean } = {}): void {
  const h = host();
  for (const variant of ["primary", "replica", "offline"]) {
    h.write(`/pg/conf/hba/${variant}.conf`, `postgres ${variant}\n`);
    if (o.pgbouncer !== false) h.write(`/etc/pgbouncer/hba/${variant}.conf`, `pgbouncer ${variant}\n`);
  }
  h.write("/pg/conf/pg_hba.conf", "earlier\n");
  if (o.pgbouncer !== false) h.write("/etc/pgbouncer/pgb_hba.conf", "earlier\n");
  h.write("/var/run/postgresql/pgbouncer.pid", "4321\n");
  h.stub(PSQL);
  h.stub("ip", o.vipOnInterface ? "echo '2: eth0    inet 10.10.10.99/24 scope global secondary eth0'" : "");
  h.stub("sudo");
}

/** Runs the callback of `instance` as Patroni does: `action role cluster`; kill (a builtin) is logged. */
function callback(cluster: ClusterModel, instance: InstanceModel, action: string, role: string) {
  const functions = ['kill() { echo "kill $*" >>"$CALLS"; }'];
  return host().run(renderRoleChangeScript(cluster, instance), { shell: "/bin/sh", args: [action, role, cluster.name], functions });
}
const active = () => [host().read("/pg/conf/pg_hba.conf"), host().read("/etc/pgbouncer/pgb_hba.conf")];

describe("the HBA files follow the role Patroni reports", () => {
  const [first, second, offline] = plain.instances;

  test("a leader role activates the primary files, reloads Postgres and signals pgbouncer", () => {
    for (const role of ["primary", "master", "standby_leader"]) {
      member();
      const r = callback(plain, second, "on_role_change", role);
      expect(r.status).toBe(0);
      expect(active()).toEqual(["postgres primary\n", "pgbouncer primary\n"]);
      expect(r.calls).toEqual([RELOAD, "kill -HUP 4321"]);
    }
  });

  test("a replica activates the replica files; an offline-query member the offline files", () => {
    member();
    expect(callback(plain, second, "on_start", "replica").status).toBe(0);
    expect(active()).toEqual(["postgres replica\n", "pgbouncer replica\n"]);
    expect(callback(plain, offline, "on_role_change", "replica").status).toBe(0);
    expect(active()).toEqual(["postgres offline\n", "pgbouncer offline\n"]);
    expect(callback(plain, first, "on_role_change", "demoted").status).toBe(0);
    expect(active()).toEqual(["postgres replica\n", "pgbouncer replica\n"]);
  });

  test("pgbouncer is signalled only when its file changes", () => {
    member();
    callback(plain, second, "on_role_change", "replica");
    expect(callback(plain, second, "on_role_change", "replica").calls).toEqual([RELOAD]);
  });

  test("before pgbouncer is installed (Patroni starts first), Postgres' file alone", () => {
    member({ pgbouncer: false });
    const r = callback(plain, second, "on_start", "replica");
    expect(r.status).toBe(0);
    expect(host().read("/pg/conf/pg_hba.conf")).toBe("postgres replica\n");
    expect(host().exists("/etc/pgbouncer/pgb_hba.conf")).toBe(false);
    expect(r.calls).toEqual([RELOAD]);
  });
});

describe("with an L2 VIP", () => {
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
  raw.clusters["pg-test"].vars = { ...raw.clusters["pg-test"].vars, vip_mode: "l2", vip_address: "10.10.10.99" };
  const cluster = loadInventory(raw).model.clusters[0];
  const second = cluster.instances[1];
  const DROP = "sudo -n /usr/sbin/ip addr del 10.10.10.99/24 dev eth0";
  const dropped = (action: string, role: string, vipOnInterface = true) => {
    member({ vipOnInterface });
    const r = callback(cluster, second, action, role);
    expect(r.status).toBe(0);
    return r.calls.includes(DROP);
  };

  test("a member that stops leading, or whose Postgres Patroni stops, drops the VIP through sudo", () => {
    expect(dropped("on_role_change", "replica")).toBe(true);
    expect(dropped("on_start", "replica")).toBe(true);
    expect(dropped("on_stop", "primary")).toBe(true);
    expect(host().read("/pg/conf/pg_hba.conf")).toBe("postgres primary\n");
  });

  test("the leader keeps it, and a member without it on its interface asks nothing of sudo", () => {
    expect(dropped("on_role_change", "primary")).toBe(false);
    expect(dropped("on_start", "master")).toBe(false);
    expect(dropped("on_role_change", "replica", false)).toBe(false);
  });

  test("without a VIP the callback never touches an address", () => {
    member({ vipOnInterface: true });
    const r = callback(plain, plain.instances[1], "on_stop", "replica");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([RELOAD, "kill -HUP 4321"]);
  });
});
