// Against a real Postgres 15 and pgbouncer (real-tools tier; a missing tool fails, never skips), on loopback: a running
// Postgres taking the rendered ssl settings with a reload, a certificate from the stack's own openssl scripts, clients
// verifying with sslmode=verify-full,
// hostssl lines refusing clients without TLS, Patroni's replication conninfo (built by Patroni's own code) over TLS,
// and a renewed certificate served after a reload, without a restart.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadInventory } from "../../config/load";
import { renderPatroniYml, postgresSsl } from "../../render/patroni";
import { renderPgHba } from "../../render/pgHba";
import { renderPgbouncerHba, renderPgbouncerIni } from "../../render/pgbouncer";
import { CA_CERT, serverCert } from "../../render/tls";
import { rawFixture } from "../helpers/inventoryFixtures";
import { asPostgres, freePort, isRoot, PG_BIN, run } from "../helpers/realPostgres";
import { issuePostgresCert, throwawayCa, type PkiFiles } from "../helpers/throwawayPki";

/** pg-test whose HBA lets the replicator and the business user in over loopback only with TLS (Pigsty's auth: ssl). */
function tlsCluster() {
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
  Object.assign(raw.clusters["pg-test"].vars, {
    pg_hba_rules: [
      { user: "${dbsu}", db: "all", addr: "local", auth: "ident", title: "dbsu" },
      { user: "${repl}", db: "replication", addr: "localhost", auth: "ssl", title: "replication over TLS" },
      { user: "dbuser_test", db: "all", addr: "localhost", auth: "ssl", title: "business user over TLS" },
      { user: "dbuser_test", db: "all", addr: "local", auth: "pwd", title: "pgbouncer's logins on the socket" },
    ],
    pg_hba_rules_extra: [],
    pgbouncer_hba_rules: [{ user: "dbuser_test", db: "all", addr: "localhost", auth: "ssl", title: "pooled over TLS" }],
    cert_validity: "30d",
  });
  return loadInventory(raw).model;
}

/** psql over TCP with a libpq connection string; the exit status and what it printed. */
function psql(conninfo: string, sql: string): { ok: boolean; out: string } {
  const r = spawnSync(`${PG_BIN}/psql`, ["-X", "-w", "-At", "-d", conninfo, "-c", sql], { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH } });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

/** The serial number of the certificate a Postgres-protocol server on `port` presents. */
function servedSerial(port: number): string {
  return run("/bin/bash", ["-c", `openssl s_client -starttls postgres -connect 127.0.0.1:${port} </dev/null 2>/dev/null | openssl x509 -noout -serial`]).trim();
}

