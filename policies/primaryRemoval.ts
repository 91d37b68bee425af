// primary-removal-needs-switchover: removing the primary while replicas stay would force an unplanned failover.
import { mandatoryClusterRule } from "./lib";

export const primaryRemoval = mandatoryClusterRule(
  "primary-removal-needs-switchover",
  "The primary of a cluster is only removed after its replicas, or after a switchover to one of them.",
  (facts) => {
    const removal = facts.primaryRemoval;
    // The program sets this fact only when it saw the previous primary vanish from config while others remain.
    if (!removal?.instance) return undefined;
    // Nothing remaining means the whole cluster goes, which is the SOP's normal order (replicas first).
    if (removal.remaining?.length === 0) return undefined;
    const remaining = removal.remaining?.map((n) => n ?? "?").join(", ") ?? "other members";
    return (
      `Cluster ${facts.cluster} removes its primary ${removal.instance} while ${remaining} remain; ` +
      `switch over first (set pg_role: primary on a remaining member and run pulumi up), then remove ${removal.instance}.`
    );
  },
);
