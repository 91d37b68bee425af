// `npm run pg -- alerts`: Alertmanager's API v2 answer as rows (filtered by cluster), its table, the arguments.
import { alertRows, alertsCommand, alertsText, parseAlerts, ruleCount, rulesLine, type ApiAlert } from "../../operator/alerts";
import { parseArgs, helpFor } from "../../operator/args";
import { pgTest } from "../helpers/inventoryFixtures";

const alert = (labels: Record<string, string>, state = "active", inhibitedBy: string[] = []): ApiAlert => ({
  labels,
  annotations: { summary: `${labels.alertname} summary` },
  startsAt: "2026-12-03T10:15:02.123456789Z",
  status: { state, silencedBy: [], inhibitedBy },
});
const ANSWER: ApiAlert[] = [
  alert({ alertname: "PostgresReplicaMissing", cls: "pg-test", severity: "warning" }),
  alert({ alertname: "PatroniDown", cls: "pg-test", ins: "pg-test-3", severity: "critical" }, "suppressed", ["4e2a"]),
  alert({ alertname: "NodeDown", cls: "pg-test", ins: "pg-test-3", instance: "10.10.10.13:9100", job: "node", severity: "critical" }),
  alert({ alertname: "EtcdMemberDown", instance: "10.10.10.10:2381", job: "etcd", severity: "critical" }),
  alert({ alertname: "PostgresDown", cls: "pg-b", ins: "pg-b-1", severity: "critical" }),
];

test("one cluster's alerts, critical first, with why one is suppressed", () => {
  expect(alertRows(parseAlerts(JSON.stringify(ANSWER)), "pg-test")).toEqual([
    { alert: "NodeDown", severity: "critical", cluster: "pg-test", instance: "pg-test-3", state: "active", suppressedBy: [], since: "2026-12-03T10:15:02Z", summary: "NodeDown summary" },
    { alert: "PatroniDown", severity: "critical", cluster: "pg-test", instance: "pg-test-3", state: "suppressed", suppressedBy: ["inhibited"], since: "2026-12-03T10:15:02Z", summary: "PatroniDown summary" },
    { alert: "PostgresReplicaMissing", severity: "warning", cluster: "pg-test", instance: null, state: "active", suppressedBy: [], since: "2026-12-03T10:15:02Z", summary: "PostgresReplicaMissing summary" },
  ]);
});

test("without a cluster every alert, the fleet's (etcd) too; the table names state and member", () => {
  const rows = alertRows(ANSWER);
  expect(rows.map((r) => `${r.alert}/${r.cluster}/${r.instance}`)).toEqual([
    "EtcdMemberDown/null/10.10.10.10:2381",
    "NodeDown/pg-test/pg-test-3",
    "PatroniDown/pg-test/pg-test-3",
    "PostgresDown/pg-b/pg-b-1",
    "PostgresReplicaMissing/pg-test/null",
  ]);
  const text = alertsText(rows);
  expect(text.split("\n")[1]).toMatch(/^\| Alert +\| Severity \| Cluster +\| Instance +\| State +\| Since \(UTC\) +\| Summary +\|$/);
  expect(text).toMatch(/\| PatroniDown +\| critical \| pg-test +\| pg-test-3 +\| suppressed \(inhibited\) \| 2026-12-03T10:15:02Z \| PatroniDown summary +\|/);
  expect(alertsText([], "pg-test")).toBe("no alerts for pg-test");
});

test("an answer that is not Alertmanager's list is refused with what came", () => {
  expect(() => parseAlerts("<html>502</html>")).toThrow("Alertmanager's answer is not JSON: <html>502</html>");
  expect(() => parseAlerts('{"status":"error"}')).toThrow('is not a list of alerts (API v2): {"status":"error"}');
  expect(() => parseAlerts('[{"labels":{}}]')).toThrow("is not a list of alerts");
});

test("the API is asked on the infra node's loopback at the inventory's port", () => {
  const { model } = pgTest();
  expect(alertsCommand(model)).toEqual(["curl", "-fsS", "--max-time", "10", "http://127.0.0.1:9093/api/v2/alerts"]);
});

test("alerts takes an optional cluster and --json, no member", () => {
  expect(parseArgs(["alerts"])).toMatchObject({ command: "alerts", cluster: undefined, json: false });
  expect(parseArgs(["alerts", "pg-test", "--json"])).toMatchObject({ command: "alerts", cluster: "pg-test", json: true });
  expect(() => parseArgs(["alerts", "pg-test", "pg-test-1"])).toThrow("alerts takes one cluster name");
  expect(helpFor(["alerts", "--help"])).toContain("usage: npm run pg -- alerts [cluster] [--json] [--stack NAME]");
  expect(helpFor(["--help"])).toContain("alerts [cluster]");
});

test("counts the alert rules Prometheus has loaded, and says so plainly when there are none", () => {
  const answer = { status: "success", data: { groups: [{ name: "pigsty", rules: [{}, {}, {}] }, { name: "pigsty-pg-test", rules: [{}] }] } };
  const count = ruleCount(JSON.stringify(answer));
  expect(count).toEqual({ rules: 4, groups: 2 });
  expect(rulesLine(count)).toBe("Prometheus has 4 alert rules loaded (2 groups)");
  expect(rulesLine({ rules: 23, groups: 1 })).toBe("Prometheus has 23 alert rules loaded (1 group)");
  expect(rulesLine(ruleCount(JSON.stringify({ status: "success", data: { groups: [] } })))).toMatch(/^Prometheus has no alert rules loaded/);
  expect(() => ruleCount("<html>")).toThrow("Prometheus' answer is not JSON: <html>");
  expect(() => ruleCount(JSON.stringify({ status: "error" }))).toThrow("not a list of rule groups");
});
