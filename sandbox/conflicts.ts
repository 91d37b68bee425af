// Pure: does the plan collide with what is already on the host (and was not made by us)?
import { Plan, ipToInt, parseSubnet } from "./plan";
import type { State } from "./state";

export interface HostFacts {
  links: string[];
  addresses: { ifname: string; local: string; prefixlen: number; family: string }[];
  routes: { dst: string; dev?: string }[];
  netns: string[];
  listeners: { local: string; port: number; process: string }[];
  /** PID of the tinyproxy this sandbox recorded, if it is still alive */
  ourProxyPid?: number;
}

function range(cidr: string): [number, number] | undefined {
  const [ip, len] = cidr.split("/");
  if (!/^[0-9.]+$/.test(ip)) return undefined;
  const prefix = len === undefined ? 32 : Number(len);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(ipToInt(ip) / size) * size;
  return [start, start + size - 1];
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

export function findConflicts(plan: Plan, state: State, facts: HostFacts): string[] {
  const problems: string[] = [];
  const s = parseSubnet(plan.subnet);
  const ours: [number, number] = [s.network, s.network + s.size - 1];
  const mine = new Set([plan.bridgeIp, ...plan.nodes.map((n) => n.ip)]);

  if (facts.links.includes(plan.bridge) && state.bridge !== plan.bridge) {
    problems.push(`a network link named ${plan.bridge} exists but this sandbox did not create it (state: none). Remove it (ip link del ${plan.bridge}) if it is a leftover.`);
  }
  for (const a of facts.addresses) {
    if (a.family !== "inet" || a.ifname === plan.bridge) continue;
    if (mine.has(a.local)) {
      problems.push(`address ${a.local} is already in use on interface ${a.ifname}; the sandbox needs it (bridge ${plan.bridgeIp}, nodes ${plan.nodes.map((n) => n.ip).join(", ")}). Choose another --subnet.`);
    } else if (overlaps(range(`${a.local}/${a.prefixlen}`)!, ours)) {
      problems.push(`interface ${a.ifname} has ${a.local}/${a.prefixlen}, which overlaps the sandbox subnet ${plan.subnet}. Choose another --subnet.`);
    }
  }
  for (const r of facts.routes) {
    if (r.dst === "default" || r.dev === plan.bridge) continue;
    const rr = range(r.dst);
    if (rr && overlaps(rr, ours)) problems.push(`route ${r.dst} via ${r.dev ?? "?"} overlaps the sandbox subnet ${plan.subnet}. Choose another --subnet.`);
  }
  for (const n of plan.nodes) {
    const rec = state.nodes[n.name];
    if (facts.netns.includes(n.netns) && rec?.netns !== n.netns) {
      problems.push(`network namespace ${n.netns} exists but this sandbox did not record creating it. Remove it (ip netns del ${n.netns}) if it is a leftover.`);
    }
    if (facts.links.includes(n.vethHost) && rec?.vethHost !== n.vethHost) {
      problems.push(`a network link named ${n.vethHost} exists but this sandbox did not create it. Remove it (ip link del ${n.vethHost}) if it is a leftover.`);
    }
  }
  for (const l of facts.listeners) {
    if (l.port !== plan.proxyPort) continue;
    if (![plan.bridgeIp, "0.0.0.0", "*", "::", ""].includes(l.local)) continue;
    if (facts.ourProxyPid !== undefined && l.process.includes(`pid=${facts.ourProxyPid},`)) continue;
    problems.push(`TCP port ${plan.proxyPort} on ${l.local || "*"} is already in use (${l.process || "unknown process"}); the package proxy needs ${plan.bridgeIp}:${plan.proxyPort}. Free it or pass --proxy-port.`);
  }
  return problems;
}
