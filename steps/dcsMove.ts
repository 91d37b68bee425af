// SOP S12, second half, on each member: when patroni.yml names new DCS servers, restart Patroni onto them, leader first.
import { dcsOf, type ClusterModel, type DcsModel, type InstanceModel, type Model } from "../config/model";
import { PATRONI_YML } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { etcdPatroniLines } from "./etcdClient";
import type { Line } from "./lines";
import { quote } from "./shell";

/**
 * Before the new patroni.yml is installed: the DCS servers the running Patroni uses now. An earlier
 * attempt that installed the file but failed before Patroni moved left them in a record beside the
 * step's pending record (steps/installFiles.ts), which the step removes once it succeeds.
 */
export const rememberDcs = [
  'if [ -s "$pending.old-dcs" ]; then old_dcs=$(cat "$pending.old-dcs"); else',
  `  old_dcs=$(python3 -c 'import sys,yaml; print(",".join(yaml.safe_load(open(sys.argv[1]))["etcd3"]["hosts"]))' ${quote(PATRONI_YML)} 2>/dev/null || true)`,
  '  echo "$old_dcs" >"$pending.old-dcs"',
  "fi",
].join("\n");

/**
 * After it is installed: true (exit 0) when the servers changed, so Patroni must restart, not reload.
 * The cluster's DCS state step has paused the cluster in the old DCS by now, so no member fails over.
 */
export const dcsChanged = (dcs: DcsModel) => `[ -n "$old_dcs" ] && [ "$old_dcs" != ${quote(dcs.endpoints.join(","))} ]`;

/**
 * Restarts Patroni against the new DCS (the step library's dcs_move): the leader first, any other member once the
 * leader is there.
 */
export function moveToNewDcs(model: Model, cluster: ClusterModel, instance: InstanceModel): Line[] {
  const dcs = dcsOf(model, cluster);
  const args = [cluster.name, instance.name, `${PATRONI_NAMESPACE}${cluster.name}/leader`, dcs.endpoints.join(",")];
  return [...etcdPatroniLines(dcs, cluster.name), `dcs_move ${args.map(quote).join(" ")} "$old_dcs"`];
}
