// The program under mocks with a standby cluster of an upstream outside the stack: what it registers, which steps it
// leaves out, where its given replication password goes (a slot on stdin, never a script), and the standbys output.
import { clusterType } from "../../config/facts";
import { devStackConfig, runIsolated, unwrapSecrets } from "./harness";
import { UPSTREAM_CA } from "../helpers/inventoryFixtures";

const REPLICATION_PASSWORD = "Upstream.Replication.Secret.1";

/** The dev inventory with pg-ext on 10.10.10.14, following 10.20.0.11 and .12 outside the stack. */
function config(): Record<string, unknown> {
  const inv = JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));
  inv.clusters["pg-ext"] = {
    hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } },
    vars: { pg_upstream: ["10.20.0.11", "10.20.0.12"], pg_replication_password: REPLICATION_PASSWORD, pg_monitor_password: "Upstream.Monitor.1", pg_upstream_ca: UPSTREAM_CA },
  };
  return { ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inv };
}

test("registered with its own steps but no roles, databases or backup step; the password only as a slot", async () => {
  const { registered, exports, error } = await runIsolated(config());
  if (error) throw error;
  const cluster = registered.find((r) => r.type === clusterType && r.name === "pg-ext")!;
  expect(cluster.inputs.standby).toEqual({ upstream: "[10.20.0.11, 10.20.0.12]" });
  const commands = registered.filter((r) => r.type === "command:remote:Command");
  const names = commands.map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining(["pg-ext-dcs", "pg-ext-patroni-config", "pg-ext-leader", "pg-ext-1-patroni"]));
  for (const step of ["roles", "databases", "backup"]) {
    expect(names).not.toContain(`pg-ext-${step}`);
    expect(names).toContain(`pg-test-${step}`);
  }
  for (const c of commands) {
    const inputs = unwrapSecrets(c.inputs);
    expect(`${c.name}: ${inputs.create}\n${inputs.delete ?? ""}`).not.toContain(REPLICATION_PASSWORD);
  }
  // The Patroni config names the slot; the password travels with the step's secrets, which are secret inputs.
  const patroniYml = commands.find((c) => c.name === "pg-ext-1-config")!;
  expect(unwrapSecrets(patroniYml.inputs).create).toContain("{{secret:pg-ext/replication|yaml}}");
  expect(unwrapSecrets(patroniYml.inputs).create).toContain("sslrootcert: /etc/pigsty/tls/replication-ca.crt");
  const carrying = commands.filter((c) => JSON.stringify(unwrapSecrets(c.inputs)).includes(REPLICATION_PASSWORD));
  expect(carrying.length).toBeGreaterThan(0);
  for (const c of carrying) expect(c.secretInputs).toContain("stdin");
  // pg-test is not touched: no slot or HBA rule for pg-ext.
  expect(JSON.stringify(commands.filter((c) => c.name.startsWith("pg-test")).map((c) => unwrapSecrets(c.inputs).create))).not.toContain("pg_ext");
  expect(exports.standbys).toEqual({ "pg-ext": "[10.20.0.11, 10.20.0.12]" });
}, 60_000);

test("promoted (pg_upstream removed): the preview warns with the addresses, and the roles step comes back", async () => {
  const cfg = config();
  const vars = (cfg["pigsty:inventory"] as { clusters: Record<string, { vars: Record<string, unknown> }> }).clusters["pg-ext"].vars;
  delete vars.pg_upstream;
  delete vars.pg_upstream_ca;
  const { registered, warnings, error } = await runIsolated(cfg, { preview: true, previous: { standbys: { "pg-ext": "[10.20.0.11, 10.20.0.12]" } } });
  if (error) throw error;
  const cluster = registered.find((r) => r.type === clusterType && r.name === "pg-ext")!;
  expect(cluster.inputs.promotion).toEqual({ upstream: "[10.20.0.11, 10.20.0.12]", acknowledged: false });
  expect(warnings.filter((w) => w.includes("promotes it"))).toEqual([
    expect.stringContaining("pg-ext stops following [10.20.0.11, 10.20.0.12] and starts accepting writes. "),
  ]);
  expect(warnings.find((w) => w.includes("promotes it"))).toContain("put pg_upstream: [10.20.0.11, 10.20.0.12] back");
  expect(registered.map((r) => r.name)).toContain("pg-ext-roles");
}, 60_000);
