// Backups and restore through the real engine on one deployment: the first full backup of a new cluster, the
// repository's server down under writes, a replica rebuilt from the repository, and the CloudNativePG-style
// point-in-time restore into a new cluster (pg_pitr) at a time after a switchover, and the in-place restore of pg-test
// itself (blocked by the policy pack until acknowledged). On the same deployment, a one-member standby cluster
// (pg_upstream) on a seventh node, with a DCS of its own there: seeded from pg-test's backups, following it across a switchover, promoted by config
// (blocked by the policy pack until acknowledged), and the way back: pg-test demoted into its standby, rewound after a
// split brain. Figures are printed.
import { randomBytes } from "node:crypto";
import { patroniList, psql, psqlLocal, settled, sleep, waitMembers } from "./helpers/cluster";
import { pg } from "./helpers/operator";
import { apply, freshDeployment, type Deployment, type Inventory } from "./helpers/scenario";
import { describeIfRoot, sshOk } from "./helpers/sandbox";
import { DEV_POLICY_CONFIG, POLICY_PACK } from "./helpers/badChanges";
import { cliUp, plan, setInventory, tryUp } from "./helpers/engine";
import { describeLoop, duringWrites, expectAllKept } from "./helpers/writes";

const members = ["pg-test-1", "pg-test-2", "pg-test-3"];
const log = (line: string) => process.stdout.write(`${line}\n`);
/** SQL as the dbsu in database `test` on a node (the local socket). */
const onTest = (node: string, sql: string) => sshOk(node, `sudo -iu postgres psql -X -At -d test -c "${sql}"`);
const backupHelper = (args: string) => sshOk("meta", `sudo /usr/local/bin/pigsty-backup ${args}`);
const stanzaInfo = async (stanza: string) => JSON.parse(await backupHelper(`info ${stanza}`));
const leaderOf = async () => (await waitMembers(settled(members), 120)).find((m) => m.Role === "Leader")!.Member;

/** The standby cluster of pg-test on the seventh node, with a DCS of its own there (its own site's). */
const STANDBY_IP = "10.10.10.16";
const standbyCluster = (vars: Record<string, unknown> = {}) =>
  ({ hosts: { [STANDBY_IP]: { pg_seq: 1, pg_role: "primary" } }, vars: { pg_upstream: "pg-test", ...vars }, dcs: { name: "site-b", servers: { "site-b-1": STANDBY_IP } } }) as Inventory["clusters"][string];
const onStandby = (sql: string) => onTest("pg-test-6", sql);
/** Polls `check` every 200 ms for up to `seconds`; the seconds it took. */
async function secondsUntil(what: string, check: () => Promise<boolean>, seconds: number): Promise<number> {
  const t = Date.now();
  while (!(await check())) {
    if (Date.now() - t > seconds * 1000) throw new Error(`${what}: not within ${seconds} s`);
    await sleep(200);
  }
  return (Date.now() - t) / 1000;
}
const standbyRole = async () => (await patroniList("pg-test-6")).find((m) => m.Member === "pg-std-1")?.Role;

/** The restore's new cluster on the two free nodes, restored from pg-test's backups at `time`. */
const pitrCluster = (time: string) => ({
  hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" }, "10.10.10.15": { pg_seq: 2, pg_role: "replica" } },
  vars: { pg_pitr: { cluster: "pg-test", time } },
});

