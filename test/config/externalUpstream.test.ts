// A standby cluster of an upstream outside the stack (pg_upstream given by addresses): the accepted forms, each refused
// input by its path and message, the warnings, the model, and what Patroni, the TLS step and pgbouncer get.
import { loadInventory, type LoadResult } from "../../config/load";
import { loadProblems, UPSTREAM_CA, onInfraNode, twoMemberPgTest, type FixtureClusters, type FixtureVars } from "../helpers/inventoryFixtures";
import { patroniDcsConfig, renderPatroniYml } from "../../render/patroni";
import { renderPgbouncerIni, renderPgbouncerUserlist } from "../../render/pgbouncer";
import { CA_CERT, UPSTREAM_CA_BUNDLE } from "../../render/tls";
import { upstreamLabel } from "../../config/model";
import { parse } from "yaml";

type Vars = FixtureVars;
type Inv = FixtureClusters;

/** pg-test on .11-.12; pg-ext on .16 following 10.20.0.11 and .12 outside the stack, with its password and CA given. */
function inventory(edit: (inv: Inv) => void = () => undefined): unknown {
  const ext = {
    hosts: { "10.10.10.16": { pg_seq: 1, pg_role: "primary" }, "10.10.10.17": { pg_seq: 2, pg_role: "replica" } },
    vars: { pg_upstream: ["10.20.0.11", "10.20.0.12"], pg_replication_password: "Upstream.Repl.1", pg_monitor_password: "Upstream.Mon.1", pg_upstream_ca: UPSTREAM_CA },
  };
  return onInfraNode({ clusters: { "pg-test": twoMemberPgTest(), "pg-ext": ext } }, edit);
}

const ext = (edit: (v: Vars) => void) => (inv: Inv) => edit(inv.clusters["pg-ext"].vars);
const errors = (edit: (inv: Inv) => void): string[] => loadProblems(inventory(edit));
/** pg-ext's warnings of its upstream (not, e.g., of its offline service). */
const warnings = (r: LoadResult) => r.warnings.filter((w) => /^clusters\.pg-ext\.vars\.pg_(upstream|monitor_password)$/.test(w.path)).map((w) => `${w.path}: ${w.message}`);
const clusterOf = (r: LoadResult, name: string) => r.model.clusters.find((c) => c.name === name)!;

