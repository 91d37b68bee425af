// Host steps of one Postgres instance: safety guard, Patroni config and service, pgbouncer, HAProxy, exporters.
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { instanceFiles } from "../render/files";
import * as paths from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { renderPatroniUnit } from "../render/systemd";
import type { FileSpec } from "./installFiles";
import { quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";

const OWNER_MARKER = "/pg/.pigsty-cluster";
const PG_FILE = { owner: "postgres:postgres", mode: "0600" };

const etcdctl = (model: Model) => `ETCDCTL_API=3 etcdctl --endpoints=${model.dcs.endpoints.join(",")} --command-timeout=5s`;
const dcsPrefix = (cluster: ClusterModel) => `${PATRONI_NAMESPACE}${cluster.name}/`;

/**
 * SOP S1 safety guard: a host that already has Postgres (or, for the primary, a cluster whose DCS
 * key exists) which this system did not create is never overwritten unless pg_clean is set and
 * pg_safeguard is not. A marker file records that the host is ours, so re-runs pass at once.
 */
export function guardStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const want = quote(cluster.name);
  const flag = `clusters.${cluster.name}.vars.pg_clean`;
  const body = [
    `if [ "$(cat ${OWNER_MARKER} 2>/dev/null)" = ${want} ]; then say "host already belongs to ${cluster.name}"; exit 0; fi`,
    "found=()",
    `[ -s ${cluster.dataDir}/PG_VERSION ] && found+=("a data directory at ${cluster.dataDir}")`,
    "ls /var/lib/postgresql/*/*/PG_VERSION >/dev/null 2>&1 && found+=(\"a Debian Postgres cluster under /var/lib/postgresql\")",
    "[ -n \"$(ps -eo comm= | grep -x postgres || true)\" ] && found+=(\"a running postgres\")",
  ];
  if (instance.role === "primary") {
    // A DCS that cannot be read must stop the guard, not pass it: no `|| true` here.
    body.push(`keys=$(${etcdctl(model)} get --prefix --keys-only ${dcsPrefix(cluster)})`, `[ -n "$keys" ] && found+=("cluster state in the DCS under ${dcsPrefix(cluster)}")`);
  }
  body.push('if [ ${#found[@]} -gt 0 ]; then');
  if (cluster.flags.clean && !cluster.flags.safeguard) {
    body.push(
      `  say "pg_clean is set: removing $(IFS=,; echo "\${found[*]}")"`,
      "  systemctl stop patroni postgresql 2>/dev/null || true",
      "  for c in $(ls -d /var/lib/postgresql/*/* 2>/dev/null); do pg_dropcluster --stop \"$(basename \"$(dirname \"$c\")\")\" \"$(basename \"$c\")\" || true; done",
      `  rm -rf ${cluster.dataDir}`,
    );
    if (instance.role === "primary") body.push(`  ${etcdctl(model)} del --prefix ${dcsPrefix(cluster)} >/dev/null`);
  } else {
    const why = cluster.flags.safeguard ? "pg_safeguard is on, so it is never cleaned" : `set ${flag}: true to wipe it (dangerous: the data is lost), then run pulumi up again`;
    body.push(`  echo "error: ${instance.ip} (${instance.name}) already has $(IFS=,; echo "\${found[*]}"), which this stack did not create; nothing was changed. ${why}." >&2`, "  exit 1");
  }
  body.push("fi", `echo ${want} >${OWNER_MARKER}`);
  return hostStep(`safety guard of ${instance.name}`, body);
}

/** Waits (10 s) until every port listens; fails naming the unit's log otherwise. */
function waitListening(ports: number[], unit: string): string {
  const list = ports.join(" ");
  return `for p in ${list}; do for i in $(seq 1 20); do [ -n "$(ss -Hltn "sport = :$p")" ] && break; sleep 0.5; done; [ -n "$(ss -Hltn "sport = :$p")" ] || { echo "error: ${unit} does not listen on port $p; see journalctl -u ${unit}" >&2; exit 1; }; done`;
}

/** The instance's rendered files, except the active HBA file, which follows the actual role (below). */
function postgresFiles(model: Model, cluster: ClusterModel, instance: InstanceModel): FileSpec[] {
  const files = instanceFiles(model, cluster, instance);
  const own = [paths.PATRONI_YML, paths.ROLE_CHANGE_SCRIPT, paths.pgHbaForRole("primary"), paths.pgHbaForRole("replica"), paths.pgHbaForRole("offline")];
  return own
    .filter((p) => files[p] !== undefined)
    .map((p) => ({ path: p, content: files[p], ...PG_FILE, ...(p === paths.ROLE_CHANGE_SCRIPT && { mode: "0750" }) }));
}

/**
 * Patroni config and HBA. HBA changes never restart Postgres: the role-change script activates the
 * file of the node's actual role (asked from Patroni, so a failover is respected) and reloads.
 * Patroni config changes (e.g. tags) reach Patroni with a reload (SIGHUP).
 */
