// `npm run pg -- alerts`: pure parts. Alertmanager's API v2 answer (GET /api/v2/alerts) as rows, filtered by cluster.
import type { Model } from "../config/model";
import { table } from "./table";

/** The part of one Alertmanager API v2 alert the listing reads. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  status: { state: string; silencedBy?: string[]; inhibitedBy?: string[] };
}

/** One alert as listed. `state` is Alertmanager's: active (told), suppressed (inhibited or silenced), unprocessed. */
export interface AlertRow {
  alert: string;
  severity: string;
  cluster: string | null;
  instance: string | null;
  state: string;
  /** Why suppressed: `inhibited` (e.g. by NodeDown of the same member) or `silenced`; empty otherwise. */
  suppressedBy: string[];
  since: string;
  summary: string;
}

/** The remote command on the infra node: Alertmanager's own API over loopback, through curl (the infra node has it). */
export const alertsCommand = (model: Model): string[] => ["curl", "-fsS", "--max-time", "10", `http://127.0.0.1:${model.infra.alertmanagerPort}/api/v2/alerts`];

/** The alert rules Prometheus has loaded (GET /api/v1/rules?type=alert), through curl on the infra node. */
export const rulesCommand = (model: Model): string[] => ["curl", "-fsS", "--max-time", "10", `http://${model.infra.ip}:${model.infra.prometheusPort}/api/v1/rules?type=alert`];

/** How many alert rules in how many groups Prometheus' answer holds; a changed format fails here. */
export function ruleCount(text: string): { rules: number; groups: number } {
  let data: { status?: string; data?: { groups?: { rules?: unknown[] }[] } };
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`Prometheus' answer is not JSON: ${text.trim().slice(0, 200) || "(empty)"}`);
  }
  const groups = data.data?.groups;
  if (data.status !== "success" || !Array.isArray(groups)) throw new Error(`Prometheus' answer is not a list of rule groups: ${text.trim().slice(0, 200)}`);
  return { groups: groups.length, rules: groups.reduce((n, g) => n + (Array.isArray(g.rules) ? g.rules.length : 0), 0) };
}

/** The line above the listing: what Prometheus evaluates, so "no alerts" is never mistaken for "no rules". */
export const rulesLine = (count: { rules: number; groups: number }) =>
  count.rules === 0 ? "Prometheus has no alert rules loaded: nothing can fire (see /etc/prometheus/rules/ on the infra node)" : `Prometheus has ${count.rules} alert rule${count.rules === 1 ? "" : "s"} loaded (${count.groups} group${count.groups === 1 ? "" : "s"})`;

/** Alertmanager's answer, checked enough that a changed format fails here and not as `undefined` in a table. */
export function parseAlerts(text: string): ApiAlert[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`Alertmanager's answer is not JSON: ${text.trim().slice(0, 200) || "(empty)"}`);
  }
  const ok =
    Array.isArray(data) &&
    data.every((a: ApiAlert) => typeof a === "object" && a !== null && typeof a.labels?.alertname === "string" && typeof a.startsAt === "string" && typeof a.status?.state === "string");
  if (!ok) throw new Error(`Alertmanager's answer is not a list of alerts (API v2): ${text.trim().slice(0, 200)}`);
  return data as ApiAlert[];
}

/** The alerts of one cluster (label cls), or all of them; critical first, then by alert name, cluster and member. */
export function alertRows(alerts: ApiAlert[], cluster?: string): AlertRow[] {
  const rank = (s: string) => (s === "critical" ? 0 : s === "warning" ? 1 : 2);
  return alerts
    .filter((a) => cluster === undefined || a.labels.cls === cluster)
    .map((a) => ({
      alert: a.labels.alertname,
      severity: a.labels.severity ?? "",
      cluster: a.labels.cls ?? null,
      instance: a.labels.ins ?? a.labels.instance ?? null,
      state: a.status.state,
      suppressedBy: [...((a.status.inhibitedBy ?? []).length > 0 ? ["inhibited"] : []), ...((a.status.silencedBy ?? []).length > 0 ? ["silenced"] : [])],
      since: a.startsAt.replace(/\.\d+Z$/, "Z"),
      summary: a.annotations?.summary ?? "",
    }))
    .sort((x, y) => rank(x.severity) - rank(y.severity) || x.alert.localeCompare(y.alert) || (x.cluster ?? "").localeCompare(y.cluster ?? "") || (x.instance ?? "").localeCompare(y.instance ?? ""));
}

/** The rows as a table, or a line saying nothing fires. */
export function alertsText(rows: AlertRow[], cluster?: string): string {
  if (rows.length === 0) return `no alerts${cluster ? ` for ${cluster}` : ""}`;
  const state = (r: AlertRow) => (r.suppressedBy.length > 0 ? `${r.state} (${r.suppressedBy.join(", ")})` : r.state);
  return table(["Alert", "Severity", "Cluster", "Instance", "State", "Since (UTC)", "Summary"], rows.map((r) => [r.alert, r.severity, r.cluster ?? "", r.instance ?? "", state(r), r.since, r.summary]));
}
