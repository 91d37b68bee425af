// `list` on a standby cluster: upstream and apply delay in the header, the standby leader's lag behind the upstream's
// leader from both leaders' GET /patroni (Patroni 3.0.2's shapes), in text and as JSON; against stand-in Patronis.
import type { ClusterModel } from "../../config/model";
import { Patroni } from "../../patroni/client";
import { relationNote, standbyLag, standbyLagText, standbyView, type StandbyView } from "../../operator/standby";
import { membersTable } from "../../operator/table";
import { answer, standInPatronis, type FakePatroni, type Routes } from "../helpers/fakePatroni";
import { pgTest } from "../helpers/inventoryFixtures";

/** GET /cluster of a standby cluster: the leader's role is standby_leader, and it has no lag (it leads the DCS view). */
const stdCluster = {
  members: [
    { name: "pg-std-1", role: "standby_leader", state: "running", api_url: "https://10.10.10.21:8008/patroni", host: "10.10.10.21", port: 5432, timeline: 1, tags: { clonefrom: true } },
    { name: "pg-std-2", role: "replica", state: "running", api_url: "https://10.10.10.22:8008/patroni", host: "10.10.10.22", port: 5432, timeline: 1, lag: 0, tags: { clonefrom: true } },
  ],
};

/** GET /config of a standby cluster with pg_delay 1h. */
const stdConfig = {
  ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576,
  postgresql: { use_pg_rewind: true, parameters: { max_connections: 100 } },
  standby_cluster: { host: "10.10.10.11,10.10.10.12,10.10.10.13", port: 5432, primary_slot_name: "pg_std", create_replica_methods: ["basebackup"], recovery_min_apply_delay: "1h" },
};

/** GET /patroni of a standby leader (role as Patroni 3.0 says it there) and of the upstream's primary ("master"). */
const standbyLeaderStatus = (received: number, replayed: number, stamp: string | null) => ({
  state: "running", postmaster_start_time: "2024-11-24 09:58:01.221847+00:00", role: "standby_leader", server_version: 160004,
  xlog: { received_location: received, replayed_location: replayed, replayed_timestamp: stamp, paused: false },
  timeline: 1, replication: [{ usename: "replicator", application_name: "pg-std-2", client_addr: "10.10.10.22", state: "streaming", sync_state: "async", sync_priority: 0 }],
  dcs_last_seen: 1732442398, tags: { clonefrom: true }, database_system_identifier: "7440810212930217234", patroni: { version: "3.0.2", scope: "pg-std" },
});
const primaryStatus = (location: number) => ({
  state: "running", postmaster_start_time: "2024-11-24 09:40:12.552014+00:00", role: "master", server_version: 160004, xlog: { location }, timeline: 1,
  replication: [{ usename: "replicator", application_name: "pg-std-1", client_addr: "10.10.10.21", state: "streaming", sync_state: "async", sync_priority: 0 }],
  dcs_last_seen: 1732442398, database_system_identifier: "7440810212930217234", patroni: { version: "3.0.2", scope: "pg-test" },
});
const pgTestCluster = { members: [{ name: "pg-test-1", role: "leader", state: "running", api_url: "https://10.10.10.11:8008/patroni", host: "10.10.10.11", port: 5432, timeline: 1 }] };

const upstreamModel = pgTest().model.clusters.find((c) => c.name === "pg-test") as ClusterModel;
const standbyModel: ClusterModel = {
  ...upstreamModel,
  name: "pg-std",
  standby: { upstream: "pg-test", hosts: ["10.10.10.11", "10.10.10.12", "10.10.10.13"], port: 5432, slot: "pg_std", delay: "1h" },
};

