// Command-line parsing of `npm run pg -- <command>`: pure, so it is tested without any host.

export type Command = "list" | "switchover" | "failover" | "restart" | "reload" | "reinit" | "pause" | "resume" | "history";

export interface Args {
  command: Command;
  cluster?: string;
  member?: string;
  candidate?: string;
  scheduled?: string;
  pending: boolean;
  json: boolean;
  yes: boolean;
  stack: string;
}

/** Commands that change the cluster and ask for confirmation unless --yes. */
export const DISRUPTIVE: ReadonlySet<Command> = new Set(["switchover", "failover", "restart", "reinit", "pause"]);

const USAGE = `usage: npm run pg -- <command> [options]
  list [cluster]                                   members, roles, lag, pending restart, tags; HAProxy's view
  switchover <cluster> [--candidate m] [--scheduled ISO-time]
  failover <cluster> --candidate m
  restart <cluster> [member] [--pending]           restart members (replicas first), or one member
  reload <cluster> [member]
  reinit <cluster> <member>                        rebuild a replica from the leader
  pause <cluster> | resume <cluster>               maintenance mode
  history <cluster>                                timeline history
options: --json (machine output)  --yes (no confirmation)  --stack NAME (default dev)`;

export class UsageError extends Error {
  readonly usage = USAGE;
}

const COMMANDS: Command[] = ["list", "switchover", "failover", "restart", "reload", "reinit", "pause", "resume", "history"];

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
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  const [command, cluster, member, ...rest] = positional;
  if (!command) throw new UsageError("no command given");
  if (!COMMANDS.includes(command as Command)) throw new UsageError(`unknown command ${command}`);
  if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}`);
  const c = command as Command;
  if (c !== "list" && !cluster) throw new UsageError(`${c} needs a cluster name`);
  if (c === "failover" && !args.candidate) throw new UsageError("failover needs --candidate <member>: the member that takes over");
  if (c === "reinit" && !member) throw new UsageError("reinit needs the member to rebuild");
  if (member && !["restart", "reload", "reinit"].includes(c)) throw new UsageError(`${c} takes no member; did you mean --candidate ${member}?`);
  if (args.scheduled !== undefined && (c !== "switchover" || Number.isNaN(Date.parse(args.scheduled)))) {
    throw new UsageError("--scheduled takes an ISO time (e.g. 2026-11-24T03:00:00Z) and only with switchover");
  }
  return { ...args, command: c, cluster, member } as Args;
}
