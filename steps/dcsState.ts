// The cluster scope's step on the infra node: the cluster's state in the DCS (SOP S1's guard, S2's cleanup, S12's move).
import { dcsOf, type ClusterModel, type Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { etcdUserOf } from "../render/etcd";
import { inLibrary } from "../render/hostLibrary";
import { DCS_CLAIMS_DIR } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { CA_CERT } from "../render/tls";
import { etcdRootFiles, etcdRootFunction, etcdUrls, passwordFileLines, patroniEtcdEnvLines } from "./etcdClient";
import { quote } from "./shell";
import { indentLine } from "./lines";
import { filesStep, type HostStep } from "./step";
import { expand, fail, sayWords } from "./words";

/**
 * SOP S12, first half, on the infra node: pauses the cluster through the DCS it leaves (so no member
 * fails over while they move one by one) and waits until every member reports the pause. The
 * members' config steps then restart Patroni onto the new DCS, leader first (steps/postgres.ts).
 * It acts as the cluster's Patroni user, which reaches the cluster's keys in whichever DCS of the stack the
 * cluster leaves (the stack's or a cluster's own, each with its own root password) with the same password.
 */

/**
 * The cluster's state in the DCS. Creating it checks that the DCS answers and that no cluster of
 * that name already lives there which this stack did not create (SOP S1's guard for the DCS key);
 * a record on the infra node holds the DCS servers the cluster lives on, so later runs pass, and a
 * change of servers (S12) pauses the cluster in the old DCS first. Removing it (after every
 * member's Patroni is gone, since they depend on it) clears the cluster's keys: SOP S2 "last".
 * The DCS is the cluster's own when it has one (clusters.<c>.dcs), else the stack's.
 */
export function dcsStateStep(model: Model, cluster: ClusterModel): HostStep {
  const dcs = dcsOf(model, cluster);
  const endpoints = dcs.endpoints.join(",");
  const etcdctl = `etcd_root ${quote(`--endpoints=${etcdUrls(dcs)}`)}`;
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
    etcdRootFunction(dcs),
    `${etcdctl} endpoint health`,
    `was=$(cat ${record} 2>/dev/null || true)`,
    `if [ "$was" != ${quote(endpoints)} ] && [ -n "$(${etcdctl} get --prefix --keys-only ${quote(prefix)})" ]; then`,
    ...onFound,
    "fi",
    `if [ -n "$was" ] && [ "$was" != ${quote(endpoints)} ]; then`,
    `  ${sayWords(`moving ${cluster.name} from the DCS at `, expand('"$was"'), ` to ${endpoints}: pausing it first`)}`,
    ...patroniEtcdEnvLines(cluster.name, CA_CERT).map((l) => indentLine(l, "  ")),
    `  (set -a; . "$work/etcd.env"; set +a; python3 ${inLibrary("pause-in-old-dcs.py")} "$was" ${quote(prefix)} ${quote(CA_CERT)})`,
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
    files: etcdRootFiles(dcs),
    always,
    removal: [
      etcdRootFunction(dcs),
      `${etcdctl} del --prefix ${quote(prefix)} >/dev/null`,
      `${etcdctl} user delete ${user} >/dev/null 2>&1 || true`,
      `${etcdctl} role delete ${user} >/dev/null 2>&1 || true`,
      `rm -f ${record}`,
      sayWords(`cleared ${prefix} and the user ${etcdUserOf(cluster.name)} in the DCS`),
    ],
  });
}
