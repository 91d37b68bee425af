// The rendered pg-test files checked by the real programs (real-tools tier; a missing tool fails, never skips).
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCRAPE_JOBS } from "../../config/model";
import { MAX_PASSWORD_BYTES } from "../../config/safeValues";
import { renderHaproxyCfg } from "../../render/haproxy";
import { renderPatroniYml } from "../../render/patroni";
import { renderPgHba } from "../../render/pgHba";
import { renderPgbouncerHba, renderPgbouncerIni, renderPgbouncerUserlist } from "../../render/pgbouncer";
import { renderFileSdTarget, renderPrometheusYml } from "../../render/prometheus";
import { renderPgExporterEnv } from "../../render/exporters";
import { fillPlaceholders } from "../helpers/fillPlaceholders";
import { writeLibrary } from "../helpers/stepLibrary";
import { rolesStep } from "../../steps/cluster";
import { SCRAM_FILL } from "../../steps/scram";
import { rolesSql } from "../../steps/sql";
import { pgTest } from "../helpers/inventoryFixtures";
import { issuePostgresCert, throwawayCa } from "../helpers/throwawayPki";
import { unwrapScript } from "../helpers/shellRegions";
import { asPostgres, chownToPostgres } from "../helpers/asPostgres";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const { model, secrets } = pgTest();
const cluster = model.clusters[0];
const values = Object.fromEntries(Object.keys(secrets).map((s) => [s, `test-${s.replace(/\W/g, "-")}`]));
const fill = (text: string) => fillPlaceholders(text, values);

