// First deploy on the sandbox: every host step of the dev stack, in order, then the SOP's checks on real hosts.
import { devStackConfig } from "../program/harness";
import { programCommands, runInOrder, type StepRun } from "./helpers/hostRunner";
import { describeIfRoot, ensureSandbox, sshOk, sshRun } from "./helpers/sandbox";

const members = ["10.10.10.11", "10.10.10.12", "10.10.10.13"];
const bizPassword = "generated-secret-pg-test-password-user-dbuser_test";
const log = (line: string) => process.stdout.write(`${line}\n`);

/** psql on pg-test-1 as the business user; the password goes on stdin, never on a command line. */
const psql = (host: string, port: number, sql: string) =>
  sshOk("pg-test-1", `PGPASSWORD="$(cat)" psql -X -At -h ${host} -p ${port} -U dbuser_test -d test -c "${sql}"`, { input: bizPassword });

describeIfRoot("first deploy of the dev stack (host steps in program order)", () => {
  let first: StepRun[];

  beforeAll(async () => {
    await ensureSandbox({ count: 4 });
    const { commands } = await programCommands(devStackConfig());
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
    const out = await sshOk("pg-test-1", "sudo -iu postgres patronictl -c /pg/bin/patroni.yml list -f json");
    const list = JSON.parse(out) as { Member: string; Role: string; State: string; "Lag in MB"?: number }[];
    expect(list.map((m) => m.Member).sort()).toEqual(["pg-test-1", "pg-test-2", "pg-test-3"]);
    expect(list.filter((m) => m.Role === "Leader").map((m) => m.Member)).toEqual(["pg-test-1"]);
    for (const m of list.filter((x) => x.Role !== "Leader")) {
      expect(["streaming", "running"]).toContain(m.State);
      expect(m["Lag in MB"] ?? 0).toBe(0);
    }
  }, 60_000);

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
    const { commands } = await programCommands(devStackConfig());
    const again = await runInOrder(commands);
    const changed = again.filter((r) => /\bchanged \//.test(r.result.stdout)).map((r) => `${r.name}: ${r.result.stdout.match(/changed \S+/g)}`);
    expect(changed).toEqual([]);
  }, 900_000);
});
