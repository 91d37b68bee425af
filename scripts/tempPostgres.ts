// A throw-away PostgreSQL 15 in a temporary directory, reachable only on its unix socket there, stopped by its PID.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export const PG15_BIN = "/usr/lib/postgresql/15/bin";

/** Postgres refuses to run as root: then every command runs as the postgres user. */
const isRoot = userInfo().uid === 0;
const asPostgres = (cmd: string, args: string[]): [string, string[]] => (isRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]);

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(...asPostgres(cmd, args), { encoding: "utf8", input, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface TempPostgres {
  /** Runs psql (unaligned, tuples only) on the postgres database with `script` on stdin; stops at the first error unless told not to. */
  psql(script: string, opts?: { stopOnError?: boolean }): string;
  /** Stops the server by its postmaster PID (fast shutdown) and removes the directory. */
  stop(): void;
}

/** Starts a PostgreSQL 15 with `settings` on its command line (e.g. shared_preload_libraries); no TCP listener. */
export function startTempPostgres(settings: Record<string, string> = {}): TempPostgres {
  if (!existsSync(join(PG15_BIN, "postgres"))) throw new Error(`${PG15_BIN}/postgres is missing: install postgresql-15`);
  const dir = mkdtempSync(join(tmpdir(), "pigsty-pg15-"));
  chmodSync(dir, 0o755);
  if (isRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  const data = join(dir, "data");
  run(join(PG15_BIN, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const opts = Object.entries({ listen_addresses: "", unix_socket_directories: dir, ...settings }).map(([k, v]) => `-c ${k}='${v}'`);
  run(join(PG15_BIN, "pg_ctl"), ["-D", data, "-o", opts.join(" "), "-l", join(dir, "pg.log"), "-w", "start"]);
  const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    psql: (script, { stopOnError = true } = {}) =>
      run(join(PG15_BIN, "psql"), ["-X", "-q", "-A", "-t", "-v", `ON_ERROR_STOP=${stopOnError ? 1 : 0}`, "-h", dir, "-U", "postgres", "-d", "postgres"], script),
    stop() {
      try {
        process.kill(pid, "SIGINT");
        for (let i = 0; i < 600 && isAlive(pid); i++) spawnSync("sleep", ["0.1"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