function tool(path: string): string {
  if (!existsSync(path)) throw new Error(`real-tools tier: ${path} is missing: install haproxy patroni pgbouncer prometheus postgresql-15`);
  return path;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Health checks verify members against the stack's CA: `cfg` gets a throw-away CA made in `dir` instead. */
function withThrowawayCa(cfg: string, dir: string): string {
  const ca = join(dir, "ca.crt");
  run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "ca.key"), "-out", ca, "-subj", "/CN=test", "-days", "1"]);
  return cfg.replace(/ca-file \S+/g, `ca-file ${ca}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
    s.on("error", () => resolve(false));
  });

describe("rendered files accepted by the real tools", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-render-"));
    chmodSync(dir, 0o755);
    chownToPostgres(dir);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("haproxy -c accepts haproxy.cfg", () => {
    const file = join(dir, "haproxy.cfg");
    const cfg = fill(renderHaproxyCfg(cluster, cluster.instances[0])).replace("/run/haproxy/admin.sock", join(dir, "haproxy.sock"));
    writeFileSync(file, withThrowawayCa(cfg, dir));
    expect(run(tool("/usr/sbin/haproxy"), ["-c", "-f", file])).toContain("Configuration file is valid");
  });

  test("patroni --validate-config accepts patroni.yml", () => {
    const patroni = tool("/usr/bin/patroni");
    const help = spawnSync(patroni, ["--help"], { encoding: "utf8" });
    if (!`${help.stdout}${help.stderr}`.includes("--validate-config")) throw new Error(`installed patroni has no --validate-config`);
    for (const instance of cluster.instances) {
      const file = join(dir, `patroni-${instance.name}.yml`);
      writeFileSync(file, fill(renderPatroniYml(model, cluster, instance)));
      const r = spawnSync(patroni, ["--validate-config", file], { encoding: "utf8" });
      // No DCS runs here, so "not reachable" about etcd is the one complaint we accept.
      const complaints = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() !== "" && !/^etcd3\.hosts\.\d+ .* is not reachable'$/.test(l.trim()));
      expect({ instance: instance.name, complaints }).toEqual({ instance: instance.name, complaints: [] });
    }
  });

  test("promtool check config accepts prometheus.yml with the file-SD targets of every job", () => {
    const targets = join(dir, "targets");
    for (const job of SCRAPE_JOBS) {
      run("mkdir", ["-p", join(targets, job)]);
      for (const t of model.scrapeTargets) writeFileSync(join(targets, job, `${t.instance}.json`), renderFileSdTarget(t, job));
    }
    const file = join(dir, "prometheus.yml");
    writeFileSync(file, renderPrometheusYml(model, targets));
    const out = run(tool("/usr/bin/promtool"), ["check", "config", file]);
    expect(out).toContain("SUCCESS");
  });

  test("pgbouncer starts with the rendered ini, userlist and hba", async () => {
    const port = await freePort();
    const tls = issuePostgresCert(dir, throwawayCa(), cluster, cluster.instances[0]);
    const layout = { confDir: dir, socketDir: dir, logFile: join(dir, "pgbouncer.log"), pidFile: join(dir, "pgbouncer.pid"), listenAddr: "127.0.0.1", port, tls };
    const ini = join(dir, "pgbouncer.ini");
    writeFileSync(ini, renderPgbouncerIni(cluster, cluster.instances[0], layout));
    writeFileSync(join(dir, "userlist.txt"), fill(renderPgbouncerUserlist(cluster)));
    writeFileSync(join(dir, "pgb_hba.conf"), renderPgbouncerHba(cluster, "primary", false));
    for (const f of ["pgbouncer.ini", "userlist.txt", "pgb_hba.conf"]) chmodSync(join(dir, f), 0o644);
    run(...asPostgres(tool("/usr/sbin/pgbouncer"), ["-d", ini]));
    try {
      for (let i = 0; i < 50 && !existsSync(layout.pidFile); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await canConnect(port)).toBe(true);
    } finally {
      const pid = Number(readFileSync(layout.pidFile, "utf8").trim());
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    }
    expect(readFileSync(layout.logFile, "utf8")).not.toMatch(/FATAL|ERROR/);
  });

  test("Postgres reads every role's pg_hba.conf without errors (pg_hba_file_rules)", async () => {
    const data = join(dir, "pgdata");
    const hba = join(dir, "pg_hba.conf");
    writeFileSync(hba, renderPgHba(cluster, "primary", false));
    chmodSync(hba, 0o644);
    run(...asPostgres(tool(`${PG_BIN}/initdb`), ["-D", data, "-A", "trust", "-U", "postgres"]));
    const port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c hba_file=${hba}`;
    run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "-o", opts, "-l", join(dir, "pg.log"), "-w", "start"]));
    try {
      for (const [role, offline] of [["primary", false], ["replica", false], ["replica", true], ["offline", true]] as const) {
        writeFileSync(hba, renderPgHba(cluster, role, offline));
        const sql = "select count(*) filter (where error is not null) || ' ' || count(*) from pg_hba_file_rules";
        const out = run(...asPostgres(`${PG_BIN}/psql`, ["-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-Atc", sql])).trim();
        const [errors, total] = out.split(" ").map(Number);
        expect({ role, offline, errors }).toEqual({ role, offline, errors: 0 });
        expect(total).toBeGreaterThan(10);
      }
    } finally {
      run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]));
    }
  });
});

/**
 * One hostile password per slot: both quotes, backslash, colon, @, /, %, #, $, {{ }}, a placeholder,
 * unicode, leading and trailing spaces; the pooled user's is exactly as long as validation allows.
 */
const HOSTILE = ` "Q'uo\\te:@/%25#$` + "{HOME} $(id) `id` {{secret:pg-test/monitor|yaml}} }} é密😀 ";
const hostile: Record<string, string> = Object.fromEntries(Object.keys(secrets).map((s, i) => [s, `${HOSTILE}${i} `]));
const longest = `${"😀".repeat(230)}${HOSTILE}`;
hostile["pg-test/user/dbuser_test"] = longest.padEnd(longest.length + MAX_PASSWORD_BYTES - Buffer.byteLength(longest), "x");

