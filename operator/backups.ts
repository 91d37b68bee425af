// `npm run pg -- backup/backups`: pure parts. pgBackRest's info JSON as rows and a restore window, and the ssh call
// to a repository host with its host key pinned.
import type { BackupModel, ClusterModel, Model } from "../config/model";
import { expandPath } from "../config/stack";
import { stepName } from "../config/stepCatalogue";
import { BACKUP_HELPER } from "../render/paths";
import { table } from "./table";

export const BACKUP_TYPES = ["full", "diff", "incr"] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];
/** A backup asked for by hand with no --type. */
export const DEFAULT_BACKUP_TYPE: BackupType = "full";

/** One backup of `pigsty-backup info`, as listed. Times are UTC ISO strings. */
export interface BackupRow {
  label: string;
  type: string;
  start: string;
  stop: string;
  sizeBytes: number;
  repoSizeBytes: number;
  walStart: string;
  walStop: string;
}

/** How far a point-in-time restore reaches: from the end of the oldest backup up to the newest archived WAL. */
export interface RestoreWindow {
  from: string;
  toWal: string | null;
}

export interface BackupListing {
  cluster: string;
  stanza: string;
  repository: { host: string; name: string };
  backups: BackupRow[];
  restoreWindow: RestoreWindow | null;
}

/** The part of pgBackRest's `info --output=json` (one stanza) that the listing reads. */
export interface StanzaInfo {
  name: string;
  status: { code: number; message: string; lock?: { backup?: { held?: boolean } } };
  db?: { id: number; version?: string }[];
  archive?: { database: { id: number }; max?: string | null; min?: string | null }[];
  backup: {
    label: string;
    type: string;
    database: { id: number };
    timestamp: { start: number; stop: number };
    info: { size: number; repository: { size?: number; delta?: number } };
    archive?: { start?: string | null; stop?: string | null };
  }[];
}

/** `pigsty-backup info` output, checked enough that a changed format fails here and not as `undefined` in a table. */
export function parseStanzaInfo(text: string): StanzaInfo {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`the repository host's answer is not JSON: ${text.trim().slice(0, 200) || "(empty)"}`);
  }
  const info = data as StanzaInfo;
  const ok =
    typeof info === "object" && info !== null && !Array.isArray(info) && typeof info.name === "string" && typeof info.status?.code === "number" &&
    Array.isArray(info.backup) && info.backup.every((b) => typeof b?.label === "string" && typeof b.timestamp?.start === "number" && typeof b.timestamp?.stop === "number");
  if (!ok) throw new Error(`the repository host's answer is not pgBackRest's info for one stanza: ${text.trim().slice(0, 200)}`);
  return info;
}

/** pgBackRest's stanza status codes that mean the stanza is not there (1 missing stanza path, 3 missing stanza data). */
const MISSING_STANZA = new Set([1, 3]);

/** Why the stanza cannot be listed, or undefined. Code 2 ("no valid backups") is a stanza without backups yet: listed empty. */
export function stanzaProblem(info: StanzaInfo, cluster: string, backup: BackupModel, stack: string): string | undefined {
  if (!MISSING_STANZA.has(info.status.code)) return undefined;
  return (
    `the repository on ${backup.repo.name} (${backup.repo.ip}) has no stanza ${backup.stanza} (pgBackRest: ${info.status.message}). ` +
    `The cluster's backup step creates it: \`pulumi up --stack ${stack}\` on a new cluster; if that step ran and the repository was emptied since, ` +
    `replace its resource ${stepName(cluster, "backup")} (\`pulumi up --stack ${stack} --replace <its URN from pulumi stack --show-urns>\`)`
  );
}

/** What the listing should mention besides the backups: a backup running now, a status other than ok or "no backups". */
export function stanzaNotes(info: StanzaInfo): string[] {
  const notes: string[] = [];
  if (info.status.lock?.backup?.held) notes.push(`a backup of stanza ${info.name} is running now`);
  if (![0, 2].includes(info.status.code)) notes.push(`pgBackRest reports on stanza ${info.name}: ${info.status.message} (status ${info.status.code})`);
  return notes;
}

/** Epoch seconds as `2026-12-02T04:06:31Z`. */
export const isoUtc = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The current database's id: after a major upgrade (stanza-upgrade) the stanza keeps the older ones' backups too. */
function currentDb(info: StanzaInfo): number | undefined {
  const ids = (info.db ?? []).map((d) => d.id);
  return ids.length > 0 ? Math.max(...ids) : undefined;
}

/** The stanza's backups, oldest first. */
export function backupRows(info: StanzaInfo): BackupRow[] {
  return [...info.backup]
    .sort((a, b) => a.timestamp.start - b.timestamp.start)
    .map((b) => ({
      label: b.label,
      type: b.type,
      start: isoUtc(b.timestamp.start),
      stop: isoUtc(b.timestamp.stop),
      sizeBytes: b.info?.size ?? 0,
      repoSizeBytes: b.info?.repository?.size ?? 0,
      walStart: b.archive?.start ?? "",
      walStop: b.archive?.stop ?? "",
    }));
}

