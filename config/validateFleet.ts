// Cross-cluster checks: one cluster per host, DCS and SSH entries, and port collisions on each host.
import { ETCD_METRICS_PORT, PGBACKREST_PORT, type ClusterModel } from "./model";
import { error, warning, type Problem } from "./problems";
import type { ClusterInput, Inventory } from "./schema";
import { isIpv4 } from "./schemaKit";
import type { VarsPath } from "./deriveCluster";
import { validateDcsServers } from "./clusterDcs";

export function validateHostsAcrossClusters(clusters: Record<string, ClusterInput>): Problem[] {
  const problems: Problem[] = [];
  const ownerOf = new Map<string, string>();
  for (const name of Object.keys(clusters)) {
    for (const ip of Object.keys(clusters[name].hosts)) {
      const owner = ownerOf.get(ip);
      if (owner !== undefined) problems.push(error(`clusters.${name}.hosts.${ip}`, `host is already in cluster ${owner}. Put each host in one cluster only.`));
      else ownerOf.set(ip, name);
    }
  }
  return problems;
}

export function validateDcsAndSsh(inv: Pick<Inventory, "dcs" | "ssh">, hostIps: string[]): Problem[] {
  const problems: Problem[] = validateDcsServers(inv.dcs, "dcs");
  for (const [ip, key] of Object.entries(inv.ssh.host_keys)) {
    if (!isIpv4(ip)) problems.push(error(`ssh.host_keys.${ip}`, `${JSON.stringify(ip)} is not an IPv4 address. Key host keys by host IP.`));
    if (!/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+$/.test(key.trim())) {
      problems.push(error(`ssh.host_keys.${ip}`, "is not an OpenSSH public host key. Paste one line of `ssh-keyscan -t ed25519 <host>` without the host name, e.g. ssh-ed25519 AAAA..."));
    }
  }
  for (const ip of hostIps) {
    if (inv.ssh.host_keys[ip] === undefined) problems.push(unpinned(inv.ssh.allow_unpinned_host_keys, `ssh.host_keys.${ip}`, ip, `for ${ip}`, "commands run on that host"));
  }
  const { bastion } = inv.ssh;
  if (bastion && bastion.host_key === undefined) {
    problems.push(unpinned(inv.ssh.allow_unpinned_host_keys, "ssh.bastion.host_key", bastion.host, `for the bastion ${bastion.host}`, "connections go through it"));
  }
  return problems;
}

/** Without a pinned key the SSH client accepts any host: an error unless the stack opts in with ssh.allow_unpinned_host_keys. */
function unpinned(allowed: boolean, path: string, host: string, whose: string, checked: string): Problem {
  const keyscan = `\`ssh-keyscan -t ed25519 ${host}\``;
  if (allowed) return warning(path, `no pinned host key, so the host's identity is not checked (ssh.allow_unpinned_host_keys is true). Pin it with the key from ${keyscan}.`);
  return error(
    path,
    `no pinned host key ${whose}, so nothing would check that ${checked}. Run ${keyscan}, check the key out of band, ` +
      `and add the key part of its line (ssh-ed25519 AAAA...) as ${path}; or set ssh.allow_unpinned_host_keys: true to accept any host key.`,
  );
}

interface PortUse {
  port: number;
  path: string;
  /** How a message names this user of the port; default its path. */
  name?: string;
}

/** Ports every host of a cluster listens on, with the inventory path that sets each. */
function clusterPorts(c: ClusterModel, at: VarsPath, serviceKeys: Map<string, string>): PortUse[] {
  const p = c.ports;
  const uses: PortUse[] = [
    { port: p.postgres, path: at("pg_port") },
    { port: p.pgbouncer, path: at("pgbouncer_port") },
    { port: p.patroni, path: at("patroni_port") },
    { port: p.haproxyAdmin, path: at("haproxy_admin_port") },
    { port: p.pgExporter, path: at("pg_exporter_port") },
    { port: p.nodeExporter, path: at("node_exporter_port") },
  ];
  for (const s of c.services) uses.push({ port: s.port, path: serviceKeys.get(s.name) ?? at("pg_services") });
  return uses;
}

