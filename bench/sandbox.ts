// The sandbox parts of `npm run bench` (root and BENCH_SANDBOX=1 only): on fresh sandbox nodes, through the real
// engine on a stack of its own (`bench-sandbox`), the dev inventory's cold `up` against the slowest host's serial
// work, a no-op `up`, a scale-out by one member, a planned switchover by config under a bounded write loop, and
// backup and restore against pg_basebackup (bench/backup.ts).
import { LocalWorkspace, PulumiCommand, Stack, type OpType } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { isRoot } from "../sandbox/host";
import { passwords, psql, settled, waitMembers } from "../test/e2e/helpers/cluster";
import { requireToolchain, setInventory } from "../test/e2e/helpers/engine";
import { ensureSandbox, readHosts, REPO_ROOT, resetNodes, sshRun, sshOk } from "../test/e2e/helpers/sandbox";
import { devInventory, loadPasswords, type Inventory } from "../test/e2e/helpers/scenario";
import { changeCounts, commandRuns, commandsStarted, serialWorkByHost, slowestHost, type TimedEvent } from "./engineEvents";
import { programUnderMocks } from "./mocks";
import { readWriteLoop, writeLoopScript, type WriteLoopResult } from "../test/e2e/helpers/writeLoop";
import { backupBench, backupLines, type BackupFigures } from "./backup";

/** The bench's stack (Pulumi.bench-sandbox.yaml, ignored by git); its passphrase protects sandbox data only. */
export const BENCH_STACK = "bench-sandbox";
const BENCH_PASSPHRASE = "pigsty-bench-sandbox-only";
const NEW_MEMBER = "10.10.10.14";
const STOP_FILE = "/tmp/pigsty-bench-writes.stop";
const log = (line: string) => process.stdout.write(`${line}\n`);

export interface SandboxFigures {
  coldUp: { seconds: number; commands: number; slowestHost: string; slowestHostSeconds: number; ratio: number };
  noopUp: { seconds: number; commandsRun: number };
  scaleOut: { seconds: number; changes: Partial<Record<OpType, number>> };
  switchover: { upSeconds: number; writes: WriteLoopResult };
  backup: BackupFigures;
}

/** Why the sandbox parts do not run here, or undefined when they do. */
export function sandboxSkipReason(): string | undefined {
  if (process.env.BENCH_SANDBOX !== "1") return "sandbox parts skipped: set BENCH_SANDBOX=1 to run them (root; they reset the sandbox's nodes)";
  if (!isRoot()) return "sandbox parts skipped: they need root (the sandbox's nodes are systemd-nspawn containers)";
  return undefined;
}

async function freshBenchStack(): Promise<Stack> {
  requireToolchain();
  const pulumiCommand = await PulumiCommand.get({ root: join(REPO_ROOT, ".toolchain"), skipVersionCheck: true });
  const ws = await LocalWorkspace.create({ workDir: REPO_ROOT, pulumiCommand, envVars: { PULUMI_CONFIG_PASSPHRASE: BENCH_PASSPHRASE } });
  if ((await ws.listStacks()).some((s) => s.name === BENCH_STACK)) await ws.removeStack(BENCH_STACK, { force: true });
  return Stack.create(BENCH_STACK, ws);
}

/** `pulumi up` with every engine event, timed as it arrives. */
async function timedUp(stack: Stack, label: string): Promise<{ seconds: number; events: TimedEvent[] }> {
  const events: TimedEvent[] = [];
  const started = Date.now();
  await stack.up({ onEvent: (event) => events.push({ at: Date.now(), event }) });
  const seconds = (Date.now() - started) / 1000;
  log(`  ${label}: up ${seconds.toFixed(1)} s`);
  return { seconds, events };
}

/** Remote command name -> host, from the program under mocks with this inventory. */
async function commandHosts(inventory: Inventory): Promise<Record<string, string>> {
  const config = { "pigsty:sandbox": ".sandbox/hosts.json", "pigsty:inventory": JSON.stringify(inventory) };
  return (await programUnderMocks(BENCH_STACK, config)).hosts;
}

