// in-place-restore-acknowledged: restoring a deployed cluster in place loses every write after the target.
import { acknowledgedChangeRule } from "./lib";

export const inPlaceRestoreAcknowledged = acknowledgedChangeRule(
  "in-place-restore-acknowledged",
  "A deployed cluster is restored in place (pg_pitr naming itself) only when its config acknowledges the loss of later writes.",
  "inPlaceRestore",
  (restore, cluster) =>
    `Cluster ${cluster} is restored in place to ${restore.target ?? "its target"} (pg_pitr.restore ${restore.number ?? "?"}): every write after it is lost ` +
    `and its members stop during the restore. Set clusters.${cluster}.vars.pg_pitr.data_loss_acknowledged: true to go ahead, ` +
    "or restore into a new cluster instead (pg_pitr on a cluster with other hosts).",
);
