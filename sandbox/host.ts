// Side effects on the sandbox host: run commands, inspect links, addresses, routes, ports, PIDs.
import { spawn, spawnSync, SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";

export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostError";
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command without a shell; never throws on a non-zero exit. */
export function tryRun(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) return { code: 127, stdout: "", stderr: `${cmd}: ${r.error.message}` };
  return { code: r.status ?? 128, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** Run a command; throw with its stderr on a non-zero exit. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = tryRun(cmd, args, opts);
  if (r.code !== 0) {
    throw new HostError(`command failed (exit ${r.code}): ${[cmd, ...args].join(" ")}\n${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** Run a long command with its output streamed to a log file; resolves on exit 0. */
export function runLogged(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, "a");
    fs.writeSync(fd, `\n# ${new Date().toISOString()} ${[cmd, ...args].join(" ")}\n`);
    const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], env: env ?? process.env });
    child.on("error", (e) => {
      fs.closeSync(fd);
      reject(new HostError(`${cmd}: ${e.message}`));
    });
    child.on("exit", (code, signal) => {
      fs.closeSync(fd);
      if (code === 0) resolve();
      else {
        const tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
        reject(new HostError(`${cmd} failed (${signal ?? `exit ${code}`}); last lines of ${logFile}:\n${tail}`));
      }
    });
  });
}

/** Start a long-lived process detached from us (own session), output to a log file. */
export function startDetached(cmd: string, args: string[], logFile: string, env: Record<string, string> = {}): number {
  const fd = fs.openSync(logFile, "a");
  fs.writeSync(fd, `\n# ${new Date().toISOString()} ${[...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args].join(" ")}\n`);
  const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], detached: true, env: { ...process.env, ...env } });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new HostError(`could not start ${cmd}`);
  child.unref();
  return child.pid;
}

// ---------- processes ----------

export interface ProcRef {
  pid: number;
  /** field 22 of /proc/PID/stat: guards against PID reuse */
  startTime: string;
}

export function procStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const afterComm = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = afterComm[0];
    if (state === "Z" || state === "X") return undefined;
    return afterComm[19];
  } catch {
    return undefined;
  }
}

export function procRef(pid: number): ProcRef | undefined {
  const startTime = procStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** True if the process we recorded is still the same process and alive. */
export function alive(ref: ProcRef | undefined): boolean {
  return ref !== undefined && procStartTime(ref.pid) === ref.startTime;
}

export function signal(ref: ProcRef, sig: NodeJS.Signals | number): void {
  if (!alive(ref)) return;
  try {
    process.kill(ref.pid, sig);
  } catch {
    /* gone */
  }
}

export function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function pidNamespace(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** All PIDs in the given PID namespace (as seen from the host). */
export function pidsInNamespace(ns: string): number[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^[0-9]+$/.test(d))
    .map(Number)
    .filter((p) => pidNamespace(p) === ns);
}

/** Proportional set size of a process in KiB (0 if unreadable). */
export function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+([0-9]+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new HostError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------- network ----------

export interface LinkInfo {
  ifname: string;
  operstate?: string;
  link_type?: string;
  address?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

export interface AddrInfo {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

export interface RouteInfo {
  dst: string;
  dev?: string;
  gateway?: string;
}

function ipJson<T>(args: string[], netns?: string): T {
  const full = netns ? ["-n", netns, "-j", ...args] : ["-j", ...args];
  const out = run("ip", full);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

export function links(netns?: string): LinkInfo[] {
  return ipJson<LinkInfo[]>(["-d", "link", "show"], netns);
}

export function linkExists(name: string, netns?: string): boolean {
  return tryRun("ip", [...(netns ? ["-n", netns] : []), "link", "show", "dev", name]).code === 0;
}

export function addresses(netns?: string): AddrInfo[] {
  return ipJson<AddrInfo[]>(["addr", "show"], netns);
}

export function routes(netns?: string): RouteInfo[] {
  return ipJson<RouteInfo[]>(["route", "show"], netns);
}

export function netnsList(): string[] {
  try {
    return fs.readdirSync("/run/netns");
  } catch {
    return [];
  }
}

export interface Listener {
  local: string;
  port: number;
  process: string;
}

/** TCP listeners on the host (ss -ltnpH). */
export function tcpListeners(): Listener[] {
  const out = tryRun("ss", ["-ltnpH"]).stdout;
  const result: Listener[] = [];
  for (const line of out.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const local = cols[3];
    const i = local.lastIndexOf(":");
    result.push({ local: local.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(local.slice(i + 1)), process: cols.slice(5).join(" ") });
  }
  return result;
}

// ---------- mounts ----------

export function mountPoints(): string[] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ")[4].replace(/\\040/g, " "));
}

export function isMounted(path: string): boolean {
  return mountPoints().includes(path);
}

// ---------- packages ----------

export function packageInstalled(pkg: string): boolean {
  const r = tryRun("dpkg-query", ["-W", "-f=${Status}", pkg]);
  return r.code === 0 && r.stdout.includes("install ok installed");
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function writeFileIfChanged(path: string, content: string, mode: number): boolean {
  let old: string | undefined;
  try {
    // Never follow a symlink inside a node's disk: it could point at a host path.
    if (fs.lstatSync(path).isSymbolicLink()) fs.unlinkSync(path);
    old = fs.readFileSync(path, "utf8");
  } catch {
    old = undefined;
  }
  if (old === content) {
    if ((fs.statSync(path).mode & 0o7777) !== mode) fs.chmodSync(path, mode);
    return false;
  }
  const tmp = `${path}.pgs-tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, path);
  return true;
}
