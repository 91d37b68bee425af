// pgbouncer.ini, userlist and HBA read back: pooled databases, users, auth files.
import { renderPgbouncerHba, renderPgbouncerIni, renderPgbouncerUserlist } from "../../render/pgbouncer";
import { parseHba, parseIni } from "../helpers/inventoryConfParsers";
import { pgTest } from "../helpers/inventoryFixtures";

const cluster = pgTest().model.clusters[0];
const ini = parseIni(renderPgbouncerIni(cluster, cluster.instances[0]));

test("pooled databases point at the local Postgres socket", () => {
  expect(ini.databases).toEqual({ test: "host=/var/run/postgresql port=5432 dbname=test" });
});

test("listens on 6432 with hba auth and Debian paths", () => {
  expect(ini.pgbouncer).toMatchObject({
    listen_port: "6432",
    auth_type: "hba",
    auth_file: "/etc/pgbouncer/userlist.txt",
    auth_hba_file: "/etc/pgbouncer/pgb_hba.conf",
    admin_users: "postgres, dbuser_dba",
    stats_users: "dbuser_monitor",
    pool_mode: "transaction",
  });
});

test("userlist holds pooled users and service accounts, passwords as placeholders", () => {
  expect(renderPgbouncerUserlist(cluster)).toBe(
    '"dbuser_dba" "{{secret:pg-test/admin|userlist}}"\n"dbuser_monitor" "{{secret:pg-test/monitor|userlist}}"\n"dbuser_test" "{{secret:pg-test/user/dbuser_test|userlist}}"\n',
  );
});

test("pgbouncer HBA: dbsu via peer, everyone else with a password", () => {
  const rules = parseHba(renderPgbouncerHba(cluster, "primary", false));
  expect(rules[0]).toEqual({ type: "local", db: "pgbouncer", user: "postgres", method: "peer" });
  expect(rules).toContainEqual({ type: "host", db: "all", user: "all", addr: "127.0.0.1/32", method: "scram-sha-256" });
});

test("snapshot", () => {
  expect(renderPgbouncerIni(cluster, cluster.instances[0])).toMatchSnapshot();
});
