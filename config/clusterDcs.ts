// The stack's DCS and the clusters' own (clusters.<c>.dcs): their model, and the checks that keep them apart.
import type { DcsModel } from "./model";
import { error, type Problem } from "./problems";
import type { ClusterInput, Inventory } from "./schema";

type DcsInput = Inventory["dcs"];

/** A DCS as the model has it: members sorted by name, one endpoint per member; `owner` for a cluster's own. */
export function dcsModel(dcs: DcsInput, owner?: string): DcsModel {
  const members = Object.entries(dcs.servers)
    .map(([name, ip]) => ({ name, ip }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    name: dcs.name,
    clientPort: dcs.client_port,
    peerPort: dcs.peer_port,
    members,
    endpoints: members.map((m) => `${m.ip}:${dcs.client_port}`),
    ...(owner !== undefined && { owner }),
  };
}

/** The member list's own problems, for the DCS at `path` (`dcs` or `clusters.<c>.dcs`). */
export function validateDcsServers(dcs: DcsInput, path: string): Problem[] {
  const problems: Problem[] = [];
  const names = Object.keys(dcs.servers);
  if (names.length === 0) problems.push(error(`${path}.servers`, "no DCS server is listed. Add at least one, e.g. { meta-1: 10.10.10.10 }."));
  for (const n of names) {
    if (!/^[a-z][a-z0-9-]*$/.test(n)) problems.push(error(`${path}.servers.${n}`, `${JSON.stringify(n)} is not a valid member name. Use lowercase letters, digits and hyphens, e.g. meta-1.`));
  }
  return problems;
}

/**
 * Each cluster's own DCS against the DCSes before it (the stack's, then the clusters' in name order): a host runs one
 * etcd member only (one etcd unit, one certificate, one set of ports), a member name names its steps and certificate,
 * and a DCS's name its -dcs-auth step and root password, so none of these may repeat.
 */
export function validateClusterDcs(stack: DcsInput | undefined, clusters: Record<string, ClusterInput>): Problem[] {
  const problems: Problem[] = [];
  const seen: { path: string; dcs: DcsInput }[] = stack ? [{ path: "dcs", dcs: stack }] : [];
  for (const name of Object.keys(clusters).sort()) {
    const own = clusters[name].dcs;
    if (!own) continue;
    const path = `clusters.${name}.dcs`;
    problems.push(...validateDcsServers(own, path));
    const sameName = seen.find((s) => s.dcs.name === own.name);
    if (sameName) {
      problems.push(
        error(`${path}.name`, `${own.name} is already the name of the DCS at ${sameName.path}. Give each DCS a name of its own (it names etcd's data and the DCS's steps), e.g. name: ${name}.`),
      );
    }
    for (const [member, ip] of Object.entries(own.servers)) {
      for (const s of seen) {
        const [otherMember] = Object.entries(s.dcs.servers).find(([, otherIp]) => otherIp === ip) ?? [];
        if (otherMember !== undefined) {
          problems.push(
            error(`${path}.servers.${member}`, `${ip} is already a server of the DCS at ${s.path} (${otherMember}), and a host runs one etcd member only. Put this DCS on hosts that are in no other DCS.`),
          );
        }
        if (member in s.dcs.servers) {
          problems.push(
            error(`${path}.servers.${member}`, `the member name ${member} is already used at ${s.path}.servers, and a member name names its steps and certificate. Rename it, e.g. ${name}-etcd-1.`),
          );
        }
      }
    }
    seen.push({ path, dcs: own });
  }
  return problems;
}
