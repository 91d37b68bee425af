// The operator tool's side effect for host commands: one ssh call with pinned host keys.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { knownHostsText, sshArgv, sshConfigText, type SshTarget } from "./backups";

/** Collects a stream's text and hands each complete line to `each` as it arrives. */
function lines(stream: Readable, each?: (line: string) => void): Promise<string> {
  let all = "";
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    all += chunk;
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    if (each) parts.forEach(each);
  });
  return new Promise((resolve) =>
    // "close" also comes when the stream ends by an error, where "end" would not.
    stream.on("close", () => {
      if (each && rest !== "") each(rest);
      resolve(all);
    }),
  );
}

export interface HostResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `remote` on the target with the system ssh (argv, no shell), trusting only the pinned host keys: they go to a
 * known_hosts file of this call in a private temporary directory, removed afterwards. Lines go to onLine as they come.
 */
export async function runOnHost(
  t: SshTarget,
  remote: string[],
  onLine?: (line: string, stream: "stdout" | "stderr") => void,
  /** The ssh program; tests give a stand-in. */
  sshBin = "ssh",
): Promise<HostResult> {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-pg-ssh-"));
  try {
    const files = { knownHosts: join(dir, "known_hosts"), config: join(dir, "config") };
    writeFileSync(files.knownHosts, knownHostsText(t), { mode: 0o600 });
    writeFileSync(files.config, sshConfigText(t, files.knownHosts), { mode: 0o600 });
    const child = spawn(sshBin, sshArgv(t, files, remote), { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number>((resolve, reject) => {
      child.on("error", (e) => reject(new Error(`cannot run ${sshBin}: ${e.message} (install the OpenSSH client)`)));
      // A signal ends ssh without a code: count it as ssh's own failure.
      child.on("close", (code) => resolve(code ?? 255));
    });
    const [stdout, stderr, code] = await Promise.all([
      lines(child.stdout, onLine && ((l) => onLine(l, "stdout"))),
      lines(child.stderr, onLine && ((l) => onLine(l, "stderr"))),
      exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