describe("the lag from both leaders' GET /patroni", () => {
  const clock = new Date("2024-11-24T10:00:30Z");

  test("bytes behind the upstream's write position, received and replayed; seconds since the last replayed commit", () => {
    const lag = standbyLag(standbyLeaderStatus(50_331_984, 50_200_000, "2024-11-24 10:00:00.123456+00:00"), primaryStatus(50_400_000), clock);
    expect(lag).toEqual({ receiveLagBytes: 68_016, replayLagBytes: 200_000, replayDelaySeconds: 30 });
  });

  test("caught up: no delay, however old the last commit (an idle upstream writes none)", () => {
    expect(standbyLag(standbyLeaderStatus(50_400_000, 50_400_000, "2024-11-24 08:00:00+00:00"), primaryStatus(50_400_000), clock)).toEqual({ receiveLagBytes: 0, replayLagBytes: 0, replayDelaySeconds: 0 });
  });

  test("a standby read a moment before the upstream never shows a negative lag; no replayed commit yet: the delay is unknown", () => {
    expect(standbyLag(standbyLeaderStatus(50_500_000, 50_300_000, null), primaryStatus(50_400_000), clock)).toEqual({ receiveLagBytes: 0, replayLagBytes: 100_000 });
  });

  test("an upstream that is itself a standby leader counts what it received", () => {
    expect(standbyLag(standbyLeaderStatus(900, 900, null), standbyLeaderStatus(1000, 950, null), clock)).toMatchObject({ receiveLagBytes: 100, replayLagBytes: 100 });
  });

  test("a member whose Postgres is down reports no WAL: the lag is unknown and says which", () => {
    expect(standbyLag(standbyLeaderStatus(1, 1, null), { state: "stopped", role: "master" }, clock)).toEqual({ problem: "the upstream leader's Patroni reports no WAL position (state stopped)" });
    expect(standbyLag({ state: "starting", role: "replica" }, primaryStatus(1), clock)).toEqual({ problem: "the standby leader's Patroni reports no WAL position (state starting)" });
  });
});

describe("the text of list", () => {
  const view: StandbyView = { upstream: "pg-test", delay: "1h", standbyLeader: "pg-std-1", upstreamLeader: "pg-test-1", receiveLagBytes: 68016, replayLagBytes: 200000, replayDelaySeconds: 30 };

  test("a standby cluster: its upstream and delay in the header, the standby leader so named, its lag under the members", () => {
    const members = stdCluster.members.map((m) => ({ ...m, pendingRestart: false }));
    expect(`${membersTable("pg-std", members, relationNote(view, []))}\n${standbyLagText(view)}`.split("\n")).toEqual([
      "cluster pg-std: standby cluster of pg-test, recovery_min_apply_delay 1h",
      "+----------+-------------+----------------+---------+----+-----------+-----------------+----------------+",
      "| Member   | Host        | Role           | State   | TL | Lag in MB | Pending restart | Tags           |",
      "+----------+-------------+----------------+---------+----+-----------+-----------------+----------------+",
      "| pg-std-1 | 10.10.10.21 | Standby Leader | running | 1  |           |                 | clonefrom=true |",
      "| pg-std-2 | 10.10.10.22 | Replica        | running | 1  | 0         |                 | clonefrom=true |",
      "+----------+-------------+----------------+---------+----+-----------+-----------------+----------------+",
      "Lag behind pg-test's leader pg-test-1",
      "+----------------+-------------------+------------------+----------------+",
      "| Standby Leader | Receive lag bytes | Replay lag bytes | Replay delay s |",
      "+----------------+-------------------+------------------+----------------+",
      "| pg-std-1       | 68016             | 200000           | 30             |",
      "+----------------+-------------------+------------------+----------------+",
    ]);
  });

  test("without pg_delay the header names the upstream only; an unknown lag says why in one line", () => {
    const down = { upstream: "pg-test", standbyLeader: "pg-std-1", problem: "no member's Patroni answered /cluster (pg-test-1: HTTP 503)" };
    expect(relationNote(down, [])).toBe("standby cluster of pg-test");
    expect(standbyLagText(down)).toBe("Lag behind pg-test: unknown, no member's Patroni answered /cluster (pg-test-1: HTTP 503)");
    expect(standbyLagText({ ...view, replayDelaySeconds: undefined })).toContain("| pg-std-1       | 68016             | 200000           | unknown        |");
  });

  test("the upstream names what follows it; a cluster in no standby relation has the plain header", () => {
    expect(relationNote(undefined, ["pg-std"])).toBe("upstream of standby cluster pg-std");
    expect(relationNote(undefined, ["pg-dr", "pg-std"])).toBe("upstream of standby clusters pg-dr, pg-std");
    expect(membersTable("pg-test", [], relationNote(undefined, [])).split("\n")[0]).toBe("cluster pg-test");
  });
});

