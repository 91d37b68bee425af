// Pure: every file and argument list the sandbox writes or runs, rendered from the plan.
import type { SandboxHosts } from "../config/stack";
import type { Plan, PlannedNode } from "./plan";

export const ADMIN_USER = "dba";
export const SSH_PORT = 22;

export interface TinyproxyPaths {
  filterFile: string;
}

/** tinyproxy listening on the bridge address only, serving the sandbox subnet only. */
export function renderTinyproxyConf(plan: Plan, paths: TinyproxyPaths): string {
  return [
    "# Written by the pigsty sandbox. Package proxy for the sandbox nodes.",
    "User nobody",
    "Group nogroup",
    `Port ${plan.proxyPort}`,
    `Listen ${plan.bridgeIp}`,
    "Timeout 600",
    "MaxClients 64",
    "LogLevel Notice",
    `Allow ${plan.subnet}`,
    "DisableViaHeader Yes",
    "ConnectPort 443",
    // Only the Debian mirrors the host itself uses: nodes reach nothing else.
    `Filter "${paths.filterFile}"`,
    "FilterType ere",
    "FilterDefaultDeny Yes",
    "",
  ].join("\n");
}

/** One anchored, escaped regular expression per allowed host name. */
export function renderTinyproxyFilter(hosts: string[]): string {
  return hosts.map((h) => `^${h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`).join("\n") + "\n";
}

export interface AptHostSettings {
  /** values of Acquire::Check-Valid-Until / Acquire::Check-Date on the host, if set */
  checkValidUntil?: string;
  checkDate?: string;
}

export function renderAptProxyConf(plan: Plan, host: AptHostSettings = {}): string {
  const proxy = `http://${plan.bridgeIp}:${plan.proxyPort}`;
  const lines = [
    "// Written by the pigsty sandbox: packages come through the proxy on the sandbox bridge.",
    `Acquire::http::Proxy "${proxy}";`,
    `Acquire::https::Proxy "${proxy}";`,
    'Acquire::Languages "none";',
  ];
  // Same freshness checks as the host: a snapshot mirror has an expired Release file.
  if (host.checkValidUntil !== undefined) lines.push(`Acquire::Check-Valid-Until "${host.checkValidUntil}";`);
  if (host.checkDate !== undefined) lines.push(`Acquire::Check-Date "${host.checkDate}";`);
  return lines.join("\n") + "\n";
}

export function renderHosts(plan: Plan, self: PlannedNode): string {
  const lines = [
    "# Written by the pigsty sandbox.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
    "",
    ...plan.nodes.map((n) => `${n.ip}\t${n.name}`),
  ];
  if (!plan.nodes.some((n) => n.name === self.name)) lines.push(`${self.ip}\t${self.name}`);
  return lines.join("\n") + "\n";
}

export function renderSshdDropIn(): string {
  return [
    "# Written by the pigsty sandbox.",
    "UseDNS no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "",
  ].join("\n");
}

export function renderSudoers(user: string = ADMIN_USER): string {
  return `# Written by the pigsty sandbox.\n${user} ALL=(ALL:ALL) NOPASSWD: ALL\n`;
}

export function renderJournaldConf(): string {
  return ["# Written by the pigsty sandbox: keep idle nodes small.", "[Journal]", "Storage=volatile", "RuntimeMaxUse=16M", ""].join("\n");
}

/**
 * Masks Debian's tmpfiles rule that creates /run/nologin at boot: a node whose systemd-user-sessions failed (seen
 * here once) kept it and refused the admin user's logins for good, so the sandbox could not tell a booted node.
 */
export function renderNoNologin(): string {
  return "# Written by the pigsty sandbox: no /run/nologin at boot; the admin user may log in as soon as sshd runs.\n";
}

export function renderResolvConf(): string {
  return "# Written by the pigsty sandbox: nodes have no DNS; names are in /etc/hosts.\n";
}

export interface NspawnPaths {
  rootDir: string;
}

