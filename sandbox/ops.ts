// up / down / status / reset: the sandbox's commands, built from the pieces in this folder.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { AptEntry, mirrorHosts, parseDeb822, parseOneLine, renderNodeSources } from "./apt";
import { BASE_RECIPE, baseReady, buildBase, removeTree, unmountBelow } from "./base";
import { findConflicts } from "./conflicts";
import {
  HostError,
  addresses,
  alive,
  links,
  netnsList,
  packageInstalled,
  pidsInNamespace,
  pidNamespace,
  procRef,
  pssKiB,
  routes,
  run,
  runLogged,
  signal,
  startDetached,
  tcpListeners,
  waitFor,
  writeFileIfChanged,
  linkExists,
  sleep,
} from "./host";
import {
  boot,
  ensureBridge,
  ensureDisk,
  ensureIdentity,
  ensureNetns,
  isRunning,
  nodeHostKey,
  refreshLeader,
  killStrays,
  releaseRunNetns,
  removeNetns,
  stop,
  tail,
  unmountDisk,
  wipeDisk,
  writeNodeFiles,
} from "./nodes";
import { Plan, PlanOptions, PlannedNode, buildPlan, findNode } from "./plan";
import { AptHostSettings, renderHostsJson, renderKnownHosts, renderNodeFiles, renderTinyproxyConf, renderTinyproxyFilter } from "./render";
import { ensureAdminKey, systemStateAsync } from "./ssh";
import { State, acquireLock, isEmpty, loadState, paths, saveState } from "./state";

export const HOST_PACKAGES = ["debootstrap", "systemd-container", "iproute2", "tinyproxy-bin", "openssh-client"];

export type Progress = (msg: string) => void;

export function makeProgress(out: (line: string) => void = (l) => console.log(l)): Progress {
  const t0 = Date.now();
  return (msg) => out(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}

// ---------- host apt facts ----------

export function hostAptSources(): AptEntry[] {
  const entries: AptEntry[] = [];
  const dir = "/etc/apt/sources.list.d";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    if (f.endsWith(".sources")) entries.push(...parseDeb822(text));
    else if (f.endsWith(".list")) entries.push(...parseOneLine(text));
  }
  if (fs.existsSync("/etc/apt/sources.list")) entries.push(...parseOneLine(fs.readFileSync("/etc/apt/sources.list", "utf8")));
  return entries;
}

export function hostAptSettings(): AptHostSettings {
  const dump = run("apt-config", ["dump"]);
  const get = (key: string) => new RegExp(`^${key.replace(/:/g, "\\:")} "([^"]*)";$`, "m").exec(dump)?.[1];
  return { checkValidUntil: get("Acquire::Check-Valid-Until"), checkDate: get("Acquire::Check-Date") };
}

function aptOptions(s: AptHostSettings): string[] {
  const o: string[] = [];
  if (s.checkValidUntil !== undefined) o.push("-o", `Acquire::Check-Valid-Until=${s.checkValidUntil}`);
  if (s.checkDate !== undefined) o.push("-o", `Acquire::Check-Date=${s.checkDate}`);
  return o;
}

async function ensureHostPackages(progress: Progress): Promise<void> {
  const missing = HOST_PACKAGES.filter((p) => !packageInstalled(p));
  if (missing.length === 0) return;
  progress(`installing host packages: ${missing.join(" ")}`);
  fs.mkdirSync(paths.logs, { recursive: true });
  const log = path.join(paths.logs, "host-apt.log");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => runLogged("apt-get", ["install", "-y", "--no-install-recommends", ...missing], log, env);
  try {
    await install();
  } catch {
    progress("apt-get install failed; apt-get update and retry");
    await runLogged("apt-get", ["update"], log, env);
    await install();
  }
}

// ---------- host facts for the conflict check ----------

function hostFacts(state: State) {
  return {
    links: links().map((l) => l.ifname),
    addresses: addresses().flatMap((a) => a.addr_info.map((x) => ({ ifname: a.ifname, local: x.local, prefixlen: x.prefixlen, family: x.family }))),
    routes: routes(),
    netns: netnsList(),
    listeners: tcpListeners(),
    ourProxyPid: state.proxy && alive(state.proxy) ? state.proxy.pid : undefined,
  };
}

