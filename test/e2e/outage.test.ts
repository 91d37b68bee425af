// Write availability through HAProxy's primary service during a planned switchover (by config) and after the
// leader is killed hard, measured with a bounded write loop on the sandbox. The figures are printed, not asserted
// (shared machines are noisy); what is asserted is that no acknowledged write is lost.
import { settled, waitMembers } from "./helpers/cluster";
import { describeLoop, duringWrites, expectAllKept } from "./helpers/writes";
import { apply, freshDeployment, type Deployment } from "./helpers/scenario";
import { describeIfRoot, sshOk } from "./helpers/sandbox";

const members = ["pg-test-1", "pg-test-2", "pg-test-3"];
const log = (line: string) => process.stdout.write(`${line}\n`);

describeIfRoot("write outage through 5433 (figures printed)", () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await freshDeployment(4, members);
    await waitMembers(settled(members));
  }, 1_800_000);

  it("a planned switchover by config (S10) loses no acknowledged write", async () => {
    const r = await duringWrites("switchover", async () => {
      await apply(d, "switchover", (i) => {
        i.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "replica";
        i.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
      });
    }, { afterSeconds: 10 });
    log(describeLoop("switchover by config", r));
    await expectAllKept(r, "switchover");
  }, 600_000);

  it("the leader killed hard and kept down (S8) loses no acknowledged write, and nothing fails back", async () => {
    const r = await duringWrites("killed", async () => {
      // Patroni and its Postgres die at once; stopping the dead unit keeps systemd from restarting it (after 5 s),
      // so the member stays down like a crashed host and its leader key has to expire.
      await sshOk("pg-test-2", "sudo systemctl kill -s KILL patroni && sudo systemctl stop patroni");
    }, { afterSeconds: 70 });
    log(describeLoop("leader killed hard", r));
    await expectAllKept(r, "killed");
    const ms = await waitMembers((m) => m.some((x) => x.Role === "Leader" && x.Member !== "pg-test-2"), 120, "pg-test-1");
    expect(ms.find((x) => x.Role === "Leader")?.Member).toBe("pg-test-1");
    // The old leader comes back as a replica: nothing fails back.
    await sshOk("pg-test-2", "sudo systemctl start patroni");
    const back = await waitMembers(settled(members), 180, "pg-test-1");
    expect(back.find((x) => x.Role === "Leader")?.Member).toBe("pg-test-1");
  }, 600_000);
});