/** Reports the second user of a port on a host; a cluster's collision is reported once, not per host. */
export function validatePorts(inv: Inventory, clusters: ClusterModel[], paths: Map<string, { at: VarsPath; serviceKeys: Map<string, string> }>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const infraUses: PortUse[] = [
    { port: inv.infra.nginx_port, path: "infra.nginx_port" },
    { port: inv.infra.prometheus_port, path: "infra.prometheus_port" },
    { port: inv.infra.alertmanager_port, path: "infra.alertmanager_port" },
  ];
  // The stack's DCS and each cluster's own: a host is in one of them only (config/clusterDcs.ts).
  const owners = Object.keys(inv.clusters).sort();
  const everyDcs = [{ path: "dcs", dcs: inv.dcs }, ...owners.flatMap((name) => (inv.clusters[name].dcs ? [{ path: `clusters.${name}.dcs`, dcs: inv.clusters[name].dcs }] : []))];
  const dcsIps = new Set(everyDcs.flatMap(({ dcs }) => Object.values(dcs.servers)));
  const hostUses = new Map<string, PortUse[]>();
  // sshd comes first on every host, so the value that collides with it is the one reported.
  const sshd: PortUse = { port: inv.ssh.port, path: "ssh.port", name: "sshd (ssh.port)" };
  // So does etcd's metrics listener on a DCS member: its port is fixed, so the inventory value is the one to move.
  const etcdMetrics: PortUse = { port: ETCD_METRICS_PORT, path: "dcs.servers", name: `etcd's metrics listener (fixed port ${ETCD_METRICS_PORT})` };
  // And pgBackRest's TLS server on every member of a cluster with backups and on every repository host.
  const pgbackrest: PortUse = { port: PGBACKREST_PORT, path: "pgbackrest_enabled", name: `pgBackRest's TLS server (fixed port ${PGBACKREST_PORT})` };
  const backupIps = new Set(clusters.flatMap((c) => (c.backup ? [c.backup.repo.ip, ...c.instances.map((i) => i.ip)] : [])));
  const fixedUses = (ip: string) => [sshd, ...(dcsIps.has(ip) ? [etcdMetrics] : []), ...(backupIps.has(ip) ? [pgbackrest] : [])];
  const add = (ip: string, uses: PortUse[]) => hostUses.set(ip, [...(hostUses.get(ip) ?? fixedUses(ip)), ...uses]);
  add(inv.infra.ip, infraUses);
  const dcsHosts = new Set<string>();
  for (const { path, dcs } of everyDcs) {
    const dcsUses: PortUse[] = [
      { port: dcs.client_port, path: `${path}.client_port` },
      { port: dcs.peer_port, path: `${path}.peer_port` },
    ];
    // A host in an earlier DCS is refused as such (config/clusterDcs.ts), not once more per port.
    for (const ip of new Set(Object.values(dcs.servers))) if (!dcsHosts.has(ip)) add(ip, dcsUses);
    for (const ip of Object.values(dcs.servers)) dcsHosts.add(ip);
  }
  for (const c of clusters) {
    const { at, serviceKeys } = paths.get(c.name)!;
    for (const i of c.instances) add(i.ip, clusterPorts(c, at, serviceKeys));
  }
  for (const [ip, uses] of hostUses) {
    const owner = new Map<number, PortUse>();
    for (const u of uses) {
      const first = owner.get(u.port);
      if (first === undefined) {
        owner.set(u.port, u);
        continue;
      }
      if (first.path === u.path || seen.has(`${u.path}|${first.path}`)) continue;
      seen.add(`${u.path}|${first.path}`);
      problems.push(error(u.path, `port ${u.port} on ${ip} is already used by ${first.name ?? first.path}. Pick a port that is free on that host.`));
    }
  }
  return problems;
}
