// Postgres and Patroni of one instance: safety guard, Patroni config and HBA, the Patroni service.
import { dcsOf, type ClusterModel, type InstanceModel, type Model } from "../config/model";
import { instanceFiles } from "../render/files";
import * as paths from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { renderPatroniFence, renderPatroniLauncher, renderPatroniUnit } from "../render/systemd";
import { etcdPatroniLines } from "./etcdClient";
import type { FileSpec } from "./installFiles";
import { dcsChanged, moveToNewDcs, rememberDcs } from "./dcsMove";
import { askPatroni } from "./patroniApi";
import { resetBlock } from "./reset";
import { quote } from "./shell";
import { indentLine, type Line } from "./lines";
import { filesStep, hostStep, type HostStep } from "./step";
import { expand, fail, sayWords } from "./words";
import { activateActualRole, keepAside, seedActive } from "./services";

const PG_FILE = { owner: "postgres:postgres", mode: "0600" };

/**
 * SOP S1 safety guard: a host that already has Postgres which this system did not create is never
 * overwritten unless pg_clean is set and pg_safeguard is not. A marker file records that the host is
 * ours, so re-runs pass at once. (The DCS side of the guard is the cluster's DCS state step.)
 */
export function guardStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const want = quote(cluster.name);
  const marker = quote(paths.CLUSTER_MARKER);
  const flag = `clusters.${cluster.name}.vars.pg_clean`;
  const found = expand('"$(IFS=,; echo "${found[*]}")"');
  const body: Line[] = [
    `if [ "$(cat ${marker} 2>/dev/null)" = ${want} ]; then ${sayWords(`host already belongs to ${cluster.name}`)}; exit 0; fi`,
  ];
  // A member re-added after its removal from this cluster while the cluster lives on (its DCS holds it): the old
  // data is stale. Keep it, out of the way, and let Patroni clone the member afresh from the leader. When the
  // cluster itself is gone from the DCS (re-created), nothing is moved: the check below refuses, as for any data.
  const etcdctl = "etcd_patroni";
  const alive = `[ -n "$(${etcdctl} get --print-value-only ${quote(`${PATRONI_NAMESPACE}${cluster.name}/initialize`)} 2>/dev/null)" ]`;
  body.push(
    ...etcdPatroniLines(dcsOf(model, cluster), cluster.name),
    `if [ "$(cat ${quote(paths.REMOVED_CLUSTER_MARKER)} 2>/dev/null)" = ${want} ] && [ -e ${quote(cluster.dataDir)} ] && ${alive}; then`,
    `  aside=${quote(`${cluster.dataDir}.removed-`)}"$(date +%Y%m%dT%H%M%S)"`,
    `  mv -- ${quote(cluster.dataDir)} "$aside"`,
    `  ${sayWords(`re-added to ${cluster.name}: the data it had when removed is kept at `, expand('"$aside"'), "; it is cloned again from the leader")}`,
    "fi",
  );
  body.push(
    "found=()",
    `[ -s ${quote(`${cluster.dataDir}/PG_VERSION`)} ] && found+=(${quote(`a data directory at ${cluster.dataDir}`)})`,
    "ls /var/lib/postgresql/*/*/PG_VERSION >/dev/null 2>&1 && found+=(\"a Debian Postgres cluster under /var/lib/postgresql\")",
    "[ -n \"$(ps -eo comm= | grep -x postgres || true)\" ] && found+=(\"a running postgres\")",
    'if [ ${#found[@]} -gt 0 ]; then',
  );
  if (cluster.flags.clean && !cluster.flags.safeguard) {
    body.push(
      `  ${sayWords("pg_clean is set: removing ", found)}`,
      "  systemctl stop patroni postgresql 2>/dev/null || true",
      "  for c in $(ls -d /var/lib/postgresql/*/* 2>/dev/null); do pg_dropcluster --stop \"$(basename \"$(dirname \"$c\")\")\" \"$(basename \"$c\")\" || true; done",
      `  rm -rf -- ${quote(cluster.dataDir)}`,
    );
  } else {
    const why = cluster.flags.safeguard ? "pg_safeguard is on, so it is never cleaned" : `set ${flag}: true to wipe it (dangerous: the data is lost), then run pulumi up again`;
    body.push(`  ${fail(`error: ${instance.ip} (${instance.name}) already has `, found, `, which this stack did not create; nothing was changed. ${why}.`)}`);
  }
  body.push("fi", `rm -f ${quote(paths.REMOVED_CLUSTER_MARKER)}`, `echo ${want} >${marker}`);
  return hostStep(`safety guard of ${instance.name}`, body);
}

