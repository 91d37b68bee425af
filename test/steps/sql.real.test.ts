// Against a real local Postgres 15 (real-tools tier; a missing tool fails, never skips): the databases SQL runs twice in
// a row with allowconn: false databases, and an accepted setting value reads back unchanged through Patroni's writer.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../config/load";
import { databasesSql } from "../../steps/sql";
import { rawFixture } from "../helpers/inventoryFixtures";
import { asPostgres, freePort, isRoot, PG_BIN, run } from "../helpers/realPostgres";

describe("a real Postgres 15", () => {
  let dir = "";
  let port = 0;
  const psql = (args: string[]) => run(...asPostgres(`${PG_BIN}/psql`, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", ...args]));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-pg-"));
    chmodSync(dir, 0o755);
    if (isRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
    run(...asPostgres(`${PG_BIN}/initdb`, ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres"]));
    port = await freePort();
    const opts = `-c listen_addresses='' -c port=${port} -c unix_socket_directories=${dir}`;
    run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", join(dir, "data"), "-o", opts, "-l", join(dir, "pg.log"), "-w", "start"]));
  });
  afterAll(() => {
    if (port) spawnSync(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", join(dir, "data"), "-m", "fast", "-w", "stop"]));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the databases SQL passes twice in a row with allowconn: false databases, which end closed", () => {
    const raw = rawFixture("pg-test.stack.yaml") as any;
    raw.clusters["pg-test"].vars.pg_databases = [
      { name: "test", owner: "dbuser_test", extensions: ["pg_stat_statements"], schemas: ["app"] },
      { name: "tmpl", allowconn: false, extensions: ["pg_trgm"], schemas: ["shared"] },
      { name: "archive", allowconn: false, comment: "closed" },
    ];
    const c = loadInventory(raw).model.clusters[0];
    psql(["-c", "CREATE ROLE dbuser_test LOGIN"]);
    const file = join(dir, "databases.sql");
    writeFileSync(file, databasesSql(c));
    chmodSync(file, 0o644);
    psql(["-f", file]);
    psql(["-f", file]);
    const allow = psql(["-Atc", "SELECT string_agg(datname || '=' || datallowconn, ' ' ORDER BY datname) FROM pg_database WHERE datname IN ('test','tmpl','archive')"]).trim();
    expect(allow).toBe("archive=false test=true tmpl=false");
    // The closed template got its schema and extension while it was open.
    psql(["-c", "ALTER DATABASE tmpl ALLOW_CONNECTIONS true"]);
    expect(psql(["-d", "tmpl", "-Atc", "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'shared') || ' ' || (SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm')"]).trim()).toBe("1 1");
  });

  test("a database's parameters are set, and one in another tablespace than configured is only warned about", () => {
    const raw = rawFixture("pg-test.stack.yaml") as any;
    raw.clusters["pg-test"].vars.pg_databases = [{ name: "tuned", parameters: { work_mem: "64MB", "pigsty.note": "it's" } }];
    const c = loadInventory(raw).model.clusters[0];
    const file = join(dir, "tuned.sql");
    writeFileSync(file, databasesSql(c));
    chmodSync(file, 0o644);
    psql(["-f", file]);
    expect(psql(["-Atc", "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = 'tuned'"]).trim()).toBe("work_mem=64MB,pigsty.note=it's");
    raw.clusters["pg-test"].vars.pg_databases[0].tablespace = "pg_global";
    writeFileSync(file, databasesSql(loadInventory(raw).model.clusters[0]));
    const r = spawnSync(...asPostgres(`${PG_BIN}/psql`, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-f", file]), { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("database tuned is not in tablespace pg_global as configured");
  });

  test("an accepted setting value with ' \\ and # reads back unchanged through Patroni's postgresql.conf writer", () => {
    const value = "a'b\\c # d";
    const conf = join(dir, "patroni.conf");
    const writer = [
      "import json, sys",
      "from patroni.postgresql.config import ConfigWriter",
      "with ConfigWriter(sys.argv[1]) as f:",
      "    for k, v in json.loads(sys.argv[2]).items(): f.write_param(k, v)",
    ].join("\n");
    const params = { "pigsty.probe": value, data_directory: join(dir, "data"), hba_file: join(dir, "data", "pg_hba.conf"), ident_file: join(dir, "data", "pg_ident.conf") };
    run("/usr/bin/python3", ["-c", writer, conf, JSON.stringify(params)]);
    chmodSync(conf, 0o644);
    const out = run(...asPostgres(`${PG_BIN}/postgres`, [`--config-file=${conf}`, "-C", "pigsty.probe"]));
    expect(out.trim()).toBe(value);
  });
});
