// `npm run pg -- <command>`: Patroni operations and backups from the laptop, on the clusters of a stack (SOP S0, S3, S10).
// Exit codes: 0 done, 1 the operation failed, 2 usage, 3 cluster or member unknown, cluster unreachable or without backups,
// 4 not confirmed.
import { createInterface } from "node:readline/promises";
import type { ClusterModel, Model } from "../config/model";
import { DISRUPTIVE, helpFor, parseArgs, UsageError, type Args } from "./args";
import { backupListing, helperCommand, hostError, isProgressLine, listingText, noBackupsReason, parseStanzaInfo, sshTarget, stanzaNotes, stanzaProblem, type SshTarget } from "./backups";
import { Patroni } from "../patroni/client";
import { followLeader, patroniApis } from "../patroni/members";
import { isLeaderRole } from "../patroni/roles";
import { haproxyView } from "./haproxy";
import { alertRows, alertsCommand, alertsText, parseAlerts, ruleCount, rulesCommand, rulesLine } from "./alerts";
import { unknownName } from "./names";
import { relationNote, standbyLagText, standbyView } from "./standby";
import { repoDir, stackAccess, stackClusters, stackModel, type ClusterAccess } from "./source";
import { runOnHost } from "./ssh";
import { membersTable, table } from "./table";

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const progress = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Exit extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function patroniOf(c: ClusterModel, access: ClusterAccess): Patroni {
  return new Patroni(patroniApis(c), { auth: access.patroniApi, ca: access.ca });
}

