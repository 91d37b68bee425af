// An in-place restore of a deployed cluster (pg_pitr naming the cluster itself), once per restore number: every
// member stops, the configured primary's data goes aside and Patroni bootstraps it afresh from the cluster's own
// stanza up to the target (the pg_pitr bootstrap method, render/patroni.ts), a full backup on the new timeline
// follows, then the other members are rebuilt from it.
import { dcsOf, pitrTargetWords, type ClusterModel, type InstanceModel, type Model } from "../config/model";
import { BACKUP_HELPER, RESTORE_DIR } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { etcdPatroniLines } from "./etcdClient";
import { indentLine, type Line } from "./lines";
import { askPatroni } from "./patroniApi";
import { quote } from "./shell";
import { hostStep, type HostStep } from "./step";
import { expand, fail, reporting, sayWords } from "./words";


/** The restore number a host finished last for the cluster (0 when none): one file per cluster and host. */
const record = (cluster: ClusterModel, suffix = "") => quote(`${RESTORE_DIR}/${cluster.name}${suffix}`);
const recorded = (file: string) => `"$(cat ${file} 2>/dev/null || echo 0)"`;
const write = (file: string, n: number) => `install -d ${quote(RESTORE_DIR)} && echo ${n} >${file}`;

function inPlace(cluster: ClusterModel) {
  const p = cluster.pitr?.inPlace;
  if (!p) throw new Error(`${cluster.name} has no in-place restore`);
  return { ...p, target: pitrTargetWords(cluster.pitr!) };
}

/**
 * The first lines of each restore script: the restore, its target and its loss said in the script (so the preview's
 * diff shows them), then an exit when this host finished this restore number already: a later `up`, or a changed
 * target without a raised number, does nothing.
 */
function once(cluster: ClusterModel, part: string): string[] {
  const r = inPlace(cluster);
  return [
    `# in-place restore ${r.number} of ${cluster.name} to ${r.target}: every write after it is lost (the WAL after it stays in the repository)`,
    `if [ ${recorded(record(cluster))} -ge ${r.number} ]; then`,
    `  ${sayWords(`in-place restore ${r.number} of ${cluster.name}: ${part} done already; raise pg_pitr.restore to restore again`)}`,
    "  exit 0",
    "fi",
  ];
}

/** Lines that stop Patroni and then Postgres (a paused Patroni leaves it running). */
function stopLines(cluster: ClusterModel): string[] {
  const pgCtl = `runuser -u postgres -- ${quote(`${cluster.binDir}/pg_ctl`)} -D ${quote(cluster.dataDir)}`;
  return [
    "systemctl stop patroni",
    `if ${pgCtl} status >/dev/null 2>&1; then ${pgCtl} stop -m fast -w -t 120 >/dev/null; fi`,
  ];
}

/**
 * On the cluster's repository host, before any member stops: the target is refused unless a backup of the cluster's
 * own stanza reaches it and WAL was archived up to it (the running leader switches WAL first).
 */
export function inPlaceCheckStep(cluster: ClusterModel): HostStep {
  const p = cluster.pitr!;
  const args = [BACKUP_HELPER, "check-target", cluster.name, p.type, ...(p.target !== undefined ? [p.target] : [])].map(quote).join(" ");
  return hostStep(`restore target of ${cluster.name} in place`, [...once(cluster, "the check of its target"), reporting(args)]);
}

/**
 * On each member: records whether it leads (its old data is then kept aside: it may hold WAL not archived yet), then
 * stops Patroni and Postgres. The configured primary's stop waits for the others' (components/pgInstance.ts).
 */
export function restoreStopStep(cluster: ClusterModel, instance: InstanceModel): HostStep {
  const r = inPlace(cluster);
  return hostStep(`stop of ${instance.name} for in-place restore ${r.number} of ${cluster.name}`, [
    ...once(cluster, `the stop of ${instance.name}`),
    `if systemctl -q is-active patroni && ${askPatroni("is-leader")}; then ${write(record(cluster, ".led"), r.number)}; fi`,
    ...stopLines(cluster),
    sayWords(`${instance.name} stopped for in-place restore ${r.number} of ${cluster.name}`),
  ]);
}

/**
 * Moves the old data out of the way: aside (kept until the user deletes it) on the restored member and on the member
 * that led when stopped; removed elsewhere (a replica's copy). An earlier attempt's aside is never overwritten.
 */
function clearData(cluster: ClusterModel, instance: InstanceModel, restored: boolean): Line[] {
  const r = inPlace(cluster);
  const data = quote(cluster.dataDir);
  const aside = quote(`${cluster.dataDir}.before-restore-${r.number}`);
  const keep = restored ? "true" : `[ ${recorded(record(cluster, ".led"))} -eq ${r.number} ]`;
  return [
    `if [ -n "$(ls -A ${data} 2>/dev/null)" ]; then`,
    `  if ${keep}; then`,
    `    [ -e ${aside} ] && ${fail(`error: ${instance.name} has both ${cluster.dataDir} and ${cluster.dataDir}.before-restore-${r.number}, the data an earlier attempt of this restore kept aside; nothing was changed. Keep the one you want elsewhere, remove the other, then run pulumi up again.`)}`,
    `    mv -- ${data} ${aside}`,
    `    ${sayWords(`old data of ${instance.name} kept at ${cluster.dataDir}.before-restore-${r.number} (delete it once the restore is checked)`)}`,
    "  else",
    `    rm -rf -- ${data}`,
    "  fi",
    "fi",
    `install -d -o postgres -g postgres -m 0700 ${data}`,
  ];
}

