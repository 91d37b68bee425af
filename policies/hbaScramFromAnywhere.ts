// hba-scram-from-anywhere: on stacks that require it, rules open to every address must use SCRAM and/or SSL.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters } from "./lib";

interface Config {
  requireScram?: boolean;
  requireSsl?: boolean;
}

const anywhere = new Set(["0.0.0.0/0", "::/0", "all"]);
const weakAuth = new Set(["password", "md5"]);

export const hbaScramFromAnywhere: ResourceValidationPolicy = {
  name: "hba-scram-from-anywhere",
  description: "HBA rules that accept any address use scram-sha-256 and hostssl when the stack requires it.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requireScram: { type: "boolean", default: false, description: "Reject password and md5 from any address." },
      requireSsl: { type: "boolean", default: false, description: "Reject non-hostssl rules from any address." },
    },
  },
  validateResource: forClusters<Config>((facts, config, _args, report) => {
    for (const rule of facts.hbaRules ?? []) {
      if (!rule?.addr || !anywhere.has(rule.addr.trim())) continue;
      if (config.requireScram && rule.auth !== undefined && weakAuth.has(rule.auth)) {
        report(
          `Cluster ${facts.cluster}: HBA rule "${rule.title ?? "?"}" uses ${rule.auth} from ${rule.addr} but this stack ` +
            "requires SCRAM; set auth: scram-sha-256 (and set those users' passwords again so they are stored as SCRAM).",
        );
      }
      if (config.requireSsl && rule.type !== undefined && rule.type !== "hostssl") {
        report(
          `Cluster ${facts.cluster}: HBA rule "${rule.title ?? "?"}" accepts ${rule.type} connections from ${rule.addr} ` +
            "but this stack requires SSL; use auth: ssl in the rule, or pg_hba_require_ssl: true for every remote rule.",
        );
      }
    }
  }),
};