/** Runs `action` while pg-test-3 (offline, never elected) writes through its own HAProxy's 5433. */
async function duringWrites(action: () => Promise<void>): Promise<WriteLoopResult> {
  await psql("10.10.10.11", 5433, "CREATE TABLE IF NOT EXISTS bench_writes(v int)");
  const script = writeLoopScript({ host: "10.10.10.13", port: 5433, table: "bench_writes", everyMs: 20, maxSeconds: 60, stopFile: STOP_FILE });
  const running = sshRun("pg-test-3", `bash -c '${script.replace(/'/g, `'\\''`)}'`, { input: `${passwords.dbuser_test}\n`, timeoutMs: 120_000 });
  await new Promise((r) => setTimeout(r, 3000));
  await action();
  await new Promise((r) => setTimeout(r, 3000));
  await sshOk("pg-test-3", `touch ${STOP_FILE}`);
  return readWriteLoop((await running).stdout);
}

export async function sandboxBench(): Promise<SandboxFigures> {
  log(`sandbox: 5 nodes, every node reset to its pristine disk, stack ${BENCH_STACK}`);
  await ensureSandbox({ count: 5 });
  await resetNodes(readHosts().nodes.map((n) => n.name));
  const stack = await freshBenchStack();
  const inventory = devInventory();
  const members = Object.keys(inventory.clusters["pg-test"].hosts).map((_, k) => `pg-test-${k + 1}`);
  const scaled: Inventory = JSON.parse(JSON.stringify(inventory));
  scaled.clusters["pg-test"].hosts[NEW_MEMBER] = { pg_seq: 4, pg_role: "replica" };
  const hosts = await commandHosts(scaled);

  await setInventory(stack, inventory);
  const cold = await timedUp(stack, "cold up");
  const runs = commandRuns(cold.events);
  const slowest = slowestHost(serialWorkByHost(runs, hosts));
  const coldUp = { seconds: cold.seconds, commands: runs.length, slowestHost: slowest.host, slowestHostSeconds: slowest.seconds, ratio: cold.seconds / slowest.seconds };
  await loadPasswords(stack);
  await waitMembers(settled(members));

  const noop = await timedUp(stack, "no-op up");
  const noopUp = { seconds: noop.seconds, commandsRun: commandsStarted(noop.events).length };

  await setInventory(stack, scaled);
  const out = await timedUp(stack, "scale-out");
  const scaleOut = { seconds: out.seconds, changes: changeCounts(out.events) };
  await waitMembers(settled([...members, "pg-test-4"]), 180);

  let upSeconds = 0;
  const writes = await duringWrites(async () => {
    scaled.clusters["pg-test"].hosts["10.10.10.11"].pg_role = "replica";
    scaled.clusters["pg-test"].hosts["10.10.10.12"].pg_role = "primary";
    await setInventory(stack, scaled);
    upSeconds = (await timedUp(stack, "switchover")).seconds;
  });
  const backup = await backupBench("pg-test-2", "10.10.10.12");
  return { coldUp, noopUp, scaleOut, switchover: { upSeconds, writes }, backup };
}

/** The figures as lines of the bench's table. */
export function sandboxLines(f: SandboxFigures): string[] {
  const changes = Object.entries(f.scaleOut.changes).map(([op, n]) => `${op} ${n}`).join(", ");
  return [
    `cold up ${f.coldUp.seconds.toFixed(1)} s (${f.coldUp.commands} commands); slowest host ${f.coldUp.slowestHost} worked ${f.coldUp.slowestHostSeconds.toFixed(1)} s serially; ratio ${f.coldUp.ratio.toFixed(2)}`,
    `no-op up ${f.noopUp.seconds.toFixed(1)} s, ${f.noopUp.commandsRun} remote commands run`,
    `scale-out by one member: up ${f.scaleOut.seconds.toFixed(1)} s; resources: ${changes || "none changed"}`,
    `planned switchover by config: up ${f.switchover.upSeconds.toFixed(1)} s; writes unavailable ${f.switchover.writes.longestGapSeconds.toFixed(2)} s (longest gap), ` +
      `${f.switchover.writes.acked} acknowledged, ${f.switchover.writes.failed} refused in ${f.switchover.writes.windowSeconds.toFixed(0)} s`,
    ...backupLines(f.backup),
  ];
}
