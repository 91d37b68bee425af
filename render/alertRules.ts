// The Prometheus rule file of the infra node: one default group at the fleet's thresholds, one group per cluster that overrides some.
import { stringify } from "yaml";
import type { Model } from "../config/model";
import { ALERTS, type AlertDefinition, type Matcher } from "./alertDefinitions";

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string };
}

const matcher =
  (cluster: string): Matcher =>
  (...extra) => {
    const all = [cluster, ...extra].filter((x) => x !== "");
    return all.length === 0 ? "" : `{${all.join(",")}}`;
  };

const rule = (a: AlertDefinition, expr: string): Rule => ({ alert: a.alert, expr, for: a.for, labels: { severity: a.severity }, annotations: { summary: a.summary } });

/** The clusters whose threshold for this alert is not the fleet's (sorted, as the model's clusters are). */
function overriding(model: Model, a: AlertDefinition): string[] {
  const key = a.threshold;
  if (a.scope === "fleet" || key === undefined) return [];
  return model.clusters.filter((c) => c.alerts[key] !== model.alertDefaults[key]).map((c) => c.name);
}

export function renderAlertRules(model: Model): string {
  const defaults = ALERTS.map((a) => {
    const others = overriding(model, a);
    // Cluster names are [a-z0-9-]: safe in a regular expression as they are.
    return rule(a, a.expr(model.alertDefaults, matcher(others.length === 0 ? "" : `cls!~"${others.join("|")}"`)));
  });
  const perCluster = model.clusters
    .map((c) => ({ name: `pigsty-${c.name}`, rules: ALERTS.filter((a) => overriding(model, a).includes(c.name)).map((a) => rule(a, a.expr(c.alerts, matcher(`cls="${c.name}"`)))) }))
    .filter((g) => g.rules.length > 0);
  const groups = [{ name: "pigsty", rules: defaults }, ...perCluster];
  return "# Alert rules of the pigsty-pulumi fleet (README, \"Monitoring and alerts\"). Rendered by pigsty-pulumi.\n" + stringify({ groups }, { lineWidth: 0, version: "1.1" });
}