// ---------- proxy ----------

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 });
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function stopProxy(state: State): Promise<void> {
  if (state.proxy && alive(state.proxy)) {
    signal(state.proxy, "SIGTERM");
    try {
      await waitFor("tinyproxy to exit", 5000, () => !alive(state.proxy));
    } catch {
      signal(state.proxy, "SIGKILL");
    }
  }
  delete state.proxy;
  saveState(state);
}

async function ensureProxy(state: State, plan: Plan, sources: AptEntry[], progress: Progress): Promise<void> {
  fs.mkdirSync(path.dirname(paths.tinyproxyConf), { recursive: true, mode: 0o755 });
  const hosts = mirrorHosts(sources);
  const c1 = writeFileIfChanged(paths.tinyproxyFilter, renderTinyproxyFilter(hosts), 0o644);
  const c2 = writeFileIfChanged(paths.tinyproxyConf, renderTinyproxyConf(plan, { filterFile: paths.tinyproxyFilter }), 0o644);
  const same = state.proxy && alive(state.proxy) && state.proxy.port === plan.proxyPort && state.proxy.listen === plan.bridgeIp && !c1 && !c2;
  if (same && (await canConnect(plan.bridgeIp, plan.proxyPort))) return;
  if (state.proxy) await stopProxy(state);
  progress(`starting package proxy (tinyproxy) on ${plan.bridgeIp}:${plan.proxyPort}, allowed: the host's Debian mirrors`);
  const log = path.join(paths.logs, "tinyproxy.log");
  const pid = startDetached("tinyproxy", ["-d", "-c", paths.tinyproxyConf], log);
  const ref = procRef(pid);
  if (ref) {
    state.proxy = { ...ref, port: plan.proxyPort, listen: plan.bridgeIp };
    saveState(state);
  }
  await waitFor(`tinyproxy to listen on ${plan.bridgeIp}:${plan.proxyPort} (log: ${log})`, 10_000, async () => {
    if (!alive(state.proxy)) throw new HostError(`tinyproxy exited; last lines of ${log}:\n${tail(log)}`);
    return canConnect(plan.bridgeIp, plan.proxyPort);
  });
}

// ---------- node readiness ----------

export interface NodeStatus {
  name: string;
  ip: string;
  state: string;
  pid?: number;
  memKiB?: number;
  detail?: string;
}

function nodeMemKiB(state: State, name: string): number | undefined {
  const leader = state.nodes[name]?.leader;
  if (!leader || !alive(leader)) return undefined;
  const ns = pidNamespace(leader.pid);
  if (!ns) return undefined;
  return pidsInNamespace(ns).reduce((sum, p) => sum + pssKiB(p), 0);
}

async function waitRunning(plan: Plan, nodes: PlannedNode[], timeoutMs: number, progress: Progress): Promise<Map<string, { state: string; detail?: string }>> {
  const result = new Map<string, { state: string; detail?: string }>();
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    nodes.map(async (n) => {
      let last = "";
      for (;;) {
        const s = await systemStateAsync(n.ip);
        result.set(n.name, s);
        if (s.state !== last) {
          if (last) progress(`${n.name}: ${s.state}`);
          last = s.state;
        }
        // Degraded = booted, with a failed unit of whatever was deployed on the node: not the sandbox's concern.
        if (s.state === "running" || s.state === "degraded") return;
        if (s.state === "hostkey-mismatch" || s.state === "auth-failed") return;
        if (Date.now() > deadline) {
          if (s.state === "degraded") {
            const failed = await import("./ssh").then((m) => m.sshAsync(n.ip, "systemctl --failed --no-legend --plain"));
            result.set(n.name, { state: "degraded", detail: `failed units: ${failed.stdout.trim()}` });
          }
          return;
        }
        await sleep(s.state === "unreachable" ? 500 : 1000);
      }
    }),
  );

  return result;
}

// ---------- commands ----------

export interface UpOptions extends PlanOptions {
  progress?: Progress;
  readyTimeoutMs?: number;
  /** Every node starts from the pristine base image: its disk is wiped first (a running node is stopped). */
  fresh?: boolean;
}

function choosePlan(state: State, opts: PlanOptions): Plan {
  const explicit = opts.nodes !== undefined || opts.count !== undefined || opts.subnet !== undefined || opts.proxyPort !== undefined;
  if (!explicit && state.plan) return state.plan;
  const plan = buildPlan({ subnet: state.plan?.subnet, proxyPort: state.plan?.proxyPort, ...opts });
  if (state.plan && !isEmpty(state) && (state.plan.subnet !== plan.subnet || state.plan.bridge !== plan.bridge)) {
    throw new HostError(`the sandbox is up on ${state.plan.subnet}; run \`npm run sandbox -- down\` before changing the subnet`);
  }
  return plan;
}