/** From the end of the current database's oldest backup to its newest archived WAL segment; null without a backup. */
export function restoreWindow(info: StanzaInfo): RestoreWindow | null {
  const db = currentDb(info);
  const mine = <T extends { database: { id: number } }>(xs: T[]) => (db === undefined ? xs : xs.filter((x) => x.database?.id === db));
  const backups = mine(info.backup);
  if (backups.length === 0) return null;
  const oldest = backups.reduce((a, b) => (b.timestamp.start < a.timestamp.start ? b : a));
  // WAL segment names of one database sort in time order (timeline, then log and segment, fixed-width hex).
  const maxima = mine(info.archive ?? []).map((a) => a.max).filter((m): m is string => typeof m === "string" && m !== "").sort();
  return { from: isoUtc(oldest.timestamp.stop), toWal: maxima.at(-1) ?? null };
}

export function backupListing(cluster: ClusterModel & { backup: BackupModel }, info: StanzaInfo): BackupListing {
  const { backup } = cluster;
  return {
    cluster: cluster.name,
    stanza: backup.stanza,
    repository: { host: backup.repo.ip, name: backup.repo.name },
    backups: backupRows(info),
    restoreWindow: restoreWindow(info),
  };
}

/** Bytes the way pgBackRest's text info shows them (1024-based). */
export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${v.toFixed(1)}${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (x: number) => String(x).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

export function backupsTable(rows: BackupRow[]): string {
  return table(
    ["Label", "Type", "Start (UTC)", "Stop (UTC)", "Duration", "DB size", "Repo size", "WAL start..stop"],
    rows.map((r) => [
      r.label,
      r.type,
      r.start,
      r.stop,
      formatDuration((Date.parse(r.stop) - Date.parse(r.start)) / 1000),
      formatBytes(r.sizeBytes),
      formatBytes(r.repoSizeBytes),
      `${r.walStart}..${r.walStop}`,
    ]),
  );
}

export function windowLine(w: RestoreWindow | null, cluster: string): string {
  if (!w) return `no backup of ${cluster} yet, so no point-in-time restore: take one with \`npm run pg -- backup ${cluster}\``;
  if (!w.toWal) return `point-in-time restore window: the end of the oldest backup, ${w.from}; no archived WAL is listed, so no later`;
  return `point-in-time restore window: from ${w.from} up to the latest archived WAL (${w.toWal}; now, while archiving works)`;
}

export function listingText(l: BackupListing): string {
  return [`backups of ${l.cluster} (stanza ${l.stanza}) on ${l.repository.name} (${l.repository.host})`, backupsTable(l.backups), windowLine(l.restoreWindow, l.cluster)].join("\n");
}

/** Why a cluster has no backups in the model, and how to turn them on. */
export function noBackupsReason(c: ClusterModel, infraIp: string, stack: string): string {
  const onInfra = c.instances.find((i) => i.ip === infraIp);
  const then = `then \`pulumi up --stack ${stack}\` creates the stanza and takes a first full backup`;
  if (onInfra) {
    return `${c.name} has no backups: ${onInfra.name} runs on the infra node ${infraIp}, where backups go by default, and no pgbackrest_repo.host is set. Set clusters.${c.name}.vars.pgbackrest_repo.host to a host outside ${c.name} (with pgbackrest_enabled: true), ${then}`;
  }
  return `${c.name} has no backups: pgbackrest_enabled is false. Set clusters.${c.name}.vars.pgbackrest_enabled: true in the stack's pigsty:inventory (or drop a fleet-wide vars.pgbackrest_enabled: false), ${then}`;
}

/** The helper's command line on the repository host; sudo -n fails at once instead of asking for a password. */
export const helperCommand = (...args: string[]): string[] => ["sudo", "-n", BACKUP_HELPER, ...args];

/** One word for the remote shell, which ssh hands its command to. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** How to reach one host: everything resolved, every host key pinned. */
export interface SshTarget {
  host: string;
  user: string;
  port: number;
  /** Absolute; undefined = the keys of the ssh-agent at SSH_AUTH_SOCK (ssh.agent). */
  keyPath?: string;
  hostKey: string;
  bastion?: { host: string; user: string; port: number; hostKey: string };
}

const oneLine = (what: string, v: string): string => {
  if (/[\r\n]/.test(v)) throw new Error(`${what} spans lines: give it on one line`);
  return v;
};

/** The model's ssh settings for one host; refuses a host (or bastion) whose key is not pinned. */
export function sshTarget(ssh: Model["ssh"], host: string, baseDir: string): SshTarget {
  const hostKey = ssh.hostKeys[host];
  if (!hostKey) throw new Error(`no pinned host key for ${host}: set ssh.host_keys.${host} in the stack's inventory (its line from \`ssh-keyscan ${host}\`, checked out of band)`);
  const b = ssh.bastion;
  if (b && !b.hostKey) throw new Error(`no pinned host key for the bastion ${b.host}: set ssh.bastion.host_key in the stack's inventory`);
  return {
    host,
    user: ssh.user,
    port: ssh.port,
    ...(ssh.keyPath !== undefined && { keyPath: expandPath(ssh.keyPath, baseDir) }),
    hostKey: oneLine(`ssh.host_keys.${host}`, hostKey),
    ...(b?.hostKey && { bastion: { host: b.host, user: b.user, port: b.port, hostKey: oneLine("ssh.bastion.host_key", b.hostKey) } }),
  };
}

/** A host as known_hosts names it: bare on port 22, `[host]:port` otherwise (else ssh does not find the line). */
const knownName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

/** The known_hosts file of one call: the pinned keys of the host and the bastion, nothing else. */
export function knownHostsText(t: SshTarget): string {
  const lines = [`${knownName(t.host, t.port)} ${t.hostKey}`];
  if (t.bastion) lines.push(`${knownName(t.bastion.host, t.bastion.port)} ${t.bastion.hostKey}`);
  return `${lines.join("\n")}\n`;
}

/** A path as an ssh option value: `%` escaped (ssh expands %-tokens in these paths), quoted when it has blanks. */
function optionPath(p: string): string {
  if (/["\r\n]/.test(p)) throw new Error(`ssh cannot take the path ${JSON.stringify(p)}: rename it without quotes or line breaks`);
  const v = p.replace(/%/g, "%%");
  return /\s/.test(v) ? `"${v}"` : v;
}

/** The options of every connection of one call: pinned keys only, no prompt, the one key (or the agent's). */
export function sshOptions(t: SshTarget, knownHostsPath: string): [string, string][] {
  const identity: [string, string][] = t.keyPath === undefined ? [] : [["IdentityFile", optionPath(t.keyPath)], ["IdentitiesOnly", "yes"]];
  return [
    ...identity,
    ["BatchMode", "yes"],
    ["StrictHostKeyChecking", "yes"],
    ["UserKnownHostsFile", optionPath(knownHostsPath)],
    ["GlobalKnownHostsFile", "/dev/null"],
    ["UpdateHostKeys", "no"],
    ["ConnectTimeout", "10"],
    ["ServerAliveInterval", "15"],
  ];
}

/**
 * ssh's config file for the call. Options given on the command line apply to the destination only; the jump host's
 * ssh (started for -J) reads them from the -F file, which ssh passes on to it.
 */
export function sshConfigText(t: SshTarget, knownHostsPath: string): string {
  return ["# npm run pg: one call's ssh settings, for the destination and the bastion", "Host *", ...sshOptions(t, knownHostsPath).map(([k, v]) => `  ${k} ${v}`), ""].join("\n");
}

/** ssh's argv (no shell): the pinned known_hosts and config files of the call, the destination, the remote command. */
export function sshArgv(t: SshTarget, files: { knownHosts: string; config: string }, remote: string[]): string[] {
  const hostPart = (h: string) => (h.includes(":") ? `[${h}]` : h);
  return [
    "-F", files.config,
    ...(t.keyPath === undefined ? [] : ["-i", t.keyPath.replace(/%/g, "%%")]),
    "-p", String(t.port),
    ...sshOptions(t, files.knownHosts).filter(([k]) => k !== "IdentityFile").flatMap(([k, v]) => ["-o", `${k}=${v}`]),
    ...(t.bastion ? ["-J", `${t.bastion.user}@${hostPart(t.bastion.host)}:${t.bastion.port}`] : []),
    "--",
    `${t.user}@${t.host}`,
    remote.map(shellWord).join(" "),
  ];
}

/** The message of a failed host call: the helper's `error: ...` line, else what ssh or sudo said. */
export function hostError(t: SshTarget, code: number, stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const where = `${t.user}@${t.host}:${t.port}${t.bastion ? ` through ${t.bastion.host}` : ""}`;
  // ssh's own failures (connection, host key, authentication) exit 255.
  if (code === 255) return `ssh to ${where} failed: ${lines.at(-1) ?? "no message"}`;
  const error = lines.filter((l) => l.startsWith("error: ")).at(-1);
  return `on ${t.host}: ${error?.slice("error: ".length) ?? lines.at(-1) ?? `exit code ${code}`}`;
}

/** A line of the helper's stderr that is shown as progress: its final `error: ...` line becomes the exit message. */
export const isProgressLine = (line: string): boolean => line.trim() !== "" && !line.startsWith("error: ");