/** Waits until this member runs; on the restored member, until it leads. */
function waitLines(instance: InstanceModel, timeoutSeconds: number, leads: boolean): string[] {
  const timeout = Math.trunc(timeoutSeconds);
  const ready = leads ? `${askPatroni("is-leader")} 2>/dev/null` : "true";
  return [
    `deadline=$((SECONDS + ${timeout})); last=""`,
    "while :; do",
    `  state=$(${askPatroni("status")} 2>/dev/null || echo "starting")`,
    `  case "$state" in *" running") if ${ready}; then say "$state"; break; fi ;; esac`,
    "  if [ $SECONDS -ge $deadline ]; then",
    `    ${fail(`error: ${instance.name} is not ${leads ? "leading" : "running"} after ${timeout}s (now: `, expand('"$state"'), "). Patroni keeps restoring in the background (journalctl -u patroni, /var/log/pgbackrest); run pulumi up again to keep waiting: the restore is not started over.")}`,
    "  fi",
    '  [ "$state" != "$last" ] && say "waiting: $state"; last=$state',
    "  sleep 2",
    "done",
  ];
}

/**
 * The member's part of the restore: once per number (the `.started` record) it stops, clears its data and runs
 * `first`; then Patroni starts and the step waits. A re-run after Patroni started (a timeout) only waits again.
 */
function memberPart(cluster: ClusterModel, instance: InstanceModel, { restored, first = [], timeoutSeconds }: { restored: boolean; first?: Line[]; timeoutSeconds: number }): Line[] {
  const r = inPlace(cluster);
  const started = record(cluster, ".started");
  return [
    `if [ ${recorded(started)} -lt ${r.number} ]; then`,
    ...[...stopLines(cluster), ...clearData(cluster, instance, restored), ...first, write(started, r.number)].map((l) => indentLine(l, "  ")),
    "fi",
    "systemctl -q is-active patroni || systemctl start patroni",
    ...waitLines(instance, timeoutSeconds, restored),
    write(record(cluster), r.number),
  ];
}

/**
 * On the configured primary, once every member stopped: its data aside, the cluster's keys in the DCS removed, then
 * Patroni bootstraps it from the cluster's stanza up to the target and promotes it (a new timeline).
 */
export function restoreLeaderStep(model: Model, cluster: ClusterModel, instance: InstanceModel, timeoutSeconds: number): HostStep {
  const r = inPlace(cluster);
  const prefix = `${PATRONI_NAMESPACE}${cluster.name}/`;
  // Without its keys Patroni sees no cluster, so it bootstraps the empty data directory with the pg_pitr method.
  const forget = [
    `etcd_patroni del --prefix ${quote(prefix)} >/dev/null || ${fail(`error: could not remove ${prefix} in the DCS; every member is stopped. Check the DCS (etcdctl endpoint health), then run pulumi up again.`)}`,
    sayWords(`removed ${cluster.name}'s state in the DCS; Patroni restores ${cluster.name} from its stanza up to ${r.target}`),
  ];
  return hostStep(`in-place restore ${r.number} of ${cluster.name} on ${instance.name}`, [
    ...once(cluster, `the restore on ${instance.name}`),
    ...etcdPatroniLines(dcsOf(model, cluster), cluster.name),
    ...memberPart(cluster, instance, { restored: true, first: forget, timeoutSeconds }),
    sayWords(`${cluster.name} restored in place to ${r.target} on ${instance.name}, on a new timeline`),
  ]);
}

/** On another member, after the new full backup: its old data removed (or aside), Patroni rebuilds it from that backup. */
export function restoreReplicaStep(cluster: ClusterModel, instance: InstanceModel, timeoutSeconds: number): HostStep {
  const r = inPlace(cluster);
  return hostStep(`rebuild of ${instance.name} after in-place restore ${r.number} of ${cluster.name}`, [
    ...once(cluster, `the rebuild of ${instance.name}`),
    ...memberPart(cluster, instance, { restored: false, timeoutSeconds }),
    sayWords(`${instance.name} rebuilt after in-place restore ${r.number} of ${cluster.name}`),
  ]);
}

/**
 * On the repository host, once the restored member leads: a full backup on the new timeline, which the other members
 * are rebuilt from (the newest backup before it may lie on the abandoned timeline, past the target).
 */
export function restoreBackupStep(cluster: ClusterModel): HostStep {
  const r = inPlace(cluster);
  return hostStep(`full backup after in-place restore ${r.number} of ${cluster.name}`, [
    ...once(cluster, "the full backup after it"),
    reporting([BACKUP_HELPER, "backup", cluster.name, "full"].map(quote).join(" ")),
    write(record(cluster), r.number),
  ]);
}
