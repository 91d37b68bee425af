// hba-no-remote-trust: `trust` lets anyone who reaches the port in as any role, acceptable only on the host itself.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { HbaRuleFact } from "../config/facts";
import { isLoopback } from "../config/hbaLine";
import { Maybe, forClusters } from "./lib";

/** True for rules that only match connections from the host itself: unix sockets and loopback addresses. */
export function isLocalRule(rule: Maybe<HbaRuleFact>): boolean {
  const addr = (rule.addr ?? "").trim();
  return rule.type === "local" || addr === "" || isLoopback(addr);
}

export const hbaNoRemoteTrust: ResourceValidationPolicy = {
  name: "hba-no-remote-trust",
  description: "HBA rules never use trust authentication for connections that can come from another host.",
  enforcementLevel: "mandatory",
  validateResource: forClusters((facts, _config, _args, report) => {
    for (const rule of facts.hbaRules ?? []) {
      // An unknown address or method cannot be judged yet; the real value is checked at `up`.
      if (rule?.auth !== "trust" || rule.addr === undefined || rule.type === undefined) continue;
      if (isLocalRule(rule)) continue;
      report(
        `Cluster ${facts.cluster}: HBA rule "${rule.title ?? "?"}" trusts ${rule.addr}; ` +
          "use scram-sha-256 for network addresses (trust is only acceptable on local sockets and loopback).",
      );
    }
  }),
};