describe("hostile passwords in every slot, filled by the host's filler and used by the real tools", () => {
  let dir = "";
  let pgPort = 0;
  const data = () => join(dir, "pgdata");
  const pg = (args: string[]) => run(...asPostgres(`${PG_BIN}/psql`, ["-X", "-h", dir, "-p", String(pgPort), "-U", "postgres", "-v", "ON_ERROR_STOP=1", ...args]));

  /** Runs the filler every host runs (the step library's fill-placeholders.py) over `text`, with the hostile secrets on disk. */
  function hostFill(text: string): string {
    writeFileSync(join(dir, "raw"), text);
    return run("python3", [join(writeLibrary(dir), "fill-placeholders.py"), join(dir, "secrets.json"), join(dir, "raw")]);
  }
  function write(name: string, text: string, mode = 0o644): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    chmodSync(file, mode);
    chownToPostgres(file);
    return file;
  }
  /** psql as `user` over TCP with the given environment; prints current_user. */
  function loginAs(port: number, user: string, db: string, env: Record<string, string>, sql = "select current_user") {
    const r = spawnSync(`${PG_BIN}/psql`, ["-X", "-w", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", db, "-Atc", sql], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, ...env },
      timeout: 30_000,
    });
    return `${r.stdout}${r.stderr}`.trim();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-hostile-"));
    chmodSync(dir, 0o755);
    chownToPostgres(dir);
    writeFileSync(join(dir, "secrets.json"), JSON.stringify(hostile), { mode: 0o600 });
    // Postgres with the roles as the roles step makes them: SQL whose placeholders the host turned into verifiers.
    run(...asPostgres(tool(`${PG_BIN}/initdb`), ["-D", data(), "-A", "trust", "-U", "postgres"]));
    const hba = write("pg_hba.conf", "local all postgres trust\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n");
    pgPort = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -c port=${pgPort} -c unix_socket_directories=${dir} -c hba_file=${hba}`;
    run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data(), "-o", opts, "-l", join(dir, "pg.log"), "-w", "start"]));
    write("scram.py", SCRAM_FILL);
    write("sql.in", `CREATE ROLE ${cluster.accounts.replication} LOGIN REPLICATION;\n${rolesSql(cluster)}CREATE DATABASE test OWNER dbuser_test;\n`);
    write("sql", run("python3", [join(dir, "scram.py"), join(dir, "secrets.json"), join(dir, "sql.in")]));
    pg(["-d", "postgres", "-q", "-f", join(dir, "sql")]);
  });
  afterAll(() => {
    if (dir && existsSync(join(data(), "postmaster.pid"))) run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data(), "-m", "fast", "-w", "stop"]));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the SCRAM verifiers in SQL let every account log in with its hostile password", () => {
    for (const [user, s] of [["dbuser_dba", "pg-test/admin"], ["dbuser_monitor", "pg-test/monitor"], ["replicator", "pg-test/replication"], ["dbuser_test", "pg-test/user/dbuser_test"]]) {
      expect(loginAs(pgPort, user, "postgres", { PGPASSWORD: hostile[s] })).toBe(user);
    }
  });

  test("the roles step's pgpass line lets psql log in as the admin", () => {
    const script = unwrapScript(rolesStep(cluster).create);
    const m = /cat >"\$work\/pgpass\.in" <<'(\w+)'\n([^\n]*)\n\1\n/.exec(script);
    if (!m) throw new Error("no pgpass here-document in the roles step");
    const pgpass = write("pgpass", hostFill(m[2]), 0o600);
    expect(loginAs(pgPort, "dbuser_dba", "postgres", { PGPASSFILE: pgpass })).toBe("dbuser_dba");
  });

  test("pgbouncer authenticates users through userlist.txt and logs in to Postgres with the same password", async () => {
    const port = await freePort();
    const c = { ...cluster, ports: { ...cluster.ports, postgres: pgPort, pgbouncer: port } };
    const tls = issuePostgresCert(dir, throwawayCa(), c, c.instances[0]);
    const layout = { confDir: dir, socketDir: dir, logFile: join(dir, "pgbouncer.log"), pidFile: join(dir, "pgbouncer.pid"), listenAddr: "127.0.0.1", port, tls };
    const ini = write("pgbouncer.ini", renderPgbouncerIni(c, c.instances[0], layout));
    write("userlist.txt", hostFill(renderPgbouncerUserlist(c)));
    write("pgb_hba.conf", renderPgbouncerHba(c, "primary", false));
    run(...asPostgres(tool("/usr/sbin/pgbouncer"), ["-d", ini]));
    try {
      for (let i = 0; i < 50 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 100));
      // Through the pool to Postgres: pgbouncer checks the client, then logs in with the userlist password.
      expect(loginAs(port, "dbuser_test", "test", { PGPASSWORD: hostile["pg-test/user/dbuser_test"] })).toBe("dbuser_test");
      expect(loginAs(port, "dbuser_test", "test", { PGPASSWORD: "wrong" })).toMatch(/SASL authentication failed/);
      // Why pgbouncer_exporter_port is refused (config/varsSchema.ts): Debian 12's exporter asks SHOW STATS for
      // total_requests, which this pgbouncer no longer has. The monitor user (a stats_user) reads the header.
      const r = spawnSync(`${PG_BIN}/psql`, ["-X", "-w", "-h", "127.0.0.1", "-p", String(port), "-U", cluster.accounts.monitor, "-d", "pgbouncer", "-Ac", "SHOW STATS"], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, PGPASSWORD: hostile["pg-test/monitor"] },
      });
      const header = r.stdout.split("\n")[0].split("|");
      expect(header).toEqual(expect.arrayContaining(["database", "total_query_count"]));
      expect(header).not.toContain("total_requests");
    } finally {
      const pid = Number(readFileSync(layout.pidFile, "utf8").trim());
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    }
  });

  test("the postgres exporter's environment file reads back to the password, which logs in", () => {
    const env = write("postgres-exporter", hostFill(renderPgExporterEnv(cluster, cluster.instances[0])));
    const pass = run("bash", ["-c", `set -a; . ${env}; printf %s "$DATA_SOURCE_PASS"`]);
    expect(pass).toBe(hostile["pg-test/monitor"]);
    expect(loginAs(pgPort, "dbuser_monitor", "postgres", { PGPASSWORD: pass })).toBe("dbuser_monitor");
  });

  test("patroni.yml loads in Python's YAML (as Patroni reads it) to the exact passwords", () => {
    const file = write("patroni.yml", hostFill(renderPatroniYml(model, cluster, cluster.instances[0])));
    const read = "import json, sys, yaml; d = yaml.safe_load(open(sys.argv[1], encoding='utf-8')); a = d['postgresql']['authentication']; " +
      "print(json.dumps([d['restapi']['authentication']['password'], a['superuser']['password'], a['replication']['password'], a['rewind']['password']]))";
    expect(JSON.parse(run("python3", ["-c", read, file]))).toEqual([hostile["pg-test/patroni_api"], hostile["pg-test/superuser"], hostile["pg-test/replication"], hostile["pg-test/replication"]]);
  });

  test("haproxy -c accepts haproxy.cfg, and its admin page lets in exactly the hostile password", async () => {
    const cfg = hostFill(renderHaproxyCfg(cluster, cluster.instances[0]));
    const full = write("haproxy.cfg", withThrowawayCa(cfg.replace("/run/haproxy/admin.sock", join(dir, "haproxy.sock")), dir));
    expect(run(tool("/usr/sbin/haproxy"), ["-c", "-f", full])).toContain("Configuration file is valid");
    // Only the admin section runs (on a free loopback port), so no service port of this machine is taken.
    const port = await freePort();
    const admin = /^listen admin\n[\s\S]*?\n\n/m.exec(cfg)?.[0].replace(/^ {4}bind .*$/m, `    bind 127.0.0.1:${port}`);
    if (!admin) throw new Error("no listen admin section");
    const mini = write("admin.cfg", `defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n\n${admin}`);
    const proc = spawn("/usr/sbin/haproxy", ["-db", "-f", mini], { stdio: "ignore" });
    const status = (auth: string) =>
      new Promise<number>((resolve, reject) => get({ host: "127.0.0.1", port, path: "/", auth }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on("error", reject));
    try {
      for (let i = 0; i < 50 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await status(`${cluster.haproxyAdmin.username}:${hostile["pg-test/haproxy_admin"]}`)).toBe(200);
      expect(await status(`${cluster.haproxyAdmin.username}:${hostile["pg-test/haproxy_admin"].trim()}`)).toBe(401);
    } finally {
      proc.kill("SIGTERM");
    }
  });
});
