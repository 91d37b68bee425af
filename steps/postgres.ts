// Host steps of one Postgres instance: safety guard, Patroni config and service, pgbouncer, HAProxy, exporters.
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { instanceFiles } from "../render/files";
import * as paths from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { renderPatroniUnit } from "../render/systemd";
import { CA_CERT, curlPatroni, localPatroniUrl } from "../render/tls";
import { etcdPatroniLines } from "./etcdClient";
import type { FileSpec } from "./installFiles";
import { dcsChanged, moveToNewDcs, rememberDcs } from "./dcsMove";
import { CLUSTER_REMOVAL_MARK } from "./patroniApi";
import { resetBlock } from "./reset";
import { heredoc, quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";
import { expand, fail, sayWords } from "./words";

const OWNER_MARKER = "/pg/.pigsty-cluster";
/** Written on removal in place of the owner marker: the data left behind belonged to that cluster. */
const REMOVED_MARKER = "/pg/.pigsty-cluster-removed";
const PG_FILE = { owner: "postgres:postgres", mode: "0600" };


/**
 * SOP S1 safety guard: a host that already has Postgres which this system did not create is never
 * overwritten unless pg_clean is set and pg_safeguard is not. A marker file records that the host is
 * ours, so re-runs pass at once. (The DCS side of the guard is the cluster's DCS state step.)
 */
export function guardStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const want = quote(cluster.name);
  const marker = quote(OWNER_MARKER);
  const flag = `clusters.${cluster.name}.vars.pg_clean`;
  const found = expand('"$(IFS=,; echo "${found[*]}")"');
  const body = [
    `if [ "$(cat ${marker} 2>/dev/null)" = ${want} ]; then ${sayWords(`host already belongs to ${cluster.name}`)}; exit 0; fi`,
  ];
  // A member re-added after its removal from this cluster while the cluster lives on (its DCS holds it): the old
  // data is stale. Keep it, out of the way, and let Patroni clone the member afresh from the leader. When the
  // cluster itself is gone from the DCS (re-created), nothing is moved: the check below refuses, as for any data.
  const etcdctl = "etcd_patroni";
  const alive = `[ -n "$(${etcdctl} get --print-value-only ${quote(`${PATRONI_NAMESPACE}${cluster.name}/initialize`)} 2>/dev/null)" ]`;
  body.push(
    ...etcdPatroniLines(model, cluster.name),
    `if [ "$(cat ${quote(REMOVED_MARKER)} 2>/dev/null)" = ${want} ] && [ -e ${quote(cluster.dataDir)} ] && ${alive}; then`,
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
  body.push("fi", `rm -f ${quote(REMOVED_MARKER)}`, `echo ${want} >${marker}`);
  return hostStep(`safety guard of ${instance.name}`, body);
}

/** Waits (10 s) until every port listens; fails naming the unit's log otherwise. */
function waitListening(ports: number[], unit: string): string {
  const list = ports.map((p) => quote(String(p))).join(" ");
  return `for p in ${list}; do for i in $(seq 1 20); do [ -n "$(ss -Hltn "sport = :$p")" ] && break; sleep 0.5; done; [ -n "$(ss -Hltn "sport = :$p")" ] || ${fail(`error: ${unit} does not listen on port `, expand('"$p"'), `; see journalctl -u ${unit}`)}; done`;
}

/** The instance's Postgres-side files; the active HBA file is not among them: it follows the actual role. */
function postgresFiles(model: Model, cluster: ClusterModel, instance: InstanceModel): FileSpec[] {
  const files = instanceFiles(model, cluster, instance);
  const own = [paths.PATRONI_YML, paths.ROLE_CHANGE_SCRIPT, paths.pgHbaForRole("primary"), paths.pgHbaForRole(paths.notLeaderHba(instance))];
  return own.map((p) => ({ path: p, content: files[p], ...PG_FILE, ...(p === paths.ROLE_CHANGE_SCRIPT && { mode: "0750" }) }));
}

/**
 * A missing active HBA file starts as the leader's variant: right for a bootstrapping primary, and a
 * new replica gets its own at once from Patroni's on_start callback. Nothing here names the intended
 * role, so a switchover in config does not re-run these steps.
 */
const seedActive = (active: string, primaryVariant: string, mode: string) =>
  `[ -s ${quote(active)} ] || install -m ${quote(mode)} -o postgres -g postgres ${quote(primaryVariant)} ${quote(active)}`;

/** Runs the role-change callback with the role Patroni reports now; when Patroni does not answer, leaves the files as they are. */
function activateActualRole(cluster: ClusterModel): string[] {
  return [
    `if role=$(${curlPatroni(cluster, "/patroni")} | python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])'); then`,
    `  runuser -u postgres -- ${quote(paths.ROLE_CHANGE_SCRIPT)} on_role_change "$role" ${quote(cluster.name)}`,
    "fi",
  ];
}

/**
 * Fails the step when the running Postgres finds errors in its active HBA file (pg_hba_file_rules
 * parses the file on disk). Validation refuses what it can; this catches what only Postgres knows,
 * e.g. an unknown auth option or hostssl with SSL off. Postgres keeps the rules it had loaded;
 * `rollback` (the config step's) first puts the previous files back, so the host stays as the
 * engine's state records it and a reverted config needs no further run. Nothing to check while
 * Postgres is down.
 */
export function hbaCheck(cluster: ClusterModel, instance: InstanceModel, rollback: string[] = []): string[] {
  const psql = `${quote(`${cluster.binDir}/psql`)} -X -h ${quote(paths.PG_SOCKET_DIR)} -p ${quote(String(cluster.ports.postgres))} -d postgres -Atq`;
  const query = quote("select 'line ' || line_number || ': ' || error from pg_hba_file_rules where error is not null");
  const kept = rollback.length > 0 ? "the previous HBA files are back in place" : "it keeps the rules it had";
  return [
    `if hba_errors=$(runuser -u postgres -- ${psql} -c ${query} 2>/dev/null | paste -sd';'); [ -n "$hba_errors" ]; then`,
    ...rollback.map((l) => `  ${l}`),
    `  ${fail(`error: Postgres on ${instance.name} rejects its HBA file ${paths.PG_HBA_ACTIVE} (`, expand('"$hba_errors"'), `), so ${kept}. Fix the rule in clusters.${cluster.name}.vars.pg_hba_rules (or pg_hba_rules_extra), then run pulumi up again.`)}`,
    "fi",
  ];
}

/** Host files kept in the step's scratch dir before new ones are installed, and the lines that put them back. */
function keepAside(files: string[]): { before: string[]; restore: string[] } {
  const list = files.map(quote).join(" ");
  return {
    before: [`for f in ${list}; do if [ -f "$f" ]; then mkdir -p "$work/kept$(dirname "$f")" && cp -p "$f" "$work/kept$f"; fi; done`],
    restore: [`for f in ${list}; do if [ -f "$work/kept$f" ]; then cp -p "$work/kept$f" "$f"; fi; done`],
  };
}

/**
 * Patroni config and HBA. HBA changes never restart Postgres: the role-change script activates the
 * file of the node's actual role (asked from Patroni, so a failover is respected) and reloads.
 * Patroni config changes (e.g. tags) reach Patroni with a reload (SIGHUP); new DCS servers (S12)
 * need a restart, done in maintenance mode and leader first (steps/dcsMove.ts).
 */
export function configStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const indent = (l: string) => `    ${l}`;
  const hba = keepAside([paths.pgHbaForRole("primary"), paths.pgHbaForRole(paths.notLeaderHba(instance)), paths.PG_HBA_ACTIVE]);
  return filesStep(`Patroni config and HBA of ${instance.name}`, postgresFiles(model, cluster, instance), [
    "if systemctl -q is-active patroni; then",
    `  if ${dcsChanged(model)}; then`,
    ...moveToNewDcs(model, cluster, instance).map(indent),
    "  else",
    ...activateActualRole(cluster).map(indent),
    "    systemctl reload patroni",
    "  fi",
    ...hbaCheck(cluster, instance, [...hba.restore, ...activateActualRole(cluster)]).map((l) => `  ${l}`),
    "fi",
  ], [seedActive(paths.PG_HBA_ACTIVE, paths.pgHbaForRole("primary"), "0600")], undefined, [rememberDcs, ...hba.before]);
}

