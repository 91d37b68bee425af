// The operator tool's side effects for host commands: a stack's whole model, and one ssh call with pinned host keys.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { loadInventory } from "../config/load";
import type { Model } from "../config/model";
import { rawInventory } from "../config/stack";
import { knownHostsText, sshArgv, sshConfigText, type SshTarget } from "./backups";

/** The project directory: relative paths of the stack config (pigsty:sandbox, ssh.key_path) are relative to it. */
export const repoDir = join(__dirname, "..");

// The same reading as stackClusters in ./source.ts, which returns the clusters only; host commands need model.ssh.
const pulumiBin = () => {
  const local = join(repoDir, ".toolchain", "bin", "pulumi");
  return existsSync(local) ? local : "pulumi";
};

function configValue(entry: { value?: string; objectValue?: unknown } | undefined): unknown {
  if (!entry) return undefined;
  if (entry.objectValue !== undefined) return entry.objectValue;
  try {
    return JSON.parse(entry.value ?? "");
  } catch {
    return entry.value;
  }
}

/** The stack's model, from its config as Pulumi reads it (secrets decrypted), through the program's loading. */
export function stackModel(stack: string): Model {
  let text: string;
  try {
    text = execFileSync(pulumiBin(), ["config", "--json", "--show-secrets", "--stack", stack], { cwd: repoDir, env: process.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const why = String((e as { stderr?: unknown }).stderr ?? "").trim().split("\n")[0] || (e as Error).message.split("\n")[0];
    throw new Error(`cannot read the config of stack ${stack} (pass --stack with an existing stack name): ${why}`);
  }
  const config = JSON.parse(text) as Record<string, { value?: string; objectValue?: unknown }>;
  const sandbox = configValue(config["pigsty:sandbox"]);
  return loadInventory(rawInventory({ inventory: configValue(config["pigsty:inventory"]), sandbox: typeof sandbox === "string" ? sandbox : undefined, baseDir: repoDir })).model;
}

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
