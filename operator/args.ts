// Command-line parsing of `npm run pg -- <command>`: pure, so it is tested without any host.

import { BACKUP_TYPES, DEFAULT_BACKUP_TYPE, type BackupType } from "./backups";

export type Command = "list" | "switchover" | "failover" | "restart" | "reload" | "reinit" | "pause" | "resume" | "history" | "backup" | "backups" | "alerts";

export interface Args {
  command: Command;
  cluster?: string;
  member?: string;
  candidate?: string;
  scheduled?: string;
  /** backup only; DEFAULT_BACKUP_TYPE there when not given. */
  type?: BackupType;
  pending: boolean;
  json: boolean;
  yes: boolean;
  stack: string;
}

/** Commands that change the cluster and ask for confirmation unless --yes. */
export const DISRUPTIVE: ReadonlySet<Command> = new Set(["switchover", "failover", "restart", "reinit", "pause"]);

const USAGE = `usage: npm run pg -- <command> [options]      (npm run pg -- <command> --help for one command)
  list [cluster]                                   members, roles, lag, pending restart, tags; HAProxy's view;
                                                   a standby cluster's lag behind its upstream
  switchover <cluster> [--candidate m] [--scheduled ISO-time]
  failover <cluster> --candidate m
  restart <cluster> [member] [--pending]           restart members (replicas first), or one member
  reload <cluster> [member]
  reinit <cluster> <member>                        rebuild a replica from the leader
  pause <cluster> | resume <cluster>               maintenance mode
  history <cluster>                                timeline history
  backup <cluster> [--type full|diff|incr]         take a backup now (default ${DEFAULT_BACKUP_TYPE})
  backups <cluster>                                the backups and the point-in-time restore window
  alerts [cluster]                                 what fires in Alertmanager (the infra node's), per cluster
options: --json (machine output)  --yes (no confirmation)  --stack NAME (default dev)  --help
Clusters and members are the ones the stack's config names; any other name is refused before a host is asked.
exit codes: 0 done, 1 the operation failed, 2 usage, 3 cluster or member unknown, or cluster unreachable, 4 not confirmed`;

const STACK = "  --stack NAME   the stack whose config names the cluster (default dev)";
const EXITS = "exit codes: 0 done, 1 the operation failed, 2 usage, 3 cluster or member not in the stack's config, or cluster unreachable";

/** `npm run pg -- <command> --help`. */
const HELP: Record<Command, string> = {
  list: `usage: npm run pg -- list [cluster] [--json] [--stack NAME]
Each cluster's members as Patroni sees them (role, state, timeline, lag in MB, pending restart, tags), then each
member's HAProxy: the status of every backend server. A standby cluster (pg_upstream) names its upstream and apply
delay, and how far its standby leader is behind the upstream's leader: bytes received and replayed, replay delay in
seconds (by Patroni's GET /patroni on both leaders).
  --json         one JSON array of {cluster, standby?, downstream, members, haproxy}
${STACK}
${EXITS}`,
  switchover: `usage: npm run pg -- switchover <cluster> [--candidate member] [--scheduled ISO-time] [--yes] [--stack NAME]
Planned leader change through Patroni, to the candidate or to the healthiest replica; waits for the new leader, then
says whether pg_role in config still names the old one. Asks for confirmation unless --yes.
  --scheduled T  at a time with a zone, e.g. 2026-11-24T03:00:00Z
${STACK}
${EXITS}, 4 not confirmed`,
  failover: `usage: npm run pg -- failover <cluster> --candidate member [--yes] [--stack NAME]
Makes the candidate lead even without a healthy leader. Asks for confirmation unless --yes.
${STACK}
${EXITS}, 4 not confirmed`,
  restart: `usage: npm run pg -- restart <cluster> [member] [--pending] [--yes] [--stack NAME]
Restarts Postgres on every member, replicas first and the leader last (or one member), each waited for.
  --pending      only members with a pending restart
${STACK}
${EXITS}, 4 not confirmed`,
  reload: `usage: npm run pg -- reload <cluster> [member] [--stack NAME]
Reloads Patroni's and Postgres's configuration on every member, or on one.
${STACK}
${EXITS}`,
  reinit: `usage: npm run pg -- reinit <cluster> <member> [--yes] [--stack NAME]
Rebuilds a replica's data directory from the leader and waits until it streams. Asks for confirmation unless --yes.
${STACK}
${EXITS}, 4 not confirmed`,
  pause: `usage: npm run pg -- pause <cluster> [--yes] [--stack NAME]
Maintenance mode: Patroni stops managing Postgres (no failover). Set pg_maintenance: true in config to keep it.
${STACK}
${EXITS}, 4 not confirmed`,
  resume: `usage: npm run pg -- resume <cluster> [--stack NAME]
Ends maintenance mode.
${STACK}
${EXITS}`,
  history: `usage: npm run pg -- history <cluster> [--json] [--stack NAME]
The cluster's timeline history: each timeline's start LSN, reason, time and new leader.
${STACK}
${EXITS}`,
  backup: `usage: npm run pg -- backup <cluster> [--type full|diff|incr] [--json] [--stack NAME]
Takes a pgBackRest backup of the cluster now, on its backup repository host over ssh (sudo -n pigsty-backup backup),
and shows pgBackRest's progress; the backup timers are not changed. Safe while the cluster serves: no confirmation.
  --type T       full (default), diff (changes since the last full) or incr (changes since the last backup)
  --json         the result as JSON on stdout; progress stays on stderr
${STACK}
${EXITS} (or has no backups configured)`,
  backups: `usage: npm run pg -- backups <cluster> [--json] [--stack NAME]
The cluster's backups in its repository (label, type, start and stop in UTC, duration, database and repository size,
WAL range), then the window a point-in-time restore can reach: from the end of the oldest backup up to the newest
archived WAL. Read-only.
  --json         {cluster, stanza, repository: {host, name}, backups: [...], restoreWindow: {from, toWal} | null}
${STACK}
${EXITS} (or has no backups configured)`,
  alerts: `usage: npm run pg -- alerts [cluster] [--json] [--stack NAME]
The alerts Alertmanager on the infra node holds now (its API v2, read over ssh with the pinned host key): name,
severity, cluster, member, state (active: told to the receivers; suppressed: inhibited, e.g. by NodeDown of the same
member, or silenced), since when, summary. Critical first. Read-only.
  --json         one JSON array of {alert, severity, cluster, instance, state, suppressedBy, since, summary}
${STACK}
${EXITS}`,
};

