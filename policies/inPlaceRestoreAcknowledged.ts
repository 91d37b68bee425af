// in-place-restore-acknowledged: restoring a deployed cluster in place loses every write after the target.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters } from "./lib";

export const inPlaceRestoreAcknowledged: ResourceValidationPolicy = {
  name: "in-place-restore-acknowledged",
  description: "A deployed cluster is restored in place (pg_pitr naming itself) only when its config acknowledges the loss of later writes.",
  enforcementLevel: "mandatory",
  validateResource: forClusters((facts, _config, _args, report) => {
    const restore = facts.inPlaceRestore;
    if (!restore || restore.acknowledged === true) return;
    report(
      `Cluster ${facts.cluster} is restored in place to ${restore.target ?? "its target"} (pg_pitr.restore ${restore.number ?? "?"}): every write after it is lost ` +
        `and its members stop during the restore. Set clusters.${facts.cluster}.vars.pg_pitr.data_loss_acknowledged: true to go ahead, ` +
        "or restore into a new cluster instead (pg_pitr on a cluster with other hosts).",
    );
  }),
};
