// Loading the SOP's pg-test inventory: both forms, the derived model, secrets, warnings, error reporting.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { InventorySchema } from "../../config/schema";
import { inventoryFromStackConfig, loadInventory, secretSlotsFor, InventoryError } from "../../config/load";
import { FIXTURES, loadProblems, pgTest, pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";

/** One primary, every host key pinned. */
const minimal = (extra: Record<string, unknown> = {}) =>
  pinHostKeys({
    infra: { ip: "10.10.10.10" },
    dcs: { servers: { "meta-1": "10.10.10.10" } as Record<string, string> },
    clusters: { "pg-test": { hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } as Record<string, unknown> }, ...extra } },
  });

describe("pg-test from both forms", () => {
  test("pigsty.yml and stack config load to identical models and secrets", () => {
    const fromStack = pgTest();
    const fromPigsty = loadInventory(rawFixture("pigsty.yml"));
    expect(fromPigsty.model).toEqual(fromStack.model);
    expect(JSON.stringify(fromPigsty.model)).toBe(JSON.stringify(fromStack.model));
    expect(fromPigsty.secrets).toEqual(fromStack.secrets);
  });

  test("a stack config naming pigsty.yml loads the same model, with overlays applied", () => {
    const raw = inventoryFromStackConfig({ pigsty_yml: join(FIXTURES, "pigsty.yml"), ssh: { port: 2222 } });
    const { model } = loadInventory(raw);
    expect(model.ssh.port).toBe(2222);
    expect({ ...model, ssh: pgTest().model.ssh }).toEqual(pgTest().model);
  });

  test("the stack form is exactly what InventorySchema accepts", () => {
    const parsed = InventorySchema.parse(parse(readFileSync(join(FIXTURES, "pg-test.stack.yaml"), "utf8")));
    expect(Object.keys(parsed.clusters)).toEqual(["pg-test"]);
    expect(parsed.clusters["pg-test"].hosts["10.10.10.12"].pg_weight).toBe(100);
  });
});

describe("derived model of pg-test", () => {
  const { model, warnings, secrets } = pgTest();
  const c = model.clusters[0];

  test("instances are <cluster>-<seq>, sorted, with roles and weights", () => {
    expect(c.instances.map((i) => [i.name, i.ip, i.role, i.offlineQuery, i.weight])).toEqual([
      ["pg-test-1", "10.10.10.11", "primary", false, 100],
      ["pg-test-2", "10.10.10.12", "replica", false, 100],
      ["pg-test-3", "10.10.10.13", "offline", true, 100],
    ]);
    expect(c.primary.name).toBe("pg-test-1");
    expect(c.instances[0].tags).toEqual({ clonefrom: true, nofailover: false });
    expect(c.instances[2].tags).toEqual({ nofailover: true });
  });

  test("the four default services resolve to Pigsty's members and backups", () => {
    const view = Object.fromEntries(c.services.map((s) => [s.name, [s.port, s.dstPort, s.checkUrl, s.members.map((m) => m.instance + (m.backup ? "(backup)" : ""))]]));
    expect(view).toEqual({
      primary: [5433, 6432, "/primary", ["pg-test-1", "pg-test-2", "pg-test-3"]],
      replica: [5434, 6432, "/read-only", ["pg-test-1(backup)", "pg-test-2", "pg-test-3"]],
      default: [5436, 5432, "/primary", ["pg-test-1", "pg-test-2", "pg-test-3"]],
      offline: [5438, 5432, "/replica", ["pg-test-2(backup)", "pg-test-3"]],
    });
    expect(c.instances[2].services).toEqual(["primary", "replica", "default", "offline"]);
    expect(c.instances[0].services).toEqual(["primary", "default"]);
  });

  test("dcs, infra view and scrape targets", () => {
    expect(model.dcs.members).toEqual([{ name: "meta-1", ip: "10.10.10.10" }]);
    expect(model.dcs.endpoints).toEqual(["10.10.10.10:2379"]);
    expect(model.scrapeTargets[2]).toEqual({
      cluster: "pg-test",
      instance: "pg-test-3",
      ip: "10.10.10.13",
      labels: { cls: "pg-test", ins: "pg-test-3" },
      targets: { pgsql: ["10.10.10.13:9630", "10.10.10.13:9101"], node: ["10.10.10.13:9100"], patroni: ["10.10.10.13:8008"], pgbouncer: ["10.10.10.13:6432"] },
    });
  });

  test("cluster vars: users, databases, parameters, patroni, flags", () => {
    expect(c.users.map((u) => u.name)).toEqual(["dbrole_readonly", "dbrole_offline", "dbrole_readwrite", "dbrole_admin", "dbuser_test"]);
    expect(c.databases).toEqual([expect.objectContaining({ name: "test", owner: "dbuser_test", pgbouncer: true })]);
    expect(c.parameters.max_connections).toBe(300);
    expect(c.patroni.synchronous_mode).toBe(false);
    expect(c.flags).toEqual({ maintenance: false, rmPgdata: false, rmPgpkgs: false, safeguard: false, clean: false, promotionAcknowledged: false });
  });

  test("the model carries no password, the secrets carry every slot", () => {
    const text = JSON.stringify(model);
    for (const pw of ["DBUser.Test", "DBUser.Replicator", "DBUser.Monitor", "DBUser.DBA"]) expect(text).not.toContain(pw);
    expect(secrets).toEqual({
      "pg-test/admin": "DBUser.DBA",
      "pg-test/haproxy_admin": undefined,
      "pg-test/monitor": "DBUser.Monitor",
      "pg-test/patroni_api": undefined,
      "pg-test/replication": "DBUser.Replicator",
      "pg-test/superuser": undefined,
      "pg-test/user/dbuser_test": "DBUser.Test",
    });
    expect(secretSlotsFor(c)).toEqual(Object.keys(secrets).sort());
  });

  test("pg-test has no warnings (every host key pinned, an offline member exists)", () => {
    expect(warnings).toEqual([]);
  });
});

