// Host steps of the infra scope: each etcd member, the DCS's client authentication, and monitoring on the infra node.
import { dcsPath, ETCD_METRICS_PORT, SCRAPE_JOBS, type DcsModel, type Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { etcdFiles, monitoringFiles } from "../render/files";
import { NGINX_SITE } from "../render/nginx";
import { ALERT_RULES, ALERTMANAGER_DEFAULTS, ALERTMANAGER_YML, ETCD_DATA_ROOT, PROMETHEUS_CA, PROMETHEUS_YML } from "../render/paths";
import { targetsDir } from "../render/prometheus";
import { CA_CERT, serverCert } from "../render/tls";
import { etcdRootFiles, etcdRootFunction, etcdRootSlot, passwordFileLines, pemPlaceholder } from "./etcdClient";
import { fillSecrets, type FileSpec } from "./installFiles";
import type { Line } from "./lines";
import { heredoc, quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";
import { fail, sayWords } from "./words";

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
export function refuseJoining(dcs: DcsModel, member: string, dataRoot = ETCD_DATA_ROOT): Line[] {
  const me = dcs.members.find((m) => m.name === member);
  if (!me) throw new Error(`${member} is not a DCS member`);
  const myPeerUrl = `https://${me.ip}:${dcs.peerPort}`;
  // One JSON object per member; a member that has not started yet has published no client URLs (etcd 3.4 lists
  // its name, from the initial cluster).
  const awaited = `awaited_by() { ( unset ETCDCTL_USER; ETCDCTL_API=3 etcdctl --endpoints="https://$1:${dcs.clientPort}" --cacert="$work/etcd-ca.crt" --command-timeout=5s member list -w json ) 2>/dev/null | grep -o '{"ID":[^}]*}' | grep -F ${quote(`"${myPeerUrl}"`)} | grep -qv '"clientURLs"'; }`;
  const others = dcs.members.filter((o) => o !== me);
  const fresh = `fresh=no; [ -d ${quote(`${dataRoot}/${dcs.name}/member`)} ] || fresh=yes`;
  if (others.length === 0) return [fresh];
  return [
    fresh,
    { text: heredoc('cat >"$work/etcd-ca.crt.in"', pemPlaceholder(slot.tlsCa())), secrets: [slot.tlsCa()] },
    `${fillSecrets('"$work/etcd-ca.crt.in"')} >"$work/etcd-ca.crt"`,
    awaited,
    ...others
      .map(
        (o) =>
          `if [ $fresh = yes ] && ${healthy(o.ip)} && ! awaited_by ${o.ip}; then ${fail(`error: etcd member ${member} (${me.ip}) has no data, but the DCS ${dcs.name} already runs on ${o.name} (${o.ip}) without waiting for it. Adding a server to a running DCS is not supported: keep ${dcsPath(dcs)}.servers as deployed, or move the clusters to a new DCS whose servers are all new (SOP S12).`)}; fi`,
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
export function etcdStep(dcs: DcsModel, member: string): HostStep {
  const me = dcs.members.find((m) => m.name === member);
  if (!me) throw new Error(`${member} is not a DCS member`);
  const tls = serverCert("etcd");
  const files = [
    ...Object.entries(etcdFiles(dcs, member)).map(([path, content]) => ({ path, content })),
    ...etcdRootFiles(dcs),
    { path: tls.cert, content: pemPlaceholder(slot.tlsCert("etcd", member)), owner: "etcd:etcd" },
    { path: tls.key, content: pemPlaceholder(slot.tlsKey("etcd", member)), owner: "etcd:etcd", mode: "0600" },
  ];
  const others = dcs.members.filter((m) => m !== me);
  const before = refuseJoining(dcs, member);
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
 * Once every member is healthy: client authentication on, with the DCS's root user (idempotent:
 * when it is on already, the root password is only checked). Each DCS has its own root password.
 */
export function etcdAuthStep(dcs: DcsModel): HostStep {
  const local = quote(`--endpoints=https://127.0.0.1:${dcs.clientPort}`);
  const anonymous = `etcd_anonymous() { ( unset ETCDCTL_USER; ETCDCTL_API=3 ETCDCTL_CACERT=${quote(CA_CERT)} exec etcdctl ${local} --command-timeout=5s "$@" ); }`;
  return hostStep(`client authentication of DCS ${dcs.name}`, [
    etcdRootFunction(dcs),
    anonymous,
    ...passwordFileLines(etcdRootSlot(dcs), '"$work/root.pw"'),
    ...dcs.members.flatMap((m) => [
      `for i in $(seq 1 120); do ${healthy(m.ip)} && break; sleep 1; done`,
      `${healthy(m.ip)} || ${fail(`error: etcd member ${m.name} (${m.ip}) is not healthy after 120s; see journalctl -u etcd on it`)}`,
    ]),
    "if etcd_anonymous user list >/dev/null 2>&1; then",
    "  etcd_anonymous role get root >/dev/null 2>&1 || etcd_anonymous role add root >/dev/null",
    '  if etcd_anonymous user get root >/dev/null 2>&1; then etcd_anonymous user passwd root <"$work/root.pw" >/dev/null; else etcd_anonymous user add root <"$work/root.pw" >/dev/null; fi',
    "  etcd_anonymous user grant-role root root >/dev/null",
    "  etcd_anonymous auth enable >/dev/null",
    `  ${sayWords(`client authentication enabled on DCS ${dcs.name}`)}`,
    "fi",
    `etcd_root ${local} user get root >/dev/null || ${fail(`error: client authentication is on in DCS ${dcs.name}, but it refuses this stack's root password. It was enabled by someone else: disable it there (etcdctl auth disable) or reset the DCS, then run pulumi up again.`)}`,
  ]);
}

/** Each file's install check: a file the check rejects is not installed, the previous one stays. */
const MONITORING_CHECKS: Record<string, string> = {
  [PROMETHEUS_YML]: "promtool check config",
  [ALERT_RULES]: "promtool check rules",
  [ALERTMANAGER_YML]: "amtool check-config",
  [NGINX_SITE]: "nginx_site_check",
};
/** Files with secrets (the receivers' URL and password): readable by the services' user only. */
const MONITORING_MODES: Record<string, Pick<FileSpec, "mode" | "owner">> = { [ALERTMANAGER_YML]: { mode: "0640", owner: "root:prometheus" } };

/**
 * `nginx_site_check FILE`: nginx -t on a configuration that holds only the candidate site, so that a site the
 * running configuration would reject is never installed.
 */
const NGINX_SITE_CHECK = `nginx_site_check() { printf 'events {}\nhttp {\n  include /etc/nginx/mime.types;\n  include %s;\n}\n' "$1" >"$work/nginx-check.conf"; nginx -t -q -c "$work/nginx-check.conf"; }`;

/** Debian's default site serves the same port as ours (default_server on both): it goes. */
const DEBIAN_DEFAULT_SITE = "/etc/nginx/sites-enabled/default";

/**
 * Prometheus (file SD over directories, Patroni's /metrics with the stack's CA) with the alert rules, Alertmanager
 * with the stack's receivers, the blackbox exporter that probes pgbouncer, nginx's site (the APIs the dashboards read)
 * and the front page. A changed unit setting restarts Alertmanager; a changed config reloads it.
 */
export function monitoringStep(model: Model): HostStep {
  const rendered = Object.entries(monitoringFiles(model)).map(([path, content]) => ({ path, content, check: MONITORING_CHECKS[path], ...MONITORING_MODES[path] }));
  const files: FileSpec[] = [...rendered, { path: PROMETHEUS_CA, content: pemPlaceholder(slot.tlsCa()) }];
  const services = "prometheus prometheus-alertmanager prometheus-blackbox-exporter nginx";
  const dropDefault = `if [ -L ${DEBIAN_DEFAULT_SITE} ]; then rm -f ${DEBIAN_DEFAULT_SITE} && echo ${DEBIAN_DEFAULT_SITE} >>"$pending" && say "disabled Debian's default nginx site"; fi`;
  return filesStep("monitoring on the infra node", {
    before: [NGINX_SITE_CHECK, dropDefault],
    files,
    onChange: [
      "systemctl reload-or-restart prometheus nginx",
      `if grep -qxF ${quote(ALERTMANAGER_DEFAULTS)} "$pending"; then systemctl restart prometheus-alertmanager; else systemctl reload-or-restart prometheus-alertmanager; fi`,
    ],
    always: [
      ...SCRAPE_JOBS.map((job) => `install -d -o prometheus -g prometheus ${quote(targetsDir(model, job))}`),
      `systemctl enable -q ${services}`,
      `systemctl -q is-active ${services} || systemctl start ${services}`,
    ],
  });
}
