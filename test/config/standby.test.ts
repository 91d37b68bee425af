// Standby clusters (pg_upstream, pg_delay): each refused input by its path and message, and what a standby cluster
// and its upstream get in the model, in Patroni's dynamic config and in pgBackRest's config.
import { loadInventory, type LoadResult } from "../../config/load";
import { loadProblems, onInfraNode, twoMemberPgTest, type FixtureClusters, type FixtureVars } from "../helpers/inventoryFixtures";
import { patroniDcsConfig, renderPatroniYml } from "../../render/patroni";
import { renderMemberConf, renderRepoConf } from "../../render/pgbackrest";
import { secretSlotsFor, upstreamSlot } from "../../config/secretSlots";
import { parse } from "yaml";

type Vars = FixtureVars;
type Inv = FixtureClusters;

/** pg-test on .11-.12 with a user and a database, pg-std on .16 following it; `edit` changes the rest. */
function inventory(edit: (inv: Inv) => void = () => undefined): unknown {
  const std = { hosts: { "10.10.10.16": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_upstream: "pg-test" } };
  return onInfraNode({ clusters: { "pg-test": twoMemberPgTest(), "pg-std": std } }, edit);
}

/** Errors as `<path>: <message>` lines, [] when the inventory loads. */
const errors = (edit: (inv: Inv) => void): string[] => loadProblems(inventory(edit));

const clusterOf = (r: LoadResult, name: string) => r.model.clusters.find((c) => c.name === name)!;

describe("pg_upstream refused before anything runs", () => {
  test("naming the cluster itself", () => {
    expect(errors((i) => (i.clusters["pg-std"].vars.pg_upstream = "pg-std"))).toEqual([
      "clusters.pg-std.vars.pg_upstream: names pg-std itself. Name the cluster pg-std should follow, or remove pg_upstream.",
    ]);
  });

  test("an unknown cluster, with the likely one", () => {
    expect(errors((i) => (i.clusters["pg-std"].vars.pg_upstream = "pg-tset"))).toEqual([
      "clusters.pg-std.vars.pg_upstream: no cluster pg-tset in the inventory: did you mean pg-test?. Name a cluster of this stack.",
    ]);
  });

  test("a cycle: each names the other", () => {
    const found = errors((i) => (i.clusters["pg-test"].vars.pg_upstream = "pg-std"));
    expect(found).toContain("clusters.pg-std.vars.pg_upstream: pg-std and pg-test name each other as pg_upstream: one of them must be the primary cluster. Remove pg_upstream from it.");
    expect(found).toContain("clusters.pg-test.vars.pg_upstream: pg-test and pg-std name each other as pg_upstream: one of them must be the primary cluster. Remove pg_upstream from it.");
  });

  test("a chain: the upstream is itself a standby cluster", () => {
    const found = errors((i) => {
      i.clusters["pg-dr2"] = { hosts: { "10.10.10.17": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_upstream: "pg-std" } };
    });
    expect(found).toEqual(["clusters.pg-dr2.vars.pg_upstream: pg-std is itself a standby cluster (of pg-test). Follow pg-test instead: a standby cluster streams from a read-write upstream."]);
  });

  test("users or databases defined on a standby cluster", () => {
    const found = errors((i) => {
      i.clusters["pg-std"].vars.pg_users = [{ name: "app" }];
      i.clusters["pg-std"].vars.pg_databases = [{ name: "app" }];
    });
    expect(found).toEqual([
      "clusters.pg-std.vars.pg_users: pg-std is a standby cluster of pg-test: its users come from pg-test through replication, and nothing can be created on a read-only standby. Define them on pg-test and remove pg_users here.",
      "clusters.pg-std.vars.pg_databases: pg-std is a standby cluster of pg-test: its databases come from pg-test through replication. Define them on pg-test and remove pg_databases here.",
    ]);
  });

  test("pg_delay without pg_upstream, a malformed delay", () => {
    expect(errors((i) => (i.clusters["pg-test"].vars.pg_delay = "1h"))).toEqual([
      "clusters.pg-test.vars.pg_delay: applies to a standby cluster only: pg-test has no pg_upstream. Remove pg_delay, or set pg_upstream to the cluster it should follow.",
    ]);
    expect(errors((i) => (i.clusters["pg-std"].vars.pg_delay = "an hour"))[0]).toMatch(/^clusters\.pg-std\.vars\.pg_delay: is not a delay/);
  });
});

describe("the replication password a standby cluster shares with its upstream", () => {
  const pairWarnings = (edit: (inv: Inv) => void) => loadInventory(inventory(edit)).warnings.filter((w) => w.path.endsWith(".pg_upstream")).map((w) => `${w.path}: ${w.message}`);

  test("generated per cluster: a warning that the way back after a promotion cannot authenticate", () => {
    expect(pairWarnings(() => undefined)).toEqual([
      "clusters.pg-std.vars.pg_upstream: pg-std replicates from pg-test with pg-test's replication password, which is generated for pg-test alone. After a promotion pg-std generates its own, and the way back (pg_upstream: pg-std on pg-test) cannot authenticate until pg-test is rewound. Give one pg_replication_password to both (top-level vars), as a secret.",
    ]);
  });

  test("one password for both (top-level vars): no warning", () => {
    expect(pairWarnings((i) => ((i as { vars?: Vars }).vars = { pg_replication_password: "Shared.Replicator.1" }))).toEqual([]);
  });
});

