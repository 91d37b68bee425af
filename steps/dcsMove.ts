// SOP S12, second half, on each member: when patroni.yml names new DCS servers, restart Patroni onto them, leader first.
import { dcsOf, type ClusterModel, type DcsModel, type InstanceModel, type Model } from "../config/model";
import { PATRONI_YML } from "../render/paths";
import { PATRONI_NAMESPACE } from "../render/patroni";
import { etcdPatroniLines } from "./etcdClient";
import type { Line } from "./lines";
import { askPatroni } from "./patroniApi";
import { quote } from "./shell";
import { expand, fail, sayWords } from "./words";

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
 * Restarts Patroni against the new DCS. The leader goes first and writes the cluster into the new
 * DCS; any other member first waits until the leader is there, so it never finds an empty DCS and
 * races for leadership. Steps run in pg_role order (the configured primary first), so when the
 * actual leader is another member this one cannot wait for it, and stops with what to change.
 */
export function moveToNewDcs(model: Model, cluster: ClusterModel, instance: InstanceModel): Line[] {
  const dcs = dcsOf(model, cluster);
  const endpoints = dcs.endpoints.join(",");
  const newDcs = "etcd_patroni";
  const leaderKey = quote(`${PATRONI_NAMESPACE}${cluster.name}/leader`);
  const me = quote(instance.name);
  const [c, i] = [cluster.name, instance.name];
  return [
    ...etcdPatroniLines(dcs, cluster.name),
    `${askPatroni("is-paused")} || ${fail(`error: the DCS servers of ${c} changed but ${i} is not paused, so restarting its Patroni could fail over; the ${c}-dcs step pauses the cluster first: run pulumi up again`)}`,
    `leader=$(${askPatroni("leader")} || true)`,
    `if [ "$leader" != ${me} ]; then`,
    `  for i in $(seq 1 90); do [ -n "$(${newDcs} get ${leaderKey} --print-value-only 2>/dev/null)" ] && break; sleep 2; done`,
    `  [ -n "$(${newDcs} get ${leaderKey} --print-value-only 2>/dev/null)" ] || ${fail(
      "error: waited 180s for the leader (",
      expand('"${leader:-unknown}"'),
      `) to move to the new DCS first. pg_role names another primary, so ${i} went first; set pg_role: primary on `,
      expand('"${leader:-the leader}"'),
      " (the preview's drift warning says the same), then run pulumi up again.",
    )}`,
    "fi",
    sayWords(`restarting Patroni onto the DCS at ${endpoints} (was `, expand('"$old_dcs"'), ")"),
    "systemctl restart patroni",
    `for i in $(seq 1 90); do s=$(${askPatroni("state")} 2>/dev/null || true); [ "$s" = running ] && [ -n "$(${newDcs} get ${leaderKey} --print-value-only 2>/dev/null)" ] && break; sleep 2; done`,
    `[ "$s" = running ] || ${fail(`error: ${i} is not running 180s after moving to the new DCS (state: `, expand('"$s"'), "); see journalctl -u patroni")}`,
    sayWords(`${i} runs on the new DCS`),
  ];
}
