// One node = an overlay disk over the cached base + a network namespace with a veth on the
// bridge + a systemd-nspawn process booting systemd in it.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  HostError,
  ProcRef,
  alive,
  childrenOf,
  isMounted,
  linkExists,
  netnsList,
  pidNamespace,
  procRef,
  run,
  signal,
  sleep,
  startDetached,
  tryRun,
  waitFor,
  writeFileIfChanged,
  addresses,
  routes,
} from "./host";
import type { Plan, PlannedNode } from "./plan";
import { ADMIN_USER, NSPAWN_ENV, NodeFile, normalizePublicKey, nspawnArgs } from "./render";
import { NodeRecord, State, paths, saveState } from "./state";

function recordOf(state: State, node: PlannedNode): NodeRecord {
  const rec = (state.nodes[node.name] ??= { name: node.name, ip: node.ip });
  rec.ip = node.ip;
  return rec;
}

// ---------- disk ----------

/**
 * Mounts the node's disk over the image it was made on. `image` is given only for a freshly wiped disk: `packaged`
 * for the packaged image (sandbox/packagedBase.ts), undefined for the base.
 */
export function ensureDisk(state: State, node: PlannedNode, fresh?: { image?: "packaged" }): void {
  const p = paths.node(node.name);
  for (const d of [p.upper, p.work, p.merged]) fs.mkdirSync(d, { recursive: true });
  const rec = recordOf(state, node);
  if (rec.mount !== p.merged || (fresh && rec.image !== fresh.image)) {
    rec.mount = p.merged;
    if (fresh) rec.image = fresh.image;
    saveState(state);
  }
  if (!isMounted(p.merged)) {
    const lower = rec.image === "packaged" ? paths.packaged : paths.base;
    run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${p.upper},workdir=${p.work}`, p.merged]);
  }
}

/** First boot of a fresh disk: its own SSH host keys and machine-id. */
export function ensureIdentity(node: PlannedNode): void {
  const root = paths.node(node.name).merged;
  if (!fs.existsSync(path.join(root, "etc/ssh/ssh_host_ed25519_key.pub"))) {
    run("ssh-keygen", ["-A", "-f", root]);
  }
  const mid = path.join(root, "etc/machine-id");
  const current = fs.existsSync(mid) ? fs.readFileSync(mid, "utf8").trim() : "";
  if (!/^[0-9a-f]{32}$/.test(current)) {
    fs.writeFileSync(mid, crypto.randomBytes(16).toString("hex") + "\n", { mode: 0o444 });
  }
}

export function nodeHostKey(name: string): string {
  return normalizePublicKey(fs.readFileSync(path.join(paths.node(name).merged, "etc/ssh/ssh_host_ed25519_key.pub"), "utf8"));
}

function adminIds(root: string): { uid: number; gid: number } {
  const line = fs
    .readFileSync(path.join(root, "etc/passwd"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${ADMIN_USER}:`));
  if (!line) throw new HostError(`user ${ADMIN_USER} missing in ${root}/etc/passwd (base image incomplete? run: npm run sandbox -- down --purge)`);
  const f = line.split(":");
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** Write the rendered files into the node's disk; returns the paths that changed. */
export function writeNodeFiles(node: PlannedNode, files: NodeFile[]): string[] {
  const root = paths.node(node.name).merged;
  const ids = adminIds(root);
  const changed: string[] = [];
  for (const f of files) {
    const target = path.join(root, f.path);
    if (!target.startsWith(root + "/")) throw new HostError(`refusing to write outside the node: ${f.path}`);
    const dir = path.dirname(target);
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: f.owner === "admin" ? 0o700 : 0o755 });
      if (f.owner === "admin") fs.chownSync(dir, ids.uid, ids.gid);
    }
    if (writeFileIfChanged(target, f.content, f.mode)) changed.push(f.path);
    if (f.owner === "admin") fs.chownSync(target, ids.uid, ids.gid);
  }
  return changed;
}

// ---------- network ----------

