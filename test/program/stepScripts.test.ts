// Every host step's create and delete script, for the dev inventory and for one that uses most keys, kept as
// reviewed text files under test/program/step-scripts/ (placeholders only: secrets travel on stdin, never in a script).
// A change to any host script shows in review as a diff of the script itself; a script that changes re-runs on
// every existing host. After a deliberate change: UPDATE_STEP_SCRIPTS=1 npx jest --selectProjects unit
// --testPathPattern test/program/stepScripts, then review the diff.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { devStackConfig, runIsolated, unwrapSecrets } from "./harness";

const DIR = join(__dirname, "step-scripts");
const update = process.env.UPDATE_STEP_SCRIPTS === "1";

/** The dev inventory with a three-member DCS, a bastion, an L2 VIP on pg-test, a second cluster restored from pg-test (pg_pitr, crit, backups on another host), rm flags. */
function mostKeys(): Record<string, unknown> {
  const config = devStackConfig();
  const inv = JSON.parse(JSON.stringify(config["pigsty:inventory"]));
  inv.dcs.servers = { "meta-1": "10.10.10.10", "meta-2": "10.10.10.11", "meta-3": "10.10.10.12" };
  inv.clusters["pg-test"].vars = {
    ...inv.clusters["pg-test"].vars,
    ...{ rm_backup: true, rm_pgdata: true, pg_parameters: { max_connections: 300 }, patroni: { ttl: 20 } },
    ...{ vip_mode: "l2", vip_address: "10.10.10.99", vip_cidrmask: 24, vip_interface: "eth0" },
  };
  inv.ssh = { host_keys: { "10.10.10.15": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5MTU" }, bastion: { host: "10.10.10.1", host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5QmFzdGlvbg" } };
  inv.clusters["pg-pitr"] = {
    hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" }, "10.10.10.15": { pg_seq: 2, pg_role: "replica" } },
    vars: { pg_pitr: { cluster: "pg-test", time: "2026-12-02 10:15:00+00" }, pg_conf: "crit", pgbackrest_schedule: { full: "daily" } },
  };
  return { ...config, "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inv };
}

const INVENTORIES: Record<string, () => Record<string, unknown>> = {
  dev: () => ({ ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/hosts.json" }),
  "most-keys": mostKeys,
};

describe.each(Object.keys(INVENTORIES))("the %s inventory's host scripts", (inventory) => {
  test("are the reviewed ones, byte for byte", async () => {
    const { registered, error } = await runIsolated(INVENTORIES[inventory]());
    if (error) throw error;
    const scripts = new Map<string, string>();
    for (const r of registered.filter((x) => x.type === "command:remote:Command")) {
      const inputs = unwrapSecrets(r.inputs);
      scripts.set(`${r.name}.create.txt`, inputs.create);
      if (inputs.delete !== undefined) scripts.set(`${r.name}.delete.txt`, inputs.delete);
    }
    const dir = join(DIR, inventory);
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of scripts) writeFileSync(join(dir, file), text);
    }
    expect(existsSync(dir) ? readdirSync(dir).sort() : []).toEqual([...scripts.keys()].sort());
    for (const [file, text] of scripts) expect(`${file}:\n${text}`).toBe(`${file}:\n${readFileSync(join(dir, file), "utf8")}`);
    // Only placeholders: no generated password of the mocks reaches a script.
    for (const text of scripts.values()) expect(text).not.toContain("generated-secret-");
  }, 60_000);
});
