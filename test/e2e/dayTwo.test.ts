// Day-2 operations on a 5-node sandbox as config edits, each planned and applied by the real engine (SOP S1-S12), on a
// deployment made by the last release and upgraded in place by this program first.
// Data is written before each step and read back after it; no committed row may be lost.
import { leaderOf } from "../../components/drift";
import { loadInventory } from "../../config/load";
import { rawInventory } from "../../config/stack";
import { repoRoot } from "../program/harness";
import { allUp, curlPatroni, etcdctlRoot, isActive, passwords, patroniList, psql, psqlLocal, settled, sleep, waitMembers, missingRows, waitTargets, writeRow } from "./helpers/cluster";
import { describeLoop, duringWrites, expectAllKept } from "./helpers/writes";
import { named, output, plan, setInventory, tryUp, type ChangeSet } from "./helpers/engine";
import { UPGRADE_FROM } from "./helpers/release";
import { apply, loadPasswords, upgradedDeployment, type Deployment, type Inventory, type Upgrade } from "./helpers/scenario";
import { describeIfRoot, sshOk, sshRun } from "./helpers/sandbox";
import { FEATURE_INSTANCE_STEPS, INSTANCE_STEPS, stepName, type InstanceStep } from "../../config/stepCatalogue";

const ipOf = (member: string) => `10.10.10.1${member.split("-").pop()}`;
const mainPid = (node: string, unit: string) => sshOk(node, `systemctl show -p MainPID --value ${unit}`);
const log = (line: string) => process.stdout.write(`${line}\n`);
const rows: string[] = [];
/** What a plan runs on hosts: commands created or updated (replacements included). */
const ran = (c: ChangeSet) => [...named(c, "create"), ...named(c, "update"), ...named(c, "replace")].sort();
const removed = (c: ChangeSet) => named(c, "delete");
/** A member's steps in this inventory: every instance step but those of features it does not ask for (VIP, in-place restore). */
const everyDaySteps = (member: string) => (Object.keys(INSTANCE_STEPS) as InstanceStep[]).filter((s) => !FEATURE_INSTANCE_STEPS.includes(s)).map((s) => stepName(member, s));

/**
 * What a member added or removed changes besides its own steps (sorted as the engine's plan is listed). Every other
 * member's Postgres certificate names the members' addresses (HAProxy passes TLS through), so it is issued again and
 * installed with a reload.
 */
const MEMBERSHIP_UPDATES = [
  stepName("backup-10-10-10-10", "pgbackrest"),
  stepName("meta", "monitoring"),
  ...[1, 2, 3].flatMap((n) => [stepName(`pg-test-${n}`, "haproxy"), `pg-test-${n}-postgres-certificate`, stepName(`pg-test-${n}`, "tls")]),
  stepName("pg-test", "backup"),
].sort();
/** The member's own certificates, made on the laptop with its steps. */
const certificatesOf = (member: string) => [`${member}-patroni-certificate`, `${member}-postgres-certificate`];
/** Where a client keeps the stack's CA (the `tlsCa` output) on a node. */
const CLIENT_CA = "/tmp/e2e-stack-ca.crt";

