// Backup checks across clusters: a repository off the members it keeps, one setting per repository, restore sources.
import { PGBACKREST_PORT, pitrTargetWords, type ClusterModel } from "./model";
import { error, warning, type Problem } from "./problems";
import type { VarsPath } from "./deriveCluster";
import { ARCHIVE_PARAMETERS } from "./backupSchema";
import { settingProblem } from "./pgSettings";


const ownedMessage = "is set by the cluster's backups (pgBackRest archives WAL through it). Remove it from pg_parameters, or set pgbackrest_enabled: false to archive your own way.";

/** Why a cluster has no backups: pgbackrest_enabled is false, or it has a member on the infra node and no repository host. */
function noBackupsWhy(enabled: boolean): string {
  return !enabled
    ? "pgbackrest_enabled is false"
    : "a member runs on the infra node, where backups go by default: set its pgbackrest_repo.host to a host outside it";
}

/**
 * pg_pitr naming the cluster itself restores it in place: destructive, so it needs a number (it runs once per number)
 * and the preview says what is lost. The acknowledgement is the policy pack's to enforce, not validation's.
 */
function inPlaceProblems(c: ClusterModel, at: VarsPath): Problem[] {
  const p = c.pitr!;
  const key = at("pg_pitr");
  if (p.source !== c.name) return [];
  if (!p.inPlace) {
    return [error(`${key}.restore`, `is missing: pg_pitr naming ${c.name} itself restores it in place, which runs once per number. Add restore: 1 (raise it for each later restore) and data_loss_acknowledged: true, or name another cluster to create ${c.name} from.`)];
  }
  return [
    warning(
      key,
      `restores ${c.name} in place to ${pitrTargetWords(p)}: every write after it is lost (the WAL after it stays in the repository); members stop during the restore. ` +
        `It runs once for restore number ${p.inPlace.number}: once that has run, a changed target does nothing until restore is raised.`,
    ),
  ];
}

export function validateBackups(clusters: ClusterModel[], paths: Map<string, { at: VarsPath }>, enabled: (cluster: string) => boolean): Problem[] {
  const problems: Problem[] = [];
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const firstOnRepo = new Map<string, ClusterModel>();
  // One pgBackRest config and server port per host: a repository host cannot also be a member whose cluster has backups.
  const backedUpMember = new Map(clusters.filter((c) => c.backup).flatMap((c) => c.instances.map((i) => [i.ip, i.name] as const)));
  for (const c of clusters) {
    const at = paths.get(c.name)!.at;
    const b = c.backup;
    for (const k of ARCHIVE_PARAMETERS.flatMap((owned) => Object.keys(c.parameters).filter((p) => p.toLowerCase() === owned))) {
      // Without backups the archive settings are the user's, checked like any other (config/safeValues.ts gucRecord leaves them here).
      const problem = b ? ownedMessage : settingProblem(k, c.parameters[k], "cluster");
      if (problem) problems.push(error(`${at("pg_parameters")}.${k}`, problem));
    }
    if (b) {
      const member = c.instances.find((i) => i.ip === b.repo.ip);
      const other = backedUpMember.get(b.repo.ip);
      if (member) {
        problems.push(error(`${at("pgbackrest_repo")}.host`, `${b.repo.ip} is ${member.name}, a member of ${c.name}: losing that host would lose the backups with the data. Put the repository on a host outside the cluster (the infra node by default).`));
      } else if (other) {
        problems.push(error(`${at("pgbackrest_repo")}.host`, `${b.repo.ip} is ${other}, whose own cluster keeps backups: one host runs one pgBackRest (one config, one server port ${PGBACKREST_PORT}). Put the repository on a host that is not a member of a cluster with backups.`));
      }
      const first = firstOnRepo.get(b.repo.ip);
      if (!first) firstOnRepo.set(b.repo.ip, c);
      else if (first.backup!.repo.path !== b.repo.path || first.backup!.repo.cipher !== b.repo.cipher) {
        problems.push(error(at("pgbackrest_repo"), `${c.name} and ${first.name} keep their backups on ${b.repo.ip}, one repository, but set a different path or cipher. Give both the same pgbackrest_repo.path and cipher (or put them on different hosts).`));
      }
    }
    if (!c.pitr) continue;
    const source = byName.get(c.pitr.source);
    const key = `${at("pg_pitr")}.cluster`;
    problems.push(...inPlaceProblems(c, at));
    if (c.pitr.source === c.name && !b) {
      problems.push(error(key, `${c.name} keeps no backups (${noBackupsWhy(enabled(c.name))}), so there is nothing to restore it from.`));
    } else if (c.pitr.source === c.name) {
      continue;
    } else if (!source) {
      problems.push(error(key, `${JSON.stringify(c.pitr.source)} is not a cluster of this stack. Name a cluster under clusters whose backups to restore (one of ${clusters.map((x) => x.name).join(", ")}).`));
    } else if (!source.backup) {
      problems.push(error(key, `${source.name} keeps no backups (${noBackupsWhy(enabled(source.name))}), so there is nothing to restore from. Name a cluster with backups.`));
    } else if (!b) {
      problems.push(
        enabled(c.name)
          ? error(at("pgbackrest_repo"), `${c.name} is restored from ${source.name}'s backups through pgBackRest, which it cannot use: ${noBackupsWhy(true)}.`)
          : error(at("pgbackrest_enabled"), `${c.name} is restored from ${source.name}'s backups through pgBackRest, so it needs pgbackrest_enabled: true.`),
      );
    } else if (b.repo.ip !== source.backup.repo.ip) {
      problems.push(error(`${at("pgbackrest_repo")}.host`, `${c.name} is restored from ${source.name}, whose repository is on ${source.backup.repo.ip}: put ${c.name}'s repository on the same host.`));
    }
  }
  return problems;
}