export function ensureBridge(state: State, plan: Plan): void {
  if (state.bridge !== plan.bridge) {
    state.bridge = plan.bridge;
    saveState(state);
  }
  if (!linkExists(plan.bridge)) run("ip", ["link", "add", plan.bridge, "type", "bridge"]);
  const has = addresses().some((a) => a.ifname === plan.bridge && a.addr_info.some((x) => x.local === plan.bridgeIp && x.prefixlen === plan.prefix));
  if (!has) run("ip", ["addr", "add", `${plan.bridgeIp}/${plan.prefix}`, "dev", plan.bridge]);
  // Nodes may talk to the host (proxy) and to each other, never beyond: no forwarding off the bridge.
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${plan.bridge}/forwarding`, "0");
  try {
    fs.writeFileSync(`/proc/sys/net/ipv6/conf/${plan.bridge}/disable_ipv6`, "1");
  } catch {
    /* no IPv6 on this host */
  }
  run("ip", ["link", "set", plan.bridge, "up"]);
}

export function ensureNetns(state: State, plan: Plan, node: PlannedNode): void {
  const rec = recordOf(state, node);
  if (rec.netns !== node.netns || rec.vethHost !== node.vethHost) {
    rec.netns = node.netns;
    rec.vethHost = node.vethHost;
    saveState(state);
  }
  if (!netnsList().includes(node.netns)) {
    if (!isMounted("/run/netns") && !state.madeRunNetnsMount) {
      state.madeRunNetnsMount = true;
      saveState(state);
    }
    run("ip", ["netns", "add", node.netns]);
  }
  const ns = node.netns;
  const insideOk = linkExists("eth0", ns);
  if (!insideOk || !linkExists(node.vethHost)) {
    // Half-made pair from a killed run: start this node's link over.
    if (linkExists(node.vethHost)) run("ip", ["link", "del", node.vethHost]);
    if (linkExists(node.vethPeer)) run("ip", ["link", "del", node.vethPeer]);
    if (linkExists("eth0", ns)) run("ip", ["-n", ns, "link", "del", "eth0"]);
    run("ip", ["link", "add", node.vethHost, "type", "veth", "peer", "name", node.vethPeer]);
    run("ip", ["link", "set", node.vethPeer, "netns", ns]);
    run("ip", ["-n", ns, "link", "set", node.vethPeer, "name", "eth0", "address", node.mac]);
  }
  run("ip", ["link", "set", node.vethHost, "master", plan.bridge, "up"]);
  run("ip", ["-n", ns, "link", "set", "lo", "up"]);
  const has = addresses(ns).some((a) => a.ifname === "eth0" && a.addr_info.some((x) => x.local === node.ip && x.prefixlen === plan.prefix));
  if (!has) run("ip", ["-n", ns, "addr", "add", `${node.ip}/${plan.prefix}`, "dev", "eth0"]);
  run("ip", ["-n", ns, "link", "set", "eth0", "up"]);
  if (!routes(ns).some((r) => r.dst === "default")) run("ip", ["-n", ns, "route", "add", "default", "via", plan.bridgeIp]);
}

export function removeNetns(state: State, name: string): void {
  const rec = state.nodes[name];
  if (!rec) return;
  if (rec.vethHost && linkExists(rec.vethHost)) tryRun("ip", ["link", "del", rec.vethHost]);
  if (rec.netns && netnsList().includes(rec.netns)) run("ip", ["netns", "del", rec.netns]);
  delete rec.vethHost;
  delete rec.netns;
  saveState(state);
}

/** Undo the /run/netns bind mount that `ip netns add` made, once no namespace is left in it. */
export function releaseRunNetns(state: State): void {
  if (!state.madeRunNetnsMount) return;
  if (netnsList().length === 0) {
    while (isMounted("/run/netns")) run("umount", ["/run/netns"]);
  }
  delete state.madeRunNetnsMount;
  saveState(state);
}

// ---------- process ----------

export function isRunning(rec: NodeRecord | undefined): boolean {
  return !!rec && alive(rec.nspawn);
}

/** The container's PID 1: nspawn's descendant in a different PID namespace. */
function findLeader(nspawnPid: number): ProcRef | undefined {
  const own = pidNamespace(nspawnPid);
  const queue = childrenOf(nspawnPid);
  while (queue.length) {
    const pid = queue.shift()!;
    const ns = pidNamespace(pid);
    if (ns && own && ns !== own) return procRef(pid);
    queue.push(...childrenOf(pid));
  }
  return undefined;
}

/**
 * Container inits that boot from this node's disk but are not the one we recorded: left by an
 * nspawn that was SIGKILLed (its container keeps running, reparented to PID 1). Found by their
 * root mount: the overlay with this node's upper dir.
 */
export function strayInits(name: string, keep?: ProcRef): number[] {
  const upper = `upperdir=${paths.node(name).upper},`;
  const found: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(d)) continue;
    const pid = Number(d);
    if (keep && alive(keep) && keep.pid === pid) continue;
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1].trim().split(/\s+/);
      if (!nspid || nspid.length < 2 || nspid[nspid.length - 1] !== "1") continue;
      const root = fs.readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").find((l) => l.split(" ")[4] === "/");
      if (root && root.includes(upper)) found.push(pid);
    } catch {
      /* gone */
    }
  }
  return found;
}

export async function killStrays(name: string, keep?: ProcRef): Promise<number[]> {
  const strays = strayInits(name, keep);
  for (const pid of strays) {
    const ref = procRef(pid);
    if (ref) signal(ref, "SIGKILL");
  }
  if (strays.length) await waitFor(`stray ${name} containers to die`, 10_000, () => strayInits(name, keep).length === 0);
  return strays;
}

/** Record the container's init if a killed run did not get to it. */
export function refreshLeader(state: State, name: string): void {
  const rec = state.nodes[name];
  if (!rec?.nspawn || !alive(rec.nspawn) || alive(rec.leader)) return;
  const leader = findLeader(rec.nspawn.pid);
  if (leader) {
    rec.leader = leader;
    saveState(state);
  }
}

export async function boot(state: State, node: PlannedNode): Promise<void> {
  const rec = recordOf(state, node);
  if (isRunning(rec)) return refreshLeader(state, node.name);
  await killStrays(node.name);
  const p = paths.node(node.name);
  fs.mkdirSync(paths.logs, { recursive: true });
  const pid = startDetached("systemd-nspawn", nspawnArgs(node, { rootDir: p.merged }), p.log, NSPAWN_ENV);
  const ref = procRef(pid);
  if (!ref) throw new HostError(`systemd-nspawn for ${node.name} exited at once; see ${p.log}`);
  rec.nspawn = ref;
  delete rec.leader;
  saveState(state);
  await waitFor(`${node.name}: container init to start (log: ${p.log})`, 20_000, () => {
    if (!alive(ref)) throw new HostError(`systemd-nspawn for ${node.name} exited; last lines of ${p.log}:\n${tail(p.log)}`);
    const leader = findLeader(pid);
    if (leader) rec.leader = leader;
    return !!leader;
  });
  saveState(state);
}

export function tail(file: string, n = 15): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-n).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Orderly shutdown (SIGTERM to nspawn = SIGRTMIN+3 to the container's systemd), then force. */
export async function stop(state: State, name: string, graceMs = 20_000): Promise<void> {
  const rec = state.nodes[name];
  if (!rec) return;
  if (alive(rec.nspawn)) {
    signal(rec.nspawn!, "SIGTERM");
    try {
      await waitFor(`${name} to power off`, graceMs, () => !alive(rec.nspawn));
    } catch {
      if (rec.leader) signal(rec.leader, "SIGKILL");
      signal(rec.nspawn!, "SIGKILL");
      await waitFor(`${name} to die`, 10_000, () => !alive(rec.nspawn));
    }
  }
  // The container's init can outlive a killed nspawn: kill its PID namespace too.
  if (alive(rec.leader)) {
    signal(rec.leader!, "SIGKILL");
    await waitFor(`${name} init to die`, 10_000, () => !alive(rec.leader));
  }
  await killStrays(name);
  delete rec.nspawn;
  delete rec.leader;
  saveState(state);
}

export async function unmountDisk(state: State, name: string): Promise<void> {
  const rec = state.nodes[name];
  if (!rec?.mount) return;
  for (let i = 0; isMounted(rec.mount); i++) {
    const r = tryRun("umount", [rec.mount]);
    if (r.code === 0) break;
    if (i >= 20) run("umount", ["-l", rec.mount]);
    await sleep(250);
  }
  delete rec.mount;
  saveState(state);
}

export function wipeDisk(name: string): void {
  const p = paths.node(name);
  if (isMounted(p.merged)) throw new HostError(`${p.merged} is still mounted`);
  run("rm", ["-rf", "--one-file-system", p.upper, p.work]);
}
