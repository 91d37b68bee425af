// First deploy on the sandbox: every host step of the dev stack, in order, then the SOP's checks on real hosts.
import { devStackConfig } from "../program/harness";
import { programCommands, runDeletes, runInOrder, type HostCommand, type StepRun } from "./helpers/hostRunner";
import { describeIfRoot, ensureSandbox, forgetClusterState, resetNode, sshOk, sshRun } from "./helpers/sandbox";

const members = ["10.10.10.11", "10.10.10.12", "10.10.10.13"];
const bizPassword = "generated-secret-pg-test-password-user-dbuser_test";
const sdDir = "/etc/prometheus/targets";
const log = (line: string) => process.stdout.write(`${line}\n`);

/** psql on pg-test-1 as the business user; the password goes on stdin, never on a command line. */
const psql = (host: string, port: number, sql: string) =>
  sshOk("pg-test-1", `PGPASSWORD="$(cat)" psql -X -At -h ${host} -p ${port} -U dbuser_test -d test -c "${sql}"`, { input: bizPassword });

describeIfRoot("first deploy of the dev stack (host steps in program order)", () => {
  let first: StepRun[];
  // The program runs once per test file (module cache); every phase reuses its commands.
  let commands: HostCommand[];

  beforeAll(async () => {
    await ensureSandbox({ count: 4 });
    // A true first deploy: pristine Postgres hosts and no pg-test state in the DCS.
    for (const n of ["pg-test-1", "pg-test-2", "pg-test-3"]) await resetNode(n);
    await forgetClusterState();
    ({ commands } = await programCommands(devStackConfig()));
    expect(commands.length).toBeGreaterThan(20);
    const t = Date.now();
    first = await runInOrder(commands, log);
    log(`deploy: ${((Date.now() - t) / 1000).toFixed(1)}s wall`);
  }, 1_800_000);

  it("reports where the time went", () => {
    const byHost = new Map<string, number>();
    for (const r of first) byHost.set(r.host, (byHost.get(r.host) ?? 0) + r.seconds);
    const slowest = [...first].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
    log(`per host busy seconds: ${JSON.stringify(Object.fromEntries(byHost))}`);
    log(`slowest steps: ${slowest.map((r) => `${r.name} ${r.seconds.toFixed(1)}s`).join(", ")}`);
    expect(first.length).toBeGreaterThan(20);
  });

  it("has one leader and two streaming replicas with no lag", async () => {
    type Member = { Member: string; Role: string; State: string; "Lag in MB"?: number };
    let list: Member[] = [];
    // A fresh replica may still replay its base backup's WAL: give it a minute to reach lag 0.
    for (let i = 0; i < 30; i++) {
      list = JSON.parse(await sshOk("pg-test-1", "sudo -iu postgres patronictl -c /pg/bin/patroni.yml list -f json")) as Member[];
      if (list.every((m) => m.Role === "Leader" || (m["Lag in MB"] ?? 0) === 0)) break;
      await new Promise((res) => setTimeout(res, 2000));
    }
    expect(list.map((m) => m.Member).sort()).toEqual(["pg-test-1", "pg-test-2", "pg-test-3"]);
    expect(list.filter((m) => m.Role === "Leader").map((m) => m.Member)).toEqual(["pg-test-1"]);
    for (const m of list.filter((x) => x.Role !== "Leader")) {
      expect(["streaming", "running"]).toContain(m.State);
      expect(m["Lag in MB"] ?? 0).toBe(0);
    }
  }, 90_000);

  it("writes through 5433 and reads the row back through 5434 and from every replica", async () => {
    const token = `row-${Date.now()}`;
    await psql("10.10.10.11", 5433, `CREATE TABLE IF NOT EXISTS e2e(v text); INSERT INTO e2e VALUES ('${token}')`);
    const wait = async (host: string, port: number) => {
      for (let i = 0; i < 30; i++) {
        const r = await psql(host, port, `SELECT count(*) FROM e2e WHERE v = '${token}'`).catch(() => "0");
        if (r.trim() === "1") return "1";
        await new Promise((res) => setTimeout(res, 1000));
      }
      return "0";
    };
    expect(await wait("10.10.10.12", 5434)).toBe("1");
    for (const ip of ["10.10.10.12", "10.10.10.13"]) expect(await wait(ip, 5432)).toBe("1");
  }, 120_000);

  it("activates each member's HBA files (Postgres' and pgbouncer's) for its actual role", async () => {
    const same = (node: string, active: string, variant: string) => sshOk(node, `sudo cmp -s ${active} ${variant} && echo same || echo differs`);
    const expected: [string, string][] = [["pg-test-1", "primary"], ["pg-test-2", "replica"], ["pg-test-3", "offline"]];
    for (const [node, variant] of expected) {
      expect(await same(node, "/pg/conf/pg_hba.conf", `/pg/conf/hba/${variant}.conf`)).toBe("same");
      expect(await same(node, "/etc/pgbouncer/pgb_hba.conf", `/etc/pgbouncer/hba/${variant}.conf`)).toBe("same");
    }
  }, 60_000);

  it("answers on every service port of every member's HAProxy", async () => {
    for (const ip of members) {
      for (const port of [5433, 5434, 5436, 5438]) {
        expect((await psql(ip, port, "SELECT 1")).trim()).toBe("1");
      }
    }
  }, 120_000);

  it("has Prometheus scraping every target up", async () => {
    let down: string[] = ["(not asked yet)"];
    for (let i = 0; i < 40 && down.length > 0; i++) {
      const r = await sshRun("meta", "curl -fsS http://127.0.0.1:9090/api/v1/targets");
      const active = r.code === 0 ? (JSON.parse(r.stdout).data.activeTargets as { scrapeUrl: string; health: string }[]) : [];
      down = active.length === 0 ? ["(no targets)"] : active.filter((t) => t.health !== "up").map((t) => `${t.scrapeUrl} ${t.health}`);
      if (down.length > 0) await new Promise((res) => setTimeout(res, 3000));
    }
    expect(down).toEqual([]);
  }, 180_000);

  it("changes nothing when run again", async () => {
    const again = await runInOrder(commands);
    expect(again.length).toBe(commands.length);
    const changed = again.filter((r) => /\bchanged \//.test(r.result.stdout)).map((r) => `${r.name}: ${r.result.stdout.match(/changed \S+/g)}`);
    expect(changed).toEqual([]);
  }, 900_000);

  it("removes everything it made in reverse order: replicas before the primary, DCS state last", async () => {
    const order: string[] = [];
    await runDeletes(commands, (line) => order.push(line));
    const at = (name: string) => order.findIndex((l) => l.startsWith(`delete ${name} `));
    expect(at("pg-test-2-patroni")).toBeLessThan(at("pg-test-1-patroni"));
    expect(at("pg-test-3-patroni")).toBeLessThan(at("pg-test-1-patroni"));
    expect(at("pg-test-1-patroni")).toBeLessThan(at("pg-test-dcs"));
    for (const ip of members) expect((await sshRun(ip, "systemctl is-active patroni")).stdout.trim()).not.toBe("active");
    expect(await sshOk("meta", "ETCDCTL_API=3 etcdctl get --prefix --keys-only /pg/pg-test/")).toBe("");
    expect(await sshOk("meta", `ls ${sdDir}/pgsql`)).toBe("");
    // Data stays unless rm_pgdata (SOP S2), and the safety guard now refuses to reuse it.
    expect((await sshRun("pg-test-1", "sudo test -s /pg/data/PG_VERSION")).code).toBe(0);
    const guard = commands.find((c) => c.name === "pg-test-1-guard") as HostCommand;
    const refused = await sshRun(guard.host, guard.create);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("error: 10.10.10.11 (pg-test-1) already has a data directory at /pg/data");
    expect(refused.stderr).toContain("set clusters.pg-test.vars.pg_clean: true");
    // The DCS side of the guard: a pg-test in the DCS that this stack did not create is refused too.
    const dcs = commands.find((c) => c.name === "pg-test-dcs") as HostCommand;
    await sshOk("meta", "ETCDCTL_API=3 etcdctl put /pg/pg-test/initialize 7000000000000000001 >/dev/null");
    const foreign = await sshRun(dcs.host, dcs.create);
    await sshOk("meta", "ETCDCTL_API=3 etcdctl del --prefix /pg/pg-test/ >/dev/null");
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toContain("error: the DCS at 10.10.10.10:2379 already holds a cluster pg-test (keys under /pg/pg-test/), which this stack did not create");
  }, 600_000);
});