/**
 * Removing the host of the member that leads while other members run would fail the cluster over.
 * Patroni's removal refuses, and says to switch over first. Removing the whole cluster is allowed: its
 * leader step marks the cluster in Patroni's dynamic config first (steps/patroniApi.ts), and without
 * the mark the members go in dependency order anyway, the configured primary last.
 */
export const LEADER_CHECK = `import json, ssl, sys, time, urllib.request
base, me, cluster, ca = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
tls = ssl.create_default_context(cafile=ca) if base.startswith("https:") else None
get = lambda path: json.load(urllib.request.urlopen(base + path, timeout=10, context=tls))
try:
    role = get("/patroni").get("role")
except (OSError, ValueError):
    sys.exit(0)  # Patroni does not answer here: this member leads nothing
# The whole cluster's removal marks it with the time (steps/patroniApi.ts); a stale mark counts for nothing.
marked = get("/config").get("${CLUSTER_REMOVAL_MARK}")
if role not in ("master", "primary", "standby_leader") or (isinstance(marked, (int, float)) and 0 <= time.time() - marked < 1800):
    sys.exit(0)
others = [m["name"] for m in get("/cluster")["members"] if m["name"] != me and m.get("state") in ("running", "streaming")]
if others:
    sys.exit("error: %s leads %s while %s still run: removing it now would fail the cluster over. Switch over first: set pg_role: primary on one of them and run pulumi up (or npm run pg -- switchover), then remove this host." % (me, cluster, ", ".join(others)))
`;

