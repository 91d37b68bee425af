// pg_hba.conf per role read back as rules: common rules everywhere, role rules where they belong.
import { renderPgHba } from "../../render/pgHba";
import { parseHba } from "../helpers/inventoryConfParsers";
import { pgTest } from "../helpers/inventoryFixtures";

const cluster = pgTest().model.clusters[0];
const offlineRule = (lines: ReturnType<typeof parseHba>) => lines.filter((l) => l.user === "+dbrole_offline");

test("every role gets the common rules, first the dbsu's local ident", () => {
  for (const role of ["primary", "replica", "offline"] as const) {
    const rules = parseHba(renderPgHba(cluster, role, false));
    expect(rules[0]).toEqual({ type: "local", db: "all", user: "postgres", method: "ident" });
    expect(rules).toContainEqual({ type: "host", db: "replication", user: "replicator", addr: "10.0.0.0/8", method: "scram-sha-256" });
    expect(rules).toContainEqual({ type: "host", db: "all", user: "dbuser_monitor", addr: "10.10.10.10/32", method: "scram-sha-256" });
  }
});

test("the replicator may connect over the local socket, as Patroni does with use_unix_socket_repl", () => {
  // Without these, every replica's Patroni fails its replication-protocol check over the socket (a log line
  // per loop and an unknown timeline in patronictl) and pg_rewind over the socket is refused.
  for (const role of ["primary", "replica", "offline"] as const) {
    const rules = parseHba(renderPgHba(cluster, role, false));
    expect(rules).toContainEqual({ type: "local", db: "replication", user: "replicator", method: "scram-sha-256" });
    expect(rules).toContainEqual({ type: "local", db: "postgres", user: "replicator", method: "scram-sha-256" });
  }
});

test("offline rules only on offline members and offline-query replicas", () => {
  expect(offlineRule(parseHba(renderPgHba(cluster, "primary", false)))).toEqual([]);
  expect(offlineRule(parseHba(renderPgHba(cluster, "replica", false)))).toEqual([]);
  expect(offlineRule(parseHba(renderPgHba(cluster, "replica", true))).map((r) => r.addr)).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
  expect(offlineRule(parseHba(renderPgHba(cluster, "offline", false)))).toHaveLength(3);
});

test("extra rules (both forms) come after the base rules, in order", () => {
  const rules = parseHba(renderPgHba(cluster, "primary", false));
  expect(rules.slice(-2)).toEqual([
    { type: "host", db: "test", user: "dbuser_test", addr: "10.0.0.0/8", method: "md5" },
    { type: "host", db: "test", user: "dbuser_test", addr: "10.10.10.10/32", method: "scram-sha-256" },
  ]);
});

test("titles are comments above their rules", () => {
  expect(renderPgHba(cluster, "primary", false)).toContain("# allow internal infra service direct access\nhost test dbuser_test 10.0.0.0/8 md5\n");
});

test("snapshots", () => {
  expect(renderPgHba(cluster, "primary", false)).toMatchSnapshot("primary");
  expect(renderPgHba(cluster, "offline", true)).toMatchSnapshot("offline");
});