describe("TLS on a real Postgres 15 and pgbouncer", () => {
  const model = tlsCluster();
  const cluster = model.clusters[0];
  const member = cluster.instances[0];
  const ca = throwawayCa();
  let dir = "";
  let pki: PkiFiles;
  let port = 0;
  let pgbPort = 0;
  const data = () => join(dir, "data");
  const hba = () => join(dir, "pg_hba.conf");
  const verifyFull = (host: string, p = port, extra = "") => `host=${host} hostaddr=127.0.0.1 port=${p} user=dbuser_test password=t dbname=postgres sslmode=verify-full sslrootcert=${pki.ca} ${extra}`;
  const reload = () => run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data(), "reload"]));
  const startTime = () => run(...asPostgres(`${PG_BIN}/psql`, ["-X", "-At", "-h", dir, "-p", String(port), "-d", "postgres", "-c", "select pg_postmaster_start_time()"])).trim();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-pg-tls-"));
    chmodSync(dir, 0o755);
    if (isRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
    pki = issuePostgresCert(dir, ca, cluster, member, new Date("2026-12-02T10:00:00Z"));
    run(...asPostgres(`${PG_BIN}/initdb`, ["-D", data(), "-A", "trust", "-U", "postgres"]));
    // As a member deployed before TLS: no ssl, plain HBA (the first test turns TLS on).
    writeFileSync(hba(), "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", { mode: 0o644 });
    port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c hba_file=${hba()}`;
    run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data(), "-o", opts, "-l", join(dir, "pg.log"), "-w", "start"]));
    run(...asPostgres(`${PG_BIN}/psql`, ["-X", "-q", "-h", dir, "-p", String(port), "-d", "postgres", "-c", "CREATE ROLE replicator LOGIN REPLICATION PASSWORD 'r'; CREATE ROLE dbuser_test LOGIN PASSWORD 't'"]));
    // pgbouncer as rendered, with the same certificate, its pooled database on Postgres' socket here.
    pgbPort = await freePort();
    const layout = { confDir: dir, socketDir: dir, logFile: join(dir, "pgbouncer.log"), pidFile: join(dir, "pgbouncer.pid"), listenAddr: "127.0.0.1", port: pgbPort, tls: pki };
    const c = { ...cluster, ports: { ...cluster.ports, postgres: port } };
    writeFileSync(join(dir, "pgbouncer.ini"), renderPgbouncerIni(c, member, layout).replace("[databases]", "[databases]\npostgres = host=" + dir + ` port=${port} dbname=postgres`), { mode: 0o644 });
    writeFileSync(join(dir, "userlist.txt"), '"dbuser_test" "t"\n', { mode: 0o644 });
    writeFileSync(join(dir, "pgb_hba.conf"), renderPgbouncerHba(c, "primary", false), { mode: 0o644 });
    run(...asPostgres("/usr/sbin/pgbouncer", ["-d", join(dir, "pgbouncer.ini")]));
    for (let i = 0; i < 50 && !existsSync(layout.pidFile); i++) await new Promise((r) => setTimeout(r, 100));
  }, 120_000);

  afterAll(async () => {
    if (dir && existsSync(join(dir, "pgbouncer.pid"))) {
      const pid = Number(readFileSync(join(dir, "pgbouncer.pid"), "utf8").trim());
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    }
    if (port) spawnSync(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data(), "-m", "fast", "-w", "stop"]));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a running Postgres without TLS takes the rendered settings and hostssl lines with a reload, not a restart", async () => {
    const before = psql(`host=127.0.0.1 port=${port} user=dbuser_test password=t dbname=postgres sslmode=require`, "select 1");
    expect(before.out).toContain("server does not support SSL");
    const started = startTime();
    // What the next `up` does on an existing member: Patroni writes the settings from patroni.yml into postgresql.conf
    // (the member's paths here point at this directory), the config step the new HBA; then a reload.
    const paths: Record<string, string> = { [serverCert("postgres").cert]: pki.cert, [serverCert("postgres").key]: pki.key, [CA_CERT]: pki.ca };
    const settings = Object.entries(postgresSsl(cluster)).map(([k, v]) => `${k} = '${paths[v] ?? v}'\n`);
    writeFileSync(join(data(), "postgresql.conf"), `${readFileSync(join(data(), "postgresql.conf"), "utf8")}${settings.join("")}`);
    writeFileSync(hba(), renderPgHba(cluster, "primary", false));
    reload();
    await new Promise((r) => setTimeout(r, 1000));
    expect(psql(verifyFull("127.0.0.1"), "select 1")).toEqual({ ok: true, out: "1" });
    expect(startTime()).toBe(started);
    const pendingRestart = run(...asPostgres(`${PG_BIN}/psql`, ["-X", "-At", "-h", dir, "-p", String(port), "-d", "postgres", "-c", "select count(*) from pg_settings where pending_restart"])).trim();
    expect(pendingRestart).toBe("0");
  });

  test("a client verifying with sslmode=verify-full and the CA gets TLS 1.2 or newer", () => {
    const r = psql(verifyFull("127.0.0.1"), "select ssl, version from pg_stat_ssl where pid = pg_backend_pid()");
    expect(r).toEqual({ ok: true, out: expect.stringMatching(/^t\|TLSv1\.[23]$/) });
    expect(run(...asPostgres(`${PG_BIN}/psql`, ["-X", "-At", "-h", dir, "-p", String(port), "-d", "postgres", "-c", "show ssl_min_protocol_version"])).trim()).toBe("TLSv1.2");
  });

  test("the certificate answers to the cluster's service names and any member's address (HAProxy), not to another", () => {
    for (const name of ["pg-test", "pg-test-primary", "pg-test-replica", "pg-test-1", "10.10.10.11", "10.10.10.13"]) {
      expect(`${name}: ${psql(verifyFull(name), "select 1").out}`).toBe(`${name}: 1`);
    }
    const other = psql(verifyFull("10.10.10.99"), "select 1");
    expect(other.ok).toBe(false);
    expect(other.out).toContain('does not match host name "10.10.10.99"');
    const otherCa = join(dir, "other-ca.crt");
    writeFileSync(otherCa, throwawayCa().cert);
    expect(psql(`${verifyFull("127.0.0.1")} sslrootcert=${otherCa}`, "select 1").out).toContain("certificate verify failed");
  });

  test("a hostssl line (auth: ssl) refuses a client without TLS", () => {
    const r = psql(`host=127.0.0.1 port=${port} user=dbuser_test password=t dbname=postgres sslmode=disable`, "select 1");
    expect(r.ok).toBe(false);
    expect(r.out).toContain("no encryption");
  });

  test("the replication connection Patroni builds from patroni.yml uses TLS verified by the CA", () => {
    const auth = parse(renderPatroniYml(model, cluster, member)).postgresql.authentication.replication;
    const given = { ...auth, password: "r", sslrootcert: auth.sslrootcert === CA_CERT ? pki.ca : auth.sslrootcert };
    // Patroni's own code: the leader's connection kwargs with the replication credentials, as written to primary_conninfo.
    const program = [
      "import json, sys",
      "from patroni.dcs import Member",
      "from patroni.postgresql.config import ConfigHandler",
      "leader = Member(0, 'pg-test-1', None, {'conn_url': 'postgres://127.0.0.1:%s/postgres' % sys.argv[1]})",
      "print(ConfigHandler.format_dsn(None, leader.conn_kwargs(json.loads(sys.argv[2]))))",
    ].join("\n");
    const dsn = run("/usr/bin/python3", ["-c", program, String(port), JSON.stringify(given)]).trim();
    expect(dsn).toContain("sslmode=verify-full");
    expect(dsn).toContain(`sslrootcert=${pki.ca}`);
    // A walsender connection, as the replica's walreceiver opens it: the replication line is hostssl, so only TLS gets in.
    const r = psql(`${dsn} replication=true`, "IDENTIFY_SYSTEM");
    expect(r.ok).toBe(true);
    expect(r.out).toMatch(/^\d+\|1\|/);
    expect(psql(`${dsn} replication=true sslmode=disable`, "IDENTIFY_SYSTEM").out).toContain("no encryption");
  });

  test("pgbouncer serves TLS with the same certificate to verify-full clients and refuses clients without TLS (hostssl)", () => {
    expect(psql(verifyFull("pg-test-primary", pgbPort), "select 1")).toEqual({ ok: true, out: "1" });
    const plain = psql(`host=127.0.0.1 port=${pgbPort} user=dbuser_test password=t dbname=postgres sslmode=disable`, "select 1");
    expect(plain.ok).toBe(false);
    expect(readFileSync(join(dir, "pgbouncer.log"), "utf8")).toMatch(/login attempt: db=postgres user=dbuser_test tls=TLSv1\.[23]/);
    expect(servedSerial(pgbPort)).toBe(servedSerial(port));
  });

  test("a renewed certificate is served after a reload of Postgres and pgbouncer, without a restart", async () => {
    const started = startTime();
    const before = servedSerial(port);
    // The next renewal period: the script differs, so the engine would run it again and the tls step reload.
    issuePostgresCert(dir, ca, cluster, member, new Date("2027-01-02T10:00:00Z"));
    reload();
    // What `systemctl reload pgbouncer` does (Debian's unit): SIGHUP.
    process.kill(Number(readFileSync(join(dir, "pgbouncer.pid"), "utf8").trim()), "SIGHUP");
    await new Promise((r) => setTimeout(r, 1000));
    expect(servedSerial(port)).not.toBe(before);
    expect(servedSerial(pgbPort)).toBe(servedSerial(port));
    expect(startTime()).toBe(started);
    expect(psql(verifyFull("127.0.0.1"), "select 1")).toEqual({ ok: true, out: "1" });
    expect(psql(verifyFull("127.0.0.1", pgbPort), "select 1")).toEqual({ ok: true, out: "1" });
  });
});