function refuseRemovingLeader(cluster: ClusterModel, instance: InstanceModel): string[] {
  const args = [localPatroniUrl(cluster, ""), instance.name, cluster.name, CA_CERT].map(quote).join(" ");
  return [heredoc('cat >"$work/leader_check.py"', LEADER_CHECK), `python3 "$work/leader_check.py" ${args}`];
}

/**
 * Starts Patroni and waits (bounded) until this member runs. A timeout fails the step but leaves
 * Patroni building the replica: the next `up` waits again from where it stood, without re-cloning.
 * Resets (S11) act only on a Patroni that was already running: restarting it (refused on an active
 * leader outside maintenance, which would fail over) or re-cloning a replica from the leader.
 */
export function patroniStep(cluster: ClusterModel, instance: InstanceModel, timeoutSeconds: number): HostStep {
  const unit = { path: "/etc/systemd/system/patroni.service", content: renderPatroniUnit(cluster, instance) };
  const api = curlPatroni(cluster, "/patroni");
  const deleteBody = [
    ...refuseRemovingLeader(cluster, instance),
    "systemctl disable --now patroni 2>/dev/null || true",
    // A paused Patroni (maintenance) leaves Postgres running when it stops: a removed member must not serve.
    `if [ -s ${quote(`${cluster.dataDir}/postmaster.pid`)} ]; then runuser -u postgres -- ${quote(`${cluster.binDir}/pg_ctl`)} -D ${quote(cluster.dataDir)} stop -m fast -w >/dev/null || true; fi`,
    `mv -f ${quote(OWNER_MARKER)} ${quote(REMOVED_MARKER)} 2>/dev/null || true`,
  ];
  if (cluster.flags.rmPgdata) deleteBody.push(`rm -rf -- ${quote(cluster.dataDir)}`);
  if (cluster.flags.rmPgpkgs) deleteBody.push("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q postgresql-15 patroni pgbouncer >/dev/null || true");
  const field = (expr: string) => `$(${api} | python3 -c 'import json,sys; d=json.load(sys.stdin); print(${expr})')`;
  // Patroni 3.0 (Debian 12) says "master", later releases "primary".
  const leads = `[ "${field('d.get("role") in ("master", "primary", "standby_leader")')}" = True ]`;
  return filesStep(`Patroni service of ${instance.name}`, [unit], ["systemctl daemon-reload"], [
    `install -d -o postgres -g postgres -m 0700 ${quote(cluster.dataDir)}`,
    "systemctl enable -q patroni",
    "wait_running() {",
    `  local deadline=$((SECONDS + ${Math.trunc(timeoutSeconds)})) last="" state`,
    "  while :; do",
    `    state=$(${api} 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("role","?"), d.get("state","?"))' 2>/dev/null || echo "starting")`,
    '    case "$state" in *" running") say "${state% running} running"; return ;; esac',
    '    if [ $SECONDS -ge $deadline ]; then',
    `      ${fail(`error: ${instance.name} is not running after ${timeoutSeconds}s (now: `, expand('"$state"'), "). Patroni keeps building it in the background; run pulumi up again to keep waiting (it will not clone again), or raise pg_wait_timeout.")}`,
    "    fi",
    '    [ "$state" != "$last" ] && say "waiting: $state"; last=$state',
    "    sleep 2",
    "  done",
    "}",
    "was_running=no; systemctl -q is-active patroni && was_running=yes",
    ...resetBlock(instance, "patroni", [
      'if [ $was_running = yes ]; then',
      `  if ${leads} && [ "${field('d.get("pause", False)')}" != True ]; then ${fail(`error: ${instance.name} leads ${cluster.name}, and restarting its Patroni outside maintenance mode would fail over. Put the cluster in maintenance first (clusters.${cluster.name}.vars.pg_maintenance: true, pulumi up; Postgres keeps running while Patroni restarts), or switch over first; then run pulumi up again.`)}; fi`,
      "  systemctl restart patroni",
      "fi",
    ]),
    "systemctl -q is-active patroni || systemctl start patroni",
    "wait_running",
    ...hbaCheck(cluster, instance),
    ...resetBlock(instance, "postgres", [
      'if [ $was_running = yes ]; then',
      `  if ${leads}; then ${fail(`error: ${instance.name} leads ${cluster.name}; re-cloning the leader is refused. Make another member pg_role: primary first (a switchover), then reset it.`)}; fi`,
      `  runuser -u postgres -- patronictl -c ${quote(paths.PATRONI_YML)} reinit ${quote(cluster.name)} ${quote(instance.name)} --force --wait`,
      "  wait_running",
      "fi",
    ]),
  ], deleteBody);
}

/** pgbouncer's config, users and HBA variants; its active HBA file follows the actual role like Postgres'. */
export function pgbouncerStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const files = instanceFiles(model, cluster, instance);
  const dir = paths.PGBOUNCER_DIR;
  const own = [`${dir}/pgbouncer.ini`, `${dir}/userlist.txt`, paths.pgbouncerHbaForRole("primary"), paths.pgbouncerHbaForRole(paths.notLeaderHba(instance))];
  const specs = own.map((p) => ({ path: p, content: files[p], owner: "postgres:postgres", mode: "0640" }));
  const seed = seedActive(paths.PGBOUNCER_HBA_ACTIVE, paths.pgbouncerHbaForRole("primary"), "0640");
  // listen_addr/port changes need a restart (a brief interruption); users and HBA only a reload.
  return filesStep(`pgbouncer of ${instance.name}`, specs, [
    seed,
    `if grep -qxF ${quote(`${dir}/pgbouncer.ini`)} "$pending" || ! systemctl -q is-active pgbouncer; then systemctl restart pgbouncer; else systemctl reload pgbouncer; fi`,
  ], [
    seed,
    ...activateActualRole(cluster),
    "systemctl enable -q pgbouncer",
    // Debian starts pgbouncer with its own config at install; one not on our address gets a restart.
    `[ -n "$(ss -Hltn ${quote(`src 0.0.0.0 and sport = :${cluster.ports.pgbouncer}`)})" ] || systemctl restart pgbouncer`,
    ...resetBlock(instance, "pgbouncer", ["systemctl restart pgbouncer"]),
    waitListening([cluster.ports.pgbouncer], "pgbouncer"),
  ], stopService("pgbouncer"));
}

