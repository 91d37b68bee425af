// synchronous-mode-in-patroni: synchronous_mode is Patroni's setting; as a Postgres parameter it does nothing useful.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters, known } from "./lib";

// Patroni-only knobs that users put among Postgres parameters by mistake (SOP S3).
const patroniOnly = ["synchronous_mode", "synchronous_mode_strict"];

export const syncModeInPatroni: ResourceValidationPolicy = {
  name: "synchronous-mode-in-patroni",
  description: "synchronous_mode is set in the cluster's Patroni settings, never as a Postgres parameter.",
  enforcementLevel: "mandatory",
  validateResource: forClusters((facts, _config, args, report) => {
    // Keys come from the raw props: the key is the mistake even while its value is unknown at preview.
    const keys = known(() => Object.keys(args.props.pgParameters ?? {})) ?? [];
    for (const key of patroniOnly) {
      if (!keys.includes(key)) continue;
      report(
        `Cluster ${facts.cluster} sets ${key} as a Postgres parameter; it is a Patroni setting: ` +
          `move it from the cluster's Postgres parameters to its Patroni settings (patroni.${key}).`,
      );
    }
  }),
};
