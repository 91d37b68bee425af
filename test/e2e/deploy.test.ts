// The dev inventory deployed once through the real engine on pristine sandbox nodes, for every case that needs no
// other layout: the SOP's checks on the hosts, a no-op second run, the policy pack on the deployed stack, then the
// hardening cases (cases/hardening.ts) on the same deployment, and last its removal in the engine's order. One
// deployment instead of two saves about three minutes of CI (operator.test.ts says why its cases have their own).
import { runIsolated, devStackConfig } from "../program/harness";
import { allUp, etcdctlRoot, patroniList, psql, settled, waitMembers, waitRow, waitTargets, writeRow } from "./helpers/cluster";
import { BAD_CHANGES, DEV_POLICY_CONFIG, POLICY_PACK } from "./helpers/badChanges";
import { cliUp, destroy, freshStack, named, plan, setInventory, up } from "./helpers/engine";
import { freshDeployment, type Deployment } from "./helpers/scenario";
import { hardeningCases, withHostileUser } from "./cases/hardening";
import { describeIfRoot, sshOk, sshRun } from "./helpers/sandbox";
import { stepName } from "../../config/stepCatalogue";

const members = ["10.10.10.11", "10.10.10.12", "10.10.10.13"];
const sdDir = "/etc/prometheus/targets";
const log = (line: string) => process.stdout.write(`${line}\n`);

