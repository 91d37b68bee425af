// The L2 VIP (vip_mode l2): the checks of one cluster's vip_* keys, and the fleet's VIPs with their VRRP router ids.
import type { VarsPath } from "./deriveCluster";
import type { ClusterModel, VipModel } from "./model";
import { error, warning, type Problem } from "./problems";
import type { ClusterVars } from "./varsSchema";

/** Pigsty's defaults. */
export const DEFAULT_VIP_CIDRMASK = 24;
export const DEFAULT_VIP_INTERFACE = "eth0";
/** VRRP's virtual_router_id is one byte, 0 reserved: at most this many VIP clusters share one segment. */
export const MAX_VRID = 255;

const toNumber = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const maskOf = (bits: number) => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
/** True when `ip` lies in the subnet `address/bits`. */
export const inSubnet = (ip: string, address: string, bits: number) => ((toNumber(ip) & maskOf(bits)) >>> 0) === ((toNumber(address) & maskOf(bits)) >>> 0);

/** The members' names by IP, for messages. */
type Member = { ip: string; name: string };

/** One cluster's vip_* keys: required with l2, inside every member's subnet, not a member, not the subnet's own addresses. */
export function validateVip(v: ClusterVars, members: Member[], at: VarsPath): Problem[] {
  if (v.vip_mode !== "l2") {
    const problems: Problem[] = [];
    const inert = "has no effect without vip_mode: l2. Set vip_mode: l2 to have the address follow the leader, or remove it (clients reach the primary through HAProxy on any member, the primary service on port 5433).";
    if (v.vip_address !== undefined) problems.push(error(at("vip_address"), inert));
    for (const key of ["vip_cidrmask", "vip_interface", "vip_vrid"] as const) if (v[key] !== undefined) problems.push(warning(at(key), inert));
    return problems;
  }
  const address = v.vip_address;
  if (address === undefined) {
    return [error(at("vip_address"), "is required with vip_mode: l2. Add an unused IPv4 address of the members' subnet (e.g. 10.10.10.99), or set vip_mode: none.")];
  }
  const bits = v.vip_cidrmask ?? DEFAULT_VIP_CIDRMASK;
  const subnet = `${address}/${bits}`;
  const problems: Problem[] = [];
  const outside = members.filter((m) => !inSubnet(m.ip, address, bits));
  if (outside.length > 0) {
    const list = outside.map((m) => `${m.name} (${m.ip})`).join(", ");
    problems.push(
      error(
        at("vip_address"),
        `${subnet} does not contain ${list}: keepalived adds the VIP on each member's own interface, so every member must be in the VIP's subnet. Use an address of the members' subnet, or a vip_cidrmask that covers every member.`,
      ),
    );
  }
  const member = members.find((m) => m.ip === address);
  if (member) problems.push(error(at("vip_address"), `${address} is the address of member ${member.name}. Use an unused address of the members' subnet.`));
  if (bits < 31 && isEdge(address, bits)) {
    problems.push(error(at("vip_address"), `${address} is the network or broadcast address of ${subnet}. Use an unused host address of the members' subnet.`));
  }
  return problems;
}

/** True for the subnet's first (network) or last (broadcast) address. */
function isEdge(address: string, bits: number): boolean {
  const hostBits = (toNumber(address) % 2 ** (32 - bits));
  return hostBits === 0 || hostBits === 2 ** (32 - bits) - 1;
}

/** FNV-1a of the name: a router id that does not change when other clusters come or go (unless they collide). */
export function derivedVrid(name: string): number {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(name, "utf8")) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return (h % MAX_VRID) + 1;
}

/**
 * Router ids, unique in the fleet (clusters on different segments could share one, but subnets written with
 * different masks can still share a link): explicit vip_vrid first, then each cluster in name order takes its
 * derived id, or the next free one when an earlier cluster took it.
 */
export function assignVrids(clusters: { name: string; vrid?: number }[]): Map<string, number> {
  const taken = new Set(clusters.flatMap((c) => (c.vrid === undefined ? [] : [c.vrid])));
  const out = new Map<string, number>();
  for (const c of [...clusters].sort((a, b) => a.name.localeCompare(b.name))) {
    if (c.vrid !== undefined) {
      out.set(c.name, c.vrid);
      continue;
    }
    if (taken.size >= MAX_VRID) continue;
    let id = derivedVrid(c.name);
    while (taken.has(id)) id = (id % MAX_VRID) + 1;
    taken.add(id);
    out.set(c.name, id);
  }
  return out;
}

interface FleetVipInput {
  /** Every host of the inventory with how messages name it: the infra node, DCS servers, members, repositories, bastion. */
  hosts: { ip: string; name: string }[];
  vars: (cluster: string) => ClusterVars;
  at: (cluster: string) => VarsPath;
}

/**
 * Sets each l2 cluster's `vip` (models whose vip_* keys passed validateVip), after the fleet's checks: the address is
 * no host of the inventory and no other cluster's VIP, router ids are unique, at most 255 VIP clusters.
 */
export function deriveVips(models: ClusterModel[], input: FleetVipInput): Problem[] {
  const problems: Problem[] = [];
  const withVip = models.filter((c) => input.vars(c.name).vip_mode === "l2" && input.vars(c.name).vip_address !== undefined);
  const ownerOfAddress = new Map<string, string>();
  const ownerOfVrid = new Map<number, string>();
  for (const c of withVip) {
    const v = input.vars(c.name);
    const at = input.at(c.name);
    const address = v.vip_address as string;
    const host = input.hosts.find((h) => h.ip === address);
    if (host) problems.push(error(at("vip_address"), `${address} is the address of ${host.name}, a host of the inventory. Use an unused address of the members' subnet.`));
    const owner = ownerOfAddress.get(address);
    if (owner !== undefined) problems.push(error(at("vip_address"), `${address} is already the VIP of cluster ${owner}. Give each cluster its own unused address.`));
    else ownerOfAddress.set(address, c.name);
    if (v.vip_vrid !== undefined) {
      const other = ownerOfVrid.get(v.vip_vrid);
      if (other !== undefined) problems.push(error(at("vip_vrid"), `${v.vip_vrid} is already the router id of cluster ${other}. Give each cluster its own vip_vrid (1-255), or drop it to have one derived.`));
      else ownerOfVrid.set(v.vip_vrid, c.name);
    }
  }
  if (withVip.length > MAX_VRID) {
    const last = [...withVip].sort((a, b) => a.name.localeCompare(b.name))[MAX_VRID];
    problems.push(
      error(
        input.at(last.name)("vip_mode"),
        `l2 makes ${withVip.length} clusters with a VIP, and VRRP has only ${MAX_VRID} router ids (1-255) for them. Set vip_mode: none on ${withVip.length - MAX_VRID} of them (they stay reachable through HAProxy on any member).`,
      ),
    );
  }
  if (problems.some((p) => p.severity === "error")) return problems;
  const vrids = assignVrids(withVip.map((c) => ({ name: c.name, vrid: input.vars(c.name).vip_vrid })));
  for (const c of withVip) {
    const v = input.vars(c.name);
    const vip: VipModel = {
      address: v.vip_address as string,
      cidrmask: v.vip_cidrmask ?? DEFAULT_VIP_CIDRMASK,
      interface: v.vip_interface ?? DEFAULT_VIP_INTERFACE,
      vrid: vrids.get(c.name) as number,
    };
    c.vip = vip;
  }
  return problems;
}
