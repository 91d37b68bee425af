// A member's TLS step (steps/tls.ts), its real scripts against a scratch root with systemd standing in: the CA, the
// REST API's and Postgres' certificates and keys installed from the step's secrets, keys readable by postgres only; a
// renewed certificate reaches Patroni and pgbouncer by a reload, never a restart; the removal deletes the member's own;
// a standby of an upstream outside the stack gets one file of both CAs.
import { loadInventory } from "../../config/load";
import { UPSTREAM_CA_BUNDLE } from "../../render/tls";
import { patroniTlsStep } from "../../steps/tls";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest, pinHostKeys, rawFixture, UPSTREAM_CA } from "../helpers/inventoryFixtures";

const cluster = pgTest().model.clusters[0];
const step = patroniTlsStep(cluster, cluster.instances[1]);
const TLS = "/etc/pigsty/tls";
const host = fakeHost();

/** The step's secrets, each value naming its slot and `issue`. */
const secrets = (issue: string) => JSON.stringify(Object.fromEntries(step.secrets.map((s) => [s, `${s} ${issue}`])));

/** Runs the step with the certificates of `issue`; Patroni and pgbouncer run unless `running` is false. */
function deploy(issue: string, running = true) {
  host().stub("systemctl", `[ "$1" != -q ] || exit ${running ? 0 : 3}`);
  return host().run(step.create, { stdin: secrets(issue) });
}

test("installs the CA, the REST API's and Postgres' certificates and keys, each key readable by postgres only", () => {
  expect(step.secrets.sort()).toEqual(["tls/ca", "tls/patroni/pg-test-2/cert", "tls/patroni/pg-test-2/key", "tls/postgres/pg-test-2/cert", "tls/postgres/pg-test-2/key"]);
  const r = deploy("1");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const files = { "ca.crt": "tls/ca", "patroni.crt": "tls/patroni/pg-test-2/cert", "patroni.key": "tls/patroni/pg-test-2/key", "postgres.crt": "tls/postgres/pg-test-2/cert", "postgres.key": "tls/postgres/pg-test-2/key" };
  const owners = host().owners(r.calls);
  const seen = Object.keys(files).map((f) => [f, host().read(`${TLS}/${f}`), host().mode(`${TLS}/${f}`), owners[`${TLS}/${f}`]]);
  expect(seen).toEqual([
    ["ca.crt", "tls/ca 1\n", "0644", "root:root"],
    ["patroni.crt", "tls/patroni/pg-test-2/cert 1\n", "0644", "postgres:postgres"],
    ["patroni.key", "tls/patroni/pg-test-2/key 1\n", "0600", "postgres:postgres"],
    ["postgres.crt", "tls/postgres/pg-test-2/cert 1\n", "0644", "postgres:postgres"],
    ["postgres.key", "tls/postgres/pg-test-2/key 1\n", "0600", "postgres:postgres"],
  ]);
});

test("a renewed certificate reloads Patroni and pgbouncer where they run, never restarts them; the same one does nothing", () => {
  deploy("1");
  const renewed = deploy("2");
  expect(renewed.status).toBe(0);
  expect(renewed.calls.filter((c) => c.startsWith("systemctl"))).toEqual([
    "systemctl -q is-active patroni",
    "systemctl reload patroni",
    "systemctl -q is-active pgbouncer",
    "systemctl reload pgbouncer",
  ]);
  expect(deploy("2").calls.filter((c) => c.startsWith("systemctl"))).toEqual([]);
  // Not yet running (the first deployment: they start later with these files): nothing to reload.
  expect(deploy("3", false).calls.filter((c) => c.startsWith("systemctl"))).toEqual(["systemctl -q is-active patroni", "systemctl -q is-active pgbouncer"]);
});

test("the removal deletes the member's certificates and keys, and leaves the CA", () => {
  deploy("1");
  const r = host().run(step.delete!, { stdin: secrets("1") });
  expect(r.status).toBe(0);
  for (const f of ["patroni.crt", "patroni.key", "postgres.crt", "postgres.key"]) expect(host().exists(`${TLS}/${f}`)).toBe(false);
  expect(host().exists(`${TLS}/ca.crt`)).toBe(true);
});

describe("a member of a standby whose upstream is outside the stack", () => {
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { hosts: Record<string, unknown>; vars: Record<string, unknown> }> };
  const upstream = { pg_upstream: ["10.20.0.11"], pg_replication_password: "Upstream.Repl.1", pg_monitor_password: "Upstream.Mon.1", pg_upstream_ca: UPSTREAM_CA };
  // A standby takes its users and databases from its upstream.
  const { pg_users: _users, pg_databases: _databases, ...own } = raw.clusters["pg-test"].vars;
  raw.clusters["pg-test"].vars = { ...own, ...upstream };
  const standby = loadInventory(pinHostKeys(raw)).model.clusters[0];
  const external = patroniTlsStep(standby, standby.instances[1]);
  const stdin = JSON.stringify(Object.fromEntries(external.secrets.map((s) => [s, s === "tls/ca" ? "STACK-CA" : s])));

  test("verifies replication against one file of both CAs, which its removal deletes", () => {
    expect(standby.standby?.external).toBe(true);
    host().stub("systemctl");
    expect(host().run(external.create, { stdin }).status).toBe(0);
    expect([host().read(UPSTREAM_CA_BUNDLE), host().mode(UPSTREAM_CA_BUNDLE)]).toEqual([`STACK-CA\n${UPSTREAM_CA}`, "0644"]);
    expect(host().read(`${TLS}/ca.crt`)).toBe("STACK-CA\n");
    expect(host().run(external.delete!, { stdin }).status).toBe(0);
    expect(host().exists(UPSTREAM_CA_BUNDLE)).toBe(false);
  });

  test("a member of the stack's own cluster has no such file", () => {
    host().stub("systemctl");
    expect(deploy("1").status).toBe(0);
    expect(host().exists(UPSTREAM_CA_BUNDLE)).toBe(false);
  });
});
