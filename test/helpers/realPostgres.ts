// What the real-tools tests against a temporary Postgres 15 share: its binaries, running them as postgres when root, a free port.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { isRoot as runsAsRoot } from "../../sandbox/host";

export { asPostgres, chownToPostgres } from "./asPostgres";
export const PG_BIN = "/usr/lib/postgresql/15/bin";
export const isRoot = runsAsRoot();

/** Runs a program, failing (never skipping) when it is missing or exits non-zero; its stdout. */
export function run(cmd: string, args: string[], input?: string): string {
  if (!existsSync(cmd) && cmd.startsWith("/")) throw new Error(`real-tools tier: ${cmd} is missing: install postgresql-15, pgbouncer and patroni`);
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A TCP port nothing listens on at the moment, on loopback. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
