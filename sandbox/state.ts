// Where things live, and the record of what `up` made (so `down` removes exactly that).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plan } from "./plan";
import type { ProcRef } from "./host";
import { procStartTime } from "./host";

/** Cached base, node disks, logs, proxy config, state: outside the clone. */
export const SANDBOX_ROOT = process.env.PIGSTY_SANDBOX_ROOT ?? "/var/lib/pigsty-sandbox";
/** The clone this code lives in. */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** What the dev stack reads: inside the clone (gitignored). */
export const REPO_SANDBOX_DIR = process.env.PIGSTY_SANDBOX_REPO_DIR ?? path.join(REPO_ROOT, ".sandbox");

export const paths = {
  root: SANDBOX_ROOT,
  base: path.join(SANDBOX_ROOT, "base"),
  baseTmp: path.join(SANDBOX_ROOT, "base.tmp"),
  baseStamp: path.join(SANDBOX_ROOT, "base", ".pigsty-sandbox-base"),
  packaged: path.join(SANDBOX_ROOT, "base-packaged"),
  packagedTmp: path.join(SANDBOX_ROOT, "base-packaged.tmp"),
  nodes: path.join(SANDBOX_ROOT, "nodes"),
  logs: path.join(SANDBOX_ROOT, "logs"),
  state: path.join(SANDBOX_ROOT, "state.json"),
  lock: path.join(SANDBOX_ROOT, "lock"),
  machineKey: path.join(SANDBOX_ROOT, "ssh", "id_ed25519"),
  tinyproxyConf: path.join(SANDBOX_ROOT, "tinyproxy", "tinyproxy.conf"),
  tinyproxyFilter: path.join(SANDBOX_ROOT, "tinyproxy", "filter"),
  repoDir: REPO_SANDBOX_DIR,
  repoKey: path.join(REPO_SANDBOX_DIR, "id_ed25519"),
  hostsJson: path.join(REPO_SANDBOX_DIR, "hosts.json"),
  knownHosts: path.join(REPO_SANDBOX_DIR, "known_hosts"),
  node(name: string) {
    const dir = path.join(SANDBOX_ROOT, "nodes", name);
    return { dir, upper: path.join(dir, "upper"), work: path.join(dir, "work"), merged: path.join(dir, "merged"), log: path.join(SANDBOX_ROOT, "logs", `${name}.log`) };
  },
};

export interface NodeRecord {
  name: string;
  ip: string;
  netns?: string;
  vethHost?: string;
  mount?: string;
  /** What its disk lies over: the packaged image (reset --packaged) or, when absent, the base. */
  image?: "packaged";
  nspawn?: ProcRef;
  /** the container's PID 1 (systemd), as seen from the host */
  leader?: ProcRef;
}

export interface State {
  version: 1;
  plan?: Plan;
  bridge?: string;
  /** /run/netns was not a mount point before our first `ip netns add` (ip makes it one) */
  madeRunNetnsMount?: boolean;
  /** tinyproxy started by us */
  proxy?: ProcRef & { port: number; listen: string };
  nodes: Record<string, NodeRecord>;
}

export function emptyState(): State {
  return { version: 1, nodes: {} };
}

export function loadState(): State {
  try {
    const s = JSON.parse(fs.readFileSync(paths.state, "utf8")) as State;
    if (s.version !== 1 || typeof s.nodes !== "object") throw new Error("unknown state format");
    return s;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw new Error(`cannot read ${paths.state}: ${(e as Error).message}`);
  }
}

/** Written before each resource is created, so a killed run leaves a complete record. */
export function saveState(s: State): void {
  fs.mkdirSync(path.dirname(paths.state), { recursive: true });
  const tmp = `${paths.state}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2) + "\n");
  fs.renameSync(tmp, paths.state);
}

export function isEmpty(s: State): boolean {
  return !s.bridge && !s.proxy && !s.madeRunNetnsMount && Object.keys(s.nodes).length === 0;
}

/** One sandbox command at a time on this machine (a stale lock of a dead process is taken over). */
export function acquireLock(): () => void {
  fs.mkdirSync(paths.root, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(paths.lock, "wx");
      fs.writeSync(fd, `${process.pid} ${procStartTime(process.pid) ?? ""}\n`);
      fs.closeSync(fd);
      return () => {
        try {
          fs.unlinkSync(paths.lock);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const [pid, start] = fs.readFileSync(paths.lock, "utf8").trim().split(" ");
      if (pid && procStartTime(Number(pid)) !== undefined && procStartTime(Number(pid)) === start) {
        throw new Error(`another sandbox command is running (PID ${pid}); wait for it, or remove ${paths.lock} if that process is not a sandbox command`);
      }
      fs.unlinkSync(paths.lock); // stale: its process is gone
    }
  }
  throw new Error(`could not take ${paths.lock}`);
}