describeIfRoot("backups and point-in-time restore (pgBackRest on the infra node)", () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await freshDeployment(7, [...members, "pg-test-4", "pg-test-5", "pg-test-6"], "packaged");
  }, 1_800_000);

  it("the first up ended with WAL archiving on and one full backup, listed by the operator tool and in Prometheus", async () => {
    expect(await psqlLocal("pg-test-1", "SHOW archive_mode")).toBe("on");
    const listed = await pg("backups", "pg-test", "--json");
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout).backups as { type: string }[]).map((b) => b.type)).toEqual(["full"]);
    // The backup helper's metrics reach Prometheus through the repository host's node exporter.
    let series = "";
    for (let i = 0; i < 30 && !series.includes('"pg-test"'); i++) {
      series = await sshOk("meta", "curl -fsS 'http://127.0.0.1:9090/api/v1/query?query=pigsty_backup_count'");
      if (!series.includes('"pg-test"')) await sleep(2000);
    }
    expect(JSON.parse(series).data.result.map((r: { metric: { cls: string }; value: [number, string] }) => [r.metric.cls, r.value[1]])).toEqual([["pg-test", "1"]]);
  }, 180_000);

  it("an incremental backup taken with the operator tool is listed after the full one", async () => {
    const taken = await pg("backup", "pg-test", "--type", "incr");
    log(`npm run pg -- backup pg-test --type incr: exit ${taken.code}`);
    expect(taken.code).toBe(0);
    const listed = await pg("backups", "pg-test", "--json");
    expect((JSON.parse(listed.stdout).backups as { type: string }[]).map((b) => b.type)).toEqual(["full", "incr"]);
  }, 300_000);

  it("the repository's server down for a minute: writes go on, nothing acknowledged is lost, archiving catches up", async () => {
    const leader = await leaderOf();
    const before = await psqlLocal(leader, "SELECT failed_count FROM pg_stat_archiver");
    const r = await duringWrites("repository down", async () => {
      await sshOk("meta", "sudo systemctl stop pgbackrest");
      try {
        for (let i = 0; i < 3; i++) {
          await psqlLocal(leader, "SELECT pg_switch_wal()");
          await sleep(20_000);
        }
      } finally {
        await sshOk("meta", "sudo systemctl start pgbackrest");
      }
    }, { afterSeconds: 5 });
    log(describeLoop("repository server down 60 s", r));
    await expectAllKept(r, "repository down");
    const failed = Number(await psqlLocal(leader, "SELECT failed_count FROM pg_stat_archiver")) - Number(before);
    // The newest segment, switched after the server is back, reaches the repository.
    const segment = await psqlLocal(leader, "SELECT pg_walfile_name(pg_current_wal_lsn())");
    await psqlLocal(leader, "SELECT pg_switch_wal()");
    const t0 = Date.now();
    let archived = "";
    while (Date.now() - t0 < 180_000) {
      archived = await psqlLocal(leader, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
      if (archived.slice(0, 24) >= segment) break;
      await sleep(2000);
    }
    log(`archiving: ${failed} failed attempts while the repository was down; ${segment} archived ${((Date.now() - t0) / 1000).toFixed(1)} s after the switch`);
    expect(archived.slice(0, 24) >= segment).toBe(true);
    expect(((await stanzaInfo("pg-test")).archive[0].max as string) >= segment).toBe(true);
  }, 600_000);

  it("a replica rebuilt from the repository (pg_reset.postgres) while the primary serves writes", async () => {
    const r = await duringWrites("replica from repository", async () => {
      await apply(d, "rebuild pg-test-2", (i) => {
        i.clusters["pg-test"].hosts["10.10.10.12"].pg_reset = { postgres: 1 };
      });
    }, { afterSeconds: 2 });
    log(describeLoop("replica rebuilt from the repository", r));
    await expectAllKept(r, "replica from repository");
    const said = await sshOk("pg-test-2", "sudo journalctl -u patroni --since -10min --no-pager | grep -c 'replica has been created using pgbackrest' || true");
    expect(Number(said)).toBeGreaterThan(0);
    await waitMembers(settled(members), 180);
  }, 900_000);

  it("a new cluster restored at a time after a switchover holds exactly the rows before it, streams, and archives into its own stanza", async () => {
    await onTest("pg-test-1", "CREATE TABLE pitr(v int PRIMARY KEY); INSERT INTO pitr SELECT generate_series(1, 10)");
    // The timers' way: the backup helper on the repository host.
    await backupHelper("backup pg-test diff");
    // The switchover starts timeline 2: the restore has to follow it in the archive.
    await apply(d, "switchover", (i) => {
      i.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "replica";
      i.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
    });
    const leader = await leaderOf();
    expect(leader).toBe("pg-test-2");
    await onTest(leader, "INSERT INTO pitr SELECT generate_series(11, 20)");
    const target = await onTest(leader, "SELECT clock_timestamp()");
    await sleep(1500);
    await onTest(leader, "INSERT INTO pitr SELECT generate_series(21, 30)");
    await onTest(leader, "DROP TABLE pitr");

    // A target before the first backup is refused before any member of the new cluster starts.
    d.inventory.clusters["pg-pitr"] = pitrCluster("2000-01-01 00:00:00+00") as Inventory["clusters"][string];
    await setInventory(d.stack, d.inventory);
    const refused = await tryUp(d.stack);
    expect(refused.error).toContain("is before the end of pg-test's first backup");
    expect(refused.started.filter((s) => s.startsWith("pg-pitr-") && s.endsWith("-patroni"))).toEqual([]);

    const t = Date.now();
    await apply(d, "restore", (i) => {
      i.clusters["pg-pitr"] = pitrCluster(target) as Inventory["clusters"][string];
    });
    log(`restore into pg-pitr (2 members) at ${target}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(await onTest("pg-test-4", "SELECT count(*), min(v), max(v) FROM pitr")).toBe("20|1|20");
    const pitrMembers = await waitMembers(settled(["pg-pitr-1", "pg-pitr-2"]), 180, "pg-test-4");
    // Timeline 1 before the switchover, 2 after it, 3 where the restored copy was promoted.
    expect(pitrMembers.find((m) => m.Role === "Leader")?.TL).toBe(3);
    expect(await onTest("pg-test-5", "SELECT count(*) FROM pitr")).toBe("20");
    const own = await stanzaInfo("pg-pitr");
    expect(own.backup.length).toBeGreaterThan(0);
    // pg-test's stanza never saw the restored copy's timeline.
    expect(await sshOk("meta", "sudo ls /var/lib/pgbackrest/archive/pg-test/15-1/ | grep -c '^00000003.history' || true")).toBe("0");
    expect(await sshOk("meta", "sudo ls /var/lib/pgbackrest/archive/pg-pitr/15-1/ | grep -c '^00000003.history' || true")).toBe("1");
    // pg-test itself was not touched.
    expect((await patroniList("pg-test-1")).filter((m) => m.Role === "Leader").map((m) => m.Member)).toEqual(["pg-test-2"]);
  }, 1_200_000);

  it("an in-place restore of pg-test is blocked by the policy pack without the acknowledgement, and with it holds exactly the rows before its target", async () => {
    const leader = await leaderOf();
    await onTest(leader, "CREATE TABLE inplace(v int PRIMARY KEY); INSERT INTO inplace SELECT generate_series(1, 10)");
    const target = await onTest(leader, "SELECT clock_timestamp()");
    await sleep(1500);
    await onTest(leader, "INSERT INTO inplace SELECT generate_series(11, 20)");
    const timeline = (await waitMembers(settled(members), 60)).find((m) => m.Role === "Leader")!.TL!;
    const fullBefore = ((await stanzaInfo("pg-test")).backup as { type: string }[]).filter((b) => b.type === "full").length;
    const withPitr = (acknowledged: boolean) => (i: Inventory) => {
      i.clusters["pg-test"].vars.pg_pitr = { cluster: "pg-test", time: target, restore: 1, ...(acknowledged && { data_loss_acknowledged: true }) };
    };
    const pack = { policyPacks: [POLICY_PACK], policyPackConfigs: [DEV_POLICY_CONFIG] };

    withPitr(false)(d.inventory);
    await setInventory(d.stack, d.inventory);
    const blocked = await cliUp(d.stack, pack);
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toMatch(/\[mandatory\]\s+in-place-restore-acknowledged\b/);
    expect(blocked.started).toEqual([]);
    expect(await onTest(leader, "SELECT count(*) FROM inplace")).toBe("20");

    withPitr(true)(d.inventory);
    await setInventory(d.stack, d.inventory);
    const t = Date.now();
    const run = await cliUp(d.stack, pack);
    if (run.code !== 0) log(run.output.slice(-6000));
    expect(run.code).toBe(0);
    log(`in-place restore of pg-test (3 members) at ${target}: ${((Date.now() - t) / 1000).toFixed(1)} s, ${run.started.length} commands`);
    // Nothing left to do: the restore ran once for its number.
    expect(await plan(d.stack, pack)).toEqual({});
    const after = await waitMembers(settled(members), 180, "pg-test-3");
    const newLeader = after.find((m) => m.Role === "Leader")!;
    expect(newLeader.TL).toBeGreaterThan(timeline);
    for (const m of members) expect(await onTest(m, "SELECT count(*), min(v), max(v) FROM inplace")).toBe("10|1|10");
    expect(((await stanzaInfo("pg-test")).backup as { type: string }[]).filter((b) => b.type === "full").length).toBe(fullBefore + 1);
    // Writes go on, on the new timeline.
    await onTest(newLeader.Member, "INSERT INTO inplace VALUES (100)");
  }, 1_200_000);

  it("a standby cluster of pg-test, seeded from its backups, follows it within seconds and serves its users through pgbouncer", async () => {
    // Refused before any command runs.
    d.inventory.clusters["pg-std"] = standbyCluster({ pg_upstream: "pg-std" });
    await setInventory(d.stack, d.inventory);
    const refused = await tryUp(d.stack);
    expect(refused.error).toContain("clusters.pg-std.vars.pg_upstream: names pg-std itself");
    expect(refused.started).toEqual([]);

    // One replication password for both clusters (the program warns without it): the way back authenticates after a
    // promotion. From here on the inventory holds a password, so the stack keeps it as a secret.
    const t = Date.now();
    await apply(d, "standby cluster", (i) => {
      (i as Inventory & { vars?: Record<string, unknown> }).vars = { pg_replication_password: randomBytes(12).toString("hex") };
      i.clusters["pg-std"] = standbyCluster();
    }, true);
    log(`standby cluster pg-std (1 member) created and seeded: up ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(await standbyRole()).toBe("Standby Leader");
    // Its Patroni keeps its state in its own DCS, not in the stack's.
    expect(await sshOk("pg-test-6", "sudo grep -A3 '^etcd3:' /pg/bin/patroni.yml")).toContain(`${STANDBY_IP}:2379`);
    const seeded = await sshOk("pg-test-6", "sudo journalctl -u patroni --no-pager | grep -c 'replica has been created using pgbackrest' || true");
    expect(Number(seeded)).toBeGreaterThan(0);

    const leader = await leaderOf();
    await onTest(leader, "CREATE TABLE standby_follow(v int PRIMARY KEY); INSERT INTO standby_follow VALUES (1)");
    const seen = await secondsUntil("a row of pg-test on pg-std", async () => (await onStandby("SELECT count(*) FROM pg_tables WHERE tablename = 'standby_follow'")) === "1" && (await onStandby("SELECT count(*) FROM standby_follow")) === "1", 30);
    log(`a row committed on pg-test is on pg-std after ${seen.toFixed(1)} s`);

    // Lag under the write loop, from the operator tool: bytes behind pg-test's leader and replay delay.
    const lags: string[] = [];
    await duringWrites("standby lag", async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(2000);
        const listed = await pg("list", "pg-std", "--json");
        expect(listed.code).toBe(0);
        const standby = JSON.parse(listed.stdout)[0].standby;
        expect([standby.upstream, standby.standbyLeader]).toEqual(["pg-test", "pg-std-1"]);
        lags.push(`${standby.replayLagBytes} B / ${standby.replayDelaySeconds} s`);
      }
    }, { afterSeconds: 0 });
    log(`pg-std's replay lag under the write loop (npm run pg -- list pg-std --json): ${lags.join(", ")}`);
    // pgbouncer on the standby takes pg-test's user with pg-test's password, read-only.
    expect(await psql(STANDBY_IP, 6432, "SELECT current_user, pg_is_in_recovery()")).toBe("dbuser_test|t");
  }, 900_000);

  it("a switchover on pg-test changes nothing on the standby cluster; promoted by config (blocked until acknowledged) it takes writes, with every row acknowledged on pg-test", async () => {
    await apply(d, "switchover while followed", (i) => {
      i.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "primary";
      i.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "replica";
    }, true);
    const leader = await leaderOf();
    expect(leader).toBe("pg-test-1");
    await onTest(leader, "INSERT INTO standby_follow VALUES (2)");
    await secondsUntil("the row after the switchover on pg-std", async () => (await onStandby("SELECT count(*) FROM standby_follow")) === "2", 30);
    expect(await standbyRole()).toBe("Standby Leader");

    // Writes on pg-test, then stopped (the site's applications moved); the standby replays the last of them.
    const r = await duringWrites("before promotion", async () => void (await sleep(8000)), { afterSeconds: 0 });
    await expectAllKept(r, "before promotion");
    const lsn = await psqlLocal(leader, "SELECT pg_current_wal_lsn()");
    await secondsUntil("pg-std replays pg-test's last write", async () => (await psqlLocal("pg-test-6", `SELECT pg_last_wal_replay_lsn() >= '${lsn}'`)) === "t", 60);

    // The first site's DCS down for longer than a ttl: pg-std, on its own DCS, keeps its standby leader.
    await sshOk("meta", "sudo systemctl stop etcd");
    try {
      await sleep(25_000);
      expect(await standbyRole()).toBe("Standby Leader");
      expect(await psqlLocal("pg-test-6", "SELECT pg_is_in_recovery()")).toBe("t");
    } finally {
      await sshOk("meta", "sudo systemctl start etcd");
    }
    log("the first site's DCS down for 25 s: pg-std, on its own DCS, kept its standby leader");
    await waitMembers(settled(members), 120);

    const pack = { policyPacks: [POLICY_PACK], policyPackConfigs: [DEV_POLICY_CONFIG] };
    delete d.inventory.clusters["pg-std"].vars.pg_upstream;
    await setInventory(d.stack, d.inventory, true);
    const blocked = await cliUp(d.stack, pack);
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toMatch(/\[mandatory\]\s+standby-promotion-acknowledged\b/);
    expect(blocked.output).toContain("two clusters accept writes");
    expect(blocked.started).toEqual([]);
    expect(await standbyRole()).toBe("Standby Leader");

    d.inventory.clusters["pg-std"].vars.pg_promotion_acknowledged = true;
    await setInventory(d.stack, d.inventory, true);
    const t = Date.now();
    const run = await cliUp(d.stack, pack);
    if (run.code !== 0) log(run.output.slice(-6000));
    expect(run.code).toBe(0);
    log(`promotion of pg-std by config: up ${((Date.now() - t) / 1000).toFixed(1)} s, ${run.started.length} commands`);
    expect(await standbyRole()).toBe("Leader");
    expect(await onStandby(`SELECT count(*) FROM writes_before_promotion WHERE v = ANY('{${r.ackedRows.join(",")}}'::int[])`)).toBe(String(r.acked));
    await onStandby("INSERT INTO standby_follow VALUES (3)");
    // It archives into its own stanza, with a first full backup; pg-test keeps no slot for it.
    expect(((await stanzaInfo("pg-std")).backup as unknown[]).length).toBeGreaterThan(0);
    expect(await psqlLocal(leader, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'standby_pg_std'")).toBe("0");
    expect(await plan(d.stack, pack)).toEqual({});
  }, 900_000);

  it("the way back: pg-test, its users moved to pg-std, becomes pg-std's standby cluster, rewound onto pg-std's timeline", async () => {
    // Split brain: pg-test still took a write after pg-std's promotion; the way back discards it.
    await onTest(await leaderOf(), "INSERT INTO standby_follow VALUES (100)");
    const since = Math.floor(Date.now() / 1000);
    const t = Date.now();
    await apply(d, "demotion of pg-test", (i) => {
      const test = i.clusters["pg-test"].vars;
      const std = i.clusters["pg-std"].vars;
      std.pg_users = test.pg_users;
      std.pg_databases = test.pg_databases;
      delete std.pg_promotion_acknowledged;
      delete test.pg_users;
      delete test.pg_databases;
      delete test.pg_pitr;
      test.pg_upstream = "pg-std";
    }, true);
    log(`pg-test (3 members) demoted into a standby cluster of pg-std: up ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const after = await waitMembers((ms) => ms.length === 3 && ms.some((m) => m.Role === "Standby Leader") && ms.every((m) => ["running", "streaming"].includes(m.State)), 180);
    const standbyLeader = after.find((m) => m.Role === "Standby Leader")!.Member;
    await onStandby("INSERT INTO standby_follow VALUES (4)");
    // The `up` itself saw every replica stream from the standby leader, or rebuilt it (Patroni rewinds a replica only
    // against a primary, so one that replayed the split-brain write cannot follow a standby leader by itself).
    const state = await d.stack.exportStack();
    const configStep = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::pg-test-patroni-config"));
    const said = String(configStep?.outputs?.stdout ?? "");
    log(`pg-test's dynamic configuration step said:\n${said}`);
    for (const m of members.filter((x) => x !== standbyLeader)) expect(said).toMatch(new RegExp(`${m} follows the standby leader ${standbyLeader}|rebuilt ${m}: it streams from ${standbyLeader}`));
    // A member that is restarting refuses connections for a moment: that is "not yet".
    const converged = (m: string) => async () => (await onTest(m, "SELECT string_agg(v::text, ',' ORDER BY v) FROM standby_follow").catch(() => "")) === "1,2,3,4";
    const rewinds = async (m: string) => Number(await sshOk(m, `sudo journalctl -u patroni --since @${since} --no-pager | grep -cE 'running pg_rewind' || true`));
    // What a member that does not converge holds, and where its WAL receiver stands, for the failure message.
    const whereIs = async (m: string) =>
      `${m} holds ${await onTest(m, "SELECT string_agg(v::text, ',' ORDER BY v) FROM standby_follow").catch((e) => String(e))}; its WAL receiver: ` +
      (await onTest(m, "SELECT status || ' on timeline ' || received_tli || ' from ' || sender_host FROM pg_stat_wal_receiver").catch((e) => String(e)));
    for (const m of [standbyLeader, ...members.filter((x) => x !== standbyLeader)]) {
      await secondsUntil(`pg-std's rows, and not pg-test's own after the promotion, on ${m}`, converged(m), 60).catch(async (e) => {
        throw new Error(`${(e as Error).message}: ${await whereIs(m)}`);
      });
      log(`${m} follows pg-std's timeline (Patroni logged 'running pg_rewind' ${await rewinds(m)} time(s)${said.includes(`rebuilt ${m}`) ? "; rebuilt by the up" : ""}); the row pg-test took after the promotion is gone`);
    }
  }, 900_000);
});
