// Smoke test of the sandbox: real Debian 12 nodes, reachable over SSH with pinned host keys.
// Needs root. Leaves the sandbox up unless PIGSTY_SANDBOX_AFTER=down.
import { execFileSync } from "node:child_process";
import {
  SandboxHosts,
  describeIfRoot,
  ensureSandbox,
  keepSandboxAfterTests,
  sandboxCli,
  sandboxDown,
  sshOk,
  sshRun,
  waitSystemBooted,
} from "./helpers/sandbox";

describeIfRoot("sandbox (default plan: meta + pg-test-1..3)", () => {
  let hosts: SandboxHosts;

  beforeAll(async () => {
    hosts = await ensureSandbox({ count: 4 });
  }, 900_000);

  afterAll(async () => {
    if (!keepSandboxAfterTests()) {
      const r = await sandboxDown();
      expect(r.code).toBe(0);
    }
  }, 120_000);

  it("lists the four default nodes in hosts.json with pinned host keys", () => {
    expect(hosts.admin_user).toBe("dba");
    expect(hosts.port).toBe(22);
    expect(hosts.nodes.map((n) => [n.name, n.ip])).toEqual([
      ["meta", "10.10.10.10"],
      ["pg-test-1", "10.10.10.11"],
      ["pg-test-2", "10.10.10.12"],
      ["pg-test-3", "10.10.10.13"],
    ]);
    for (const n of hosts.nodes) expect(n.host_key).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+$/);
  });

  it.each(["meta", "pg-test-1", "pg-test-2", "pg-test-3"])("%s: systemd has booted, dba has passwordless sudo, identity is its own", async (name) => {
    // Degraded counts as booted: the nodes carry what earlier files deployed, and a unit of theirs may have failed.
    expect(["running", "degraded"]).toContain(await waitSystemBooted(name));
    expect((await sshRun(name, "sudo -n true")).code).toBe(0);
    expect(await sshOk(name, "hostname")).toBe(name);
    expect(await sshOk(name, "id -un")).toBe("dba");
    // The pinned key is the one sshd really serves.
    const n = hosts.nodes.find((x) => x.name === name)!;
    const scanned = execFileSync("ssh-keyscan", ["-t", "ed25519", n.ip], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    expect(scanned.split(/\s+/).slice(1, 3).join(" ")).toBe(n.host_key);
  }, 180_000);

  it("gives every node a unique machine-id and names for all its peers", async () => {
    const ids = await Promise.all(hosts.nodes.map((n) => sshOk(n.name, "cat /etc/machine-id")));
    expect(new Set(ids).size).toBe(hosts.nodes.length);
    const resolved = await sshOk("meta", `getent hosts ${hosts.nodes.map((n) => n.name).join(" ")}`);
    for (const n of hosts.nodes) expect(resolved).toMatch(new RegExp(`^${n.ip.replace(/\./g, "\\.")}\\s+${n.name}$`, "m"));
    expect((await sshRun("meta", "ping -c1 -W2 pg-test-3")).code).toBe(0);
  }, 60_000);

  it("reaches the Debian mirror through the proxy on the bridge, and nothing else through it", async () => {
    expect(await sshOk("pg-test-1", "apt-config dump Acquire::http::Proxy")).toContain('"http://10.10.10.1:');
    const upd = await sshRun("pg-test-1", "sudo -n apt-get update -q", { timeoutMs: 300_000 });
    expect(upd.code).toBe(0);
    expect(upd.stdout).not.toMatch(/^(Err|W):/m);
    const denied = await sshOk("pg-test-1", "curl -s -o /dev/null -w '%{http_code}' -x http://10.10.10.1:3128 http://not-allowed.invalid/ || true");
    expect(denied).toBe("403");
  }, 330_000);

  it("a second up only checks and repairs, in under 15 s", async () => {
    const t0 = Date.now();
    const r = await sandboxCli(["up"]);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/booting/);
    for (const n of hosts.nodes) expect(r.stdout).toMatch(new RegExp(`^${n.name}\\s+${n.ip.replace(/\./g, "\\.")}\\s+(running|degraded)`, "m"));
    expect(seconds).toBeLessThan(15);
  }, 60_000);

  it("lets a node's systemd kill what it stops and start it again (its cgroups work)", async () => {
    const run = (cmd: string) => sshRun("pg-test-1", cmd);
    await run("sudo systemctl stop pigsty-probe 2>/dev/null; sudo systemctl reset-failed pigsty-probe 2>/dev/null");
    expect((await run("sudo systemd-run --unit=pigsty-probe sleep 600")).code).toBe(0);
    expect((await run("sudo systemctl kill pigsty-probe")).code).toBe(0);
    for (let i = 0; i < 20 && (await run("pgrep -fx 'sleep 600'")).code === 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect((await run("pgrep -fx 'sleep 600'")).code).not.toBe(0);
    expect((await run("sudo systemd-run --unit=pigsty-probe sleep 600")).code).toBe(0);
    expect((await run("sudo systemctl stop pigsty-probe")).code).toBe(0);
    expect((await run("sudo journalctl --no-pager -n 50 | grep -c 'Failed to kill control group' || true")).stdout.trim()).toBe("0");
  }, 60_000);

  it("status prints one line per node", async () => {
    const r = await sandboxCli(["status"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(hosts.nodes.length);
  }, 60_000);
});
