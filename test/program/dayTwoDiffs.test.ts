// Day-2 edits of the dev stack and exactly which resources they create, update or delete (SOP S1, S2, S6, S7).
import { devStackConfig, plannedChanges, runIsolated, type Registered } from "./harness";

const sandbox = { "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json" };
type Inventory = { clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }> };

function devInventory(): Inventory {
  return JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));
}

async function run(inv: Inventory): Promise<Registered[]> {
  const { registered, error } = await runIsolated({ ...devStackConfig(), ...sandbox, "pigsty:inventory": inv });
  if (error) throw error;
  return registered;
}

const steps = (ins: string) => ["config", "exporters", "guard", "haproxy", "patroni", "pgbouncer", "prepare", "register"].map((s) => `${ins}-${s}`);

let base: Registered[];
beforeAll(async () => {
  base = await run(devInventory());
});

test("scale-out (S1): only the new instance is created; existing members update HAProxy, the infra node its front page", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].hosts["10.10.10.14"] = { pg_seq: 4, pg_role: "replica" };
  const plan = plannedChanges(base, await run(inv));
  expect(plan.create).toEqual(["pg-test-4", ...steps("pg-test-4")].sort());
  expect(plan.delete).toEqual([]);
  // HBA stays: the default rules name networks, not members (a rule with `addr: cluster` would update it).
  expect(plan.update).toEqual(["meta-monitoring", "pg-test-1-haproxy", "pg-test-2-haproxy", "pg-test-3-haproxy"]);
});

test("scale-in (S2): removing a replica deletes only its resources; the others drop it from HAProxy", async () => {
  const inv = devInventory();
  delete inv.clusters["pg-test"].hosts["10.10.10.12"];
  const plan = plannedChanges(base, await run(inv));
  expect(plan.delete).toEqual(["pg-test-2", ...steps("pg-test-2")].sort());
  expect(plan.create).toEqual([]);
  expect(plan.update).toEqual(["meta-monitoring", "pg-test-1-haproxy", "pg-test-3-haproxy"]);
});

test("removing the last offline-query member (S2) warns in the preview", async () => {
  const inv = devInventory();
  delete inv.clusters["pg-test"].hosts["10.10.10.13"];
  const { warnings, error } = await runIsolated({ ...devStackConfig(), ...sandbox, "pigsty:inventory": inv });
  expect(error).toBeUndefined();
  expect(warnings).toEqual([
    expect.stringContaining("no member is offline-capable, so offline traffic only reaches backup servers. Mark a replica pg_offline_query: true or add a pg_role: offline host."),
  ]);
  // With it in place there is no such warning.
  expect((await runIsolated({ ...devStackConfig(), ...sandbox, "pigsty:inventory": devInventory() })).warnings).toEqual([]);
});

test("an HBA rule (S6) re-renders HBA on every member and nothing else", async () => {
  const inv = devInventory();
  const rules = inv.clusters["pg-test"].vars.pg_hba_rules_extra as unknown[];
  rules.push({ user: "dbuser_test", db: "test", addr: "10.20.0.0/16", auth: "pwd", title: "reporting subnet" });
  const plan = plannedChanges(base, await run(inv));
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-1-config", "pg-test-2-config", "pg-test-3-config"] });
});

test("a weight change (S7) re-renders HAProxy on every member and nothing else", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].hosts["10.10.10.13"].pg_weight = 0;
  const plan = plannedChanges(base, await run(inv));
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-1-haproxy", "pg-test-2-haproxy", "pg-test-3-haproxy"] });
});

test("the clonefrom tag (S1 FAQ 4) touches only that member's Patroni config", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].hosts["10.10.10.12"].clonefrom = true;
  const plan = plannedChanges(base, await run(inv));
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-2-config"] });
});

test("an HBA rule that names the cluster's members follows a scale-out on every member", async () => {
  const inv = devInventory();
  (inv.clusters["pg-test"].vars.pg_hba_rules_extra as unknown[]).push({ user: "all", db: "all", addr: "cluster", auth: "pwd", title: "members" });
  const before = await run(inv);
  inv.clusters["pg-test"].hosts["10.10.10.14"] = { pg_seq: 4, pg_role: "replica" };
  const plan = plannedChanges(before, await run(inv));
  expect(plan.update).toEqual(["meta-monitoring", ...[1, 2, 3].flatMap((n) => [`pg-test-${n}-config`, `pg-test-${n}-haproxy`])].sort());
});