describe("the forms of pg_upstream", () => {
  test("a list of addresses, and Pigsty's single address made a list of one", () => {
    expect(clusterOf(loadInventory(inventory()), "pg-ext").standby?.hosts).toEqual(["10.20.0.11", "10.20.0.12"]);
    const one = loadInventory(inventory(ext((v) => (v.pg_upstream = "10.20.0.11"))));
    expect(clusterOf(one, "pg-ext").standby).toMatchObject({ external: true, hosts: ["10.20.0.11"], port: 5432 });
  });

  test("a malformed address, in a list or alone; an empty list; a duplicate; neither a name nor a list", () => {
    expect(errors(ext((v) => (v.pg_upstream = ["10.20.0.11", "10.20.0.300"])))).toEqual([
      'clusters.pg-ext.vars.pg_upstream[1]: "10.20.0.300" is not an IPv4 address. Write each address of the upstream\'s members as four numbers 0-255, e.g. 10.1.1.11.',
    ]);
    expect(errors(ext((v) => (v.pg_upstream = "10.20.0")))).toEqual(['clusters.pg-ext.vars.pg_upstream: "10.20.0" is not an IPv4 address. Write it as four numbers 0-255, e.g. 10.1.1.11.']);
    expect(errors(ext((v) => (v.pg_upstream = []))))
      .toEqual(["clusters.pg-ext.vars.pg_upstream: is an empty list. Name a cluster of this stack (pg_upstream: pg-test), or give an upstream outside the stack by its addresses (pg_upstream: 10.1.1.11, or a list [10.1.1.11, 10.1.1.12])."]);
    expect(errors(ext((v) => (v.pg_upstream = ["10.20.0.11", "10.20.0.11"])))).toEqual(["clusters.pg-ext.vars.pg_upstream: names 10.20.0.11 twice. List each member of the upstream once."]);
    expect(errors(ext((v) => (v.pg_upstream = 5432)))[0]).toMatch(/^clusters\.pg-ext\.vars\.pg_upstream: 5432 is neither a cluster name nor a list of addresses\. Name a cluster/);
    expect(errors(ext((v) => (v.pg_upstream = "PG_Test")))[0]).toMatch(/^clusters\.pg-ext\.vars\.pg_upstream: "PG_Test" is not a cluster name .* nor an IPv4 address\./);
  });

  test("pg_upstream_port, pg_upstream_slot and pg_upstream_ca are read, and checked", () => {
    const r = loadInventory(inventory(ext((v) => Object.assign(v, { pg_upstream_port: 6432, pg_upstream_slot: "standby_pg_ext", pg_delay: "30min" }))));
    expect(clusterOf(r, "pg-ext").standby).toEqual({ external: true, hosts: ["10.20.0.11", "10.20.0.12"], port: 6432, slot: "standby_pg_ext", ca: UPSTREAM_CA, delay: "30min" });
    expect(errors(ext((v) => (v.pg_upstream_slot = "Standby-Ext")))[0]).toMatch(/^clusters\.pg-ext\.vars\.pg_upstream_slot: is not a slot name/);
    expect(errors(ext((v) => (v.pg_upstream_ca = "not a certificate")))[0]).toMatch(/^clusters\.pg-ext\.vars\.pg_upstream_ca: is not a PEM certificate: give the CA certificate/);
    // CRLF line ends and surrounding blanks are normalised away.
    const crlf = loadInventory(inventory(ext((v) => (v.pg_upstream_ca = `\n${UPSTREAM_CA.replace(/\n/g, "\r\n")}  `))));
    expect(clusterOf(crlf, "pg-ext").standby).toMatchObject({ ca: UPSTREAM_CA });
  });

  test("those keys without an upstream outside the stack are refused", () => {
    expect(errors((i) => (i.clusters["pg-test"].vars.pg_upstream_port = 6432))).toEqual([
      "clusters.pg-test.vars.pg_upstream_port: applies to an upstream outside the stack only (pg_upstream given by addresses): pg-test has no pg_upstream. Remove pg_upstream_port.",
    ]);
    expect(errors(ext((v) => Object.assign(v, { pg_upstream: "pg-test", pg_replication_password: undefined, pg_monitor_password: undefined })))).toEqual([
      "clusters.pg-ext.vars.pg_upstream_ca: applies to an upstream outside the stack only (pg_upstream given by addresses): pg-ext's pg_upstream names a cluster of this stack, which brings its own port, slot and CA. Remove pg_upstream_ca.",
    ]);
  });
});