/**
 * The nodes' systemd tracks services in the legacy (v1) cgroup hierarchy only. On a hybrid host without systemd,
 * a node's systemd that also used the cgroup2 hierarchy could not kill or remove a stopped service's cgroup
 * ("Failed to kill control group ... Input/output error"), left its processes running, and failed the next start
 * of that service (status 219/CGROUP).
 */
export const NSPAWN_ENV: Record<string, string> = { SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: "0" };

/** Arguments for systemd-nspawn (without the binary). */
export function nspawnArgs(node: PlannedNode, paths: NspawnPaths): string[] {
  return [
    "-D",
    paths.rootDir,
    "-b",
    "-M",
    node.name,
    `--network-namespace-path=/run/netns/${node.netns}`,
    "--register=no",
    "--keep-unit",
    "--resolv-conf=off",
    "--timezone=off",
    "--link-journal=no",
    "--console=read-only",
    // An L2 VIP (vip_mode l2): keepalived, and the role-change callback's `ip addr del`, change the node's addresses.
    // Each node has its own network namespace, so the capability reaches only that node's interfaces.
    "--capability=CAP_NET_ADMIN",
  ];
}

export function renderHostsJson(keyPath: string, nodes: { name: string; ip: string; hostKey: string }[]): string {
  const doc: SandboxHosts = {
    admin_user: ADMIN_USER,
    key_path: keyPath,
    port: SSH_PORT,
    nodes: nodes.map((n) => ({ name: n.name, ip: n.ip, host_key: n.hostKey })),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

/** known_hosts lines: each node by address and by name. */
export function renderKnownHosts(nodes: { name: string; ip: string; hostKey: string }[]): string {
  return nodes.map((n) => `${n.ip},${n.name} ${n.hostKey}`).join("\n") + (nodes.length ? "\n" : "");
}

/** "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..." */
export function normalizePublicKey(line: string): string {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || !/^(ssh-|ecdsa-)/.test(parts[0])) throw new Error(`not an SSH public key: "${line.trim()}"`);
  return `${parts[0]} ${parts[1]}`;
}

/** Files written into every node's disk (path inside the node -> content, mode). */
export interface NodeFile {
  path: string;
  content: string;
  mode: number;
  owner?: "admin";
}

export interface NodeFilesInput {
  plan: Plan;
  node: PlannedNode;
  sources: string;
  apt: AptHostSettings;
  adminPublicKey: string;
}

export function renderNodeFiles(i: NodeFilesInput): NodeFile[] {
  return [
    { path: "/etc/hostname", content: `${i.node.name}\n`, mode: 0o644 },
    { path: "/etc/hosts", content: renderHosts(i.plan, i.node), mode: 0o644 },
    { path: "/etc/resolv.conf", content: renderResolvConf(), mode: 0o644 },
    { path: "/etc/apt/apt.conf.d/01pigsty-sandbox-proxy", content: renderAptProxyConf(i.plan, i.apt), mode: 0o644 },
    { path: "/etc/apt/sources.list.d/debian.sources", content: i.sources, mode: 0o644 },
    { path: "/etc/apt/sources.list", content: "# see sources.list.d/debian.sources\n", mode: 0o644 },
    { path: "/etc/ssh/sshd_config.d/pigsty-sandbox.conf", content: renderSshdDropIn(), mode: 0o644 },
    { path: "/etc/sudoers.d/pigsty-sandbox", content: renderSudoers(), mode: 0o440 },
    { path: "/etc/systemd/journald.conf.d/pigsty-sandbox.conf", content: renderJournaldConf(), mode: 0o644 },
    { path: "/etc/tmpfiles.d/systemd-nologin.conf", content: renderNoNologin(), mode: 0o644 },
    { path: `/home/${ADMIN_USER}/.ssh/authorized_keys`, content: `${i.adminPublicKey.trim()}\n`, mode: 0o600, owner: "admin" },
  ];
}
