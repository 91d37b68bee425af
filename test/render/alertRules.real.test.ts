// Every alert rule, rendered from the model, fed series by `promtool test rules` (real-tools tier; a missing promtool fails).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadInventory } from "../../config/load";
import type { Model } from "../../config/model";
import { ALERTS } from "../../render/alertDefinitions";
import { renderAlertRules } from "../../render/alertRules";
import { pgTest, rawFixture } from "../helpers/inventoryFixtures";

const PROMTOOL = "/usr/bin/promtool";

type Labels = Record<string, string>;
interface Series { metric: string; labels: Labels; values: string }
interface Case {
  alert: string;
  series: Series[];
  /** Minutes after the start. */
  at: number;
  /** The labels of each alert that must fire (the other series must not fire). */
  fires: Labels[];
}

const pg = (ins: string, port: number, extra: Labels = {}, cls = "pg-test"): Labels => ({ job: "pgsql", cls, ins, instance: `10.10.10.1${ins.slice(-1)}:${port}`, ...extra });
const s = (metric: string, labels: Labels, values: string): Series => ({ metric, labels, values });
const clsOf = (cls: string) => ({ cls });
const severity = (alert: string) => ALERTS.find((a) => a.alert === alert)!.severity;

/** A node exporter series (job node) of a member. */
const nd = (ins: string, extra: Labels = {}, cls = "pg-test"): Labels => ({ ...pg(ins, 9100, extra, cls), job: "node" });
const unit = (name: string, ins: string, state: string, v: number) => s("node_systemd_unit_state", nd(ins, { name, state }), `${v}x10`);
const patroni = (ins: string, cls = "pg-test") => ({ ...pg(ins, 8008, { scope: cls }, cls), job: "patroni" });
const probe = (ins: string) => ({ ...pg(ins, 6432), job: "pgbouncer" });
const member = (ins: string, cls = "pg-test") => ({ cls, ins });
const lagBytes = (ins: string, replica: string, cls = "pg-test") => pg(ins, 9630, { application_name: replica, server: "127.0.0.1:5432" }, cls);
const etcd = (ip: string) => ({ job: "etcd", instance: `${ip}:2381` });

