// The backup part of the sandbox bench: on the bench stack's pg-test, a data set made by pgbench -i, then our full
// backup (pgBackRest into the repository on the infra node, compressed and encrypted) beside pg_basebackup from the
// leader to the same host (plain, and zstd-compressed tar), and a restore of that backup beside the backup's time.
import { sshOk } from "../test/e2e/helpers/sandbox";

const log = (line: string) => process.stdout.write(`${line}\n`);
const REPO = "meta";
const SCRATCH = "/var/tmp/pigsty-bench";

export interface BackupFigures {
  dataBytes: number;
  pgbenchScale: number;
  ours: number;
  basebackupPlain: number;
  basebackupZstd: number;
  restore: number;
}

/** Seconds a command on a node takes (ssh included; the same for each side). */
async function timed(node: string, command: string, input?: string): Promise<number> {
  const t = Date.now();
  await sshOk(node, command, { ...(input !== undefined && { input }), timeoutMs: 3_600_000 });
  return (Date.now() - t) / 1000;
}

/**
 * pgbench's tables at `scale` (about 15 MB each) in database test on the leader, then the three copies to the
 * repository host, each from the same data, and the restore of our backup into a scratch directory there.
 */
export async function backupBench(leader: string, leaderIp: string, scale = Number(process.env.BENCH_PGBENCH_SCALE ?? 150)): Promise<BackupFigures> {
  log(`  backup: pgbench -i -s ${scale} on ${leader}`);
  await sshOk(leader, `sudo -iu postgres pgbench -i -q -s ${scale} test`, { timeoutMs: 3_600_000 });
  const dataBytes = Number(await sshOk(leader, `sudo -iu postgres psql -X -At -c "SELECT sum(pg_database_size(oid)) FROM pg_database"`));
  await sshOk(REPO, "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-client-15 >/dev/null", { timeoutMs: 600_000 });
  // The replication password, from the leader's patroni.yml to the repository host's pg_basebackup on stdin only.
  const password = await sshOk(leader, "sudo python3 -c 'import yaml; print(yaml.safe_load(open(\"/pg/bin/patroni.yml\"))[\"postgresql\"][\"authentication\"][\"replication\"][\"password\"])'");
  const basebackup = (dir: string, format: string) =>
    `sudo rm -rf ${SCRATCH} && sudo install -d -o "$(id -un)" ${SCRATCH} && PGPASSWORD="$(cat)" /usr/lib/postgresql/15/bin/pg_basebackup -h ${leaderIp} -U replicator -D ${SCRATCH}/${dir} -X stream -c fast ${format}`;

  const ours = await timed(REPO, "sudo /usr/local/bin/pigsty-backup backup pg-test full");
  log(`  backup: ours (pgBackRest, zstd, aes-256-cbc) ${ours.toFixed(1)} s`);
  const basebackupPlain = await timed(REPO, basebackup("plain", "-Fp"), password);
  log(`  backup: pg_basebackup plain ${basebackupPlain.toFixed(1)} s`);
  const basebackupZstd = await timed(REPO, basebackup("tar", "-Ft --compress=client-zstd"), password);
  log(`  backup: pg_basebackup tar, zstd ${basebackupZstd.toFixed(1)} s`);
  // The repository host restores locally: its own config (the repository and its passphrase) without the stanza's
  // member list (an empty include directory instead of conf.d: pgBackRest refuses a missing one), into a scratch
  // directory.
  const restore = await timed(
    REPO,
    `sudo rm -rf ${SCRATCH} && sudo install -d -o postgres ${SCRATCH} ${SCRATCH}/none && sudo -u postgres pgbackrest --stanza=pg-test --config-include-path=${SCRATCH}/none --pg1-path=${SCRATCH}/restore --type=immediate restore`,
  );
  log(`  backup: restore of our newest full backup ${restore.toFixed(1)} s`);
  await sshOk(REPO, `sudo rm -rf ${SCRATCH}`);
  await sshOk(leader, "sudo -iu postgres psql -X -q -d test -c 'DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers'");
  return { dataBytes, pgbenchScale: scale, ours, basebackupPlain, basebackupZstd, restore };
}

/** The figures as lines of the bench's table: ratios side by side. */
export function backupLines(f: BackupFigures): string[] {
  const gb = (f.dataBytes / 1024 ** 3).toFixed(2);
  return [
    `backup of ${gb} GB (pgbench -s ${f.pgbenchScale}) to the infra node: ours ${f.ours.toFixed(1)} s, pg_basebackup plain ${f.basebackupPlain.toFixed(1)} s ` +
      `(ours ${(f.ours / f.basebackupPlain).toFixed(2)} x), pg_basebackup zstd tar ${f.basebackupZstd.toFixed(1)} s (ours ${(f.ours / f.basebackupZstd).toFixed(2)} x)`,
    `restore of that backup on the repository host ${f.restore.toFixed(1)} s: ${(f.restore / f.ours).toFixed(2)} x the backup's time`,
  ];
}