describe("warnings and error reporting", () => {
  test("no offline-capable member is a warning, not an error", () => {
    const { warnings } = loadInventory(minimal());
    expect(warnings.map((w) => `${w.path}: ${w.message}`)).toContain(
      "clusters.pg-test.vars.pg_services[3].selector: no member is offline-capable, so offline traffic only reaches backup servers. Mark a replica pg_offline_query: true or add a pg_role: offline host.",
    );
    expect(warnings.every((w) => w.severity === "warning")).toBe(true);
  });

  test("an unpinned host is an error naming the host, how to pin it and the opt-in", () => {
    const raw = minimal();
    delete raw.ssh.host_keys["10.10.10.11"];
    expect(loadProblems(raw)).toEqual([
      "ssh.host_keys.10.10.10.11: no pinned host key for 10.10.10.11, so nothing would check that commands run on that host. " +
        "Run `ssh-keyscan -t ed25519 10.10.10.11`, check the key out of band, and add the key part of its line (ssh-ed25519 AAAA...) as ssh.host_keys.10.10.10.11; " +
        "or set ssh.allow_unpinned_host_keys: true to accept any host key.",
    ]);
  });

  test("the infra node and the DCS servers need pinned keys too", () => {
    const raw = minimal();
    delete raw.ssh.host_keys["10.10.10.10"];
    raw.dcs.servers = { "etcd-1": "10.10.10.14" };
    expect(loadProblems(raw).map((l) => l.split(":")[0])).toEqual(["ssh.host_keys.10.10.10.10", "ssh.host_keys.10.10.10.14"]);
  });

  test("a bastion without a pinned key is an error too", () => {
    const raw = minimal();
    raw.ssh.bastion = { host: "jump.example.org" };
    expect(loadProblems(raw)).toEqual([
      "ssh.bastion.host_key: no pinned host key for the bastion jump.example.org, so nothing would check that connections go through it. " +
        "Run `ssh-keyscan -t ed25519 jump.example.org`, check the key out of band, and add the key part of its line (ssh-ed25519 AAAA...) as ssh.bastion.host_key; " +
        "or set ssh.allow_unpinned_host_keys: true to accept any host key.",
    ]);
  });

  test("with ssh.allow_unpinned_host_keys: true an unpinned host is only a warning", () => {
    const { warnings } = loadInventory({ ...minimal(), ssh: { allow_unpinned_host_keys: true } });
    expect(warnings).toContainEqual({
      path: "ssh.host_keys.10.10.10.11",
      message: "no pinned host key, so the host's identity is not checked (ssh.allow_unpinned_host_keys is true). Pin it with the key from `ssh-keyscan -t ed25519 10.10.10.11`.",
      severity: "warning",
    });
  });

  test("every problem is reported at once, one per line as <path>: <message>", () => {
    const raw = minimal({ vars: { pg_user: [], pg_port: 70000 } });
    (raw.clusters["pg-test"].hosts as Record<string, unknown>)["10.10.10.12"] = { pg_seq: 1, pg_role: "primary", pg_weight: 256 };
    expect(() => loadInventory(raw)).toThrow(InventoryError);
    try {
      loadInventory(raw);
    } catch (e) {
      const err = e as InventoryError;
      expect(err.message.split("\n")).toEqual([
        "The inventory has 5 problem(s):",
        "clusters.pg-test.hosts.10.10.10.12.pg_weight: 256 is out of range. Use an integer from 0 to 255 (0 drains the instance).",
        "clusters.pg-test.vars.pg_port: 70000 is out of range. Use a number <= 65535.",
        "clusters.pg-test.vars.pg_user: unknown key. Did you mean pg_users?",
        "clusters.pg-test.hosts.10.10.10.12.pg_seq: 1 is already used by 10.10.10.11. Give each host of a cluster its own pg_seq.",
        "clusters.pg-test.hosts: 10.10.10.11, 10.10.10.12 are all pg_role: primary. Keep exactly one primary and make the others replica.",
      ]);
      expect(err.problems).toHaveLength(5);
    }
  });

  test("pg_reset (S11) takes known components with counts, and names the valid ones on a typo", () => {
    const raw = minimal();
    const hosts = raw.clusters["pg-test"].hosts as Record<string, Record<string, unknown>>;
    hosts["10.10.10.11"].pg_reset = { haproxy: 2, pgbouncer: 0 };
    expect(loadInventory(raw).model.clusters[0].instances[0].reset).toEqual({ haproxy: 2 });
    hosts["10.10.10.11"].pg_reset = { haprxy: 1, postgres: -1 };
    try {
      loadInventory(raw);
      throw new Error("expected an InventoryError");
    } catch (e) {
      expect((e as InventoryError).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
        expect.stringMatching(/^clusters\.pg-test\.hosts\.10\.10\.10\.11\.pg_reset\.postgres: /),
        "clusters.pg-test.hosts.10.10.10.11.pg_reset.haprxy: unknown key. Did you mean haproxy?",
      ]);
    }
  });

  test("a bad top-level var is reported once under vars., not again per cluster", () => {
    const raw = { ...minimal(), vars: { pg_port: "5432" } };
    try {
      loadInventory(raw);
      throw new Error("expected an InventoryError");
    } catch (e) {
      expect((e as InventoryError).problems.map((p) => p.path)).toEqual(["vars.pg_port"]);
    }
  });

  test("top-level vars are inherited and overridden per cluster", () => {
    const raw = { ...minimal({ vars: { pgbouncer_port: 6433 } }), vars: { pgbouncer_port: 6000, patroni_port: 8010 } };
    const c = loadInventory(raw).model.clusters[0];
    expect(c.ports.pgbouncer).toBe(6433);
    expect(c.ports.patroni).toBe(8010);
  });

  test("the pg_hba_rules forms can be mixed and resolve aliases", () => {
    const c = pgTest().model.clusters[0];
    const extra = c.hbaRules.slice(-2);
    const entry = (addr: string, auth: string) => ({ type: "host", db: "test", user: "dbuser_test", addr, auth, options: [] });
    expect(extra).toEqual([
      { title: "allow internal infra service direct access", role: "common", entries: [entry("10.0.0.0/8", "md5")], lines: ["host test dbuser_test 10.0.0.0/8 md5"] },
      { title: "test user from the infra node", role: "common", entries: [entry("10.10.10.10/32", "scram-sha-256")], lines: ["host test dbuser_test 10.10.10.10/32 scram-sha-256"] },
    ]);
  });

  test("pg_services_extra with a default's name replaces it", () => {
    const raw = minimal({ vars: { pg_services_extra: [{ name: "offline", src_port: 5438, selector: "[]", check_url: "/replica" }] } });
    const { model, warnings } = loadInventory(raw);
    expect(model.clusters[0].services.map((s) => s.name)).toEqual(["primary", "replica", "default", "offline"]);
    expect(model.clusters[0].services[3].members.map((m) => m.instance)).toEqual(["pg-test-1"]);
    expect(warnings.filter((w) => w.path.includes("pg_services"))).toEqual([]);
  });
});
