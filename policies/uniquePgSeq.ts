// unique-pg-seq: pg_seq names the instance (<cluster>-<seq>), so two members with one seq would collide.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { MemberFact } from "../config/facts";
import { Maybe, forClusters, names } from "./lib";

export const uniquePgSeq: ResourceValidationPolicy = {
  name: "unique-pg-seq",
  description: "Every member of a PostgreSQL cluster has its own pg_seq.",
  enforcementLevel: "mandatory",
  validateResource: forClusters((facts, _config, _args, report) => {
    const bySeq = new Map<number, Maybe<MemberFact>[]>();
    for (const m of facts.members ?? []) {
      if (m?.seq === undefined) continue;
      bySeq.set(m.seq, [...(bySeq.get(m.seq) ?? []), m]);
    }
    for (const [seq, same] of bySeq) {
      if (same.length < 2) continue;
      report(
        `Cluster ${facts.cluster} uses pg_seq ${seq} for ${same.length} members (${names(same)}); ` +
          "give each member a pg_seq of its own (instance and Patroni member names derive from it).",
      );
    }
  }),
};