describe("refused before anything runs", () => {
  test("no replication password: the command that sets it as a secret", () => {
    expect(errors(ext((v) => delete v.pg_replication_password))).toEqual([
      "clusters.pg-ext.vars.pg_replication_password: is required with an upstream outside the stack: pg-ext streams as replicator with the upstream's replication password, which this stack cannot know. " +
        "Set it as a secret: pulumi config set --secret --path 'pigsty:inventory.clusters.pg-ext.vars.pg_replication_password' '<the upstream's password>'.",
    ]);
  });

  test("no CA for the upstream's certificate", () => {
    expect(errors(ext((v) => delete v.pg_upstream_ca))).toEqual([
      "clusters.pg-ext.vars.pg_upstream_ca: is required with an upstream outside the stack: replication is verified TLS (sslmode verify-full), and the upstream's certificate is not signed by this stack's CA. " +
        "Give the CA certificate that signed it: pulumi config set --path 'pigsty:inventory.clusters.pg-ext.vars.pg_upstream_ca' -- \"$(cat upstream-ca.crt)\".",
    ]);
  });

  test("users, databases or pg_pitr on the standby", () => {
    const found = errors(
      ext((v) => {
        v.pg_users = [{ name: "app", password: "App.Pass.1" }];
        v.pg_databases = [{ name: "app" }];
        v.pg_pitr = { cluster: "pg-test", immediate: true };
      }),
    );
    expect(found).toEqual([
      "clusters.pg-ext.vars.pg_users: pg-ext is a standby cluster of [10.20.0.11, 10.20.0.12]: its users come from [10.20.0.11, 10.20.0.12] through replication, and nothing can be created on a read-only standby. Define them on [10.20.0.11, 10.20.0.12] and remove pg_users here.",
      "clusters.pg-ext.vars.pg_databases: pg-ext is a standby cluster of [10.20.0.11, 10.20.0.12]: its databases come from [10.20.0.11, 10.20.0.12] through replication. Define them on [10.20.0.11, 10.20.0.12] and remove pg_databases here.",
      "clusters.pg-ext.vars.pg_pitr: pg-ext is a standby cluster of [10.20.0.11, 10.20.0.12], seeded from it: it cannot also be restored with pg_pitr. Remove one of the two.",
    ]);
  });

  test("an address of the cluster's own member", () => {
    expect(errors(ext((v) => (v.pg_upstream = ["10.20.0.11", "10.10.10.17"])))).toEqual([
      "clusters.pg-ext.vars.pg_upstream: 10.10.10.17 is a member of pg-ext itself. Give the addresses of the upstream's members, or remove pg_upstream.",
    ]);
  });

  test("a cluster that names a standby of an outside upstream as its own upstream (a chain)", () => {
    const found = errors((i) => (i.clusters["pg-dr"] = { hosts: { "10.10.10.18": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_upstream: "pg-ext" } }));
    expect(found).toEqual([
      "clusters.pg-dr.vars.pg_upstream: pg-ext is itself a standby cluster (of [10.20.0.11, 10.20.0.12]). Follow [10.20.0.11, 10.20.0.12] instead: a standby cluster streams from a read-write upstream.",
    ]);
  });
});

describe("warnings", () => {
  test("pgbouncer serves no business user until promotion; nothing else with password and CA given", () => {
    expect(warnings(loadInventory(inventory()))).toEqual([
      "clusters.pg-ext.vars.pg_upstream: pg-ext follows an upstream outside the stack, whose users and passwords this stack cannot know: until pg-ext is promoted, its pgbouncer serves no business user or database (services through pgbouncer reach none); " +
        "applications read through its Postgres port, with the upstream's credentials. At promotion, define pg_users and pg_databases here.",
    ]);
  });

  test("no pg_monitor_password: the exporter cannot log in", () => {
    expect(warnings(loadInventory(inventory(ext((v) => delete v.pg_monitor_password))))[1]).toMatch(
      /^clusters\.pg-ext\.vars\.pg_monitor_password: is not given: pg-ext's catalog is the upstream's, so its exporter must log in as dbuser_monitor with the upstream's password; without it pg-ext has no Postgres metrics until promotion\. Set it as a secret: pulumi config set --secret --path 'pigsty:inventory\.clusters\.pg-ext\.vars\.pg_monitor_password'/,
    );
  });

  test("an address of another cluster of this stack: name the cluster instead", () => {
    const r = loadInventory(inventory(ext((v) => (v.pg_upstream = ["10.10.10.11", "10.10.10.12"]))));
    expect(warnings(r).slice(0, 2)).toEqual([
      "clusters.pg-ext.vars.pg_upstream: 10.10.10.11 is a member of pg-test, a cluster of this stack. Name the cluster instead (pg_upstream: pg-test): only then does pg-test get the HBA rules and the slot for pg-ext, and pg-ext can replay pg-test's archive.",
      "clusters.pg-ext.vars.pg_upstream: 10.10.10.12 is a member of pg-test, a cluster of this stack. Name the cluster instead (pg_upstream: pg-test): only then does pg-test get the HBA rules and the slot for pg-ext, and pg-ext can replay pg-test's archive.",
    ]);
    // Still nothing on pg-test: the upstream is treated as foreign.
    expect(clusterOf(r, "pg-test").downstream).toEqual([]);
  });
});

