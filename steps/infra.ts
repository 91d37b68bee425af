// Host steps of the infra node and the DCS servers: etcd, Prometheus/Alertmanager/nginx, per-instance registration.
import type { ClusterModel, Model, ScrapeTarget } from "../config/model";
import { renderEtcdEnv } from "../render/etcd";
import { renderFrontPage } from "../render/nginx";
import { ETCD_DEFAULTS, PROMETHEUS_YML } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { fileSdPath, pgsqlTargetsDir, renderFileSdTarget, renderPrometheusYml } from "../render/prometheus";
import { heredoc, quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";
import { expand, fail, sayWords } from "./words";

/** One etcd member: config, (re)start on change, then wait until the member answers healthy. */
export function etcdStep(model: Model, member: string): HostStep {
  const local = quote(`--endpoints=http://127.0.0.1:${model.dcs.clientPort}`);
  return filesStep(`etcd member ${member}`, [{ path: ETCD_DEFAULTS, content: renderEtcdEnv(model, member) }], ["systemctl restart etcd"], [
    "systemctl enable -q etcd",
    "systemctl -q is-active etcd || systemctl start etcd",
    `for i in $(seq 1 60); do ETCDCTL_API=3 etcdctl ${local} endpoint health >/dev/null 2>&1 && break; sleep 1; done`,
    `ETCDCTL_API=3 etcdctl ${local} endpoint health`,
  ]);
}

/** Prometheus (file SD over a directory), Alertmanager and the nginx front page. */
export function monitoringStep(model: Model): HostStep {
  const files = [
    { path: PROMETHEUS_YML, content: renderPrometheusYml(model), check: "promtool check config" },
    { path: "/var/www/html/index.html", content: renderFrontPage(model) },
  ];
  const services = "prometheus prometheus-alertmanager nginx";
  return filesStep("monitoring on the infra node", files, ["systemctl reload-or-restart prometheus nginx"], [
    `install -d -o prometheus -g prometheus ${quote(pgsqlTargetsDir(model))}`,
    `systemctl enable -q ${services}`,
    `systemctl -q is-active ${services} || systemctl start ${services}`,
  ]);
}

const CLAIMED_DIR = "/var/lib/pigsty/dcs";

/**
 * SOP S12, first half, on the infra node: pauses the cluster through the DCS it leaves (so no member
 * fails over while they move one by one) and waits until every member reports the pause. The
 * members' config steps then restart Patroni onto the new DCS, leader first (steps/postgres.ts).
 */
const PAUSE_IN_OLD_DCS = `import json, os, subprocess, sys, time, urllib.request
old, prefix = sys.argv[1], sys.argv[2]
def etcd(*args):
    r = subprocess.run(["etcdctl", "--endpoints=" + old, "--command-timeout=5s", *args], env={**os.environ, "ETCDCTL_API": "3"}, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("error: the DCS being left (%s) does not answer: %s. Without it the cluster cannot be paused for the move; if it is gone for good, Patroni has already demoted the leader: see the README (S12)." % (old, r.stderr.strip()))
    return r.stdout
config = json.loads(etcd("get", prefix + "config", "--print-value-only") or "{}")
if not config.get("pause"):
    config["pause"] = True
    etcd("put", prefix + "config", json.dumps(config, separators=(",", ":")))
    print("paused the cluster in the DCS being left")
urls = [json.loads(v)["api_url"] for v in etcd("get", "--prefix", prefix + "members/", "--print-value-only").splitlines() if v.strip()]
deadline = time.time() + 60
for url in urls:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if json.load(r).get("pause"):
                    break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("error: %s did not report the pause within 60s; nothing was moved yet, run pulumi up again" % url)
        time.sleep(1)
print("%d members paused" % len(urls))
`;

/**
 * The cluster's state in the DCS. Creating it checks that the DCS answers and that no cluster of
 * that name already lives there which this stack did not create (SOP S1's guard for the DCS key);
 * a record on the infra node holds the DCS servers the cluster lives on, so later runs pass, and a
 * change of servers (S12) pauses the cluster in the old DCS first. Removing it (after every
 * member's Patroni is gone, since they depend on it) clears the cluster's keys: SOP S2 "last".
 */
export function dcsStateStep(model: Model, cluster: ClusterModel): HostStep {
  const endpoints = model.dcs.endpoints.join(",");
  const etcdctl = `ETCDCTL_API=3 etcdctl ${quote(`--endpoints=${endpoints}`)} --command-timeout=5s`;
  const prefix = `${PATRONI_NAMESPACE}${cluster.name}/`;
  const record = quote(`${CLAIMED_DIR}/${cluster.name}`);
  const refuse = cluster.flags.safeguard
    ? "pg_safeguard is on, so it is never cleaned"
    : `set clusters.${cluster.name}.vars.pg_clean: true to clear it (dangerous: that cluster's HA state is lost), then run pulumi up again`;
  const onFound = cluster.flags.clean && !cluster.flags.safeguard
    ? [`  ${sayWords(`pg_clean is set: clearing ${prefix} in the DCS`)}`, `  ${etcdctl} del --prefix ${quote(prefix)} >/dev/null`]
    : [`  ${fail(`error: the DCS at ${endpoints} already holds a cluster ${cluster.name} (keys under ${prefix}), which this stack did not create; nothing was changed. ${refuse}.`)}`];
  return hostStep(`DCS state of ${cluster.name}`, [
    `${etcdctl} endpoint health`,
    `was=$(cat ${record} 2>/dev/null || true)`,
    `if [ "$was" != ${quote(endpoints)} ] && [ -n "$(${etcdctl} get --prefix --keys-only ${quote(prefix)})" ]; then`,
    ...onFound,
    "fi",
    `if [ -n "$was" ] && [ "$was" != ${quote(endpoints)} ]; then`,
    `  ${sayWords(`moving ${cluster.name} from the DCS at `, expand('"$was"'), ` to ${endpoints}: pausing it first`)}`,
    heredoc('  cat >"$work/pause.py"', PAUSE_IN_OLD_DCS),
    `  python3 "$work/pause.py" "$was" ${quote(prefix)}`,
    "fi",
    `install -d ${quote(CLAIMED_DIR)} && echo ${quote(endpoints)} >${record}`,
  ], [`${etcdctl} del --prefix ${quote(prefix)} >/dev/null`, `rm -f ${record}`, sayWords(`cleared ${prefix} in the DCS`)]);
}

/**
 * SOP S9: one target file per instance, created with it and removed with it. `resetLines` (S11,
 * steps/reset.ts) run before the file is written; a reset removes it, so it is written afresh.
 */
export function registerStep(model: Model, target: ScrapeTarget, reset: (actions: string[]) => string[] = () => []): HostStep {
  const path = fileSdPath(model, target);
  const file = { path, content: renderFileSdTarget(target) };
  return filesStep(`Prometheus registration of ${target.instance}`, [file], [], [], [`rm -f ${quote(path)}`], reset([`rm -f ${quote(path)}`]));
}
