// The alert_* threshold keys: documented defaults, fleet-wide values, a cluster's own value rendered for it alone, wrong values refused.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { DEFAULT_ALERT_THRESHOLDS } from "../../config/alertSchema";
import { loadInventory, type LoadResult } from "../../config/load";
import { ALERTS } from "../../render/alertDefinitions";
import { renderAlertRules } from "../../render/alertRules";
import { loadProblems, pinHostKeys } from "../helpers/inventoryFixtures";

type Vars = Record<string, unknown>;
const hosts = (base: number) => ({ [`10.10.10.${base}`]: { pg_seq: 1, pg_role: "primary" }, [`10.10.10.${base + 1}`]: { pg_seq: 2, pg_role: "replica" } });

const inventory = (fleet: Vars | undefined, a: Vars = {}, b: Vars = {}) =>
  pinHostKeys({ infra: { ip: "10.10.10.10" }, dcs: { servers: { "meta-1": "10.10.10.10" } }, ...(fleet && { vars: fleet }), clusters: { "pg-a": { hosts: hosts(11), vars: a }, "pg-b": { hosts: hosts(21), vars: b } } });
const load = (fleet: Vars | undefined, a: Vars = {}, b: Vars = {}): LoadResult => loadInventory(inventory(fleet, a, b));
const errors = (fleet: Vars | undefined, a: Vars = {}) => loadProblems(inventory(fleet, a));
type Group = { name: string; rules: { alert: string; expr: string; for: string }[] };
const groups = (r: LoadResult) => (parse(renderAlertRules(r.model)) as { groups: Group[] }).groups;
const exprOf = (g: Group, alert: string) => g.rules.filter((r) => r.alert === alert).map((r) => r.expr);

test("the defaults are the documented ones, in the fleet and in each cluster", () => {
  expect(DEFAULT_ALERT_THRESHOLDS).toEqual({
    alert_replica_lag_bytes: 16777216,
    alert_replica_lag_seconds: 30,
    alert_slot_retained_bytes: 4294967296,
    alert_connections_ratio: 0.8,
    alert_xid_age_ratio: 0.5,
    alert_backup_age_hours: 36,
    alert_fs_usage_ratio: 0.9,
    alert_load_per_cpu: 1,
    alert_memory_available_ratio: 0.1,
  });
  const r = load(undefined);
  expect(r.model.alertDefaults).toEqual(DEFAULT_ALERT_THRESHOLDS);
  expect(r.model.clusters.map((c) => c.alerts)).toEqual([DEFAULT_ALERT_THRESHOLDS, DEFAULT_ALERT_THRESHOLDS]);
});

test("without overrides: one group, no cluster matcher", () => {
  const g = groups(load(undefined));
  expect(g.map((x) => x.name)).toEqual(["pigsty"]);
  expect(exprOf(g[0], "PostgresReplicaLagBytes")).toEqual(["pg_stat_replication_pg_wal_lsn_diff > 16777216"]);
});

test("a fleet-wide value changes the default group and every cluster", () => {
  const r = load({ alert_replica_lag_seconds: 120 });
  expect(r.model.clusters.map((c) => c.alerts.alert_replica_lag_seconds)).toEqual([120, 120]);
  expect(exprOf(groups(r)[0], "PostgresReplicaLagSeconds")).toEqual(["pg_replica_replay_lag_seconds > 120"]);
});

test("a cluster's own value: its own group with cls=, the default group excludes it for that alert only", () => {
  const g = groups(load({ alert_fs_usage_ratio: 0.85 }, { alert_fs_usage_ratio: 0.95, alert_connections_ratio: 0.9 }));
  expect(g.map((x) => x.name)).toEqual(["pigsty", "pigsty-pg-a"]);
  expect(exprOf(g[0], "NodeFilesystemFull")[0]).toContain('node_filesystem_avail_bytes{cls!~"pg-a",fstype!~');
  expect(exprOf(g[0], "NodeFilesystemFull")[0]).toMatch(/> 0\.85$/);
  expect(exprOf(g[0], "PostgresDown")).toEqual(["pg_up == 0"]);
  expect(g[1].rules.map((r) => r.alert)).toEqual(["PostgresTooManyConnections", "NodeFilesystemFull"]);
  expect(exprOf(g[1], "NodeFilesystemFull")[0]).toContain('{cls="pg-a",fstype!~');
  expect(exprOf(g[1], "NodeFilesystemFull")[0]).toMatch(/> 0\.95$/);
});

test("a cluster that repeats the fleet's value gets no group of its own", () => {
  expect(groups(load({ alert_load_per_cpu: 2 }, { alert_load_per_cpu: 2 })).map((x) => x.name)).toEqual(["pigsty"]);
});

test.each([
  [{ alert_connections_ratio: 80 }, "clusters.pg-a.vars.alert_connections_ratio", "must be above 0 and below 1 (a fraction), e.g. 0.8"],
  [{ alert_connections_ratio: "80%" }, "clusters.pg-a.vars.alert_connections_ratio", "\"80%\" is not a number. Write a number."],
  [{ alert_replica_lag_bytes: "16MB" }, "clusters.pg-a.vars.alert_replica_lag_bytes", "\"16MB\" is not a number. Write a number."],
  [{ alert_backup_age_hours: 1.5 }, "clusters.pg-a.vars.alert_backup_age_hours", "must be a positive whole number of hours, e.g. 36"],
  [{ alert_load_per_cpu: 0 }, "clusters.pg-a.vars.alert_load_per_cpu", "must be above 0, e.g. 1"],
])("%j is refused, naming the key and the fix", (a, path, words) => {
  const found = errors(undefined, a);
  expect(found).toHaveLength(1);
  expect(found[0].startsWith(`${path}: `)).toBe(true);
  expect(found[0]).toContain(words);
});

test("a wrong fleet-wide value is reported once, under vars", () => {
  expect(errors({ alert_xid_age_ratio: 2 })).toEqual([expect.stringMatching(/^vars\.alert_xid_age_ratio: must be above 0 and below 1 \(a fraction\), e\.g\. 0\.5/)]);
});

test("the alert table of docs/monitoring.md lists every alert rule, once", () => {
  const section = readFileSync(join(__dirname, "..", "..", "docs", "monitoring.md"), "utf8");
  const listed = [...section.matchAll(/^\| ([A-Z]\w+) \| /gm)].map((m) => m[1]);
  expect(listed.sort()).toEqual(ALERTS.map((a) => a.alert).sort());
});