const CASES: Case[] = [
  { alert: "PostgresDown", at: 5, series: [s("pg_up", pg("pg-test-1", 9630), "0x10"), s("pg_up", pg("pg-test-2", 9630), "1x10")], fires: [pg("pg-test-1", 9630)] },
  {
    alert: "NodeDown", at: 5,
    series: [s("up", nd("pg-test-1"), "0x10"), s("up", nd("pg-test-2"), "1x10"), s("up", pg("pg-test-3", 9630), "0x10"), s("up", patroni("pg-test-3"), "0x10")],
    fires: [nd("pg-test-1")],
  },
  {
    alert: "ScrapeTargetDown", at: 5,
    series: [s("up", pg("pg-test-1", 9101), "0x10"), s("up", pg("pg-test-1", 9630), "1x10"), s("up", etcd("10.10.10.10"), "0x10"), s("up", nd("pg-test-2"), "0x10")],
    fires: [pg("pg-test-1", 9101)],
  },
  {
    alert: "PatroniDown", at: 5,
    series: [
      // pg-test-1: the unit runs, but the REST API does not answer (hung); pg-test-2: stopped (both say so, one alert).
      s("up", patroni("pg-test-1"), "0x10"), unit("patroni.service", "pg-test-1", "active", 1),
      s("up", patroni("pg-test-2"), "0x10"), unit("patroni.service", "pg-test-2", "active", 0), unit("patroni.service", "pg-test-2", "inactive", 1),
      s("up", patroni("pg-test-3"), "1x10"), unit("patroni.service", "pg-test-3", "active", 1), unit("pgbouncer.service", "pg-test-3", "active", 0),
    ],
    fires: [member("pg-test-1"), member("pg-test-2")],
  },
  {
    alert: "PgbouncerDown", at: 5,
    series: [
      // pg-test-1: the unit is active but the probe cannot connect; pg-test-2: the unit is down (the probe answers late).
      s("probe_success", probe("pg-test-1"), "0x10"), unit("pgbouncer.service", "pg-test-1", "active", 1),
      s("probe_success", probe("pg-test-2"), "1x10"), unit("pgbouncer.service", "pg-test-2", "active", 0),
      s("probe_success", probe("pg-test-3"), "1x10"), unit("pgbouncer.service", "pg-test-3", "active", 1), unit("patroni.service", "pg-test-3", "active", 0),
    ],
    fires: [member("pg-test-1"), member("pg-test-2")],
  },
  {
    alert: "PatroniNoLeader", at: 5,
    series: [
      // pg-test: no member runs as primary; pg-b: a member sees the leader key free; pg-c: led.
      ...["pg-test-1", "pg-test-2"].flatMap((i) => [s("patroni_primary", patroni(i), "0x10"), s("patroni_cluster_unlocked", patroni(i), "0x10")]),
      s("patroni_primary", patroni("pg-b-1", "pg-b"), "1x10"), s("patroni_cluster_unlocked", patroni("pg-b-1", "pg-b"), "0x10"),
      s("patroni_primary", patroni("pg-b-2", "pg-b"), "0x10"), s("patroni_cluster_unlocked", patroni("pg-b-2", "pg-b"), "1x10"),
      s("patroni_primary", patroni("pg-c-1", "pg-c"), "1x10"), s("patroni_primary", patroni("pg-c-2", "pg-c"), "0x10"),
      ...["pg-c-1", "pg-c-2"].map((i) => s("patroni_cluster_unlocked", patroni(i, "pg-c"), "0x10")),
    ],
    fires: [clsOf("pg-test"), clsOf("pg-b")],
  },
  {
    alert: "PostgresNoLeader", at: 5,
    series: [s("pg_in_recovery", pg("pg-test-1", 9630), "1x10"), s("pg_in_recovery", pg("pg-test-2", 9630), "1x10"), s("pg_in_recovery", pg("pg-b-1", 9630, {}, "pg-b"), "0x10"), s("pg_in_recovery", pg("pg-b-2", 9630, {}, "pg-b"), "1x10")],
    fires: [clsOf("pg-test")],
  },
  {
    alert: "PostgresSplitBrain", at: 5,
    series: [s("pg_in_recovery", pg("pg-test-1", 9630), "0x10"), s("pg_in_recovery", pg("pg-test-2", 9630), "0x10"), s("pg_in_recovery", pg("pg-b-1", 9630, {}, "pg-b"), "0x10"), s("pg_in_recovery", pg("pg-b-2", 9630, {}, "pg-b"), "1x10")],
    fires: [clsOf("pg-test")],
  },
  {
    alert: "PostgresFailover", at: 15,
    // pg-test's primary moves from pg-test-1 (timeline 1) to pg-test-2 (timeline 2) at minute 10; pg-b keeps its timeline.
    series: [s("pg_timeline_id", pg("pg-test-1", 9630), "1x9 _x10"), s("pg_timeline_id", pg("pg-test-2", 9630), "_x9 2x10"), s("pg_timeline_id", pg("pg-b-1", 9630, {}, "pg-b"), "3x20")],
    fires: [clsOf("pg-test")],
  },
  {
    alert: "PostgresReplicaMissing", at: 5,
    series: [
      ...["pg-test-1", "pg-test-2", "pg-test-3"].map((i) => s("pg_up", pg(i, 9630), "1x10")),
      s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-test-1", "pg-test-2"), "0x10"),
      ...["pg-b-1", "pg-b-2"].map((i) => s("pg_up", pg(i, 9630, {}, "pg-b"), "1x10")),
      s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-b-1", "pg-b-2", "pg-b"), "0x10"),
      // No replica streams at all: the count is compared with 0.
      ...["pg-c-1", "pg-c-2"].map((i) => s("pg_up", pg(i, 9630, {}, "pg-c"), "1x10")),
    ],
    fires: [clsOf("pg-test"), clsOf("pg-c")],
  },
  {
    alert: "PostgresReplicaLagBytes", at: 5,
    series: [s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-test-1", "pg-test-2"), "20000000x10"), s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-test-1", "pg-test-3"), "1000x10")],
    fires: [lagBytes("pg-test-1", "pg-test-2")],
  },
  {
    alert: "PostgresReplicaLagSeconds", at: 5,
    series: [s("pg_replica_replay_lag_seconds", lagBytes("pg-test-1", "pg-test-2"), "60x10"), s("pg_replica_replay_lag_seconds", lagBytes("pg-test-1", "pg-test-3"), "5x10")],
    fires: [lagBytes("pg-test-1", "pg-test-2")],
  },
  {
    alert: "PostgresSlotRetainsWal", at: 10,
    series: [s("pg_slot_retained_bytes", pg("pg-test-1", 9630, { slot_name: "pg_test_2", slot_type: "physical" }), "5000000000x15"), s("pg_slot_retained_bytes", pg("pg-test-1", 9630, { slot_name: "pg_test_3", slot_type: "physical" }), "1000000x15")],
    fires: [pg("pg-test-1", 9630, { slot_name: "pg_test_2", slot_type: "physical" })],
  },
  {
    alert: "PostgresTooManyConnections", at: 5,
    series: [
      s("pg_stat_activity_count", pg("pg-test-1", 9630, { datname: "test", state: "active" }), "100x10"),
      s("pg_stat_activity_count", pg("pg-test-1", 9630, { datname: "test", state: "idle" }), "70x10"),
      s("pg_settings_max_connections", pg("pg-test-1", 9630), "200x10"),
      s("pg_stat_activity_count", pg("pg-test-2", 9630, { datname: "test", state: "active" }), "10x10"),
      s("pg_settings_max_connections", pg("pg-test-2", 9630), "200x10"),
    ],
    fires: [{ cls: "pg-test", ins: "pg-test-1" }],
  },
  {
    alert: "PostgresXidWraparound", at: 10,
    series: [s("pg_database_xid_age", pg("pg-test-1", 9630, { datname: "test" }), "1500000000x15"), s("pg_database_xid_age", pg("pg-test-1", 9630, { datname: "postgres" }), "100000000x15")],
    fires: [pg("pg-test-1", 9630, { datname: "test" })],
  },
  {
    alert: "PostgresArchiveFailing", at: 15,
    series: [
      s("pg_stat_archiver_failed_count", pg("pg-test-1", 9630), "0+1x20"),
      s("pg_stat_archiver_archived_count", pg("pg-test-1", 9630), "5x20"),
      // Failures, but WAL still gets archived: not failing.
      s("pg_stat_archiver_failed_count", pg("pg-test-2", 9630), "0+1x20"),
      s("pg_stat_archiver_archived_count", pg("pg-test-2", 9630), "0+1x20"),
    ],
    fires: [pg("pg-test-1", 9630)],
  },
  {
    alert: "BackupTooOld", at: 38 * 60,
    series: [
      s("pigsty_backup_last_success_timestamp_seconds", { job: "pgbackrest", instance: "10.10.10.10:9100", cls: "pg-test", type: "full" }, "0x2300"),
      s("pigsty_backup_last_success_timestamp_seconds", { job: "pgbackrest", instance: "10.10.10.10:9100", cls: "pg-b", type: "diff" }, "0+60x2300"),
    ],
    fires: [clsOf("pg-test")],
  },
  {
    alert: "HaproxyServiceDown", at: 5,
    series: [
      ...["active", "backup"].map((k) => s(`haproxy_backend_${k}_servers`, pg("pg-test-1", 9101, { proxy: "pg-test-primary" }), "0x10")),
      s("haproxy_backend_active_servers", pg("pg-test-1", 9101, { proxy: "pg-test-replica" }), "2x10"),
      s("haproxy_backend_backup_servers", pg("pg-test-1", 9101, { proxy: "pg-test-replica" }), "1x10"),
      ...["active", "backup"].map((k) => s(`haproxy_backend_${k}_servers`, pg("pg-test-1", 9101, { proxy: "admin" }), "0x10")),
    ],
    fires: [pg("pg-test-1", 9101, { proxy: "pg-test-primary" })],
  },
  {
    alert: "NodeFilesystemFull", at: 10,
    series: [
      // The sandbox's root (overlay, holding /pg) and a disk filesystem fill up; a tmpfs full to the brim is memory.
      ...[["/", "overlay", 5], ["/data", "ext4", 5], ["/srv", "ext4", 50], ["/run", "tmpfs", 0]].flatMap(([mountpoint, fstype, avail]) => [
        s("node_filesystem_avail_bytes", nd("pg-test-1", { mountpoint: `${mountpoint}`, fstype: `${fstype}`, device: "sda1" }), `${avail}x15`),
        s("node_filesystem_size_bytes", nd("pg-test-1", { mountpoint: `${mountpoint}`, fstype: `${fstype}`, device: "sda1" }), "100x15"),
      ]),
    ],
    fires: [nd("pg-test-1", { mountpoint: "/", fstype: "overlay", device: "sda1" }), nd("pg-test-1", { mountpoint: "/data", fstype: "ext4", device: "sda1" })],
  },
  {
    alert: "NodeLoadHigh", at: 10,
    series: [
      s("node_load5", nd("pg-test-1"), "3x15"),
      s("node_load5", nd("pg-test-2"), "1x15"),
      ...["pg-test-1", "pg-test-2"].flatMap((ins) => ["0", "1"].flatMap((cpu) => ["idle", "user"].map((mode) => s("node_cpu_seconds_total", nd(ins, { cpu, mode }), "0+60x15")))),
    ],
    fires: [nd("pg-test-1")],
  },
  {
    alert: "NodeMemoryLow", at: 10,
    series: [
      s("node_memory_MemAvailable_bytes", nd("pg-test-1"), "5x15"),
      s("node_memory_MemTotal_bytes", nd("pg-test-1"), "100x15"),
      s("node_memory_MemAvailable_bytes", nd("pg-test-2"), "50x15"),
      s("node_memory_MemTotal_bytes", nd("pg-test-2"), "100x15"),
    ],
    fires: [nd("pg-test-1")],
  },
  { alert: "EtcdNoLeader", at: 5, series: [s("etcd_server_has_leader", etcd("10.10.10.10"), "0x10"), s("etcd_server_has_leader", etcd("10.10.10.20"), "1x10")], fires: [etcd("10.10.10.10")] },
  { alert: "EtcdMemberDown", at: 5, series: [s("up", etcd("10.10.10.10"), "0x10"), s("up", etcd("10.10.10.20"), "1x10"), s("up", pg("pg-test-1", 9630), "0x10")], fires: [etcd("10.10.10.10")] },
];