describe("standbyView against stand-in Patronis", () => {
  const patronis = standInPatronis();

  async function member(name: string, routes: Routes): Promise<{ name: string; url: string; calls: FakePatroni["calls"] }> {
    const f = await patronis.start(routes);
    return { name, url: f.url, calls: f.calls };
  }
  const api = (...members: { name: string; url: string }[]) => new Patroni(members, { ca: patronis.ca(), timeoutMs: 2000 });
  const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace("T", " ").replace("Z", "+00:00");

  test("the JSON carries upstream, delay, both leaders, bytes and seconds; the standby leader is read first", async () => {
    const std1 = await member("pg-std-1", (_m, url) => (url === "/config" ? stdConfig : url === "/patroni" ? standbyLeaderStatus(50_331_984, 50_200_000, secondsAgo(40)) : answer(404)));
    const test1 = await member("pg-test-1", (_m, url) => (url === "/cluster" ? pgTestCluster : url === "/patroni" ? primaryStatus(50_400_000) : answer(404)));
    const apis: Record<string, Patroni> = { "pg-std": api(std1), "pg-test": api(test1) };
    const view = await standbyView(standbyModel, stdCluster.members, [upstreamModel, standbyModel], (c) => apis[c.name]);
    expect(view).toEqual({ upstream: "pg-test", delay: "1h", standbyLeader: "pg-std-1", upstreamLeader: "pg-test-1", receiveLagBytes: 68_016, replayLagBytes: 200_000, replayDelaySeconds: expect.any(Number) });
    // The Date header has whole seconds: the member's clock says 40 s, give or take one.
    expect(Math.abs((view as StandbyView).replayDelaySeconds! - 40)).toBeLessThanOrEqual(1);
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    expect(std1.calls.map((c) => c.url)).toEqual(["/config", "/patroni"]);
    expect(test1.calls.map((c) => c.url)).toEqual(["/cluster", "/patroni"]);
  });

  test("an upstream outside the stack: named by its addresses, the lag unknown, no other Patroni asked", async () => {
    const std1 = await member("pg-std-1", (_m, url) => (url === "/config" ? { ...stdConfig, standby_cluster: { host: "10.20.0.11,10.20.0.12", port: 5432 } } : answer(404)));
    const external: ClusterModel = { ...standbyModel, standby: { external: true, hosts: ["10.20.0.11", "10.20.0.12"], port: 5432, ca: "" } };
    const view = await standbyView(external, stdCluster.members, [upstreamModel, external], (c) => {
      if (c.name !== "pg-std") throw new Error(`asked ${c.name}'s Patroni`);
      return api(std1);
    });
    expect(view).toEqual({ upstream: "[10.20.0.11, 10.20.0.12]", standbyLeader: "pg-std-1", problem: "the upstream is outside this stack, which cannot read its leader's WAL position" });
    expect(standbyLagText(view!)).toBe("Lag behind [10.20.0.11, 10.20.0.12]: unknown, the upstream is outside this stack, which cannot read its leader's WAL position");
    expect(relationNote(view, [])).toBe("standby cluster of [10.20.0.11, 10.20.0.12]");
  });

  test("a cluster that is no standby cluster in config or in Patroni is left alone", async () => {
    const test1 = await member("pg-test-1", () => answer(500));
    expect(await standbyView(upstreamModel, pgTestCluster.members, [upstreamModel], () => api(test1))).toBeUndefined();
    expect(test1.calls).toEqual([]);
  });

  test("config names an upstream but Patroni runs a primary cluster: said so, no lag asked", async () => {
    const std1 = await member("pg-std-1", (_m, url) => (url === "/config" ? { ...stdConfig, standby_cluster: undefined } : answer(404)));
    const members = [{ name: "pg-std-1", role: "leader" }];
    expect(await standbyView(standbyModel, members, [upstreamModel, standbyModel], () => api(std1))).toEqual({
      upstream: "pg-test", problem: "Patroni runs it as a primary cluster: its dynamic config has no standby_cluster",
    });
  });

  test("an unreachable upstream, or one the stack has no credentials for, leaves the lag unknown with the reason", async () => {
    const std1 = await member("pg-std-1", (_m, url) => (url === "/config" ? stdConfig : standbyLeaderStatus(1, 1, null)));
    const test1 = await member("pg-test-1", () => answer(503));
    const down = await standbyView(standbyModel, stdCluster.members, [upstreamModel, standbyModel], (c) => (c.name === "pg-std" ? api(std1) : api(test1)));
    expect(down).toEqual({ upstream: "pg-test", delay: "1h", standbyLeader: "pg-std-1", problem: "no member's Patroni answered /cluster (pg-test-1: HTTP 503)" });
    const noAccess = await standbyView(standbyModel, stdCluster.members, [upstreamModel, standbyModel], (c) => {
      if (c.name === "pg-test") throw new Error("the stack's operatorAccess has no credentials for pg-test: run pulumi up first");
      return api(std1);
    });
    expect(noAccess?.problem).toBe("the stack's operatorAccess has no credentials for pg-test: run pulumi up first");
  });
});
