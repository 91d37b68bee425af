// The program under mocks with a standby cluster that has its own DCS (clusters.<c>.dcs) in its own site: that DCS's
// resources, the cluster's Patroni in it and waiting for it alone, the stack's DCS as without it, and the output the
// next preview compares a changed DCS with (config/dcsChange.ts, tested there).
import { devStackConfig, runIsolated, unwrapSecrets, type Registered } from "./harness";

/** The dev inventory with pg-std on 10.10.10.14 following pg-test, with `dcs` as its own DCS when given. */
function config(dcs?: Record<string, unknown>): Record<string, unknown> {
  const inv = JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));
  inv.clusters["pg-std"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_upstream: "pg-test" }, ...(dcs && { dcs }) };
  return { ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inv };
}
const SITE_B = { name: "site-b", servers: { "site-b-1": "10.10.10.14" } };

const script = (registered: Registered[], name: string): string => {
  const found = registered.find((r) => r.type === "command:remote:Command" && r.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return unwrapSecrets(found.inputs).create;
};

/** Every step `name` waits for, directly or through other steps. */
function waitsFor(deps: Map<string, string[]>, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const d of deps.get(n) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
    }
  };
  visit(name);
  return seen;
}

test("the cluster's DCS gets its own steps, root password and certificate, named after its name and members", async () => {
  const { registered, exports, error } = await runIsolated(config(SITE_B));
  if (error) throw error;
  const names = (type: string) => registered.filter((r) => r.type === type).map((r) => r.name);
  expect(names("command:remote:Command")).toEqual(expect.arrayContaining(["site-b-1-prepare", "site-b-1-etcd", "site-b-dcs-auth", "meta-1-etcd", "pigsty-dcs-auth"]));
  expect(names("random:index/randomPassword:RandomPassword")).toEqual(expect.arrayContaining(["dcs-password-etcd-root", "site-b-etcd-root-password"]));
  expect(names("command:local:Command")).toContain("site-b-1-etcd-certificate");
  // Its member keeps the Postgres member's host name; its etcd and root credentials are the DCS's own.
  expect(script(registered, "site-b-1-prepare")).not.toContain("hostnamectl");
  expect(script(registered, "site-b-1-etcd")).toContain('ETCD_INITIAL_CLUSTER="site-b-1=https://10.10.10.14:2380"');
  expect(script(registered, "site-b-1-etcd")).toContain("/etc/pigsty/etcd-root-site-b.env");
  expect(script(registered, "site-b-dcs-auth")).toContain("{{secret:dcs/site-b/etcd_root|raw}}");
  expect(script(registered, "pigsty-dcs-auth")).toContain("{{secret:dcs/etcd_root|raw}}");
  expect(exports.clusterDcs).toEqual({ "pg-std": { name: "site-b", servers: { "site-b-1": "10.10.10.14" } } });
}, 60_000);

test("the cluster's Patroni lives in its own DCS and waits for it, never for the stack's", async () => {
  const { registered, deps, error } = await runIsolated(config(SITE_B));
  if (error) throw error;
  const patroniYml = script(registered, "pg-std-1-config");
  expect(patroniYml).toMatch(/etcd3:\n\s+hosts:\n\s+- 10\.10\.10\.14:2379\n/);
  expect(script(registered, "pg-test-1-config")).toMatch(/etcd3:\n\s+hosts:\n\s+- 10\.10\.10\.10:2379\n/);
  expect(script(registered, "pg-std-dcs")).toContain("--endpoints=https://10.10.10.14:2379");
  expect(script(registered, "pg-std-dcs")).toContain("/etc/pigsty/etcd-root-site-b.env");
  expect(script(registered, "pg-std-patroni-config")).toContain("in the DCS at 10.10.10.14:2379");
  for (const step of ["pg-std-dcs", "pg-std-1-guard", "pg-std-1-patroni", "pg-std-patroni-config"]) {
    const before = waitsFor(deps, step);
    expect([step, before.has("site-b-dcs-auth")]).toEqual([step, true]);
    expect([step, [...before].filter((d) => ["pigsty-dcs-auth", "meta-1-etcd"].includes(d))]).toEqual([step, []]);
  }
  expect(waitsFor(deps, "pg-test-1-patroni")).toContain("pigsty-dcs-auth");
  expect(waitsFor(deps, "pg-test-1-patroni")).not.toContain("site-b-dcs-auth");
}, 60_000);

test("the stack's DCS and the other cluster's steps are the same as without the cluster's own DCS", async () => {
  const [own, shared] = await Promise.all([runIsolated(config(SITE_B)), runIsolated(config())]);
  if (own.error ?? shared.error) throw own.error ?? shared.error;
  for (const name of ["meta-1-etcd", "pigsty-dcs-auth", "pg-test-dcs", "pg-test-1-config", "pg-test-1-patroni"]) {
    expect([name, script(own.registered, name)]).toEqual([name, script(shared.registered, name)]);
  }
  const stackUrns = (urns: string[]) => urns.filter((u) => !/site-b|pg-std/.test(u)).sort();
  expect(stackUrns(own.urns)).toEqual(stackUrns(shared.urns));
}, 60_000);
