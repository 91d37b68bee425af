// Real-tools tests run Postgres, pgbouncer and Patroni's fence, which refuse to run as root: as root they run as
// the postgres user, and what they must own is given to it.
import { execFileSync } from "node:child_process";
import { chownSync } from "node:fs";
import { isRoot } from "../../sandbox/host";

/** `[command, args]` that runs `cmd` as the postgres user when the test runs as root, else as it is. */
export const asPostgres = (cmd: string, args: string[]) => (isRoot() ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];

/** Gives `path` to the postgres user when the test runs as root (the tools then run as that user). */
export function chownToPostgres(path: string): void {
  if (isRoot()) chownSync(path, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
}
