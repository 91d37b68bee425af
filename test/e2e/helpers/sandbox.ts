// Helpers for end-to-end tests that run against the sandbox (real Debian nodes on this machine).
// They drive the CLI (`tsx sandbox/cli.ts`) so tests see exactly what users see.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SandboxHosts, SandboxNode } from "../../../config/stack";
import { isRoot } from "../../../sandbox/host";
import { isUp } from "../../../sandbox/readiness";

export const REPO_ROOT = path.resolve(__dirname, "../../..");
export const SANDBOX_DIR = process.env.PIGSTY_SANDBOX_REPO_DIR ?? path.join(REPO_ROOT, ".sandbox");
export const HOSTS_JSON = path.join(SANDBOX_DIR, "hosts.json");
export const KNOWN_HOSTS = path.join(SANDBOX_DIR, "known_hosts");
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const CLI = path.join(REPO_ROOT, "sandbox", "cli.ts");

export type { SandboxHosts, SandboxNode };

/** What to bring up: like the CLI's --count / --nodes (default: meta + pg-test-1..3). */
export interface SandboxPlan {
  count?: number;
  nodes?: { name: string; ip: string }[];
}

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

export { isRoot };

/** `describe` when root (the sandbox needs it), `describe.skip` otherwise; undefined outside jest (npm run bench). */
export const describeIfRoot = (typeof describe === "undefined" ? undefined : isRoot() ? describe : describe.skip) as jest.Describe;

/** After the suite: leave the sandbox up (default, so later tests and people can reuse it) or take it down. */
export function keepSandboxAfterTests(): boolean {
  return (process.env.PIGSTY_SANDBOX_AFTER ?? "up") !== "down";
}

export function planArgs(plan: SandboxPlan = {}): string[] {
  if (plan.nodes) return ["--nodes", plan.nodes.map((n) => `${n.name}=${n.ip}`).join(",")];
  if (plan.count !== undefined) return ["--count", String(plan.count)];
  return [];
}

/** Run the sandbox CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
export function sandboxCli(args: string[], timeoutMs = 900_000): Promise<CmdResult> {
  return new Promise((resolve) => {
    execFile(TSX, [CLI, ...args], { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === "number" ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function readHosts(): SandboxHosts {
  return JSON.parse(fs.readFileSync(HOSTS_JSON, "utf8")) as SandboxHosts;
}

/**
 * Bring the sandbox up with this plan (idempotent: a running sandbox is only checked, in about a
 * second) and return hosts.json. Throws with the CLI's output if a node does not boot (running or degraded).
 */
export async function ensureSandbox(plan: SandboxPlan = {}): Promise<SandboxHosts> {
  const r = await sandboxCli(["up", ...planArgs(plan)]);
  if (r.code !== 0) throw new Error(`sandbox up failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const hosts = readHosts();
  const names = hosts.nodes.map((n) => n.name).join(",");
  if (plan.nodes && plan.nodes.map((n) => n.name).join(",") !== names) throw new Error(`hosts.json has ${names}, not the planned nodes`);
  if (plan.count !== undefined && hosts.nodes.length !== plan.count) throw new Error(`hosts.json has ${hosts.nodes.length} nodes, not ${plan.count}`);
  return hosts;
}

export async function sandboxDown(purge = false): Promise<CmdResult> {
  return sandboxCli(["down", ...(purge ? ["--purge"] : [])]);
}

/**
 * Reset nodes to the pristine base image, booted together (new disks, new host keys; hosts.json is rewritten).
 * `packaged`: to the base with the Postgres members' packages installed (sandbox/packagedBase.ts).
 */
export async function resetNodes(names: string[], { packaged = false } = {}): Promise<SandboxHosts> {
  const r = await sandboxCli(["reset", ...(packaged ? ["--packaged"] : []), ...names]);
  if (r.code !== 0) throw new Error(`sandbox reset ${names.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return readHosts();
}

/** A node by name or address (from hosts.json). */
export function node(nameOrIp: string | SandboxNode, hosts: SandboxHosts = readHosts()): SandboxNode {
  if (typeof nameOrIp !== "string") return nameOrIp;
  const n = hosts.nodes.find((x) => x.name === nameOrIp || x.ip === nameOrIp);
  if (!n) throw new Error(`no sandbox node "${nameOrIp}" (have: ${hosts.nodes.map((x) => x.name).join(", ")})`);
  return n;
}

export interface SshOptions {
  /** written to the remote command's stdin (use for secrets) */
  input?: string;
  timeoutMs?: number;
}

/** ssh argv for a node: the generated key, host key checked against the pinned one. */
export function sshArgv(target: string | SandboxNode, hosts: SandboxHosts = readHosts()): string[] {
  const n = node(target, hosts);
  return [
    "-F", "/dev/null",
    "-i", hosts.key_path,
    "-p", String(hosts.port),
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${KNOWN_HOSTS}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "ConnectTimeout=5",
    "-o", "LogLevel=ERROR",
    `${hosts.admin_user}@${n.ip}`,
  ];
}

/** Run a shell command on a node as the admin user; never rejects on a non-zero exit. */
export function sshRun(target: string | SandboxNode, cmd: string, opts: SshOptions = {}): Promise<CmdResult> {
  const argv = [...sshArgv(target), cmd];
  return new Promise((resolve) => {
    const child = spawn("ssh", argv, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Like sshRun, but throws unless the command exits 0; returns trimmed stdout. */
export async function sshOk(target: string | SandboxNode, cmd: string, opts: SshOptions = {}): Promise<string> {
  const r = await sshRun(target, cmd, opts);
  if (r.code !== 0) throw new Error(`ssh ${typeof target === "string" ? target : target.name} "${cmd}" exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/**
 * Polls `systemctl is-system-running` until the node has booted (running, or degraded: a failed unit of whatever an
 * earlier deployment left on the node, as the sandbox's own up and reset take it); returns the last answer.
 */
export async function waitSystemBooted(target: string | SandboxNode, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const r = await sshRun(target, "systemctl is-system-running", { timeoutMs: 15_000 });
    last = r.stdout.trim() || r.stderr.trim();
    if (isUp(last) || Date.now() > deadline) return last;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/**
 * Forgets pg-test's state on the infra node: the whole DCS (a previous stack enabled etcd's client auth with
 * its own root password, which a fresh stack does not know, and refuses to take over), the record of which
 * DCS the cluster lives on, and Prometheus's targets (a previous stack that stopped half-way leaves its members'
 * targets, which would be down), and the backup repository (encrypted with the previous stack's passphrase, and
 * holding stanzas of databases that are gone), and the records of in-place restores done (a fresh stack's restore 1
 * would be taken for done). The etcd member step of the next `up` starts a new DCS.
 */
export async function forgetClusterState(): Promise<void> {
  await sshRun("meta", "sudo systemctl stop etcd; sudo rm -rf /var/lib/etcd/pigsty /etc/pigsty/etcd-root*.env /var/lib/pigsty/dcs /var/lib/pigsty/restore; sudo rm -f /etc/prometheus/targets/*/*.json");
  await sshRun("meta", "sudo systemctl stop pgbackrest 'pigsty-backup-*.timer' 2>/dev/null; sudo rm -rf /var/lib/pgbackrest/archive /var/lib/pgbackrest/backup /var/spool/pgbackrest/archive /etc/pgbackrest/conf.d /var/lib/prometheus/node-exporter/pgbackrest_*.prom");
}
