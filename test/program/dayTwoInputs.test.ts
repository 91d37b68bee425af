// Day-2 edits seen in the program's inputs (structure only; what the engine plans is asserted in test/e2e).
import { devStackConfig, runIsolated, type Registered } from "./harness";
import { stepName } from "../../config/stepCatalogue";

const sandbox = { "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json" };
type Inventory = { clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }> };

const devInventory = (): Inventory => JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));

async function run(inv: Inventory): Promise<{ registered: Registered[]; warnings: string[] }> {
  const { registered, warnings, error } = await runIsolated({ ...devStackConfig(), ...sandbox, "pigsty:inventory": inv });
  if (error) throw error;
  return { registered, warnings };
}

const script = (registered: Registered[], name: string) => String(registered.find((r) => r.name === name)?.inputs.create);

test("removing the last offline-query member (S2) warns in the preview", async () => {
  const inv = devInventory();
  delete inv.clusters["pg-test"].hosts["10.10.10.13"];
  expect((await run(inv)).warnings).toEqual([
    expect.stringContaining("no member is offline-capable, so offline traffic only reaches backup servers. Mark a replica pg_offline_query: true or add a pg_role: offline host."),
  ]);
  expect((await run(devInventory())).warnings).toEqual([]);
}, 30_000);

test("an HBA rule that names the cluster's members gets a scaled-out member's address on every member", async () => {
  const inv = devInventory();
  (inv.clusters["pg-test"].vars.pg_hba_rules_extra as unknown[]).push({ user: "all", db: "all", addr: "cluster", auth: "pwd", title: "members" });
  inv.clusters["pg-test"].hosts["10.10.10.14"] = { pg_seq: 4, pg_role: "replica" };
  const { registered } = await run(inv);
  for (const n of [1, 2, 3, 4]) expect(script(registered, stepName(`pg-test-${n}`, "config"))).toMatch(/host\s+all\s+all\s+10\.10\.10\.14\/32\s+scram-sha-256/);
}, 30_000);

test("the clonefrom tag (S1 FAQ 4) is in that member's Patroni config only", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].hosts["10.10.10.12"].clonefrom = true;
  const { registered } = await run(inv);
  expect(script(registered, stepName("pg-test-2", "config"))).toMatch(/clonefrom: true/);
  for (const n of [1, 3]) expect(script(registered, stepName(`pg-test-${n}`, "config"))).not.toMatch(/clonefrom: true/);
}, 30_000);

test("a bastion in the inventory carries every command's connection, with its own pinned key; none without", async () => {
  const inv = devInventory() as Inventory & { ssh?: object };
  inv.ssh = { bastion: { host: "10.10.10.1", user: "jump", port: 2222, host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEJhc3Rpb25LZXlGb3JUZXN0cw" } };
  const { registered } = await run(inv);
  const commands = registered.filter((r) => r.type === "command:remote:Command");
  expect(commands.length).toBeGreaterThan(20);
  for (const c of commands) {
    expect(c.inputs.connection.proxy).toMatchObject({
      host: "10.10.10.1",
      port: 2222,
      user: "jump",
      privateKey: expect.any(String),
      hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEJhc3Rpb25LZXlGb3JUZXN0cw",
    });
  }
  const plain = (await run(devInventory())).registered.filter((r) => r.type === "command:remote:Command");
  for (const c of plain) expect(c.inputs.connection.proxy).toBeUndefined();
}, 30_000);

describe("ssh.agent: true", () => {
  const agentInventory = () => {
    const inv = devInventory() as Inventory & { ssh?: object };
    inv.ssh = { agent: true, bastion: { host: "10.10.10.1", user: "jump", port: 2222, host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEJhc3Rpb25LZXlGb3JUZXN0cw" } };
    return inv;
  };
  const saved = process.env.SSH_AUTH_SOCK;
  afterEach(() => (saved === undefined ? delete process.env.SSH_AUTH_SOCK : (process.env.SSH_AUTH_SOCK = saved)));

  test("no connection (nor its bastion's) carries a private key: the provider signs with the agent", async () => {
    process.env.SSH_AUTH_SOCK = "/run/user/1000/agent.sock";
    const { registered } = await run(agentInventory());
    const connected = registered.filter((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote");
    expect(connected.length).toBeGreaterThan(20);
    for (const c of connected) {
      expect(c.inputs.connection).not.toHaveProperty("privateKey");
      expect(c.inputs.connection.proxy).not.toHaveProperty("privateKey");
      expect(c.inputs.connection.proxy.user).toBe("jump");
    }
    const withKey = (await run(devInventory())).registered.filter((r) => r.type === "command:remote:Command");
    for (const c of withKey) expect(c.inputs.connection.privateKey).toEqual(expect.any(String));
  }, 30_000);

  test("without SSH_AUTH_SOCK the program stops and says how to start the agent", async () => {
    delete process.env.SSH_AUTH_SOCK;
    const { error } = await runIsolated({ ...devStackConfig(), ...sandbox, "pigsty:inventory": agentInventory() });
    expect(String(error)).toContain("ssh.agent is true but SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add the admin user's key in this shell");
  }, 30_000);
});

test("an in-place restore adds its steps only while pg_pitr names the cluster itself, warns, and gives the policy its fact", async () => {
  const inv = devInventory();
  inv.clusters["pg-test"].vars.pg_pitr = { cluster: "pg-test", time: "2026-12-02 10:15:00+00", restore: 1 };
  const { registered, warnings } = await run(inv);
  const before = new Set((await run(devInventory())).registered.map((r) => r.name));
  expect(registered.map((r) => r.name).filter((n) => !before.has(n)).sort()).toEqual([
    "pg-test-1-restore",
    "pg-test-1-restore-stop",
    "pg-test-2-restore",
    "pg-test-2-restore-stop",
    "pg-test-3-restore",
    "pg-test-3-restore-stop",
    "pg-test-pitr",
    "pg-test-restore-backup",
  ]);
  expect(warnings).toEqual([expect.stringContaining("pg_pitr: restores pg-test in place to time 2026-12-02 10:15:00+00: every write after it is lost")]);
  const facts = registered.find((r) => r.type === "pigsty:pg:Cluster")!.inputs;
  expect(facts.inPlaceRestore).toEqual({ number: 1, target: "time 2026-12-02 10:15:00+00", acknowledged: false });
}, 30_000);