test("a Postgres parameter (S3) is applied through Patroni's dynamic configuration", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].vars.pg_parameters = { max_connections: 350 };
  const plan = plannedChanges(base, await run(inv));
  // Members also re-render patroni.yml, whose bootstrap section carries the parameters for a new cluster
  // (a Patroni reload, no restart); the running cluster changes through PATCH /config.
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-1-config", "pg-test-2-config", "pg-test-3-config", "pg-test-patroni-config"] });
});

test("maintenance mode (S1, S12) is a dynamic-configuration change", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].vars.pg_maintenance = true;
  const plan = plannedChanges(base, await run(inv));
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-patroni-config"] });
});

test("moving pg_role: primary (S10) re-runs the leader step, and HAProxy for its backup flags, nothing else", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "replica";
  inv.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
  const plan = plannedChanges(base, await run(inv));
  // HBA files, pgbouncer and the cluster's SQL steps follow the actual leader, so they do not change.
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-1-haproxy", "pg-test-2-haproxy", "pg-test-3-haproxy", "pg-test-leader"] });
});

test("a new pooled user and database (S4, S5) re-run the SQL steps and every member's pgbouncer", async () => {
  const inv = devInventory();
  (inv.clusters["pg-test"].vars.pg_users as unknown[]).push({ name: "dbuser_app", pgbouncer: true, roles: ["dbrole_readwrite"] });
  (inv.clusters["pg-test"].vars.pg_databases as unknown[]).push({ name: "app", owner: "dbuser_app" });
  const after = await run(inv);
  const plan = plannedChanges(base, after);
  expect(plan.create).toEqual(["pg-test-password-user-dbuser_app"]);
  expect(plan.update).toEqual(["pg-test-1-pgbouncer", "pg-test-2-pgbouncer", "pg-test-3-pgbouncer", "pg-test-databases", "pg-test-roles"]);
});

test("a user's attribute change (S4) re-runs only the roles step", async () => {
  const inv = devInventory();
  (inv.clusters["pg-test"].vars.pg_users as Record<string, unknown>[])[0].connlimit = 50;
  const plan = plannedChanges(base, await run(inv));
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-roles"] });
});

test("a component reset (S11) re-runs only that component's step on that member", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].hosts["10.10.10.13"].pg_reset = { haproxy: 1, pgbouncer: 1 };
  inv.clusters["pg-test"].hosts["10.10.10.12"].pg_reset = { postgres: 1, register: 2 };
  const after = await run(inv);
  const plan = plannedChanges(base, after);
  // pg-test-2's Postgres reset (a re-clone) lives in its Patroni service step, its registration on the infra node.
  expect(plan).toEqual({ create: [], delete: [], update: ["pg-test-2-patroni", "pg-test-2-register", "pg-test-3-haproxy", "pg-test-3-pgbouncer"] });
  // The risk is part of the step's text, so the preview's diff shows it.
  const haproxy = after.find((r) => r.name === "pg-test-3-haproxy")?.inputs.create as string;
  expect(haproxy).toContain("# reset haproxy of pg-test-3, number 1 (risky: connections through this member's HAProxy drop once)");
});

test("new DCS servers (S12) re-run the etcd, DCS-state, Patroni-config and dynamic-configuration steps only", async () => {
  const inv = devInventory() as Inventory & { dcs: { servers: Record<string, string> } };
  inv.dcs.servers = { "etcd-2": "10.10.10.14" };
  const plan = plannedChanges(base, await run(inv));
  expect(plan.create).toEqual(["etcd-2-etcd", "etcd-2-prepare"]);
  expect(plan.delete).toEqual(["meta-1-etcd"]);
  // meta-monitoring: Prometheus scrapes the new etcd.
  expect(plan.update).toEqual(["meta-monitoring", "pg-test-1-config", "pg-test-2-config", "pg-test-3-config", "pg-test-dcs", "pg-test-patroni-config"]);
});