describe("the standby in the model and what is rendered from it", () => {
  const r = loadInventory(inventory(ext((v) => (v.pg_delay = "1h"))));
  const std = clusterOf(r, "pg-ext");
  const test_ = clusterOf(r, "pg-test");

  test("nothing on any cluster of the stack: no downstream, no HBA rule, no slot", () => {
    expect(std.standby).toEqual({ external: true, hosts: ["10.20.0.11", "10.20.0.12"], port: 5432, ca: UPSTREAM_CA, delay: "1h" });
    expect(upstreamLabel(std.standby!)).toBe("[10.20.0.11, 10.20.0.12]");
    expect(test_.downstream).toEqual([]);
    expect(test_.hbaRules.some((h) => h.title.includes("pg-ext"))).toBe(false);
    expect(patroniDcsConfig(test_).slots).toBeUndefined();
  });

  test("Patroni: standby_cluster on the addresses, seeded by basebackup, no slot, no restore_command", () => {
    expect(patroniDcsConfig(std).standby_cluster).toEqual({ host: "10.20.0.11,10.20.0.12", port: 5432, create_replica_methods: ["basebackup"], recovery_min_apply_delay: "1h" });
    const slotted = clusterOf(loadInventory(inventory(ext((v) => (v.pg_upstream_slot = "standby_pg_ext")))), "pg-ext");
    expect(patroniDcsConfig(slotted).standby_cluster).toMatchObject({ primary_slot_name: "standby_pg_ext" });
    const yml = parse(renderPatroniYml(r.model, std, std.instances[0]));
    expect(yml.bootstrap.dcs.standby_cluster.host).toBe("10.20.0.11,10.20.0.12");
    expect(yml.postgresql.create_replica_methods).toEqual(["basebackup"]);
    expect(yml.postgresql.recovery_conf).toBeUndefined();
  });

  test("replication verifies against the stack's CA and the upstream's (the TLS step writes both into one file: test/steps/tls.test.ts)", () => {
    const auth = parse(renderPatroniYml(r.model, std, std.instances[0])).postgresql.authentication;
    expect(auth.replication).toMatchObject({ username: "replicator", sslmode: "verify-full", sslrootcert: UPSTREAM_CA_BUNDLE });
    expect(auth.rewind.sslrootcert).toBe(CA_CERT);
    expect(auth.superuser.sslrootcert).toBe(CA_CERT);
    // A cluster of the stack verifies replication against the stack's CA alone.
    expect(parse(renderPatroniYml(r.model, test_, test_.instances[0])).postgresql.authentication.replication.sslrootcert).toBe(CA_CERT);
  });

  test("pgbouncer: the admin and monitor accounts only, no database", () => {
    expect(std.users.filter((u) => u.login)).toEqual([]);
    expect(std.databases).toEqual([]);
    expect(renderPgbouncerUserlist(std).split("\n").filter(Boolean).map((l) => l.split(" ")[0])).toEqual(['"dbuser_dba"', '"dbuser_monitor"']);
    expect(renderPgbouncerIni(std, std.instances[0])).toMatch(/\[databases\]\n\n/);
  });

  test("promoted (pg_upstream removed, the other upstream keys too): a primary cluster with the stack's CA", () => {
    const promoted = loadInventory(inventory(ext((v) => { delete v.pg_upstream; delete v.pg_upstream_ca; })));
    const p = clusterOf(promoted, "pg-ext");
    expect(p.standby).toBeUndefined();
    expect(patroniDcsConfig(p).standby_cluster).toBeUndefined();
    expect(parse(renderPatroniYml(promoted.model, p, p.instances[0])).postgresql.authentication.replication.sslrootcert).toBe(CA_CERT);
  });
});
