// Against a real Postgres 15 (real-tools tier; a missing tool fails, never skips): the fence systemd runs after
// Patroni exits stops Postgres only when Patroni died outside maintenance mode.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderPatroniFence } from "../../render/systemd";
import { pgTest } from "../helpers/inventoryFixtures";
import { asPostgres, chownToPostgres } from "../helpers/asPostgres";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const cluster = pgTest().model.clusters[0];

describe("the fence against a real Postgres 15", () => {
  let dir = "";
  let data = "";
  let fence = "";
  const running = () => spawnSync(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "status"])).status === 0;
  const runFence = (result: string | undefined) => {
    const env = { ...process.env, SERVICE_RESULT: result };
    if (result === undefined) delete env.SERVICE_RESULT;
    const r = spawnSync(...asPostgres("/bin/sh", [fence]), { encoding: "utf8", env, timeout: 60_000 });
    expect(r.status).toBe(0);
    return r.stdout;
  };
  const start = () => {
    if (running()) return;
    const opts = `-c listen_addresses='' -c unix_socket_directories=${dir}`;
    const r = spawnSync(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "-o", opts, "-l", join(dir, "pg.log"), "-w", "start"]), { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  };

  beforeAll(() => {
    if (!existsSync(`${PG_BIN}/initdb`)) throw new Error(`real-tools tier: ${PG_BIN}/initdb is missing: install postgresql-15`);
    dir = mkdtempSync(join(tmpdir(), "pigsty-fence-"));
    chmodSync(dir, 0o755);
    chownToPostgres(dir);
    data = join(dir, "data");
    execFileSync(...asPostgres(`${PG_BIN}/initdb`, ["-D", data, "-A", "trust", "-U", "postgres"]));
    fence = join(dir, "patroni-fence");
    writeFileSync(fence, renderPatroniFence({ ...cluster, dataDir: data, binDir: PG_BIN }));
    chmodSync(fence, 0o755);
  });
  afterAll(() => {
    if (data && running()) spawnSync(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a stop on purpose leaves Postgres alone", () => {
    start();
    runFence("success");
    runFence(undefined);
    expect(running()).toBe(true);
  });

  test("a Patroni that died while the cluster is paused leaves Postgres running", () => {
    start();
    writeFileSync(join(data, "patroni.dynamic.json"), JSON.stringify({ ttl: 30, pause: true }));
    expect(runFence("signal")).toContain("maintenance mode: Postgres keeps running");
    expect(running()).toBe(true);
  });

  test("a Patroni killed or crashed outside maintenance takes its Postgres down", () => {
    start();
    writeFileSync(join(data, "patroni.dynamic.json"), JSON.stringify({ ttl: 30, pause: false }));
    expect(runFence("signal")).toContain("stopping Postgres");
    expect(running()).toBe(false);
    start();
    rmSync(join(data, "patroni.dynamic.json"));
    runFence("exit-code");
    expect(running()).toBe(false);
    // Nothing left to stop: the fence still succeeds, so systemd goes on to restart Patroni.
    runFence("signal");
  });
});