/** On removal a member stops serving: a pooler or proxy left running would still route clients to the cluster. */
function stopService(unit: string): string[] {
  return [`if systemctl cat ${unit} >/dev/null 2>&1; then systemctl disable --now -q ${unit}; say ${quote(`stopped and disabled ${unit}`)}; fi`];
}

/**
 * Reloads HAProxy and proves it took the new config: a successful reload starts a new worker under
 * the same master. A config that passes `haproxy -c` can still fail to load (a port another program
 * holds): the master then keeps the old worker and systemd reports success. That fails the step,
 * with HAProxy still serving the old config, and the step's pending record retries the reload.
 */
function reloadHaproxy(instance: InstanceModel, restore: string[]): string[] {
  const workers = 'ps -o pid= --ppid "$master" | tr -d " " | sort';
  return [
    'master=$(systemctl show -p MainPID --value haproxy)',
    `before=$(${workers})`,
    "systemctl reload haproxy",
    "loaded=no",
    `for i in $(seq 1 20); do [ -n "$(comm -13 <(echo "$before") <(${workers}))" ] && { loaded=yes; break; }; sleep 0.5; done`,
    "if [ $loaded = no ]; then",
    "  journalctl -u haproxy -n 15 --no-pager || true",
    // The old file goes back: the host stays as the engine's state records it, and the next attempt installs again.
    ...restore.map((l) => `  ${l}`),
    `  ${fail(`error: HAProxy on ${instance.name} did not load its new config, so it still serves the old one (a port in use by another program?). See journalctl -u haproxy there, fix the cause, then run pulumi up again.`)}`,
    "fi",
    sayWords("HAProxy reloaded"),
  ];
}