/**
 * The instance's Postgres-side files; the active HBA file is not among them: it follows the actual role.
 * The Patroni helper is root's (the steps run it as root): a file the dbsu could change would run as root.
 */
function postgresFiles(model: Model, cluster: ClusterModel, instance: InstanceModel): FileSpec[] {
  const files = instanceFiles(model, cluster, instance);
  const own = [paths.PATRONI_YML, paths.ROLE_CHANGE_SCRIPT, paths.pgHbaForRole("primary"), paths.pgHbaForRole(paths.notLeaderHba(instance))];
  return [
    ...own.map((p) => ({ path: p, content: files[p], ...PG_FILE, ...(p === paths.ROLE_CHANGE_SCRIPT && { mode: "0750" }) })),
    { path: paths.PATRONI_HELPER, content: files[paths.PATRONI_HELPER], mode: "0755", library: "pigsty-patroni" },
  ];
}

/** The member's Postgres as the step library's local_sql, wait_ssl_on and hba_errors take it: its bin dir and port. */
const localPostgres = (cluster: ClusterModel) => `${quote(cluster.binDir)} ${quote(String(cluster.ports.postgres))}`;

/**
 * Patroni applies new settings (ssl on, when an existing member gets TLS) on its next loop after the reload; HBA
 * lines of type hostssl are errors while ssl is off, so the check below waits for it (the step library's wait_ssl_on).
 */
export const waitSslOn = (cluster: ClusterModel) => `wait_ssl_on ${localPostgres(cluster)}`;

/**
 * Fails the step when the running Postgres finds errors in its active HBA file (pg_hba_file_rules
 * parses the file on disk). Validation refuses what it can; this catches what only Postgres knows,
 * e.g. an unknown auth option or hostssl with SSL off. Postgres keeps the rules it had loaded;
 * `rollback` (the config step's) first puts the previous files back, so the host stays as the
 * engine's state records it and a reverted config needs no further run. Nothing to check while
 * Postgres is down.
 */
export function hbaCheck(cluster: ClusterModel, instance: InstanceModel, rollback: string[] = []): string[] {
  const kept = rollback.length > 0 ? "the previous HBA files are back in place" : "it keeps the rules it had";
  return [
    `if hba_errors=$(hba_errors ${localPostgres(cluster)}); [ -n "$hba_errors" ]; then`,
    ...rollback.map((l) => `  ${l}`),
    `  ${fail(`error: Postgres on ${instance.name} rejects its HBA file ${paths.PG_HBA_ACTIVE} (`, expand('"$hba_errors"'), `), so ${kept}. Fix the rule in clusters.${cluster.name}.vars.pg_hba_rules (or pg_hba_rules_extra), then run pulumi up again.`)}`,
    "fi",
  ];
}

/**
 * Patroni config and HBA. HBA changes never restart Postgres: the role-change script activates the
 * file of the node's actual role (asked from Patroni, so a failover is respected) and reloads.
 * Patroni config changes (e.g. tags) reach Patroni with a reload (SIGHUP); new DCS servers (S12)
 * need a restart, done in maintenance mode and leader first (steps/dcsMove.ts).
 */
export function configStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const indent = (l: Line) => indentLine(l, "    ");
  const hba = keepAside([paths.pgHbaForRole("primary"), paths.pgHbaForRole(paths.notLeaderHba(instance)), paths.PG_HBA_ACTIVE]);
  return filesStep(`Patroni config and HBA of ${instance.name}`, {
    before: [rememberDcs, ...hba.before],
    files: postgresFiles(model, cluster, instance),
    onChange: [
      "if systemctl -q is-active patroni; then",
      `  if ${dcsChanged(dcsOf(model, cluster))}; then`,
      ...moveToNewDcs(model, cluster, instance).map(indent),
      "  else",
      ...activateActualRole(cluster).map(indent),
      "    systemctl reload patroni",
      "  fi",
      `  ${waitSslOn(cluster)}`,
      ...hbaCheck(cluster, instance, [...hba.restore, ...activateActualRole(cluster)]).map((l) => `  ${l}`),
      "fi",
    ],
    always: [seedActive(paths.PG_HBA_ACTIVE, paths.pgHbaForRole("primary"), "0600")],
  });
}

