// pg_hba.conf per role: common rules plus the rules of the role (offline rules on offline-query members).
import type { HbaRuleModel, PgRole } from "../config/model";

/**
 * The rule groups that apply to an instance: `common` everywhere, `primary` on the primary,
 * `replica` on every non-primary, `offline` on pg_role offline or pg_offline_query members.
 * Order is the inventory's (pg_hba_rules, then pg_hba_rules_extra): the first matching line wins.
 */
export function hbaRulesFor(rules: HbaRuleModel[], role: PgRole, offlineQuery: boolean): HbaRuleModel[] {
  return rules.filter((r) => {
    switch (r.role) {
      case "common":
        return true;
      case "primary":
        return role === "primary";
      case "replica":
        return role !== "primary";
      case "offline":
        return role === "offline" || offlineQuery;
      default: {
        const unreachable: never = r.role;
        return unreachable;
      }
    }
  });
}

/** Rule groups as hba-file text: a `# title` comment above each group's lines. */
export function hbaText(header: string, rules: HbaRuleModel[]): string {
  const out = [header, ""];
  for (const r of rules) {
    if (r.title) out.push(`# ${r.title}`);
    out.push(...r.lines, "");
  }
  return out.join("\n");
}

/** Postgres HBA for one role of a cluster; rendered for every role so a role change only swaps files. */
export function renderPgHba(cluster: { name: string; hbaRules: HbaRuleModel[] }, role: PgRole, offlineQuery: boolean): string {
  const header = `# pg_hba.conf of cluster ${cluster.name}, role ${role}${offlineQuery ? " + offline query" : ""}. Rendered by pigsty-pulumi: edit pg_hba_rules in the inventory, not this file.`;
  return hbaText(header, hbaRulesFor(cluster.hbaRules, role, offlineQuery));
}