export function haproxyStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const content = instanceFiles(model, cluster, instance)[paths.HAPROXY_CFG];
  const cfg = keepAside([paths.HAPROXY_CFG]);
  return filesStep(`HAProxy of ${instance.name}`, [{ path: paths.HAPROXY_CFG, content, mode: "0640", owner: "root:haproxy", check: "haproxy -c -q -f" }], [
    "if systemctl -q is-active haproxy; then",
    ...reloadHaproxy(instance, cfg.restore).map((l) => `  ${l}`),
    "else",
    "  systemctl restart haproxy",
    "fi",
  ], [
    "systemctl enable -q haproxy",
    "systemctl -q is-active haproxy || systemctl start haproxy",
    ...resetBlock(instance, "haproxy", ["systemctl restart haproxy"]),
    // A reload that fails to load keeps the old process running, so only open ports prove success.
    waitListening([...cluster.services.map((s) => s.port), cluster.ports.haproxyAdmin], "haproxy"),
  ], stopService("haproxy"), cfg.before);
}

export function exportersStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const files = instanceFiles(model, cluster, instance);
  const units: Record<string, string> = {
    [paths.NODE_EXPORTER_DEFAULTS]: "prometheus-node-exporter",
    [paths.PG_EXPORTER_DEFAULTS]: "prometheus-postgres-exporter",
  };
  const specs = Object.keys(units).map((p) => ({ path: p, content: files[p], mode: "0640", owner: "root:prometheus" }));
  const services = Object.values(units).join(" ");
  // reset-failed first: Debian starts them at install with an empty DSN, so they crash-loop into
  // systemd's start limit before our settings arrive, and a plain restart is then refused.
  const restart = `{ systemctl reset-failed ${services} 2>/dev/null || true; systemctl restart ${services}; }`;
  return filesStep(`exporters of ${instance.name}`, specs, [restart], [
    `systemctl enable -q ${services}`,
    `systemctl -q is-active ${services} || ${restart}`,
    ...resetBlock(instance, "monitor", [restart]),
  ]);
}
