// An ssh-agent of the bench's own, holding one key, for the runs with `ssh.agent: true`: started on a socket in a
// temp dir, ended by its PID.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SshAgent {
  /** What SSH_AUTH_SOCK must say. */
  socket: string;
  stop: () => void;
}

/** Starts `ssh-agent -D` on a socket of its own and adds `keyPath` to it. */
export async function startSshAgent(keyPath: string): Promise<SshAgent> {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-bench-agent-"));
  const socket = join(dir, "agent.sock");
  const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
  const stop = () => {
    if (agent.exitCode === null) agent.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  const added = spawnSync("ssh-add", [keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: "utf8" });
  if (!existsSync(socket) || added.status !== 0) {
    stop();
    throw new Error(`bench: ssh-agent on ${socket} did not take ${keyPath}: ${added.stderr ?? ""}`);
  }
  return { socket, stop };
}
