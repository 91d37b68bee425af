// A bounded write loop on the sandbox during a disruptive step: one row every 50 ms through pg-test-3's own HAProxy
// (5433, the primary service), each write bounded by a 3 s timeout. Rows are acknowledged or refused; an acknowledged
// row must never be lost, and the longest gap between two acknowledgements is the outage.
import { passwords, psql, sleep } from "./cluster";
import { sshOk, sshRun } from "./sandbox";

export interface WriteLoop {
  /** Row values acknowledged by the primary. */
  acked: string[];
  failed: number;
  /** Longest time between two acknowledged writes, in seconds. */
  outage: number;
}

const WRITER = "pg-test-3";
const STOP = "/tmp/pigsty-e2e-writes.stop";

/**
 * Runs `action` while the loop writes into table `writes`; keeps writing `afterSeconds` after it (to see the
 * recovery), and at most `maxSeconds` in all.
 */
export async function duringWrites(label: string, action: () => Promise<void>, opts: { afterSeconds?: number; maxSeconds?: number } = {}): Promise<WriteLoop> {
  const { afterSeconds = 5, maxSeconds = 600 } = opts;
  await psql("10.10.10.13", 5433, "CREATE TABLE IF NOT EXISTS writes(v text PRIMARY KEY)", WRITER);
  await sshOk(WRITER, `rm -f ${STOP}`);
  const loop = [
    "read -r PGPASSWORD; export PGPASSWORD PGCONNECT_TIMEOUT=2",
    `end=$((SECONDS + ${maxSeconds})); i=0`,
    `while [ $SECONDS -lt $end ] && [ ! -e ${STOP} ]; do`,
    "  i=$((i + 1)); t=$(date +%s.%N)",
    `  if timeout 3 psql -X -q -h 10.10.10.13 -p 5433 -U dbuser_test -d test -c "INSERT INTO writes VALUES ('${label}-$i')" >/dev/null 2>&1; then echo "ok ${label}-$i $t"; else echo "fail $i $t"; fi`,
    "  sleep 0.05",
    "done",
  ].join("\n");
  const running = sshRun(WRITER, `bash -c '${loop.replace(/'/g, `'\\''`)}'`, { input: `${passwords.dbuser_test}\n`, timeoutMs: (maxSeconds + 30) * 1000 });
  await sleep(3000);
  try {
    await action();
    await sleep(afterSeconds * 1000);
  } finally {
    await sshOk(WRITER, `touch ${STOP}`);
  }
  const out = (await running).stdout.trim().split("\n");
  const acked = out.filter((l) => l.startsWith("ok ")).map((l) => l.split(" "));
  let outage = 0;
  for (let k = 1; k < acked.length; k++) outage = Math.max(outage, Number(acked[k][2]) - Number(acked[k - 1][2]));
  return { acked: acked.map((a) => a[1]), failed: out.filter((l) => l.startsWith("fail ")).length, outage };
}

/** Every acknowledged row of the loop is on the primary (read through 5433). */
export async function expectAllKept(w: WriteLoop, label: string): Promise<void> {
  expect(w.acked.length).toBeGreaterThan(0);
  const kept = await psql("10.10.10.13", 5433, `SELECT count(*) FROM writes WHERE v LIKE '${label}-%' AND v = ANY(string_to_array('${w.acked.join(",")}', ','))`, WRITER);
  expect(Number(kept.trim())).toBe(w.acked.length);
}