/**
 * Removing the host of the member that leads while other members run would fail the cluster over.
 * Patroni's removal refuses, and says to switch over first (the helper's check-removal). Removing the
 * whole cluster is allowed: its leader step marks the cluster in Patroni's dynamic config first
 * (steps/patroniApi.ts), and without the mark the members go in dependency order anyway, the configured
 * primary last.
 */
const refuseRemovingLeader = askPatroni("check-removal");

/**
 * Starts Patroni and waits (bounded) until this member runs. A timeout fails the step but leaves
 * Patroni building the replica: the next `up` waits again from where it stood, without re-cloning.
 * Resets (S11) act only on a Patroni that was already running: restarting it (refused on an active
 * leader outside maintenance, which would fail over) or re-cloning a replica from the leader.
 */
export function patroniStep(cluster: ClusterModel, instance: InstanceModel, timeoutSeconds: number): HostStep {
  const id = `Patroni service of ${instance.name}`;
  const unit = { path: paths.PATRONI_UNIT, content: renderPatroniUnit(cluster, instance) };
  // Run by the unit (ExecStopPost) as the dbsu when Patroni exits.
  const fence = { path: paths.PATRONI_FENCE_SCRIPT, content: renderPatroniFence(cluster), mode: "0755" };
  // A new launcher reaches a running Patroni at its next restart (a rolling restart, S3); nothing restarts it here.
  const launcher: FileSpec = { path: paths.PATRONI_LAUNCHER, content: renderPatroniLauncher(), mode: "0755", library: "patroni-launch" };
  const deleteBody = [
    refuseRemovingLeader,
    "systemctl disable --now patroni 2>/dev/null || true",
    // A paused Patroni (maintenance) leaves Postgres running when it stops: a removed member must not serve.
    `if [ -s ${quote(`${cluster.dataDir}/postmaster.pid`)} ]; then runuser -u postgres -- ${quote(`${cluster.binDir}/pg_ctl`)} -D ${quote(cluster.dataDir)} stop -m fast -w >/dev/null || true; fi`,
    `mv -f ${quote(paths.CLUSTER_MARKER)} ${quote(paths.REMOVED_CLUSTER_MARKER)} 2>/dev/null || true`,
  ];
  if (cluster.flags.rmPgdata) deleteBody.push(`rm -rf -- ${quote(cluster.dataDir)}`);
  if (cluster.flags.rmPgpkgs) deleteBody.push("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q postgresql-15 patroni pgbouncer >/dev/null || true");
  const leads = askPatroni("is-leader");
  // The step library's bounded wait, here and after a re-clone.
  const waitRunning = `wait_running ${[String(Math.trunc(timeoutSeconds)), instance.name, instance.ip, cluster.name].map(quote).join(" ")}`;
  const always = [
    `install -d -o postgres -g postgres -m 0700 ${quote(cluster.dataDir)}`,
    "systemctl enable -q patroni",
    "was_running=no; systemctl -q is-active patroni && was_running=yes",
    ...resetBlock(instance, "patroni", [
      'if [ $was_running = yes ]; then',
      `  if ${leads} && ! ${askPatroni("is-paused")}; then ${fail(`error: ${instance.name} leads ${cluster.name}, and restarting its Patroni outside maintenance mode would fail over. Put the cluster in maintenance first (clusters.${cluster.name}.vars.pg_maintenance: true, pulumi up; Postgres keeps running while Patroni restarts), or switch over first; then run pulumi up again.`)}; fi`,
      "  systemctl restart patroni",
      "fi",
    ]),
    "systemctl -q is-active patroni || systemctl start patroni",
    waitRunning,
    ...hbaCheck(cluster, instance),
    ...resetBlock(instance, "postgres", [
      'if [ $was_running = yes ]; then',
      `  if ${leads}; then ${fail(`error: ${instance.name} leads ${cluster.name}; re-cloning the leader is refused. Make another member pg_role: primary first (a switchover), then reset it.`)}; fi`,
      `  runuser -u postgres -- patronictl -c ${quote(paths.PATRONI_YML)} reinit ${quote(cluster.name)} ${quote(instance.name)} --force --wait`,
      `  ${waitRunning}`,
      "fi",
    ]),
  ];
  return filesStep(id, { files: [fence, launcher, unit], onChange: ["systemctl daemon-reload"], always, removal: deleteBody });
}