export class UsageError extends Error {
  readonly usage = USAGE;
}

const COMMANDS = Object.keys(HELP) as Command[];

/** The help text argv asks for (--help or -h anywhere, or `help [command]`), or undefined: then parseArgs. */
export function helpFor(argv: string[]): string | undefined {
  const asked = argv[0] === "help" || argv.includes("--help") || argv.includes("-h");
  if (!asked) return undefined;
  const named = argv.find((a) => COMMANDS.includes(a as Command)) as Command | undefined;
  return named ? HELP[named] : USAGE;
}

const isBackupType = (t: string): t is BackupType => (BACKUP_TYPES as readonly string[]).includes(t);

function backupType(t: string): BackupType {
  if (!isBackupType(t)) throw new UsageError(`--type ${t}: use ${BACKUP_TYPES.join(", ")}`);
  return t;
}

export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const args: Partial<Args> & { pending: boolean; json: boolean; yes: boolean; stack: string } = { pending: false, json: false, yes: false, stack: "dev" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--json") args.json = true;
    else if (a === "--yes" || a === "-y") args.yes = true;
    else if (a === "--pending") args.pending = true;
    else if (a === "--candidate") args.candidate = value();
    else if (a === "--scheduled") args.scheduled = value();
    else if (a === "--stack") args.stack = value();
    else if (a === "--type") args.type = backupType(value());
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  const [command, cluster, member, ...rest] = positional;
  if (!command) throw new UsageError("no command given");
  if (!COMMANDS.includes(command as Command)) throw new UsageError(`unknown command ${command}`);
  if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}`);
  const c = command as Command;
  if (c !== "list" && c !== "alerts" && !cluster) throw new UsageError(`${c} needs a cluster name`);
  if (c === "failover" && !args.candidate) throw new UsageError("failover needs --candidate <member>: the member that takes over");
  if (c === "reinit" && !member) throw new UsageError("reinit needs the member to rebuild");
  if (member && (c === "backup" || c === "backups" || c === "alerts")) {
    throw new UsageError(c === "backup" && isBackupType(member) ? `backup takes the type as an option: --type ${member}` : `${c} takes one cluster name`);
  }
  if (member && !["restart", "reload", "reinit"].includes(c)) throw new UsageError(`${c} takes no member; did you mean --candidate ${member}?`);
  if (args.scheduled !== undefined && (c !== "switchover" || Number.isNaN(Date.parse(args.scheduled)))) {
    throw new UsageError("--scheduled takes an ISO time (e.g. 2026-11-24T03:00:00Z) and only with switchover");
  }
  if (args.type !== undefined && c !== "backup") throw new UsageError("--type is an option of backup only");
  return { ...args, command: c, cluster, member, ...(c === "backup" && { type: args.type ?? DEFAULT_BACKUP_TYPE }) } as Args;
}
