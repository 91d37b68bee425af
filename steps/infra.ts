// Host steps of the infra node and the DCS servers: etcd, Prometheus/Alertmanager/nginx, per-instance registration.
import { ETCD_METRICS_PORT, type ClusterModel, type Model, type ScrapeTarget } from "../config/model";
import { slot } from "../config/secretSlots";
import { etcdUserOf } from "../render/etcd";
import { etcdFiles, monitoringFiles, targetFiles } from "../render/files";
import { hostProgram } from "../render/hostProgram";
import { ALERT_RULES, DCS_CLAIMS_DIR, ETCD_DATA_ROOT, ETCD_ROOT_ENV, PROMETHEUS_YML } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { fileSdPath, pgsqlTargetsDir } from "../render/prometheus";
import { CA_CERT, serverCert } from "../render/tls";
import { etcdRootFiles, etcdRootFunction, etcdUrls, passwordFileLines, pemPlaceholder } from "./etcdClient";
import { fillSecrets } from "./installFiles";
import type { Line } from "./lines";
import { heredoc, quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";
import { expand, fail, sayWords } from "./words";

/** Every other member's health URL (plain HTTP on the metrics port; no keys there). */
const healthUrl = (ip: string) => `http://${ip}:${ETCD_METRICS_PORT}/health`;
const healthy = (ip: string) => `curl -fsS --max-time 3 ${quote(healthUrl(ip))} 2>/dev/null | grep -q '"health":"true"'`;

/**
 * Sets `fresh` (yes: this member has no data yet) and refuses a fresh member while another member of
 * its DCS already answers healthy, unless that running DCS lists this member as not started yet: the
 * members of a new DCS start one after another, and its first two already answer healthy when the
 * third starts. Any other fresh member started with state `new` would found a second cluster, or
 * rejoin with its data lost. The member list is read anonymously (etcd serves it without a user).
 */
export function refuseJoining(model: Model, member: string, dataRoot = ETCD_DATA_ROOT): Line[] {
  const me = model.dcs.members.find((m) => m.name === member);
  if (!me) throw new Error(`${member} is not a DCS member`);
  const myPeerUrl = `https://${me.ip}:${model.dcs.peerPort}`;
  // One JSON object per member; a member that has not started yet has published no client URLs (etcd 3.4 lists
  // its name, from the initial cluster).
  const awaited = `awaited_by() { ( unset ETCDCTL_USER; ETCDCTL_API=3 etcdctl --endpoints="https://$1:${model.dcs.clientPort}" --cacert="$work/etcd-ca.crt" --command-timeout=5s member list -w json ) 2>/dev/null | grep -o '{"ID":[^}]*}' | grep -F ${quote(`"${myPeerUrl}"`)} | grep -qv '"clientURLs"'; }`;
  const others = model.dcs.members.filter((o) => o !== me);
  const fresh = `fresh=no; [ -d ${quote(`${dataRoot}/${model.dcs.name}/member`)} ] || fresh=yes`;
  if (others.length === 0) return [fresh];
  return [
    fresh,
    { text: heredoc('cat >"$work/etcd-ca.crt.in"', pemPlaceholder(slot.tlsCa())), secrets: [slot.tlsCa()] },
    `${fillSecrets('"$work/etcd-ca.crt.in"')} >"$work/etcd-ca.crt"`,
    awaited,
    ...others
      .map(
        (o) =>
          `if [ $fresh = yes ] && ${healthy(o.ip)} && ! awaited_by ${o.ip}; then ${fail(`error: etcd member ${member} (${me.ip}) has no data, but the DCS ${model.dcs.name} already runs on ${o.name} (${o.ip}) without waiting for it. Adding a server to a running DCS is not supported: keep dcs.servers as deployed, or move the clusters to a new DCS whose servers are all new (SOP S12).`)}; fi`,
      ),
  ];
}

/**
 * One etcd member: TLS files and config, then (re)start on change and wait until it answers healthy.
 * The members' steps run one after another (components/infraNode.ts), so no two restart together.
 * A member without data whose DCS already runs elsewhere is refused: it would start a second
 * cluster of the same name (joining needs `etcdctl member add` first, which this program does not do).
 * A member of a new multi-member DCS starts without waiting: it is healthy only once a majority runs,
 * which the auth step waits for.
 */
export function etcdStep(model: Model, member: string): HostStep {
  const me = model.dcs.members.find((m) => m.name === member);
  if (!me) throw new Error(`${member} is not a DCS member`);
  const tls = serverCert("etcd");
  const files = [
    ...Object.entries(etcdFiles(model, member)).map(([path, content]) => ({ path, content })),
    ...etcdRootFiles(),
    { path: tls.cert, content: pemPlaceholder(slot.tlsCert("etcd", member)), owner: "etcd:etcd" },
    { path: tls.key, content: pemPlaceholder(slot.tlsKey("etcd", member)), owner: "etcd:etcd", mode: "0600" },
  ];
  const others = model.dcs.members.filter((m) => m !== me);
  const before = refuseJoining(model, member);
  const waitHealthy = [
    `for i in $(seq 1 60); do ${healthy(me.ip)} && break; sleep 1; done`,
    `${healthy(me.ip)} || ${fail(`error: etcd member ${member} is not healthy 60s after its start; see journalctl -u etcd`)}`,
  ];
  const always = ["systemctl enable -q etcd", "systemctl -q is-active etcd || systemctl start --no-block etcd"];
  if (others.length === 0) always.push(...waitHealthy);
  else always.push(`if [ $fresh = no ]; then`, ...waitHealthy.map((l) => `  ${l}`), "fi");
  // Debian starts etcd at install with its own config; a fresh member of a new DCS does not wait for a majority here.
  const restart = "if [ $fresh = yes ]; then systemctl restart --no-block etcd; else systemctl restart etcd; fi";
  return filesStep(`etcd member ${member}`, { before, files, onChange: [restart], always });
}

/**
 * Once every member is healthy: client authentication on, with the stack's root user (idempotent:
 * when it is on already, the root password is only checked).
 */
export function etcdAuthStep(model: Model): HostStep {
  const local = quote(`--endpoints=https://127.0.0.1:${model.dcs.clientPort}`);
  const anonymous = `etcd_anonymous() { ( unset ETCDCTL_USER; ETCDCTL_API=3 ETCDCTL_CACERT=${quote(CA_CERT)} exec etcdctl ${local} --command-timeout=5s "$@" ); }`;
  return hostStep(`client authentication of DCS ${model.dcs.name}`, [
    etcdRootFunction,
    anonymous,
    ...passwordFileLines(slot.etcdRoot(), '"$work/root.pw"'),
    ...model.dcs.members.flatMap((m) => [
      `for i in $(seq 1 120); do ${healthy(m.ip)} && break; sleep 1; done`,
      `${healthy(m.ip)} || ${fail(`error: etcd member ${m.name} (${m.ip}) is not healthy after 120s; see journalctl -u etcd on it`)}`,
    ]),
    "if etcd_anonymous user list >/dev/null 2>&1; then",
    "  etcd_anonymous role get root >/dev/null 2>&1 || etcd_anonymous role add root >/dev/null",
    '  if etcd_anonymous user get root >/dev/null 2>&1; then etcd_anonymous user passwd root <"$work/root.pw" >/dev/null; else etcd_anonymous user add root <"$work/root.pw" >/dev/null; fi',
    "  etcd_anonymous user grant-role root root >/dev/null",
    "  etcd_anonymous auth enable >/dev/null",
    `  ${sayWords(`client authentication enabled on DCS ${model.dcs.name}`)}`,
    "fi",
    `etcd_root ${local} user get root >/dev/null || ${fail(`error: client authentication is on in DCS ${model.dcs.name}, but it refuses this stack's root password. It was enabled by someone else: disable it there (etcdctl auth disable) or reset the DCS, then run pulumi up again.`)}`,
  ]);
}

/** Each file's install check: a file the check rejects is not installed, the previous one stays. */
const MONITORING_CHECKS: Record<string, string> = { [PROMETHEUS_YML]: "promtool check config", [ALERT_RULES]: "promtool check rules" };

/** Prometheus (file SD over a directory) with the alert rules, Alertmanager and the nginx front page. */
export function monitoringStep(model: Model): HostStep {
  const files = Object.entries(monitoringFiles(model)).map(([path, content]) => ({ path, content, check: MONITORING_CHECKS[path] }));
  const services = "prometheus prometheus-alertmanager nginx";
  return filesStep("monitoring on the infra node", {
    files,
    onChange: ["systemctl reload-or-restart prometheus nginx"],
    always: [
      `install -d -o prometheus -g prometheus ${quote(pgsqlTargetsDir(model))}`,
      `systemctl enable -q ${services}`,
      `systemctl -q is-active ${services} || systemctl start ${services}`,
    ],
  });
}

/**
 * SOP S12, first half, on the infra node: pauses the cluster through the DCS it leaves (so no member
 * fails over while they move one by one) and waits until every member reports the pause. The
 * members' config steps then restart Patroni onto the new DCS, leader first (steps/postgres.ts).
 */
const PAUSE_IN_OLD_DCS = hostProgram("pause-in-old-dcs.py");

/**
 * The cluster's state in the DCS. Creating it checks that the DCS answers and that no cluster of
 * that name already lives there which this stack did not create (SOP S1's guard for the DCS key);
 * a record on the infra node holds the DCS servers the cluster lives on, so later runs pass, and a
 * change of servers (S12) pauses the cluster in the old DCS first. Removing it (after every
 * member's Patroni is gone, since they depend on it) clears the cluster's keys: SOP S2 "last".
 */
export function dcsStateStep(model: Model, cluster: ClusterModel): HostStep {
  const endpoints = model.dcs.endpoints.join(",");
  const etcdctl = `etcd_root ${quote(`--endpoints=${etcdUrls(model)}`)}`;
  const prefix = `${PATRONI_NAMESPACE}${cluster.name}/`;
  const record = quote(`${DCS_CLAIMS_DIR}/${cluster.name}`);
  const user = quote(etcdUserOf(cluster.name));
  const refuse = cluster.flags.safeguard
    ? "pg_safeguard is on, so it is never cleaned"
    : `set clusters.${cluster.name}.vars.pg_clean: true to clear it (dangerous: that cluster's HA state is lost), then run pulumi up again`;
  const onFound = cluster.flags.clean && !cluster.flags.safeguard
    ? [`  ${sayWords(`pg_clean is set: clearing ${prefix} in the DCS`)}`, `  ${etcdctl} del --prefix ${quote(prefix)} >/dev/null`]
    : [`  ${fail(`error: the DCS at ${endpoints} already holds a cluster ${cluster.name} (keys under ${prefix}), which this stack did not create; nothing was changed. ${refuse}.`)}`];
  const always = [
    etcdRootFunction,
    `${etcdctl} endpoint health`,
    `was=$(cat ${record} 2>/dev/null || true)`,
    `if [ "$was" != ${quote(endpoints)} ] && [ -n "$(${etcdctl} get --prefix --keys-only ${quote(prefix)})" ]; then`,
    ...onFound,
    "fi",
    `if [ -n "$was" ] && [ "$was" != ${quote(endpoints)} ]; then`,
    `  ${sayWords(`moving ${cluster.name} from the DCS at `, expand('"$was"'), ` to ${endpoints}: pausing it first`)}`,
    heredoc('  cat >"$work/pause.py"', PAUSE_IN_OLD_DCS),
    `  (set -a; . ${quote(ETCD_ROOT_ENV)}; set +a; python3 "$work/pause.py" "$was" ${quote(prefix)} ${quote(CA_CERT)})`,
    "fi",
    // The cluster's Patroni gets its own etcd user, whose role reads and writes the cluster's keys only.
    ...passwordFileLines(slot.patroniEtcd(cluster.name), '"$work/etcd.pw"'),
    `${etcdctl} role get ${user} >/dev/null 2>&1 || ${etcdctl} role add ${user} >/dev/null`,
    `${etcdctl} role grant-permission ${user} --prefix=true readwrite ${quote(prefix)} >/dev/null`,
    `if ${etcdctl} user get ${user} >/dev/null 2>&1; then ${etcdctl} user passwd ${user} <"$work/etcd.pw" >/dev/null; else ${etcdctl} user add ${user} <"$work/etcd.pw" >/dev/null; fi`,
    `${etcdctl} user grant-role ${user} ${user} >/dev/null`,
    `install -d ${quote(DCS_CLAIMS_DIR)} && echo ${quote(endpoints)} >${record}`,
  ];
  return filesStep(`DCS state of ${cluster.name}`, {
    files: etcdRootFiles(),
    always,
    removal: [
      etcdRootFunction,
      `${etcdctl} del --prefix ${quote(prefix)} >/dev/null`,
      `${etcdctl} user delete ${user} >/dev/null 2>&1 || true`,
      `${etcdctl} role delete ${user} >/dev/null 2>&1 || true`,
      `rm -f ${record}`,
      sayWords(`cleared ${prefix} and the user ${etcdUserOf(cluster.name)} in the DCS`),
    ],
  });
}

/**
 * SOP S9: one target file per instance, created with it and removed with it. `resetLines` (S11,
 * steps/reset.ts) run before the file is written; a reset removes it, so it is written afresh.
 */
export function registerStep(model: Model, target: ScrapeTarget, reset: (actions: string[]) => string[] = () => []): HostStep {
  const path = fileSdPath(model, target);
  const files = Object.entries(targetFiles(model, target)).map(([p, content]) => ({ path: p, content }));
  const remove = `rm -f ${quote(path)}`;
  return filesStep(`Prometheus registration of ${target.instance}`, { before: reset([remove]), files, removal: [remove] });
}
