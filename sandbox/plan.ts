// Pure: the node plan (names, addresses, interface names, MACs) from CLI options.
// No side effects here, so everything is unit-testable without root.

export interface NodeSpec {
  name: string;
  ip: string;
}

export interface PlannedNode extends NodeSpec {
  /** network namespace name (/run/netns/<netns>) */
  netns: string;
  /** host side of the veth pair, enslaved to the bridge */
  vethHost: string;
  /** node side of the veth pair before it is moved into the netns and renamed to eth0 */
  vethPeer: string;
  /** deterministic, locally administered MAC of the node's eth0 */
  mac: string;
}

export interface Plan {
  bridge: string;
  bridgeIp: string;
  /** network address and prefix length, e.g. 10.10.10.0/24 */
  subnet: string;
  prefix: number;
  proxyPort: number;
  nodes: PlannedNode[];
}

export interface PlanOptions {
  nodes?: NodeSpec[];
  count?: number;
  subnet?: string;
  proxyPort?: number;
}

export const DEFAULT_SUBNET = "10.10.10.0/24";
export const DEFAULT_COUNT = 4;
export const DEFAULT_PROXY_PORT = 3128;
export const BRIDGE = "pgsbr0";
export const NETNS_PREFIX = "pgs-";
/** First node address offset inside the subnet: meta = .10, pg-test-1 = .11, ... */
export const FIRST_NODE_OFFSET = 10;

export class PlanError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "PlanError";
  }
}

export function ipToInt(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new PlanError([`not an IPv4 address: "${ip}"`]);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export interface Subnet {
  network: number;
  prefix: number;
  size: number;
}

export function parseSubnet(cidr: string): Subnet {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(cidr);
  if (!m) throw new PlanError([`not a CIDR subnet: "${cidr}"`]);
  const prefix = Number(m[2]);
  if (prefix < 16 || prefix > 29) throw new PlanError([`subnet prefix must be between /16 and /29: "${cidr}"`]);
  const size = 2 ** (32 - prefix);
  const addr = ipToInt(m[1]);
  if (addr % size !== 0) throw new PlanError([`"${cidr}" is not a network address (host bits set)`]);
  return { network: addr, prefix, size };
}

export function inSubnet(ip: string, s: Subnet): boolean {
  const n = ipToInt(ip);
  return n >= s.network && n < s.network + s.size;
}

/** Default node list: meta, then pg-test-1..N-1, at .10, .11, ... */
export function defaultNodes(count: number, subnet: string = DEFAULT_SUBNET): NodeSpec[] {
  if (!Number.isInteger(count) || count < 1) throw new PlanError([`--count must be a positive integer, got ${count}`]);
  const s = parseSubnet(subnet);
  const nodes: NodeSpec[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push({ name: i === 0 ? "meta" : `pg-test-${i}`, ip: intToIp(s.network + FIRST_NODE_OFFSET + i) });
  }
  return nodes;
}

/** Parse `meta=10.10.10.10,pg-test-1=10.10.10.11` */
export function parseNodeList(text: string): NodeSpec[] {
  const problems: string[] = [];
  const nodes: NodeSpec[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    if (!m) {
      problems.push(`--nodes item "${item}" is not NAME=IP`);
      continue;
    }
    nodes.push({ name: m[1].trim(), ip: m[2].trim() });
  }
  if (problems.length) throw new PlanError(problems);
  if (nodes.length === 0) throw new PlanError(["--nodes is empty"]);
  return nodes;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/;

/** Deterministic locally administered unicast MAC from the IPv4 address: 02:70:67:<ip bytes 2..4>. */
export function macFor(ip: string): string {
  const n = ipToInt(ip);
  const b = [16, 8, 0].map((s) => (Math.floor(n / 2 ** s) % 256).toString(16).padStart(2, "0"));
  return ["02", "70", "67", ...b].join(":");
}

export function buildPlan(opts: PlanOptions = {}): Plan {
  const subnetText = opts.subnet ?? DEFAULT_SUBNET;
  const s = parseSubnet(subnetText);
  const bridgeIp = intToIp(s.network + 1);
  if (opts.nodes && opts.count !== undefined) throw new PlanError(["give either --nodes or --count, not both"]);
  const specs = opts.nodes ?? defaultNodes(opts.count ?? DEFAULT_COUNT, subnetText);
  const proxyPort = opts.proxyPort ?? DEFAULT_PROXY_PORT;

  const problems: string[] = [];
  if (!Number.isInteger(proxyPort) || proxyPort < 1 || proxyPort > 65535) problems.push(`proxy port must be 1..65535, got ${proxyPort}`);
  const seenNames = new Map<string, number>();
  const seenIps = new Map<string, string>();
  const nodes: PlannedNode[] = [];
  for (const spec of specs) {
    if (!NAME_RE.test(spec.name)) {
      problems.push(`node name "${spec.name}" must be lowercase letters, digits and '-', start with a letter, at most 32 characters`);
    }
    seenNames.set(spec.name, (seenNames.get(spec.name) ?? 0) + 1);
    let n: number;
    try {
      n = ipToInt(spec.ip);
    } catch (e) {
      problems.push(`node ${spec.name}: ${(e as Error).message}`);
      continue;
    }
    if (!inSubnet(spec.ip, s)) problems.push(`node ${spec.name}: ${spec.ip} is outside the sandbox subnet ${subnetText}`);
    else if (n === s.network) problems.push(`node ${spec.name}: ${spec.ip} is the network address of ${subnetText}`);
    else if (n === s.network + s.size - 1) problems.push(`node ${spec.name}: ${spec.ip} is the broadcast address of ${subnetText}`);
    else if (spec.ip === bridgeIp) problems.push(`node ${spec.name}: ${spec.ip} is the bridge (host) address`);
    const other = seenIps.get(spec.ip);
    if (other !== undefined) problems.push(`nodes ${other} and ${spec.name} share the address ${spec.ip}`);
    seenIps.set(spec.ip, spec.name);
    const index = n - s.network;
    nodes.push({
      name: spec.name,
      ip: spec.ip,
      netns: NETNS_PREFIX + spec.name,
      vethHost: `pgsh${index}`,
      vethPeer: `pgsn${index}`,
      mac: macFor(spec.ip),
    });
  }
  for (const [name, count] of seenNames) if (count > 1) problems.push(`node name "${name}" is used ${count} times`);
  if (problems.length) throw new PlanError(problems);
  return { bridge: BRIDGE, bridgeIp, subnet: `${intToIp(s.network)}/${s.prefix}`, prefix: s.prefix, proxyPort, nodes };
}

export function findNode(plan: Plan, name: string): PlannedNode {
  const node = plan.nodes.find((n) => n.name === name);
  if (!node) throw new PlanError([`no node named "${name}" (nodes: ${plan.nodes.map((n) => n.name).join(", ")})`]);
  return node;
}
