// Interruptions the program must survive, on the sandbox through the real engine: a Patroni that dies alone on the
// leader (its Postgres must stop taking direct writes) and a `pulumi up` SIGKILLed in the middle of a scale-out
// (recovered with the README's steps, nothing lost).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { descendants, endStillRunning, type ProcessInfo } from "../../bench/processes";
import { stepName } from "../../config/stepCatalogue";
import { patroniList, psql, settled, sleep, waitMembers, waitRow, writeRow } from "./helpers/cluster";
import { E2E_PASSPHRASE, plan, setInventory, tryUp, up } from "./helpers/engine";
import { describeIfRoot, REPO_ROOT, sshRun } from "./helpers/sandbox";
import { freshDeployment, type Deployment } from "./helpers/scenario";

const PULUMI = path.join(REPO_ROOT, ".toolchain", "bin", "pulumi");
const log = (line: string) => process.stdout.write(`${line}\n`);
const ipOf: Record<string, string> = { "pg-test-1": "10.10.10.11", "pg-test-2": "10.10.10.12", "pg-test-3": "10.10.10.13" };

/** The pulumi CLI as a user runs it (the Automation API cannot be killed mid-run); output kept short. */
function cli(args: string[]): { code: number; output: string; stdout: string } {
  const r = spawnSync(PULUMI, [...args, "--non-interactive"], { cwd: REPO_ROOT, env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE }, encoding: "utf8", timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Does Postgres on `node` accept connections on 5432? */
const accepting = async (node: string) => (await sshRun(node, "pg_isready -q -h 127.0.0.1 -p 5432")).code === 0;

describeIfRoot("interruptions", () => {
  let d: Deployment;
  // The killed CLI cannot end its language host and plugins: the test ends those still running, by pid.
  let orphans: ProcessInfo[] = [];
  afterAll(() => {
    const ended = endStillRunning(orphans);
    if (ended.length > 0) log(`ended what the killed CLI left running: ${ended.map((p) => `${p.comm} (${p.pid})`).join(", ")}`);
  });
  const leader = async () => (await patroniList()).find((m) => m.Role === "Leader")?.Member as string;

  beforeAll(async () => {
    // Two members first: pg-test-3 stays pristine for the scale-out below.
    d = await freshDeployment(4, ["pg-test-1", "pg-test-2", "pg-test-3"], "pristine", (inv) => {
      delete inv.clusters["pg-test"].hosts["10.10.10.13"];
    });
    await waitMembers(settled(["pg-test-1", "pg-test-2"]));
  }, 1_800_000);

  it("a Patroni killed alone on the leader takes its Postgres down (no writes outside Patroni), then the member rejoins", async () => {
    const before = await leader();
    expect(await accepting(before)).toBe(true);
    await writeRow("before-fence", ipOf[before]);
    // SIGKILL to Patroni's main process only: its Postgres (KillMode=process) is left running, as after a crash.
    const t = Date.now();
    const killed = await sshRun(before, "sudo systemctl kill --kill-who=main -s KILL patroni");
    expect(killed.code).toBe(0);
    let downAfter = -1;
    for (let i = 0; i < 40 && downAfter < 0; i++) {
      if (!(await accepting(before))) downAfter = (Date.now() - t) / 1000;
      else await sleep(250);
    }
    log(`Patroni killed on ${before}: its Postgres stopped accepting after ${downAfter.toFixed(1)} s`);
    expect(downAfter).toBeGreaterThanOrEqual(0);
    const journal = await sshRun(before, "sudo journalctl -u patroni --no-pager -n 50");
    expect(journal.stdout).toContain("stopping Postgres, which must take no writes outside Patroni's control");
    // systemd restarts Patroni; the cluster settles with one leader and the row is still there.
    await waitMembers(settled(["pg-test-1", "pg-test-2"]), 180);
    expect(await waitRow(ipOf[await leader()], 5433, "before-fence")).toBe(true);
  }, 600_000);

  it("an up SIGKILLed during a scale-out is finished by the README's steps, with no row lost", async () => {
    for (let i = 0; i < 20; i++) await writeRow(`before-kill-${i}`, "10.10.10.11");
    d.inventory.clusters["pg-test"].hosts["10.10.10.13"] = { pg_seq: 3, pg_role: "offline" };
    await setInventory(d.stack, d.inventory);

    const newPrepare = stepName("pg-test-3", "prepare");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pigsty-killed-"));
    const eventLog = path.join(dir, "events.jsonl");
    const cliLog = fs.openSync(path.join(dir, "cli.log"), "w");
    // --event-log is one of the CLI's debug flags.
    const child = spawn(PULUMI, ["up", "--yes", "--non-interactive", "--skip-preview", "--stack", d.stack.name, "--event-log", eventLog], {
      cwd: REPO_ROOT,
      env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE, PULUMI_DEBUG_COMMANDS: "true" },
      stdio: ["ignore", cliLog, cliLog],
    });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    // Killed a few seconds after the new member's first step started on its host.
    let inFlight = false;
    for (let i = 0; i < 600 && !inFlight && child.exitCode === null; i++) {
      inFlight = fs.existsSync(eventLog) && fs.readFileSync(eventLog, "utf8").split("\n").some((l) => l.includes('"resourcePreEvent"') && l.includes(`::${newPrepare}"`) && !l.includes('"planning":true'));
      if (!inFlight) await sleep(500);
    }
    if (!inFlight) throw new Error(`${newPrepare} never started (CLI exit ${child.exitCode}):\n${fs.readFileSync(path.join(dir, "cli.log"), "utf8").slice(-2000)}`);
    await sleep(5000);
    expect(child.exitCode).toBeNull();
    orphans = descendants(child.pid as number);
    child.kill("SIGKILL");
    await exited;
    log(`pulumi up killed with SIGKILL while ${newPrepare} ran`);

    // The README's recovery: cancel if locked, up again, clear pending creates if still warned.
    const locked = await tryUp(d.stack);
    if (locked.error !== undefined) {
      log(`the next up: ${locked.error.split("\n").find((l) => /lock|pending/i.test(l)) ?? locked.error.slice(0, 200)}`);
      if (/locked/i.test(locked.error)) expect(cli(["cancel", "--yes", "--stack", d.stack.name]).code).toBe(0);
      let again = await tryUp(d.stack);
      if (again.error !== undefined && /pending/i.test(again.error)) {
        expect(cli(["refresh", "--yes", "--clear-pending-creates", "--stack", d.stack.name]).code).toBe(0);
        again = await tryUp(d.stack);
      }
      expect(again.error).toBeUndefined();
    }
    await up(d.stack);
    // The killed run's in-flight create stays recorded as pending (a warning on every run) until a refresh clears it.
    const name = d.stack.name;
    const pending = () => (JSON.parse(cli(["stack", "export", "--stack", name]).stdout).deployment.pending_operations ?? []).length;
    if (pending() > 0) {
      log(`${pending()} pending operation(s) left by the killed run: pulumi refresh --clear-pending-creates`);
      expect(cli(["refresh", "--yes", "--clear-pending-creates", "--stack", name]).code).toBe(0);
      expect(pending()).toBe(0);
    }
    expect(await plan(d.stack)).toEqual({});
    await waitMembers(settled(["pg-test-1", "pg-test-2", "pg-test-3"]), 300);
    // Every member, read directly: the rows written before the kill are all there, on the new one too.
    for (const n of ["pg-test-1", "pg-test-2", "pg-test-3"]) {
      expect((await psql(ipOf[n], 5432, "SELECT count(*) FROM e2e WHERE v LIKE 'before-kill-%'")).trim()).toBe("20");
    }
  }, 1_800_000);
});