const seriesText = (x: Series) => `${x.metric}{${Object.entries(x.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
/** The summary as Prometheus expands it: the rules' templates read labels only. */
const expand = (alert: string, labels: Labels) => ALERTS.find((a) => a.alert === alert)!.summary.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? "");

function promtoolTest(model: Model, c: Case): void {
  const dir = mkdtempSync(join(tmpdir(), "alert-rules-"));
  try {
    writeFileSync(join(dir, "rules.yml"), renderAlertRules(model));
    const test = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: c.series.map((x) => ({ series: seriesText(x), values: x.values })),
          alert_rule_test: [
            {
              eval_time: `${c.at}m`,
              alertname: c.alert,
              exp_alerts: c.fires.map((l) => ({ exp_labels: { ...l, severity: severity(c.alert) }, exp_annotations: { summary: expand(c.alert, l) } })),
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "test.yml"), stringify(test));
    const r = spawnSync(PROMTOOL, ["test", "rules", join(dir, "test.yml")], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`promtool test rules for ${c.alert} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("promtool test rules: each alert fires on its series and on no other", () => {
  beforeAll(() => {
    if (!existsSync(PROMTOOL)) throw new Error(`real-tools tier: ${PROMTOOL} is missing: install prometheus`);
  });
  const { model } = pgTest();

  test("every alert has a case", () => {
    expect(CASES.map((c) => c.alert).sort()).toEqual(ALERTS.map((a) => a.alert).sort());
  });

  test.each(CASES.map((c) => [c.alert, c] as const))("%s", (_name, c) => promtoolTest(model, c));

  test("a cluster's own threshold replaces the fleet's for its series only", () => {
    const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
    raw.clusters["pg-test"].vars.alert_replica_lag_bytes = 1_000_000_000;
    const overridden = loadInventory(raw).model;
    // 20 MB behind: over the fleet's 16 MiB (pg-b fires), under pg-test's own 1 GB (pg-test stays quiet).
    promtoolTest(overridden, {
      alert: "PostgresReplicaLagBytes",
      at: 5,
      series: [s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-test-1", "pg-test-2"), "20000000x10"), s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-b-1", "pg-b-2", "pg-b"), "20000000x10")],
      fires: [lagBytes("pg-b-1", "pg-b-2", "pg-b")],
    });
    promtoolTest(overridden, {
      alert: "PostgresReplicaLagBytes",
      at: 5,
      series: [s("pg_stat_replication_pg_wal_lsn_diff", lagBytes("pg-test-1", "pg-test-2"), "2000000000x10")],
      fires: [lagBytes("pg-test-1", "pg-test-2")],
    });
  });
});
