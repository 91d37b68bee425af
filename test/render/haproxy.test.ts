// haproxy.cfg read back as sections and servers: services, checks, weights, backups, admin page.
import { loadInventory } from "../../config/load";
import { renderHaproxyCfg } from "../../render/haproxy";
import { placeholdersIn } from "../../render/placeholders";
import { parseHaproxy } from "../helpers/inventoryConfParsers";
import { pgTest, rawFixture } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const cfg = renderHaproxyCfg(cluster, cluster.instances[0]);
const sections = parseHaproxy(cfg);

test("one listen section per service, bound on its port", () => {
  expect(Object.keys(sections).filter((n) => n.startsWith("pg-test-"))).toEqual(["pg-test-primary", "pg-test-replica", "pg-test-default", "pg-test-offline"]);
  expect(sections["pg-test-primary"].lines).toContain("bind *:5433");
  expect(sections["pg-test-offline"].lines).toContain("bind *:5438");
});

test("primary goes to pgbouncer on every member, checked with GET /primary on patroni", () => {
  const s = sections["pg-test-primary"];
  expect(s.servers).toEqual([
    { name: "pg-test-1", addr: "10.10.10.11:6432", weight: 100, backup: false, checkPort: 8008 },
    { name: "pg-test-2", addr: "10.10.10.12:6432", weight: 100, backup: false, checkPort: 8008 },
    { name: "pg-test-3", addr: "10.10.10.13:6432", weight: 100, backup: false, checkPort: 8008 },
  ]);
  expect(s.lines).toEqual(expect.arrayContaining(["option httpchk", "http-check send meth GET uri /primary", "http-check expect status 200"]));
  expect(s.lines).toContain(
    "default-server inter 2s fastinter 1s downinter 1s rise 2 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100 " +
      "check port 8008 check-ssl verify required ca-file /etc/pigsty/tls/ca.crt",
  );
});

test("replica uses /read-only with the primary as backup; default goes to postgres 5432", () => {
  expect(sections["pg-test-replica"].servers.filter((s) => s.backup).map((s) => s.name)).toEqual(["pg-test-1"]);
  expect(sections["pg-test-replica"].lines).toContain("http-check send meth GET uri /read-only");
  expect(sections["pg-test-default"].servers.map((s) => s.addr)).toEqual(["10.10.10.11:5432", "10.10.10.12:5432", "10.10.10.13:5432"]);
});

test("offline goes to the offline member, plain replicas as backup, checked with /replica", () => {
  const s = sections["pg-test-offline"];
  expect(s.servers.map((x) => [x.name, x.backup])).toEqual([["pg-test-2", true], ["pg-test-3", false]]);
  expect(s.lines).toContain("http-check send meth GET uri /replica");
});

test("pg_weight becomes the server weight (0 drains)", () => {
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { hosts: Record<string, Record<string, unknown>> }> };
  raw.clusters["pg-test"].hosts["10.10.10.12"].pg_weight = 0;
  const c = loadInventory(raw).model.clusters[0];
  const servers = parseHaproxy(renderHaproxyCfg(c, c.instances[0]))["pg-test-primary"].servers;
  expect(servers.map((s) => s.weight)).toEqual([100, 0, 100]);
});

test("admin page on 9101 with /metrics and auth through a secret placeholder", () => {
  const admin = sections["admin"];
  expect(admin.lines).toEqual(
    expect.arrayContaining(["bind *:9101", "mode http", "http-request use-service prometheus-exporter if { path /metrics }", "stats enable", "stats admin if TRUE"]),
  );
  expect(admin.lines).toContain("stats auth 'admin:{{secret:pg-test/haproxy_admin|haproxy}}'");
  expect(placeholdersIn(cfg)).toEqual(["pg-test/haproxy_admin"]);
});

test("without admin auth the page has no stats auth and no admin rights", () => {
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
  raw.clusters["pg-test"].vars.haproxy_admin_auth_enabled = false;
  const c = loadInventory(raw).model.clusters[0];
  const admin = parseHaproxy(renderHaproxyCfg(c, c.instances[0]))["admin"];
  expect(admin.lines.some((l) => l.startsWith("stats auth") || l.startsWith("stats admin"))).toBe(false);
});

test("snapshot", () => {
  expect(cfg).toMatchSnapshot();
});
