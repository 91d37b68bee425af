// Cluster steps that act through Patroni's REST API: dynamic configuration (S3, maintenance) and switchover to intent (S10).
import { dcsOf, type ClusterModel, type Model } from "../config/model";
import { PATRONI_HELPER } from "../render/paths";
import { patroniDcsConfig } from "../render/patroni";
import { heredoc, quote } from "./shell";
import { afterRestoreNote } from "./reset";
import { hostStep, type HostStep } from "./step";

/**
 * A call of the host-side Patroni helper (render/host/pigsty-patroni.py), which each member's config
 * step installs. It reads the API's port, CA and credentials from patroni.yml: no secret on stdin or a command line.
 */
export const askPatroni = (...args: string[]) => [PATRONI_HELPER, ...args].map(quote).join(" ");

/** Runs a helper command whose lines say what changed: they reach the command's output through say (and the log). */
const reporting = (command: string) => `${command} | while IFS= read -r line; do say "$line"; done`;

/**
 * Makes Patroni's dynamic configuration match the model (PATCH /config only when it differs), then
 * restarts members that report a pending restart one by one, replicas first, unless the cluster is
 * paused (maintenance), in which case they are only listed.
 */
export function dynamicConfigStep(model: Model, cluster: ClusterModel): HostStep {
  // The DCS servers are named so that after a move (S12) this runs again: it resumes the cluster
  // (the move paused it) and writes the whole configuration into the new DCS.
  // Said in the script, so the preview's diff of this step shows it next to the parameters that cause it.
  const restartNote = cluster.backup
    ? ["# WAL archiving (archive_mode on): on a member where it was off, Postgres restarts once, replicas first, the leader last (a switchover-free restart)."]
    : [];
  return hostStep(`Patroni dynamic configuration of ${cluster.name} in the DCS at ${dcsOf(model, cluster).endpoints.join(",")}`, [
    ...restartNote,
    ...afterRestoreNote(cluster),
    heredoc('cat >"$work/desired.json"', JSON.stringify(patroniDcsConfig(cluster))),
    reporting(`${askPatroni("apply-config")} "$work/desired.json"`),
  ]);
}

/**
 * Makes the leader the member that config names as primary. It switches over only when that intent
 * changed since the last switchover, so an unplanned failover is never undone by an unrelated `up`
 * (the helper's switchover-to; it also handles synchronous mode). Its removal happens only with the
 * whole cluster's: it marks the cluster, so the leader's own removal does not refuse.
 */
export function intendedLeaderStep(cluster: ClusterModel): HostStep {
  return hostStep(`leader of ${cluster.name} is ${cluster.primary.name}`, [reporting(askPatroni("switchover-to", cluster.primary.name))], [reporting(askPatroni("mark-removal"))]);
}
