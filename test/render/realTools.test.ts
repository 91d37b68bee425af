// The rendered pg-test files checked by the real programs (REAL_TOOLS=1; a missing tool fails, never skips).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { renderHaproxyCfg } from "../../render/haproxy";
import { renderPatroniYml } from "../../render/patroni";
import { renderPgHba } from "../../render/pgHba";
import { renderPgbouncerHba, renderPgbouncerIni, renderPgbouncerUserlist } from "../../render/pgbouncer";
import { renderFileSdTarget, renderPrometheusYml } from "../../render/prometheus";
import { fillPlaceholders } from "../../render/secrets";
import { pgTest } from "../helpers/inventoryFixtures";

const enabled = process.env.REAL_TOOLS === "1";
const PG_BIN = "/usr/lib/postgresql/15/bin";
const { model, secrets } = pgTest();
const cluster = model.clusters[0];
const values = Object.fromEntries(Object.keys(secrets).map((s) => [s, `test-${s.replace(/\W/g, "-")}`]));
const fill = (text: string) => fillPlaceholders(text, values);
const isRoot = userInfo().uid === 0;
/** Postgres and pgbouncer refuse to run as root: run them as the postgres user then. */
const asPostgres = (cmd: string, args: string[]) => (isRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];

function tool(path: string): string {
  if (!existsSync(path)) throw new Error(`REAL_TOOLS=1 but ${path} is missing: install haproxy patroni pgbouncer prometheus postgresql-15`);
  return path;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
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

const describeReal = enabled ? describe : describe.skip;

describeReal("rendered files accepted by the real tools", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-render-"));
    chmodSync(dir, 0o755);
    if (isRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("haproxy -c accepts haproxy.cfg", () => {
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, fill(renderHaproxyCfg(cluster, cluster.instances[0])).replace("/run/haproxy/admin.sock", join(dir, "haproxy.sock")));
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

  test("promtool check config accepts prometheus.yml with the file-SD targets", () => {
    const targets = join(dir, "targets");
    run("mkdir", ["-p", targets]);
    for (const t of model.scrapeTargets) writeFileSync(join(targets, `${t.instance}.json`), renderFileSdTarget(t));
    const file = join(dir, "prometheus.yml");
    writeFileSync(file, renderPrometheusYml(model, targets));
    const out = run(tool("/usr/bin/promtool"), ["check", "config", file]);
    expect(out).toContain("SUCCESS");
  });

  test("pgbouncer starts with the rendered ini, userlist and hba", async () => {
    const port = await freePort();
    const layout = { confDir: dir, socketDir: dir, logFile: join(dir, "pgbouncer.log"), pidFile: join(dir, "pgbouncer.pid"), listenAddr: "127.0.0.1", port };
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

test("real-tool checks are opt-in with REAL_TOOLS=1", () => {
  expect(["1", undefined, "0", ""]).toContain(process.env.REAL_TOOLS);
});
