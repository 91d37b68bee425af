// SSH to nodes with the generated key, checking host keys against the known_hosts we wrote.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RunResult, run } from "./host";
import { ADMIN_USER, SSH_PORT } from "./render";
import { paths } from "./state";

export function sshArgs(ip: string, knownHosts: string = paths.knownHosts, key: string = paths.repoKey, connectTimeout = 3): string[] {
  return [
    "-F", "/dev/null",
    "-i", key,
    "-p", String(SSH_PORT),
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${knownHosts}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", `ConnectTimeout=${connectTimeout}`,
    "-o", "LogLevel=ERROR",
    `${ADMIN_USER}@${ip}`,
  ];
}

/** The admin key: one per machine (so every clone can reach the same nodes), copied into the clone. */
export function ensureAdminKey(): string {
  if (!fs.existsSync(paths.machineKey)) {
    fs.mkdirSync(path.dirname(paths.machineKey), { recursive: true, mode: 0o700 });
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "pigsty-sandbox-admin", "-f", paths.machineKey]);
  }
  fs.mkdirSync(paths.repoDir, { recursive: true, mode: 0o700 });
  for (const [src, dst, mode] of [
    [paths.machineKey, paths.repoKey, 0o600],
    [`${paths.machineKey}.pub`, `${paths.repoKey}.pub`, 0o644],
  ] as const) {
    const content = fs.readFileSync(src);
    if (!fs.existsSync(dst) || !fs.readFileSync(dst).equals(content)) fs.writeFileSync(dst, content, { mode });
    fs.chmodSync(dst, mode);
  }
  return fs.readFileSync(`${paths.machineKey}.pub`, "utf8").trim();
}

/** Runs a command on a node over SSH (async, for polling many nodes at once); never rejects. */
export function sshAsync(ip: string, command: string, timeoutMs = 10_000, knownHosts?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile("ssh", [...sshArgs(ip, knownHosts), command], { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === "number" ? Number((err as NodeJS.ErrnoException).code) : 255) : 0;
      const timedOut = err && (err as { killed?: boolean }).killed ? `ssh gave no answer within ${timeoutMs / 1000} s (ended)` : "";
      resolve({ code, stdout: String(stdout), stderr: [String(stderr).trim(), timedOut].filter(Boolean).join("\n") });
    });
  });
}

/** What `systemctl is-system-running` says over SSH, or why we could not ask. */
export async function systemStateAsync(ip: string, knownHosts?: string): Promise<{ state: string; detail?: string }> {
  const r = await sshAsync(ip, "systemctl is-system-running", 10_000, knownHosts);
  return classify(r);
}

function classify(r: RunResult): { state: string; detail?: string } {
  const out = r.stdout.trim();
  if (out) return { state: out };
  const err = r.stderr.trim();
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(err)) return { state: "hostkey-mismatch", detail: err };
  if (/Permission denied/.test(err)) return { state: "auth-failed", detail: err };
  return { state: "unreachable", detail: err || `ssh exited ${r.code} and said nothing (a connection closed by the node, at this log level)` };
}