export async function up(opts: UpOptions = {}): Promise<NodeStatus[]> {
  const progress = opts.progress ?? makeProgress();
  const release = acquireLock();
  try {
    await ensureHostPackages(progress);
    const state = loadState();
    const plan = choosePlan(state, opts);
    const problems = findConflicts(plan, state, hostFacts(state));
    if (problems.length) throw new HostError(`cannot bring the sandbox up:\n- ${problems.join("\n- ")}`);
    state.plan = plan;
    saveState(state);

    const sources = hostAptSources();
    const apt = hostAptSettings();
    const base = baseReady();
    if (!base.ready) {
      progress("building the Debian 12 base image (once; about a minute)");
      await buildBase({ sources, aptOptions: aptOptions(apt), progress });
      progress("base image cached");
    } else if (base.recipe !== BASE_RECIPE) {
      progress(`note: cached base was built by ${base.recipe}, current recipe is ${BASE_RECIPE}; \`down --purge\` rebuilds it`);
    }

    const adminPub = ensureAdminKey();
    ensureBridge(state, plan);
    await ensureProxy(state, plan, sources, progress);

    // Nodes that are no longer in the plan: stop and unplug (their disks stay).
    for (const name of Object.keys(state.nodes)) {
      if (!plan.nodes.some((n) => n.name === name)) {
        progress(`${name}: not in the plan any more, stopping`);
        await removeNode(state, name);
      }
    }

    if (opts.fresh) {
      for (const node of plan.nodes) {
        progress(`${node.name}: starting from the pristine base image (--fresh wipes its disk)`);
        await stop(state, node.name);
        await killStrays(node.name);
        await unmountDisk(state, node.name);
        wipeDisk(node.name);
      }
    }

    const nodeSources = renderNodeSources(sources);
    const booted: string[] = [];
    for (const node of plan.nodes) {
      ensureDisk(state, node);
      ensureIdentity(node);
      const changed = writeNodeFiles(node, renderNodeFiles({ plan, node, sources: nodeSources, apt, adminPublicKey: adminPub }));
      ensureNetns(state, plan, node);
      if (isRunning(state.nodes[node.name])) {
        refreshLeader(state, node.name);
        const strays = await killStrays(node.name, state.nodes[node.name]?.leader);
        if (strays.length) {
          // Two systemd instances shared this disk and network namespace: restart clean.
          progress(`${node.name}: killed stray container init(s) ${strays.join(", ")} left by a killed run; restarting the node`);
          await stop(state, node.name);
        }
        if (changed.length) progress(`${node.name}: repaired ${changed.join(", ")}`);
      }
      if (!isRunning(state.nodes[node.name])) {
        progress(`${node.name}: booting ${node.ip}`);
        await boot(state, node);
        booted.push(node.name);
      }
    }
    writeClientFiles(plan);
    if (booted.length) progress(`waiting for systemd in ${booted.join(", ")}`);
    const states = await waitRunning(plan, plan.nodes, opts.readyTimeoutMs ?? 180_000, progress);
    const statuses = plan.nodes.map((n) => ({
      name: n.name,
      ip: n.ip,
      state: states.get(n.name)?.state ?? "unknown",
      detail: states.get(n.name)?.detail,
      pid: state.nodes[n.name]?.nspawn?.pid,
    }));
    return statuses;
  } finally {
    release();
  }
}

/** hosts.json and known_hosts in the clone: what the dev stack and ssh read. */
export function writeClientFiles(plan: Plan): void {
  const nodes = plan.nodes.map((n) => ({ name: n.name, ip: n.ip, hostKey: nodeHostKey(n.name) }));
  fs.mkdirSync(paths.repoDir, { recursive: true, mode: 0o700 });
  writeFileIfChanged(paths.knownHosts, renderKnownHosts(nodes), 0o644);
  writeFileIfChanged(paths.hostsJson, renderHostsJson(paths.repoKey, nodes), 0o644);
}

async function removeNode(state: State, name: string): Promise<void> {
  await stop(state, name);
  await unmountDisk(state, name);
  removeNetns(state, name);
  delete state.nodes[name];
  saveState(state);
}