export function configStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const intended = paths.pgHbaForRole(instance.role === "primary" ? "primary" : instance.offlineQuery ? "offline" : "replica");
  return filesStep(`Patroni config and HBA of ${instance.name}`, postgresFiles(model, cluster, instance), [
    "if systemctl -q is-active patroni; then",
    `  role=$(curl -fsS http://127.0.0.1:${cluster.ports.patroni}/patroni | python3 -c 'import json,sys; print(json.load(sys.stdin).get("role","replica"))' || echo replica)`,
    `  runuser -u postgres -- ${paths.ROLE_CHANGE_SCRIPT} on_role_change "$role" ${quote(cluster.name)}`,
    "  systemctl reload patroni",
    "fi",
  ], [`[ -f ${paths.PG_HBA_ACTIVE} ] || install -m 0600 -o postgres -g postgres ${intended} ${paths.PG_HBA_ACTIVE}`]);
}

/**
 * Starts Patroni and waits (bounded) until this member runs. A timeout fails the step but leaves
 * Patroni building the replica: the next `up` waits again from where it stood, without re-cloning.
 */
export function patroniStep(cluster: ClusterModel, instance: InstanceModel, timeoutSeconds: number): HostStep {
  const unit = { path: "/etc/systemd/system/patroni.service", content: renderPatroniUnit(cluster, instance) };
  const api = `http://127.0.0.1:${cluster.ports.patroni}/patroni`;
  const deleteBody = ["systemctl disable --now patroni 2>/dev/null || true", `rm -f ${OWNER_MARKER}`];
  if (cluster.flags.rmPgdata) deleteBody.push(`rm -rf ${cluster.dataDir}`);
  if (cluster.flags.rmPgpkgs) deleteBody.push("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q postgresql-15 patroni pgbouncer >/dev/null || true");
  return filesStep(`Patroni service of ${instance.name}`, [unit], ["systemctl daemon-reload"], [
    `install -d -o postgres -g postgres -m 0700 ${cluster.dataDir}`,
    "systemctl enable -q patroni",
    "systemctl -q is-active patroni || systemctl start patroni",
    `deadline=$((SECONDS + ${timeoutSeconds})); last=""`,
    "while :; do",
    `  state=$(curl -fsS ${api} 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("role","?"), d.get("state","?"))' 2>/dev/null || echo "starting")`,
    '  case "$state" in *" running") say "${state% running} running"; break ;; esac',
    '  if [ $SECONDS -ge $deadline ]; then',
    `    echo "error: ${instance.name} is not running after ${timeoutSeconds}s (now: $state). Patroni keeps building it in the background; run pulumi up again to keep waiting (it will not clone again), or raise pg_wait_timeout." >&2`,
    "    exit 1",
    "  fi",
    '  [ "$state" != "$last" ] && say "waiting: $state"; last=$state',
    "  sleep 2",
    "done",
  ], deleteBody);
}

export function pgbouncerStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const files = instanceFiles(model, cluster, instance);
  const dir = paths.PGBOUNCER_DIR;
  const specs = ["pgbouncer.ini", "userlist.txt", "pgb_hba.conf"].map((f) => ({ path: `${dir}/${f}`, content: files[`${dir}/${f}`], owner: "postgres:postgres", mode: "0640" }));
  // listen_addr/port changes need a restart (a brief interruption); users and HBA only a reload.
  return filesStep(`pgbouncer of ${instance.name}`, specs, [
    `if grep -qx ${dir}/pgbouncer.ini "$work/changed" || ! systemctl -q is-active pgbouncer; then systemctl restart pgbouncer; else systemctl reload pgbouncer; fi`,
  ], [
    "systemctl enable -q pgbouncer",
    // Debian starts pgbouncer with its own config at install; one not on our address gets a restart.
    `[ -n "$(ss -Hltn "src 0.0.0.0 and sport = :${cluster.ports.pgbouncer}")" ] || systemctl restart pgbouncer`,
    waitListening([cluster.ports.pgbouncer], "pgbouncer"),
  ]);
}

export function haproxyStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const content = instanceFiles(model, cluster, instance)[paths.HAPROXY_CFG];
  return filesStep(`HAProxy of ${instance.name}`, [{ path: paths.HAPROXY_CFG, content, mode: "0640", owner: "root:haproxy", check: "haproxy -c -q -f" }], [
    "systemctl -q is-active haproxy && systemctl reload haproxy || systemctl restart haproxy",
  ], [
    "systemctl enable -q haproxy",
    "systemctl -q is-active haproxy || systemctl start haproxy",
    // A reload that fails to load keeps the old process running, so only open ports prove success.
    waitListening([...cluster.services.map((s) => s.port), cluster.ports.haproxyAdmin], "haproxy"),
  ]);
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
  ]);
}