describeIfRoot("first deploy of the dev inventory through the engine", () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await freshDeployment(4, ["pg-test-1", "pg-test-2", "pg-test-3"], "pristine", withHostileUser);
  }, 1_800_000);

  it("planned every resource of the program as a create, and created them", async () => {
    const { registered } = await runIsolated({ ...devStackConfig(), "pigsty:inventory": d.inventory });
    const resources = registered.filter((r) => !r.type.startsWith("pigsty:") && !r.type.startsWith("pulumi:")).map((r) => r.name).sort();
    expect(named(d.planned, "create")).toEqual(resources);
    expect(Object.keys(d.planned).length).toBe(resources.length);
    expect(named(d.first.changes, "create")).toEqual(resources);
  }, 60_000);

  it("reports where the time went", () => {
    const slowest = [...d.first.steps].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
    log(`first up ${d.first.seconds.toFixed(1)}s; slowest steps: ${slowest.map((s) => `${s.name} ${s.seconds.toFixed(1)}s`).join(", ")}`);
    expect(slowest.length).toBe(5);
  });

  it("keeps each command's output to a short summary; full logs stay on the host", async () => {
    const stdout = await sshOk("pg-test-2", "sudo cat '/var/log/pigsty/prepare-pg-test-2.log' | wc -l");
    expect(Number(stdout)).toBeGreaterThan(20);
    const state = await d.stack.exportStack();
    const prepare = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith(`::${stepName("pg-test-2", "prepare")}`));
    expect(String(prepare.outputs.stdout).split("\n").length).toBeLessThanOrEqual(5);
    expect(prepare.outputs.stdout).toContain("[pg-test-2] ok (log: /var/log/pigsty/prepare-pg-test-2.log)");
    log(`state: ${JSON.stringify(state).length} bytes for ${state.deployment.resources.length} resources`);
  });

  it("has one leader and two streaming replicas with no lag", async () => {
    const list = await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3"]), 90);
    expect(list.filter((m) => m.Role === "Leader").map((m) => m.Member)).toEqual(["pg-test-1"]);
    // Patroni knows every replica's timeline (its replication check over the local socket is allowed by HBA).
    for (const m of list) expect(m.TL).toBe(1);
  }, 120_000);

  it("logs no refused replication connections on any member", async () => {
    for (const n of ["pg-test-1", "pg-test-2", "pg-test-3"]) {
      const refused = await sshOk(n, "sudo journalctl --since -2min --no-pager | grep -c 'no pg_hba.conf entry for replication' || true");
      expect(`${n}: ${refused}`).toBe(`${n}: 0`);
    }
  }, 60_000);

  it("writes through 5433 and reads the row back through 5434 and from every replica", async () => {
    const token = `row-${Date.now()}`;
    await writeRow(token);
    expect(await waitRow("10.10.10.12", 5434, token)).toBe(true);
    for (const ip of ["10.10.10.12", "10.10.10.13"]) expect(await waitRow(ip, 5432, token)).toBe(true);
  }, 120_000);

  it("activates each member's HBA files (Postgres' and pgbouncer's) for its actual role", async () => {
    const same = (node: string, active: string, variant: string) => sshOk(node, `sudo cmp -s ${active} ${variant} && echo same || echo differs`);
    const expected: [string, string][] = [["pg-test-1", "primary"], ["pg-test-2", "replica"], ["pg-test-3", "offline"]];
    for (const [node, variant] of expected) {
      expect(await same(node, "/pg/conf/pg_hba.conf", `/pg/conf/hba/${variant}.conf`)).toBe("same");
      expect(await same(node, "/etc/pgbouncer/pgb_hba.conf", `/etc/pgbouncer/hba/${variant}.conf`)).toBe("same");
    }
  }, 60_000);

  it("answers on every service port of every member's HAProxy", async () => {
    for (const ip of members) {
      for (const port of [5433, 5434, 5436, 5438]) expect((await psql(ip, port, "SELECT 1")).trim()).toBe("1");
    }
  }, 120_000);

  it("has Prometheus scraping every target up", async () => {
    const targets = await waitTargets(allUp);
    expect(targets.length).toBeGreaterThan(0);
  }, 180_000);

  it("plans nothing and runs no command when run again", async () => {
    expect(await plan(d.stack)).toEqual({});
    const again = await up(d.stack);
    expect(again.changes).toEqual({});
    expect(again.steps).toEqual([]);
  }, 300_000);

  it("passes the policy pack, unchanged, with the dev stack's policy config", async () => {
    expect(await plan(d.stack, { policyPacks: [POLICY_PACK], policyPackConfigs: [DEV_POLICY_CONFIG] })).toEqual({});
  }, 120_000);

  it.each(BAD_CHANGES.map((b) => [b.policy, b] as const))("blocks a change that breaks %s before any command runs", async (_, bad) => {
    const inventory = JSON.parse(JSON.stringify(d.inventory));
    bad.edit(inventory);
    await setInventory(d.stack, inventory);
    try {
      const run = await cliUp(d.stack, { policyPacks: [POLICY_PACK], policyPackConfigs: [bad.config] });
      expect(run.code).not.toBe(0);
      expect(run.output).toMatch(new RegExp(`\\[mandatory\\]\\s+${bad.policy}\\b`));
      expect(run.started).toEqual([]);
    } finally {
      await setInventory(d.stack, d.inventory);
    }
  }, 180_000);

  it("still plans nothing after the refused changes", async () => {
    expect(await plan(d.stack)).toEqual({});
  }, 120_000);

  describe("hardening", () => hardeningCases(() => d));

  it("removes everything in the engine's order: replicas before the primary, DCS state last; data stays", async () => {
    const rows = (await patroniList()).length;
    expect(rows).toBe(3);
    const steps = await destroy(d.stack);
    const at = (name: string) => steps.findIndex((s) => s.name === name);
    for (const s of [stepName("pg-test-1", "patroni"), stepName("pg-test-2", "patroni"), stepName("pg-test-3", "patroni"), stepName("pg-test", "dcs")]) expect(at(s)).toBeGreaterThanOrEqual(0);
    expect(at(stepName("pg-test-2", "patroni"))).toBeLessThan(at(stepName("pg-test-1", "patroni")));
    expect(at(stepName("pg-test-3", "patroni"))).toBeLessThan(at(stepName("pg-test-1", "patroni")));
    expect(at(stepName("pg-test-1", "patroni"))).toBeLessThan(at(stepName("pg-test", "dcs")));
    for (const ip of members) expect((await sshRun(ip, "systemctl is-active patroni")).stdout.trim()).not.toBe("active");
    expect(await sshOk("meta", etcdctlRoot("get --prefix --keys-only /pg/pg-test/"))).toBe("");
    expect(await sshOk("meta", `ls ${sdDir}/pgsql`)).toBe("");
    // Data stays unless rm_pgdata (SOP S2).
    expect((await sshRun("pg-test-1", "sudo test -s /pg/data/PG_VERSION")).code).toBe(0);
  }, 600_000);

  it("refuses, through the engine, a DCS holding a cluster it did not create, and data it did not create", async () => {
    const stack = await freshStack();
    await setInventory(stack, d.inventory, true);
    // The DCS of another stack (its client auth on, with a root password this stack does not know) is refused.
    const owned = await up(stack).then(() => "succeeded", (e: Error) => e.message);
    expect(owned).toContain("client authentication is on in DCS pigsty, but it refuses this stack's root password");
    // A DCS of no stack yet (new data, auth off) that holds keys of a cluster pg-test: the cluster's DCS step refuses.
    await sshOk("meta", "sudo systemctl stop etcd && sudo rm -rf /var/lib/etcd/pigsty && sudo systemctl start etcd");
    await sshOk("meta", "sudo ETCDCTL_API=3 etcdctl --cacert=/etc/pigsty/tls/ca.crt --endpoints=https://127.0.0.1:2379 put /pg/pg-test/initialize 7000000000000000001 >/dev/null");
    const foreign = await up(stack).then(() => "succeeded", (e: Error) => e.message);
    await sshOk("meta", `${etcdctlRoot("del --prefix /pg/pg-test/")} >/dev/null`);
    expect(foreign).toContain("the DCS at 10.10.10.10:2379 already holds a cluster pg-test (keys under /pg/pg-test/), which this stack did not create");
    const data = await up(stack).then(() => "succeeded", (e: Error) => e.message);
    expect(data).toContain("10.10.10.11 (pg-test-1) already has a data directory at /pg/data");
    expect(data).toContain("set clusters.pg-test.vars.pg_clean: true");
    await destroy(stack);
  }, 900_000);
});