export interface DownOptions {
  purge?: boolean;
  progress?: Progress;
}

export async function down(opts: DownOptions = {}): Promise<void> {
  const progress = opts.progress ?? makeProgress();
  if (!fs.existsSync(paths.root)) {
    progress("nothing to do: the sandbox was never brought up on this machine");
    return;
  }
  const release = acquireLock();
  try {
    const state = loadState();
    const names = Object.keys(state.nodes);
    const pids = [state.proxy, ...names.flatMap((n) => [state.nodes[n].nspawn, state.nodes[n].leader])].filter((r) => alive(r)).map((r) => r!.pid);
    await Promise.all(
      names.map(async (name) => {
        if (isRunning(state.nodes[name])) progress(`${name}: stopping`);
        await stop(state, name);
      }),
    );
    for (const name of names) {
      await unmountDisk(state, name);
      removeNetns(state, name);
      delete state.nodes[name];
      saveState(state);
    }
    releaseRunNetns(state);
    if (state.proxy) {
      progress("stopping package proxy");
      await stopProxy(state);
    }
    if (state.bridge) {
      if (linkExists(state.bridge)) run("ip", ["link", "del", state.bridge]);
      progress(`removed bridge ${state.bridge}`);
      delete state.bridge;
      saveState(state);
    }
    // Any overlay still mounted under our node disks is ours (e.g. from a lost state file).
    unmountBelow(paths.nodes);
    if (opts.purge) {
      progress(`purging ${paths.root} (base image, node disks, keys) and ${paths.hostsJson}`);
      for (const f of [paths.hostsJson, paths.knownHosts]) fs.rmSync(f, { force: true });
      removeTree(paths.base);
      removeTree(paths.baseTmp);
      removeTree(paths.nodes);
      fs.rmSync(path.dirname(paths.machineKey), { recursive: true, force: true });
      fs.rmSync(paths.logs, { recursive: true, force: true });
      fs.rmSync(path.dirname(paths.tinyproxyConf), { recursive: true, force: true });
      delete state.plan;
      saveState(state);
    }
    // Our detached processes were re-parented to the host's PID 1; give it a moment to reap them
    // so no <defunct> entry is left in ps (best effort: we cannot reap them ourselves).
    await waitFor("exited processes to be reaped", 10_000, () => pids.every((p) => !fs.existsSync(`/proc/${p}`))).catch(() => undefined);
    progress("sandbox is down");
  } finally {
    release();
  }
}

export async function status(): Promise<NodeStatus[]> {
  if (!fs.existsSync(paths.state)) return [];
  const state = loadState();
  const plan = state.plan;
  if (!plan) return [];
  return Promise.all(
    plan.nodes.map(async (n) => {
      const rec = state.nodes[n.name];
      if (!isRunning(rec)) return { name: n.name, ip: n.ip, state: "stopped" };
      const s = await systemStateAsync(n.ip);
      return { name: n.name, ip: n.ip, state: s.state, detail: s.detail, pid: rec!.nspawn!.pid, memKiB: nodeMemKiB(state, n.name) };
    }),
  );
}

export async function reset(name: string, opts: { progress?: Progress; readyTimeoutMs?: number } = {}): Promise<NodeStatus> {
  const progress = opts.progress ?? makeProgress();
  const release = acquireLock();
  try {
    const state = loadState();
    if (!state.plan) throw new HostError("the sandbox is not up; run `npm run sandbox -- up` first");
    const plan = state.plan;
    const node = findNode(plan, name);
    progress(`${name}: stopping`);
    await stop(state, name);
    await unmountDisk(state, name);
    progress(`${name}: wiping its disk back to the base image`);
    wipeDisk(name);
    const apt = hostAptSettings();
    const sources = hostAptSources();
    ensureDisk(state, node);
    ensureIdentity(node);
    writeNodeFiles(node, renderNodeFiles({ plan, node, sources: renderNodeSources(sources), apt, adminPublicKey: ensureAdminKey() }));
    ensureNetns(state, plan, node);
    writeClientFiles(plan); // new disk, new host keys
    progress(`${name}: booting ${node.ip}`);
    await boot(state, node);
    const s = (await waitRunning(plan, [node], opts.readyTimeoutMs ?? 180_000, progress)).get(name)!;
    return { name, ip: node.ip, state: s.state, detail: s.detail, pid: state.nodes[name]?.nspawn?.pid };
  } finally {
    release();
  }
}