async function confirm(args: Args, what: string): Promise<void> {
  if (args.yes || !DISRUPTIVE.has(args.command)) return;
  if (!process.stdin.isTTY) throw new Exit(4, `${what}: not confirmed (no terminal); pass --yes to run it from a script`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${what}. Continue? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new Exit(4, "not confirmed");
}

async function waitFor(what: string, test: () => Promise<boolean>, seconds = 120): Promise<void> {
  for (let t = 0; t < seconds; t += 2) {
    if (await test().catch(() => false)) return;
    if (t % 10 === 0) progress(`waiting for ${what} (${t}s)`);
    await sleep(2000);
  }
  throw new Exit(1, `timed out after ${seconds}s waiting for ${what}`);
}

/** After a leader change: does config's pg_role still name the member that leads? */
function intentAdvice(c: ClusterModel, leader: string): string {
  if (c.primary.name === leader) return `config already names ${leader} as primary: nothing to change.`;
  const follow = followLeader(c, leader);
  if (follow === undefined) return `config still names ${c.primary.name} as primary, and ${leader} is not in the stack config: switch over to a configured member.`;
  return `config still names ${c.primary.name} as primary. To keep ${leader}, ${follow} in the stack config; leaving it makes \`pulumi preview\` report the drift (it never fails back by itself).`;
}

async function list(args: Args, clusters: ClusterModel[], access: Record<string, ClusterAccess>) {
  const result: unknown[] = [];
  const patroniFor = (x: ClusterModel) => {
    if (!access[x.name]) throw new Error(`the stack's operatorAccess has no credentials for ${x.name}: run pulumi up first`);
    return patroniOf(x, access[x.name]);
  };
  for (const c of clusters.filter((x) => !args.cluster || x.name === args.cluster)) {
    const members = (await patroniOf(c, access[c.name]).members()).map((m) => ({
      name: m.name, host: m.host, role: m.role, state: m.state, timeline: m.timeline, lag: m.lag, pendingRestart: m.pending_restart, tags: m.tags,
    }));
    const standby = await standbyView(c, members, clusters, patroniFor);
    const downstream = c.downstream.map((d) => d.cluster);
    const views = await Promise.all(
      c.instances.map(async (i) => ({ haproxy: i.name, servers: await haproxyView(`http://${i.ip}:${c.ports.haproxyAdmin}/`, access[c.name].haproxyAdmin).catch((e) => `unreachable: ${(e as Error).message}`) })),
    );
    result.push({ cluster: c.name, ...(standby && { standby }), downstream, members, haproxy: views });
    if (!args.json) {
      out(membersTable(c.name, members, relationNote(standby, downstream)));
      if (standby) out(standbyLagText(standby));
      for (const v of views) {
        if (typeof v.servers === "string") out(`HAProxy on ${v.haproxy}: ${v.servers}`);
        else out(`HAProxy on ${v.haproxy}\n${table(["Service", "Server", "Status", "Weight"], v.servers.map((s) => [s.service, s.server, s.status, s.weight]))}`);
      }
    }
  }
  if (args.json) out(JSON.stringify(result, null, 2));
}

/** How to reach a repository host or the infra node; an unpinned host key is refused like an unreachable host. */
function repoTarget(model: Model, ip: string): SshTarget {
  try {
    return sshTarget(model.ssh, ip, repoDir);
  } catch (e) {
    throw new Exit(3, (e as Error).message);
  }
}

/** backup and backups: pigsty-backup on the cluster's repository host over ssh; no Patroni, no operatorAccess. */
async function backups(args: Args): Promise<void> {
  const model = stackModel(args.stack);
  const unknown = unknownName(args, model.clusters);
  if (unknown) throw new Exit(3, unknown);
  const c = model.clusters.find((x) => x.name === args.cluster) as ClusterModel;
  const { backup } = c;
  if (!backup) throw new Exit(3, noBackupsReason(c, model.infra.ip, args.stack));
  const target = repoTarget(model, backup.repo.ip);
  const repository = { host: backup.repo.ip, name: backup.repo.name };
  if (args.command === "backup") {
    progress(`${args.type} backup of ${c.name} on ${backup.repo.name} (${backup.repo.ip})`);
    const r = await runOnHost(target, helperCommand("backup", backup.stanza, args.type as string), (line) => {
      if (isProgressLine(line)) progress(line);
    });
    if (r.code !== 0) throw new Exit(1, hostError(target, r.code, r.stderr));
    const done = { cluster: c.name, stanza: backup.stanza, type: args.type, repository };
    return out(args.json ? JSON.stringify(done) : `${c.name}: ${args.type} backup taken; \`npm run pg -- backups ${c.name}\` lists it`);
  }
  const r = await runOnHost(target, helperCommand("info", backup.stanza));
  if (r.code !== 0) throw new Exit(1, hostError(target, r.code, r.stderr));
  const info = parseStanzaInfo(r.stdout);
  const missing = stanzaProblem(info, c.name, backup, args.stack);
  if (missing) throw new Exit(1, missing);
  stanzaNotes(info).forEach(progress);
  const listing = backupListing({ ...c, backup }, info);
  out(args.json ? JSON.stringify(listing, null, 2) : listingText(listing));
}

/** alerts: Alertmanager's API on the infra node over ssh (curl on loopback); no Patroni, no operatorAccess. */
async function alerts(args: Args): Promise<void> {
  const model = stackModel(args.stack);
  const unknown = unknownName(args, model.clusters);
  if (unknown) throw new Exit(3, unknown);
  const target = repoTarget(model, model.infra.ip);
  const r = await runOnHost(target, alertsCommand(model));
  if (r.code !== 0) throw new Exit(3, `Alertmanager on the infra node does not answer: ${hostError(target, r.code, r.stderr)}`);
  const rows = alertRows(parseAlerts(r.stdout), args.cluster);
  if (args.json) return out(JSON.stringify(rows, null, 2));
  const rules = await runOnHost(target, rulesCommand(model));
  if (rules.code !== 0) throw new Exit(3, `Prometheus on the infra node does not answer: ${hostError(target, rules.code, rules.stderr)}`);
  out(`${rulesLine(ruleCount(rules.stdout))}\n${alertsText(rows, args.cluster)}`);
}

async function run(args: Args): Promise<void> {
  if (args.command === "backup" || args.command === "backups") return backups(args);
  if (args.command === "alerts") return alerts(args);
  const clusters = stackClusters(args.stack);
  // Before any credentials or Patroni: a wrong name is told as such, with the names the stack has.
  const unknown = unknownName(args, clusters);
  if (unknown) throw new Exit(3, unknown);
  const access = stackAccess(args.stack);
  if (args.command === "list") return list(args, clusters, access);
  const c = clusters.find((x) => x.name === args.cluster) as ClusterModel;
  if (!access[c.name]) throw new Exit(3, `the stack's operatorAccess has no credentials for ${c.name}: run pulumi up first`);
  const api = patroniOf(c, access[c.name]);
  const leader = await api.leader().catch((e) => {
    throw new Exit(3, (e as Error).message);
  });
  const report = (data: object, text: string): void => out(args.json ? JSON.stringify(data) : text);
  switch (args.command) {
    case "switchover":
    case "failover": {
      const candidate = args.candidate;
      if (candidate === leader) throw new Exit(1, `${candidate} already leads ${c.name}`);
      await confirm(args, `${args.command} of ${c.name} from ${leader}${candidate ? ` to ${candidate}` : ""}${args.scheduled ? ` at ${args.scheduled}` : ""}`);
      const body = args.command === "failover" ? { candidate } : { leader, ...(candidate && { candidate }), ...(args.scheduled && { scheduled_at: args.scheduled }) };
      progress(await api.change("POST", `/${args.command}`, body));
      if (args.scheduled) return report({ scheduled: args.scheduled }, `scheduled for ${args.scheduled}`);
      let now: string | undefined;
      await waitFor("the new leader", async () => {
        now = await api.leader();
        return now !== undefined && now !== leader && (!candidate || now === candidate);
      });
      return report({ cluster: c.name, leader: now, intendedPrimary: c.primary.name }, `${c.name}: ${now} leads now. ${intentAdvice(c, now as string)}`);
    }
    case "restart": {
      const members = await api.members();
      const targets = (args.member ? members.filter((m) => m.name === args.member) : members)
        .filter((m) => !args.pending || m.pending_restart)
        .sort((a, b) => Number(isLeaderRole(a.role)) - Number(isLeaderRole(b.role)));
      if (args.member && targets.length === 0 && !args.pending) {
        throw new Exit(3, `Patroni does not list ${args.member}, though the config of ${c.name} names it (not deployed yet, or its Patroni is down): \`npm run pg -- list ${c.name} --stack ${args.stack}\` shows the members`);
      }
      if (targets.length === 0) return report({ restarted: [] }, "nothing to restart");
      await confirm(args, `restart ${targets.map((m) => m.name).join(", ")} (replicas first)`);
      for (const m of targets) {
        progress(`restarting ${m.name}`);
        await api.change("POST", "/restart", args.pending ? { restart_pending: true } : {}, m.name);
        await waitFor(`${m.name} to run`, async () => (await api.members()).some((x) => x.name === m.name && x.state === "running" && !x.pending_restart));
      }
      return report({ restarted: targets.map((m) => m.name) }, `restarted ${targets.map((m) => m.name).join(", ")}`);
    }
    case "reload": {
      const names = args.member ? [args.member] : c.instances.map((i) => i.name);
      for (const n of names) await api.change("POST", "/reload", {}, n);
      return report({ reloaded: names }, `reloaded ${names.join(", ")}`);
    }
    case "reinit": {
      if (args.member === leader) throw new Exit(1, `${args.member} leads ${c.name}; reinit rebuilds a replica. Switch over first.`);
      await confirm(args, `reinit ${args.member}: its data directory is rebuilt from ${leader}`);
      await api.change("POST", "/reinitialize", { force: true }, args.member);
      await waitFor(`${args.member} to stream again`, async () => (await api.members()).some((m) => m.name === args.member && ["running", "streaming"].includes(m.state)), 600);
      return report({ reinitialized: args.member }, `${args.member} rebuilt and running`);
    }
    case "pause":
    case "resume": {
      await confirm(args, `${args.command} Patroni on ${c.name}`);
      await api.change("PATCH", "/config", { pause: args.command === "pause" });
      await waitFor("the cluster to follow", async () => Boolean((await api.get("/config")).pause) === (args.command === "pause"), 30);
      return report({ paused: args.command === "pause" }, `${c.name}: ${args.command === "pause" ? "maintenance mode on (set pg_maintenance: true in config to keep it)" : "maintenance mode off"}`);
    }
    case "history": {
      const rows = (await api.get("/history")) as [number, number, string, string?, string?][];
      return report(rows, table(["TL", "LSN", "Reason", "Timestamp", "New leader"], rows.map((r) => [r[0], r[1], r[2], r[3], r[4]])));
    }
  }
}

async function main(): Promise<number> {
  try {
    const help = helpFor(process.argv.slice(2));
    if (help) {
      out(help);
      return 0;
    }
    await run(parseArgs(process.argv.slice(2)));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n${e.usage}\n`);
      return 2;
    }
    if (e instanceof Exit) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.code;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
