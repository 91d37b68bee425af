// Write availability through HAProxy's primary service during a planned switchover (by config) and after the
// leader is killed hard, measured with a bounded write loop on the sandbox. The figures are printed, not asserted
// (shared machines are noisy); what is asserted is that no acknowledged write is lost.
import { passwords, psql, settled, sleep, waitMembers } from "./helpers/cluster";
import { apply, freshDeployment, type Deployment } from "./helpers/scenario";
import { describeIfRoot, sshOk, sshRun } from "./helpers/sandbox";

const members = ["pg-test-1", "pg-test-2", "pg-test-3"];
const log = (line: string) => process.stdout.write(`${line}\n`);

interface WriteLoop {
  acked: string[];
  failed: number;
  /** Longest time between two acknowledged writes, in seconds. */
  outage: number;
}

/**
 * Runs `action` while pg-test-3 (offline, never elected) writes one row every 50 ms through its own HAProxy's
 * 5433 for `seconds`; each write is bounded by a 3 s timeout.
 */
async function duringWrites(label: string, action: () => Promise<void>, seconds = 60): Promise<WriteLoop> {
  const loop = [
    'read -r PGPASSWORD; export PGPASSWORD PGCONNECT_TIMEOUT=2',
    `end=$((SECONDS + ${seconds})); i=0`,
    'while [ $SECONDS -lt $end ]; do',
    '  i=$((i + 1)); t=$(date +%s.%N)',
    `  if timeout 3 psql -X -q -h 10.10.10.13 -p 5433 -U dbuser_test -d test -c "INSERT INTO outage VALUES ('${label}-$i')" >/dev/null 2>&1; then echo "ok ${label}-$i $t"; else echo "fail $i $t"; fi`,
    '  sleep 0.05',
    'done',
  ].join("\n");
  const running = sshRun("pg-test-3", `bash -c '${loop.replace(/'/g, `'\\''`)}'`, { input: `${passwords.dbuser_test}\n`, timeoutMs: (seconds + 30) * 1000 });
  await sleep(3000);
  await action();
  const out = (await running).stdout.trim().split("\n");
  const acked = out.filter((l) => l.startsWith("ok ")).map((l) => l.split(" "));
  let outage = 0;
  for (let k = 1; k < acked.length; k++) outage = Math.max(outage, Number(acked[k][2]) - Number(acked[k - 1][2]));
  return { acked: acked.map((a) => a[1]), failed: out.filter((l) => l.startsWith("fail ")).length, outage };
}

async function expectAllKept(acked: string[], label: string) {
  const leaderRows = await psql("10.10.10.13", 5433, `SELECT count(*) FROM outage WHERE v LIKE '${label}-%' AND v = ANY(string_to_array('${acked.join(",")}', ','))`);
  expect(Number(leaderRows.trim())).toBe(acked.length);
}

describeIfRoot("write outage through 5433 (figures printed)", () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await freshDeployment(4, members);
    await waitMembers(settled(members));
    await psql("10.10.10.11", 5433, "CREATE TABLE IF NOT EXISTS outage(v text PRIMARY KEY)");
  }, 1_800_000);

  it("a planned switchover by config (S10) loses no acknowledged write", async () => {
    const r = await duringWrites("switchover", async () => {
      await apply(d, "switchover", (i) => {
        i.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "replica";
        i.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
      });
    });
    log(`switchover by config: writes unavailable ${r.outage.toFixed(1)} s (longest gap), ${r.acked.length} acknowledged, ${r.failed} refused`);
    expect(r.acked.length).toBeGreaterThan(0);
    await expectAllKept(r.acked, "switchover");
  }, 600_000);

  it("the leader killed hard and kept down (S8) loses no acknowledged write, and nothing fails back", async () => {
    const r = await duringWrites("killed", async () => {
      // Patroni and its Postgres die at once; stopping the dead unit keeps systemd from restarting it (after 5 s),
      // so the member stays down like a crashed host and its leader key has to expire.
      await sshOk("pg-test-2", "sudo systemctl kill -s KILL patroni && sudo systemctl stop patroni");
    }, 75);
    log(`leader killed hard: writes unavailable ${r.outage.toFixed(1)} s (longest gap), ${r.acked.length} acknowledged, ${r.failed} refused`);
    expect(r.acked.length).toBeGreaterThan(0);
    await expectAllKept(r.acked, "killed");
    const ms = await waitMembers((m) => m.some((x) => x.Role === "Leader" && x.Member !== "pg-test-2"), 120, "pg-test-1");
    expect(ms.find((x) => x.Role === "Leader")?.Member).toBe("pg-test-1");
    // The old leader comes back as a replica: nothing fails back.
    await sshOk("pg-test-2", "sudo systemctl start patroni");
    const back = await waitMembers(settled(members), 180, "pg-test-1");
    expect(back.find((x) => x.Role === "Leader")?.Member).toBe("pg-test-1");
  }, 600_000);
});
