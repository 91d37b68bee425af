// The dev stack's state without the sandbox: Pulumi.dev.yaml's inventory with its 10.10.10.x hosts moved to
// 127.2.0.x, deployed by a cold `up` to the bench's loopback hosts (the dashboards' sftp copy lands in their chroot),
// then split by bench/stateBytes.ts. Its stdout is empty (no script runs), so it is a little smaller than the dev
// stack's state after the demo. Then the same with `ssh.agent: true`, whose connections carry no private key.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { projectStack } from "./fleetStacks";
import { startLoopbackHosts } from "./loopbackHosts";
import { benchEnv, repo, sampledPulumi } from "./pulumiRun";
import { startSshAgent } from "./sshAgent";
import { breakdownOfFile, type StateBreakdown } from "./stateBytes";

/** The dev inventory as JSON text with its sandbox addresses on loopback, and those addresses. */
export function devInventoryOnLoopback(devYaml: string): { inventory: Record<string, unknown>; addresses: string[] } {
  const config = (parse(devYaml) as { config: Record<string, unknown> }).config;
  const text = JSON.stringify(config["pigsty:inventory"]).replace(/\b10\.10\.10\.(\d{1,3})\b/g, "127.2.0.$1");
  const addresses = [...new Set(text.match(/\b127\.2\.0\.\d{1,3}\b/g) ?? [])];
  return { inventory: JSON.parse(text) as Record<string, unknown>, addresses };
}

export interface DevState {
  seconds: number;
  breakdown: StateBreakdown;
  /** The same deployment with `ssh.agent: true`: no private key in any connection. */
  withAgent: { seconds: number; breakdown: StateBreakdown };
}

/**
 * Cold `up`s of the dev inventory on loopback hosts, with the key file (as the dev stack) and through an ssh-agent:
 * their times and where their states' bytes go.
 */
export async function devStateBench(): Promise<DevState> {
  const { inventory, addresses } = devInventoryOnLoopback(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8"));
  const hosts = await startLoopbackHosts(addresses);
  try {
    const hostKeys = Object.fromEntries(addresses.map((a) => [a, hosts.hostKey]));
    const coldUp = async (ssh: Record<string, unknown>, env: NodeJS.ProcessEnv = benchEnv) => {
      const stack = await projectStack("bench-dev-state", { "pigsty:inventory": JSON.stringify({ ...inventory, ssh }) });
      try {
        const up = await sampledPulumi(["up", "--yes", "--skip-preview", "--non-interactive", "--suppress-progress", "--stack", "bench-dev-state"], repo, env);
        return { seconds: up.seconds, breakdown: breakdownOfFile(stack.stateFile) };
      } finally {
        await stack.remove();
      }
    };
    const withKey = await coldUp({ user: hosts.user, key_path: hosts.keyPath, port: hosts.port, host_keys: hostKeys });
    const agent = await startSshAgent(hosts.keyPath);
    try {
      const withAgent = await coldUp({ user: hosts.user, agent: true, port: hosts.port, host_keys: hostKeys }, { ...benchEnv, SSH_AUTH_SOCK: agent.socket });
      return { ...withKey, withAgent };
    } finally {
      agent.stop();
    }
  } finally {
    await hosts.stop();
  }
}