describeIfRoot("day-2 operations on the sandbox", () => {
  let d: Deployment;
  const inv = () => d.inventory;

  /** Writes a row, applies `edit` through the engine, returns the engine's plan (checked against what ran). */
  async function step(label: string, edit: (inv: Inventory) => void): Promise<ChangeSet> {
    const token = `${label}-${Date.now()}`;
    await writeRow(token);
    rows.push(token);
    const { planned, result } = await apply(d, label, edit);
    expect(result.changes).toEqual(planned);
    return planned;
  }

  /** Applies `edit` and expects `up` to fail with `message`; the config edit is then undone. */
  async function refused(edit: (inv: Inventory) => void, message: string) {
    const edited = JSON.parse(JSON.stringify(inv()));
    edit(edited);
    await setInventory(d.stack, edited);
    const run = await tryUp(d.stack);
    await setInventory(d.stack, inv());
    expect(run.error).toContain(message);
  }

  async function leaderName(): Promise<string> {
    return ((await patroniList("pg-test-2")).find((m) => m.Role === "Leader") as { Member: string }).Member;
  }

  async function everyRowEverywhere(members: string[]) {
    for (const ip of members) expect({ ip, missing: await missingRows(ip, 5432, rows) }).toEqual({ ip, missing: [] });
  }

  /** psql on `client` as the business user with a libpq connection string (the password on stdin); never rejects. */
  const psqlWith = (client: string, conninfo: string, sql = "select 1") =>
    sshRun(client, `PGPASSWORD="$(cat)" psql -X -At -U dbuser_test -d ${JSON.stringify(`dbname=test ${conninfo}`)} -c ${JSON.stringify(sql)}`, { input: passwords.dbuser_test });
  /** A client that verifies the server by the stack's CA and by `host` (it dials `hostaddr` when given). */
  const verifyFull = (host: string, port: number, hostaddr?: string) => `host=${host} ${hostaddr ? `hostaddr=${hostaddr} ` : ""}port=${port} sslmode=verify-full sslrootcert=${CLIENT_CA}`;

  let upgrade: Upgrade;
  beforeAll(async () => {
    // Deployed by the last release, then upgraded in place by this program (what an existing stack's next `up` does);
    // every operation below runs on the upgraded deployment. pg-test-4 stays bare (nothing deployed) for the scale-out.
    // Every node starts from the packaged image (the Postgres members' packages installed); the deploys on bare
    // Debian are deploy.test.ts's and interrupted.test.ts's.
    const members = ["pg-test-1", "pg-test-2", "pg-test-3"];
    ({ upgrade, ...d } = await upgradedDeployment(5, [...members, "pg-test-4"], members));
    await waitMembers(settled(members));
  }, 1_800_000);

  it(`upgrades a deployment of the release ${UPGRADE_FROM.slice(0, 12)} in place: nothing replaced, no restart, no failover, no write lost`, async () => {
    expect(upgrade.replacedOrDeleted).toEqual([]);
    for (const m of ["pg-test-1", "pg-test-2", "pg-test-3"]) {
      const [before, after] = [upgrade.before[m], upgrade.after[m]];
      expect({ member: m, role: after.role, timeline: after.timeline, startedAt: after.startedAt, ssl: after.ssl }).toEqual({ member: m, role: before.role, timeline: before.timeline, startedAt: before.startedAt, ssl: "on" });
    }
    await expectAllKept(upgrade.writes, "upgrade");
    expect(await plan(d.stack)).toEqual({});
  }, 180_000);

  it("scale-out (S1): adds pg-test-4, touching only its steps and the others' HAProxy", async () => {
    const planned = await step("scale-out", (i) => {
      i.clusters["pg-test"].hosts["10.10.10.14"] = { pg_seq: 4, pg_role: "replica" };
    });
    const own = [...everyDaySteps("pg-test-4"), ...certificatesOf("pg-test-4")].sort();
    expect(named(planned, "create")).toEqual(own);
    // Besides HAProxy and Prometheus: the backup repository's server learns the new member, and the stanza lists it.
    expect(named(planned, "update")).toEqual(MEMBERSHIP_UPDATES);
    await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"]));
    // Every old member's HAProxy routes to the new one without any manual step (the SOP's S8 chore).
    for (const ip of ["10.10.10.11", "10.10.10.12", "10.10.10.13"]) {
      expect(await sshOk(ip, "sudo grep -c 'server pg-test-4 10.10.10.14' /etc/haproxy/haproxy.cfg")).toBe("4");
    }
    await everyRowEverywhere(["10.10.10.14"]);
    expect((await psql("10.10.10.14", 5434, "SELECT 1")).trim()).toBe("1");
    // Prometheus scrapes the new member's exporters and HAProxy, and every other target is still up.
    const exporters = ["9100", "9630", "9101"].map((port) => `10.10.10.14:${port}`);
    await waitTargets((ts) => [...allUp(ts), ...exporters.filter((a) => !ts.some((t) => t.scrapeUrl.includes(a))).map((a) => `${a} not scraped`)]);
  }, 600_000);

  it("TLS: clients verify Postgres, pgbouncer and HAProxy's services by the stack's CA; every replica streams over TLS", async () => {
    const ca = await output<string>(d.stack, "tlsCa");
    for (const n of ["pg-test-3", "pg-test-4"]) await sshOk(n, `cat >${CLIENT_CA}`, { input: ca });
    // Direct (5432), pooled (6432) and through HAProxy (5433, to the leader's pgbouncer: by any member's address, or by
    // the service's name). Postgres shows its session encrypted; behind pgbouncer, Postgres sees pgbouncer's socket
    // connection (f), and pgbouncer's log shows the client's TLS.
    const cases: [string, string, string][] = [
      ["5432 by address", verifyFull("10.10.10.11", 5432), "t"],
      ["6432 by address", verifyFull("10.10.10.11", 6432), "f"],
      ["5433 by another member's address", verifyFull("10.10.10.13", 5433), "f"],
      ["5433 by the service's name", verifyFull("pg-test-primary", 5433, "10.10.10.12"), "f"],
    ];
    for (const [label, conninfo, ssl] of cases) {
      const r = await psqlWith("pg-test-4", conninfo, "select ssl from pg_stat_ssl where pid = pg_backend_pid()");
      expect(`${label}: ${r.code} ${r.stdout.trim()}${r.stderr.trim()}`).toBe(`${label}: 0 ${ssl}`);
    }
    expect(await sshOk("pg-test-1", "sudo grep -c 'user=dbuser_test tls=TLSv1' /var/log/postgresql/pgbouncer.log")).not.toBe("0");
    // A certificate the stack's CA did not sign, or a name the member's certificate does not carry, is refused.
    const wrongName = await psqlWith("pg-test-4", verifyFull("10.10.10.99", 5432, "10.10.10.11"));
    expect(wrongName.stderr).toContain('does not match host name "10.10.10.99"');
    // A name of the member that is about to leave (scale-in below) is still trusted: pg-test-1's certificate names it.
    expect((await psqlWith("pg-test-3", verifyFull("10.10.10.14", 5432, "10.10.10.11"))).code).toBe(0);
    // Replication and Patroni's connections: every replica's walsender on the leader is encrypted.
    const walsenders = await psqlLocal("pg-test-1", "select string_agg(r.application_name || '=' || s.ssl, ',' order by r.application_name) from pg_stat_replication r join pg_stat_ssl s using (pid)");
    expect(walsenders).toBe("pg-test-2=true,pg-test-3=true,pg-test-4=true");
    for (const n of ["pg-test-2", "pg-test-3", "pg-test-4"]) expect(await psqlLocal(n, "select count(*) from pg_stat_wal_receiver where conninfo like '%sslmode=verify-full%'")).toBe("1");
  }, 180_000);

  it("TLS: with pg_hba_require_ssl a remote login without TLS is refused, a local one works; turned off again", async () => {
    const planned = await step("require-ssl", (i) => {
      i.clusters["pg-test"].vars.pg_hba_require_ssl = true;
    });
    const members = ["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"];
    expect(ran(planned)).toEqual(members.flatMap((n) => [stepName(n, "config"), stepName(n, "pgbouncer")]).sort());
    for (const port of [5432, 6432]) {
      const plain = await psqlWith("pg-test-3", `host=10.10.10.11 port=${port} sslmode=disable`);
      expect(`${port}: ${plain.code === 0 ? "let in" : "refused"}`).toBe(`${port}: refused`);
      expect((await psqlWith("pg-test-3", `host=10.10.10.11 port=${port} sslmode=require`)).code).toBe(0);
      // The same user on the member itself, over loopback without TLS.
      expect((await psqlWith("pg-test-1", `host=127.0.0.1 port=${port} sslmode=disable`)).code).toBe(0);
    }
    expect((await psqlWith("pg-test-3", "host=10.10.10.11 port=5432 sslmode=disable")).stderr).toContain("no encryption");
    // Replicas (TLS) keep streaming, the exporter (loopback) keeps scraping.
    await waitMembers(settled(members), 60, "pg-test-2");
    await waitTargets(allUp);
    await step("require-ssl-off", (i) => {
      delete i.clusters["pg-test"].vars.pg_hba_require_ssl;
    });
    expect((await psqlWith("pg-test-3", "host=10.10.10.11 port=5432 sslmode=disable")).code).toBe(0);
  }, 300_000);

  it("an HBA rule (S6) reaches every member without restarting Postgres", async () => {
    const started = await Promise.all(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"].map((n) => psqlLocal(n, "SELECT pg_postmaster_start_time()")));
    const planned = await step("hba", (i) => {
      (i.clusters["pg-test"].vars.pg_hba_rules_extra as unknown[]).push({ user: "dbuser_test", db: "test", addr: "10.20.0.0/16", auth: "pwd", title: "reporting subnet" });
    });
    expect(ran(planned)).toEqual([stepName("pg-test-1", "config"), stepName("pg-test-2", "config"), stepName("pg-test-3", "config"), stepName("pg-test-4", "config")]);
    for (const [k, n] of ["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"].entries()) {
      expect(await psqlLocal(n, "SELECT count(*) FROM pg_hba_file_rules WHERE address = '10.20.0.0'")).toBe("1");
      expect(await psqlLocal(n, "SELECT pg_postmaster_start_time()")).toBe(started[k]);
    }
  }, 300_000);

  it("a weight of 0 (S7) drains pg-test-3 in every HAProxy, and removing it undrains", async () => {
    const planned = await step("weight", (i) => {
      i.clusters["pg-test"].hosts["10.10.10.13"].pg_weight = 0;
    });
    expect(ran(planned)).toEqual([stepName("pg-test-1", "haproxy"), stepName("pg-test-2", "haproxy"), stepName("pg-test-3", "haproxy"), stepName("pg-test-4", "haproxy")]);
    expect(await sshOk("pg-test-2", "sudo grep -c 'server pg-test-3 10.10.10.13:.* weight 0$' /etc/haproxy/haproxy.cfg")).not.toBe("0");
    expect((await psql("10.10.10.12", 5434, "SELECT 1")).trim()).toBe("1");
    // Undrain: a drained member that later leads would get no primary traffic at all.
    const back = await step("undrain", (i) => {
      delete i.clusters["pg-test"].hosts["10.10.10.13"].pg_weight;
    });
    expect(ran(back)).toEqual([stepName("pg-test-1", "haproxy"), stepName("pg-test-2", "haproxy"), stepName("pg-test-3", "haproxy"), stepName("pg-test-4", "haproxy")]);
  }, 300_000);

  it("after an unplanned failover (S8, S10) HBA follows the new roles, routing works, and nothing fails back", async () => {
    const token = `failover-${Date.now()}`;
    await writeRow(token);
    rows.push(token);
    await sshOk("pg-test-1", "sudo systemctl stop patroni");
    const after = await waitMembers((ms) => ms.some((m) => m.Role === "Leader" && m.Member !== "pg-test-1"), 120, "pg-test-2");
    const leader = after.find((m) => m.Role === "Leader") as { Member: string; Host: string };
    log(`new leader: ${leader.Member}`);
    // The offline member (pg-test-3) is never elected while a regular replica is there.
    expect(leader.Member).not.toBe("pg-test-3");
    // The role-change callback put the primary's HBA file in place on the new leader.
    expect(await sshOk(leader.Member, "sudo cmp -s /pg/conf/pg_hba.conf /pg/conf/hba/primary.conf && echo same")).toBe("same");
    expect(await sshOk(leader.Member, "sudo cmp -s /etc/pgbouncer/pgb_hba.conf /etc/pgbouncer/hba/primary.conf && echo same")).toBe("same");
    // Writes through any member's 5433 reach the new leader.
    let written = false;
    for (let i = 0; i < 30 && !written; i++) {
      written = await writeRow(`after-${token}`, "10.10.10.12").then(() => true, () => false);
      if (!written) await sleep(2000);
    }
    expect(written).toBe(true);
    rows.push(`after-${token}`);
    await sshOk("pg-test-1", "sudo systemctl start patroni");
    await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"]), 180, leader.Member);
    expect(await sshOk("pg-test-1", "sudo cmp -s /pg/conf/pg_hba.conf /pg/conf/hba/replica.conf && echo same")).toBe("same");
    expect(await sshOk("pg-test-1", "sudo cmp -s /etc/pgbouncer/pgb_hba.conf /etc/pgbouncer/hba/replica.conf && echo same")).toBe("same");
    // The program asks Patroni who leads and compares with pg_role; the engine's preview carries the warning.
    const model = loadInventory(rawInventory({ inventory: inv(), sandbox: ".sandbox/hosts.json", baseDir: repoRoot })).model;
    expect((await leaderOf(model.clusters[0], await output<string>(d.stack, "tlsCa"))).leader).toBe(leader.Member);
    const warnings: string[] = [];
    await d.stack.preview({ onEvent: (e) => e.diagnosticEvent && warnings.push(e.diagnosticEvent.message) });
    expect(warnings.join("")).toContain(`Patroni's leader is ${leader.Member}, but config names pg-test-1 as primary (a failover happened)`);
    // An unchanged config plans nothing: the program does not fail back on its own.
    expect(await plan(d.stack)).toEqual({});
    expect((await patroniList(leader.Member)).find((m) => m.Role === "Leader")?.Member).toBe(leader.Member);
    await everyRowEverywhere(["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.14"]);
  }, 600_000);

  it("moving pg_role: primary (S10) makes pulumi up switch over to that member, then settle", async () => {
    const planned = await step("switchover", (i) => {
      i.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "replica";
      i.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
    });
    // HBA, pgbouncer and the SQL steps follow the actual leader, so only HAProxy's backup flags change.
    expect(ran(planned)).toEqual([stepName("pg-test-1", "haproxy"), stepName("pg-test-2", "haproxy"), stepName("pg-test-3", "haproxy"), stepName("pg-test-4", "haproxy"), stepName("pg-test", "leader")]);
    const ms = await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"]), 120, "pg-test-2");
    expect(ms.find((m) => m.Role === "Leader")?.Member).toBe("pg-test-2");
    expect(await sshOk("pg-test-2", "sudo cmp -s /pg/conf/pg_hba.conf /pg/conf/hba/primary.conf && echo same")).toBe("same");
    await everyRowEverywhere(["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.14"]);
  }, 600_000);

  it("in synchronous mode (S3, S10) a switchover by config to a member that is not the sync standby works, leader step before HAProxy", async () => {
    await step("sync-on", (i) => {
      i.clusters["pg-test"].vars.patroni = { synchronous_mode: true };
    });
    const ms = await waitMembers((m) => m.some((x) => x.Role === "Sync Standby"), 90, "pg-test-2");
    const sync = ms.find((x) => x.Role === "Sync Standby")?.Member;
    const candidate = ["pg-test-1", "pg-test-4"].find((n) => n !== sync) as string;
    log(`sync standby ${sync}; switching over to ${candidate}`);
    await writeRow(`before-sync-switchover-${Date.now()}`, "10.10.10.12");
    const { planned, result } = await apply(d, "switchover-sync", (i) => {
      for (const h of Object.values(i.clusters["pg-test"].hosts)) if (h.pg_role === "primary") h.pg_role = "replica";
      i.clusters["pg-test"].hosts[ipOf(candidate)].pg_role = "primary";
    });
    expect(ran(planned)).toEqual([stepName("pg-test-1", "haproxy"), stepName("pg-test-2", "haproxy"), stepName("pg-test-3", "haproxy"), stepName("pg-test-4", "haproxy"), stepName("pg-test", "leader")]);
    const at = (name: string) => result.steps.findIndex((x) => x.name === name);
    for (const n of [1, 2, 3, 4]) expect(at(stepName("pg-test", "leader"))).toBeLessThan(at(stepName(`pg-test-${n}`, "haproxy")));
    expect(await leaderName()).toBe(candidate);
    const config = JSON.parse(await sshOk(candidate, curlPatroni("/config")));
    expect(config.synchronous_node_count ?? 1).toBe(1);
    // Back to the earlier primary and to asynchronous replication for the scenarios that follow.
    await step("switch-back", (i) => {
      i.clusters["pg-test"].hosts[ipOf(candidate)].pg_role = "replica";
      i.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
    });
    await step("sync-off", (i) => {
      i.clusters["pg-test"].vars.patroni = { synchronous_mode: false };
    });
    expect(await leaderName()).toBe("pg-test-2");
    await everyRowEverywhere(["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.14"]);
  }, 900_000);

  it("a parameter that needs a restart (S3) goes through Patroni and restarts members one by one", async () => {
    let planned: ChangeSet = {};
    const w = await duringWrites("s3-restart", async () => {
      planned = await step("parameter", (i) => {
        i.clusters["pg-test"].vars.pg_parameters = { max_connections: 350 };
      });
    });
    log(describeLoop("rolling restart (S3)", w));
    await expectAllKept(w, "s3-restart");
    expect(ran(planned)).toContain(stepName("pg-test", "patroni-config"));
    for (const n of ["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"]) expect(await psqlLocal(n, "SHOW max_connections")).toBe("350");
    const ms = await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"]), 120, "pg-test-2");
    expect(ms.find((m) => m.Role === "Leader")?.Member).toBe("pg-test-2");
    await everyRowEverywhere(["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.14"]);
  }, 600_000);

  it("maintenance mode (S1, S12) pauses and resumes Patroni", async () => {
    const paused = () => sshOk("pg-test-2", `${curlPatroni("/config")} | python3 -c 'import json,sys; print(json.load(sys.stdin).get(\"pause\", False))'`);
    const on = await step("pause", (i) => {
      i.clusters["pg-test"].vars.pg_maintenance = true;
    });
    expect(ran(on)).toEqual([stepName("pg-test", "patroni-config")]);
    expect(await paused()).toBe("True");
    const off = await step("resume", (i) => {
      i.clusters["pg-test"].vars.pg_maintenance = false;
    });
    expect(ran(off)).toEqual([stepName("pg-test", "patroni-config")]);
    expect(await paused()).toBe("False");
  }, 300_000);

  it("users and databases (S4, S5): created, altered, and dropped only when marked absent", async () => {
    const appSql = (sql: string) => sshOk("pg-test-1", `PGPASSWORD="$(cat)" psql -X -At -h 10.10.10.11 -p 5433 -U dbuser_app -d app -c "${sql}"`, { input: passwords.dbuser_app });
    const users = () => inv().clusters["pg-test"].vars.pg_users as Record<string, unknown>[];
    const dbs = () => inv().clusters["pg-test"].vars.pg_databases as Record<string, unknown>[];
    const created = await step("add-user-db", () => {
      users().push({ name: "dbuser_app", pgbouncer: true, roles: ["dbrole_readwrite"] });
      dbs().push({ name: "app", owner: "dbuser_app" });
    });
    expect(ran(created)).toEqual(expect.arrayContaining([stepName("pg-test", "roles"), stepName("pg-test", "databases"), stepName("pg-test-1", "pgbouncer")]));
    // The new user's password is generated by the engine's random provider: read it from the secret output.
    await loadPasswords(d.stack);
    // Through HAProxy 5433 and pgbouncer, with the generated password: userlist and databases followed.
    const out = await appSql("CREATE TABLE t(x int); INSERT INTO t VALUES (1); SELECT count(*) FROM t");
    expect(out.split("\n").pop()).toBe("1");
    const altered = await step("alter-user", () => {
      users().find((u) => u.name === "dbuser_app")!.connlimit = 7;
    });
    expect(ran(altered)).toEqual([stepName("pg-test", "roles")]);
    expect(await psqlLocal(await leaderName(), "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'dbuser_app'")).toBe("7");
    await step("drop-user-db", () => {
      Object.assign(dbs().find((d) => d.name === "app")!, { state: "absent", drop: true });
      users().find((u) => u.name === "dbuser_app")!.state = "absent";
    });
    const leaderNode = await leaderName();
    expect(await psqlLocal(leaderNode, "SELECT count(*) FROM pg_database WHERE datname = 'app'")).toBe("0");
    expect(await psqlLocal(leaderNode, "SELECT count(*) FROM pg_roles WHERE rolname = 'dbuser_app'")).toBe("0");
    expect(await sshOk("pg-test-1", "sudo grep -c dbuser_app /etc/pgbouncer/userlist.txt || true")).toBe("0");
  }, 600_000);

  it("scale-in (S2): removing pg-test-4 stops it, deregisters it and drops it from every HAProxy", async () => {
    const planned = await step("scale-in", (i) => {
      delete i.clusters["pg-test"].hosts["10.10.10.14"];
    });
    expect(removed(planned)).toEqual([...everyDaySteps("pg-test-4"), ...certificatesOf("pg-test-4")].sort());
    expect(ran(planned)).toEqual(MEMBERSHIP_UPDATES);
    expect(await isActive("pg-test-4", "patroni")).toBe(false);
    // The removed member serves no client any more: its HAProxy and pgbouncer are stopped.
    expect(await isActive("pg-test-4", "haproxy")).toBe(false);
    expect(await isActive("pg-test-4", "pgbouncer")).toBe(false);
    await expect(psql("10.10.10.14", 5433, "SELECT 1")).rejects.toThrow();
    expect(await sshOk("meta", "ls /etc/prometheus/targets/pgsql")).not.toContain("pg-test-4");
    await waitTargets((ts) => [...allUp(ts), ...ts.filter((t) => t.scrapeUrl.includes("10.10.10.14:")).map((t) => `${t.scrapeUrl} still scraped`)]);
    expect(await sshOk("pg-test-1", "sudo grep -c 'pg-test-4' /etc/haproxy/haproxy.cfg || true")).toBe("0");
    // Its certificate is no longer trusted by name: no remaining member's certificate names its address, so a client
    // that dials it and reaches a remaining member (an address taken over, a stale DNS record) is refused; and its
    // own key and certificate are gone from its host.
    const byRemovedName = await psqlWith("pg-test-3", verifyFull("10.10.10.14", 5432, "10.10.10.11"));
    expect(byRemovedName.stderr).toContain('does not match host name "10.10.10.14"');
    expect((await psqlWith("pg-test-3", verifyFull("10.10.10.11", 5432))).code).toBe(0);
    expect(await sshOk("pg-test-4", "sudo ls /etc/pigsty/tls/postgres.key /etc/pigsty/tls/postgres.crt /etc/pigsty/tls/patroni.key 2>/dev/null | wc -l")).toBe("0");
    await waitMembers((ms) => ms.length === 3 && !ms.some((m) => m.Member === "pg-test-4"), 60, "pg-test-2");
    await everyRowEverywhere(["10.10.10.11", "10.10.10.12", "10.10.10.13"]);
  }, 600_000);

  it("re-adding the removed host (S1) clones it again and keeps its old data aside; removing it again works", async () => {
    const back = await step("re-add", (i) => {
      i.clusters["pg-test"].hosts["10.10.10.14"] = { pg_seq: 4, pg_role: "replica" };
    });
    expect(named(back, "create")).toContain(stepName("pg-test-4", "guard"));
    await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4"]), 120, "pg-test-2");
    expect(await sshOk("pg-test-4", "sudo sh -c 'ls -d /pg/data.removed-* | wc -l'")).toBe("1");
    await everyRowEverywhere(["10.10.10.14"]);
    await step("scale-in-again", (i) => {
      delete i.clusters["pg-test"].hosts["10.10.10.14"];
    });
    await waitMembers((ms) => ms.length === 3, 60, "pg-test-2");
  }, 900_000);

  it("a component reset (S11) redeploys exactly that component of that member, once", async () => {
    const host = () => inv().clusters["pg-test"].hosts["10.10.10.13"];
    const before = { haproxy: await mainPid("pg-test-3", "haproxy"), pgbouncer: await mainPid("pg-test-3", "pgbouncer") };
    await sshOk("pg-test-3", "echo '# a hand edit' | sudo tee -a /etc/haproxy/haproxy.cfg >/dev/null");
    const planned = await step("reset-services", () => {
      host().pg_reset = { haproxy: 1, pgbouncer: 1, monitor: 1, register: 1 };
    });
    expect(ran(planned)).toEqual([stepName("pg-test-3", "exporters"), stepName("pg-test-3", "haproxy"), stepName("pg-test-3", "pgbouncer"), stepName("pg-test-3", "register")]);
    expect(await mainPid("pg-test-3", "haproxy")).not.toBe(before.haproxy);
    expect(await mainPid("pg-test-3", "pgbouncer")).not.toBe(before.pgbouncer);
    expect(await sshOk("pg-test-3", "sudo grep -c 'a hand edit' /etc/haproxy/haproxy.cfg || true")).toBe("0");
    // The step run again by another change (a weight) reloads HAProxy but does not reset it a second time.
    const haproxyPid = await mainPid("pg-test-3", "haproxy");
    const weighted = await step("reweight-after-reset", () => {
      host().pg_weight = 90;
    });
    expect(ran(weighted)).toContain(stepName("pg-test-3", "haproxy"));
    expect(await mainPid("pg-test-3", "haproxy")).toBe(haproxyPid);
    for (const port of [5433, 5434, 5436, 5438]) expect((await psql("10.10.10.13", port, "SELECT 1")).trim()).toBe("1");
  }, 300_000);

  it("resetting Postgres (S11) re-clones a replica from the leader, and is refused on the leader", async () => {
    const host = () => inv().clusters["pg-test"].hosts["10.10.10.13"];
    await sshOk("pg-test-3", "sudo -u postgres touch /pg/data/e2e-before-reset");
    const planned = await step("reset-postgres", () => {
      host().pg_reset = { ...(host().pg_reset as object), postgres: 1 };
    });
    expect(ran(planned)).toEqual([stepName("pg-test-3", "patroni")]);
    expect((await sshRun("pg-test-3", "sudo test -e /pg/data/e2e-before-reset")).code).not.toBe(0);
    await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3"]), 120, "pg-test-2");
    await everyRowEverywhere(["10.10.10.13"]);
    const leader = await leaderName();
    await refused((i) => (i.clusters["pg-test"].hosts[ipOf(leader)].pg_reset = { postgres: 1 }), `${leader} leads pg-test; re-cloning the leader is refused`);
  }, 600_000);

  it("resetting the leader's Patroni (S11) is refused outside maintenance, and inside it keeps Postgres running", async () => {
    const leader = await leaderName();
    const host = () => inv().clusters["pg-test"].hosts[ipOf(leader)];
    await refused((i) => (i.clusters["pg-test"].hosts[ipOf(leader)].pg_reset = { patroni: 1 }), "restarting its Patroni outside maintenance mode would fail over");
    await step("pause-for-reset", (i) => {
      i.clusters["pg-test"].vars.pg_maintenance = true;
    });
    const started = await psqlLocal(leader, "SELECT pg_postmaster_start_time()");
    const patroniPid = await mainPid(leader, "patroni");
    const planned = await step("reset-patroni", () => {
      host().pg_reset = { patroni: 1 };
    });
    expect(ran(planned)).toEqual([stepName(leader, "patroni")]);
    expect(await mainPid(leader, "patroni")).not.toBe(patroniPid);
    expect(await psqlLocal(leader, "SELECT pg_postmaster_start_time()")).toBe(started);
    await step("resume-after-reset", (i) => {
      i.clusters["pg-test"].vars.pg_maintenance = false;
    });
    expect(await leaderName()).toBe(leader);
  }, 600_000);

  it("new DCS servers (S12): the cluster moves leader first in maintenance mode, without a failover", async () => {
    const leader = await leaderName();
    const timeline = (await patroniList(leader)).find((m) => m.Role === "Leader")?.TL;
    let planned: ChangeSet = {};
    const w = await duringWrites("s12-dcs", async () => {
      planned = await step("dcs-move", (i) => {
        i.dcs.servers = { "etcd-2": "10.10.10.14" };
      });
    });
    log(describeLoop("DCS move (S12)", w));
    await expectAllKept(w, "s12-dcs");
    expect(ran(planned)).toEqual(
      // The guards name the DCS (a re-added member checks that its cluster lives there): they run and find the host theirs.
      [stepName("etcd-2", "etcd"), "etcd-2-etcd-certificate", stepName("etcd-2", "library-copy"), stepName("etcd-2", "prepare"), stepName("meta", "monitoring"), stepName("pg-test-1", "config"), stepName("pg-test-1", "guard"), stepName("pg-test-2", "config"), stepName("pg-test-2", "guard"), stepName("pg-test-3", "config"), stepName("pg-test-3", "guard"), stepName("pg-test", "dcs"), stepName("pg-test", "patroni-config"), stepName("pigsty", "dcs-auth")],
    );
    // The leader wrote the cluster into the new DCS and still leads, on the same timeline; the cluster runs unpaused.
    expect(await sshOk("10.10.10.14", etcdctlRoot("get /pg/pg-test/leader --print-value-only"))).toBe(leader);
    const ms = await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3"]), 120, leader);
    expect(ms.find((m) => m.Role === "Leader")).toMatchObject({ Member: leader, TL: timeline });
    const config = JSON.parse(await sshOk(leader, curlPatroni("/config")));
    expect(config.pause ?? false).toBe(false);
    expect(config.postgresql.parameters.max_connections).toBe(350);
    await writeRow(`after-dcs-${Date.now()}`, "10.10.10.13");
    await everyRowEverywhere(["10.10.10.11", "10.10.10.12", "10.10.10.13"]);
    // Nothing is left to do: `apply` checked that the same config plans no change.
  }, 900_000);
});