describe("a standby cluster and its upstream in the model", () => {
  const r = loadInventory(inventory((i) => (i.clusters["pg-std"].vars.pg_delay = "1h")));
  const std = clusterOf(r, "pg-std");
  const up = clusterOf(r, "pg-test");

  test("the standby streams from every upstream member through its slot, seeded from and replaying the upstream's stanza", () => {
    expect(std.standby).toEqual({ upstream: "pg-test", hosts: ["10.10.10.11", "10.10.10.12"], port: 5432, slot: "standby_pg_std", stanza: "pg-test", delay: "1h" });
    expect(up.downstream).toEqual([{ cluster: "pg-std", ips: ["10.10.10.16"], slot: "standby_pg_std" }]);
    expect(up.standby).toBeUndefined();
  });

  test("its pgbouncer serves the upstream's users and databases, with the upstream's passwords", () => {
    expect(std.users.map((u) => u.name)).toEqual(up.users.map((u) => u.name));
    expect(std.databases.map((d) => d.name)).toEqual(["test"]);
    const roleSlots = secretSlotsFor(std).filter((s) => upstreamSlot(s, "pg-test") !== undefined);
    expect(roleSlots.map((s) => upstreamSlot(s, "pg-test"))).toEqual(secretSlotsFor(up).filter((s) => upstreamSlot(s, "pg-test") !== undefined));
    expect(upstreamSlot("pg-std/patroni_api", "pg-test")).toBeUndefined();
    expect(upstreamSlot("pg-std/etcd", "pg-test")).toBeUndefined();
  });

  test("the upstream's HBA admits the standby's members for replication and pg_rewind, over TLS, on every member", () => {
    const rules = up.hbaRules.filter((h) => h.title.startsWith("standby cluster pg-std"));
    expect(rules.map((h) => [h.role, h.lines])).toEqual([
      ["common", ["hostssl replication replicator 10.10.10.16/32 scram-sha-256"]],
      ["common", ["hostssl postgres replicator 10.10.10.16/32 scram-sha-256"]],
    ]);
  });

  test("Patroni: standby_cluster on the standby, a permanent slot on the upstream", () => {
    expect(patroniDcsConfig(std).standby_cluster).toEqual({
      host: "10.10.10.11,10.10.10.12",
      port: 5432,
      primary_slot_name: "standby_pg_std",
      create_replica_methods: ["pgbackrest", "basebackup"],
      restore_command: 'pgbackrest --stanza=pg-test archive-get %f "%p"',
      recovery_min_apply_delay: "1h",
    });
    expect(patroniDcsConfig(up).slots).toEqual({ standby_pg_std: { type: "physical" } });
    expect(patroniDcsConfig(up).standby_cluster).toBeUndefined();
    const yml = parse(renderPatroniYml(r.model, std, std.instances[0]));
    expect(yml.bootstrap.dcs.standby_cluster.host).toBe("10.10.10.11,10.10.10.12");
    expect(yml.postgresql.pgbackrest.command).toBe("/usr/bin/pgbackrest --stanza=pg-test --delta restore");
    expect(yml.postgresql.recovery_conf.restore_command).toBe('pgbackrest --stanza=pg-test archive-get %f "%p"');
  });

  test("pgBackRest: the standby's members reach the upstream's stanza in the repository and restore it into their own data", () => {
    expect(renderRepoConf(r.model, r.model.backupRepos[0])).toContain("tls-server-auth=pg-std-1=pg-std,pg-test\n");
    expect(renderRepoConf(r.model, r.model.backupRepos[0])).toContain("tls-server-auth=pg-test-1=pg-test\n");
    expect(renderMemberConf(std, std.instances[0])).toMatch(/\n\[pg-test\]\npg1-path=\/pg\/data\n/);
  });

  test("promoted (pg_upstream removed): its own stanza and initdb-free config, no slot left on the upstream", () => {
    const promoted = loadInventory(inventory((i) => delete i.clusters["pg-std"].vars.pg_upstream));
    const p = clusterOf(promoted, "pg-std");
    expect(p.standby).toBeUndefined();
    expect(patroniDcsConfig(p).standby_cluster).toBeUndefined();
    expect(parse(renderPatroniYml(promoted.model, p, p.instances[0])).postgresql.pgbackrest.command).toBe("/usr/bin/pgbackrest --stanza=pg-std --delta restore");
    expect(patroniDcsConfig(clusterOf(promoted, "pg-test")).slots).toBeUndefined();
  });

  test("without backups in a shared repository: seeded by basebackup from the upstream, no restore_command", () => {
    const plain = loadInventory(inventory((i) => (i.clusters["pg-std"].vars.pgbackrest_enabled = false)));
    expect(patroniDcsConfig(clusterOf(plain, "pg-std")).standby_cluster).toEqual({ host: "10.10.10.11,10.10.10.12", port: 5432, primary_slot_name: "standby_pg_std", create_replica_methods: ["basebackup"] });
  });
});
