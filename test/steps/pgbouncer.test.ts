// pgbouncer's step reloads for everything but where it listens: TLS turned on in an existing pgbouncer.ini reaches it
// without a restart (pooled connections stay), a new port restarts it. The step's real script runs with its paths
// under a scratch directory and systemd, ss and sudo standing in.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { ClusterModel } from "../../config/model";
import { pgbouncerStep } from "../../steps/pgbouncer";
import { pgTest } from "../helpers/inventoryFixtures";
import { withLocalLibrary } from "../helpers/stepLibrary";

const { model } = pgTest();
const cluster = model.clusters[0];
const isRoot = userInfo().uid === 0;
let dir = "";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pgbouncer-step-"));
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  stub("sudo", '[ "$1" = -n ] && shift\nexec "$@"');
  // systemd: pgbouncer runs; every restart and reload is recorded.
  stub("systemctl", `case "$*" in *is-active*) exit 0;; restart*|reload*) echo "$*" >>${dir}/actions;; esac`);
  stub("ss", "echo LISTEN");
  stub("runuser", "exit 0");
  stub("no-patroni", "exit 1");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the step's create script for `c` with its host paths under the scratch dir; returns the service actions it took. */
function runStep(c: ClusterModel): string[] {
  const actions = join(dir, "actions");
  writeFileSync(actions, "");
  const moves = [["/etc/pgbouncer", "etc/pgbouncer"], ["/var/log/pigsty", "log"], ["/var/lib/pigsty", "lib"], ["/usr/local/bin/pigsty-patroni", "no-patroni"]] as const;
  let script = withLocalLibrary(dir, pgbouncerStep(model, c, c.instances[0]).create, moves.map(([from, to]) => [from, join(dir, to)]));
  // Owners are postgres:postgres; a non-root run owns the files itself.
  if (!isRoot) script = script.split("postgres:postgres").join(`${userInfo().username}:${userInfo().gid}`).split("-o postgres -g postgres").join("");
  const secrets = JSON.stringify({ "pg-test/admin": "a", "pg-test/monitor": "m", "pg-test/user/dbuser_test": "t" });
  const r = spawnSync("/bin/bash", ["-c", script], { input: secrets, encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
  if (r.status !== 0) throw new Error(`the step failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return readFileSync(actions, "utf8").split("\n").filter(Boolean);
}

test("TLS added to an existing pgbouncer.ini reloads it; an unchanged file does nothing; a new port restarts", () => {
  expect(runStep(cluster)).toEqual(["restart pgbouncer"]);
  expect(runStep(cluster)).toEqual([]);
  // An existing member's file from before TLS: the same but for the TLS lines.
  const ini = join(dir, "etc/pgbouncer/pgbouncer.ini");
  writeFileSync(ini, readFileSync(ini, "utf8").replace(/^(client|server)_tls_.*\n/gm, ""));
  expect(runStep(cluster)).toEqual(["reload pgbouncer"]);
  expect(readFileSync(ini, "utf8")).toContain("client_tls_sslmode = prefer");
  expect(runStep({ ...cluster, ports: { ...cluster.ports, pgbouncer: 6433 } })).toEqual(["restart pgbouncer"]);
});
