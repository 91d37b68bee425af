// The `up` part of `npm run bench`: fleets of N clusters x 3 deployed by the real engine to loopback hosts served by
// the bench's own sshd (bench/loopbackHosts.ts, whose forced command runs no script and whose sftp, for the
// dashboards' copy, writes into a chroot in its temp dir), beside the engine floor: a
// throw-away program of as many trivial remote commands (through the same sshd) and as many other trivial resources.
// Per size: a cold `up`, a fleet-wide change (every member's pg_weight: every `-haproxy` step runs again) and a
// one-cluster change, each with and without PULUMI_SKIP_CHECKPOINTS (the engine writes the state once at the end
// instead of after every step), and through `npm run up`'s two phases (bench/twoPhaseUp.ts); the state's size and
// where its bytes go (bench/stateBytes.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileBytes, fleetAddresses, fleetInventory, lastChanges, projectStack, stateFile, type FleetSsh } from "./fleetStacks";
import { startLoopbackHosts } from "./loopbackHosts";
import { benchEnv, repo, runPulumi, sampledPulumi } from "./pulumiRun";
import { breakdownOfFile, type StateBreakdown } from "./stateBytes";
import { twoPhaseLine, twoPhaseUp, type TwoPhaseRun } from "./twoPhaseUp";

export const PHASES = ["cold", "fleet", "one"] as const;
export type Phase = (typeof PHASES)[number];
const PHASE_TITLES: Record<Phase, string> = { cold: "cold up", fleet: "fleet-wide change", one: "one-cluster change" };

export interface UpRun {
  seconds: number;
  cliMb: number;
  programMb: number;
  providersMb: number;
  /** Resources the update created, updated or replaced. */
  changed: number;
  /** Of those, remote commands (ours: from the state's inputs before and after; the floor's: as asked). */
  changedRemote: number;
  /** The state file after this update, bytes. */
  stateBytes: number;
}

export type Series = Record<Phase, UpRun>;

export interface UpRow {
  clusters: number;
  instances: number;
  /** Resources in the state (the stack and default providers included). */
  resources: number;
  remoteCommands: number;
  /** Plain `up`s with checkpoints, ours and the floor's: only at the sizes of BENCH_UP_CHECKPOINTED (hours at 100 x 3). */
  ours?: Series;
  floor?: Series;
  /** The same with PULUMI_SKIP_CHECKPOINTS=true (BENCH_SKIP_CHECKPOINTS=0 leaves them out). */
  oursSkip?: Series;
  floorSkip?: Series;
  /** Ours through `npm run up` (BENCH_SKIP_CHECKPOINTS=0 leaves it out too, and so does BENCH_UP_TWO_PHASE=0). */
  oursTwoPhase?: Record<Phase, TwoPhaseRun>;
}

const UP = ["up", "--yes", "--skip-preview", "--non-interactive", "--suppress-progress"];
const skipEnv = { ...benchEnv, PULUMI_SKIP_CHECKPOINTS: "true" };
const changedOf = (c: Record<string, number>) => (c.create ?? 0) + (c.update ?? 0) + (c.replace ?? 0) + (c["create-replacement"] ?? 0);

const REMOTE = "command:remote:Command";
/** The key that marks a secret value in a Pulumi state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Each resource's type and inputs (as JSON) in a state file, by URN. */
export function inputsByUrn(file: string): Map<string, { type: string; inputs: string }> {
  if (!existsSync(file)) return new Map();
  const resources = (JSON.parse(readFileSync(file, "utf8")) as { checkpoint: { latest?: { resources?: { urn: string; type: string; inputs?: unknown }[] } } }).checkpoint.latest?.resources ?? [];
  // A secret's ciphertext changes with every write of the state (a fresh nonce), so secrets compare as equal.
  const plain = (_: string, v: unknown) => (v !== null && typeof v === "object" && SECRET_SIG in v ? "[secret]" : v);
  return new Map(resources.map((r) => [r.urn, { type: r.type, inputs: JSON.stringify(r.inputs ?? {}, plain) }]));
}

/** The remote commands whose inputs differ between two states (or that are new). */
export function changedRemoteCommands(before: Map<string, { type: string; inputs: string }>, after: Map<string, { type: string; inputs: string }>): number {
  return [...after].filter(([urn, r]) => r.type === REMOTE && before.get(urn)?.inputs !== r.inputs).length;
}

/**
 * One `up` of `stack` (in `cwd`, project `project`), with what it changed and the state's size after it; the remote
 * commands it changed are counted from the state when `remote` is not given.
 */
async function timedUp(cwd: string, project: string, stack: string, skip: boolean, remote?: number): Promise<UpRun> {
  const file = stateFile(project, stack);
  const before = remote === undefined ? inputsByUrn(file) : undefined;
  const { seconds, cliMb, programMb, providersMb } = await sampledPulumi([...UP, "--stack", stack], cwd, skip ? skipEnv : benchEnv);
  const changedRemote = remote ?? changedRemoteCommands(before as Map<string, { type: string; inputs: string }>, inputsByUrn(file));
  return { seconds, cliMb, programMb, providersMb, changed: changedOf(lastChanges(project, stack)), changedRemote, stateBytes: fileBytes(file) };
}

/** pg_weight per cluster in each phase: none, then 90 everywhere, then 80 on the first cluster only. */
const WEIGHTS: Record<Phase, (k: number) => number | undefined> = {
  cold: () => undefined,
  fleet: () => 90,
  one: (k) => (k === 1 ? 80 : 90),
};

/** Our program's three `up`s, each run by `up(stack name)`, on a fresh stack; `inspect` sees the state after the cold one. */
async function oursPhases<R>(clusters: number, ssh: FleetSsh, suffix: string, up: (name: string) => Promise<R>, inspect?: (file: string) => void): Promise<Record<Phase, R>> {
  const name = `bench-up-${clusters}${suffix}`;
  const config = (phase: Phase) => ({ "pigsty:inventory": JSON.stringify(fleetInventory(clusters, ssh, WEIGHTS[phase])) });
  const stack = await projectStack(name, config("cold"));
  try {
    const series: Partial<Record<Phase, R>> = {};
    for (const phase of PHASES) {
      stack.setConfig(config(phase));
      series[phase] = await up(name);
      if (phase === "cold") inspect?.(stack.stateFile);
    }
    return series as Record<Phase, R>;
  } finally {
    await stack.remove();
  }
}

const oursSeries = (clusters: number, ssh: FleetSsh, skip: boolean, inspect?: (file: string) => void): Promise<Series> =>
  oursPhases(clusters, ssh, skip ? "-skip" : "", (name) => timedUp(repo, "pigsty", name, skip), inspect);

export interface FloorShape {
  /** Trivial remote commands, spread over the hosts in turn. */
  remote: number;
  /** Trivial local commands (ours has passwords, certificates, components there). */
  local: number;
  hosts: string[];
  ssh: Required<FleetSsh>;
  /** Per change so far, how many remote and local commands it changed (the first n of each): command i runs
   * `true <number of changes that reached i>`. */
  changes: { remote: number; local: number }[];
}

/** The floor's program: plain JavaScript, reading its shape from floor.json beside it. */
export const FLOOR_PROGRAM = `Error.stackTraceLimit = 0;
require("@pulumi/pulumi").Resource.callsites = () => [];
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const p = JSON.parse(fs.readFileSync(__dirname + "/floor.json", "utf8"));
const privateKey = pulumi.secret(fs.readFileSync(p.ssh.keyPath, "utf8"));
const round = (i, kind) => p.changes.filter((c) => i < c[kind]).length;
for (let i = 0; i < p.remote; i++) {
  new command.remote.Command("r" + i, {
    connection: { host: p.hosts[i % p.hosts.length], port: p.ssh.port, user: p.ssh.user, privateKey, hostKey: p.ssh.hostKey, dialErrorLimit: 5, perDialTimeout: 10 },
    create: "true " + round(i, "remote"),
    logging: "stdoutAndStderr",
    addPreviousOutputInEnv: false,
  });
}
for (let i = 0; i < p.local; i++) new command.local.Command("l" + i, { create: "true " + round(i, "local") });
`;

/**
 * The floor's three `up`s: the same number of resources and remote commands as ours, and in each change as many
 * remote commands changed as ours, and as many local commands as ours changed other resources (components, whose
 * facts hold the members' weights, update too).
 */
async function floorSeries(shape: Omit<FloorShape, "changes">, ours: Series, skip: boolean): Promise<Series> {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-up-floor-"));
  const stack = "floor-up";
  writeFileSync(join(dir, "Pulumi.yaml"), "name: pigsty-floor\nruntime: nodejs\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pigsty-floor", main: "index.js" }));
  writeFileSync(join(dir, "index.js"), FLOOR_PROGRAM);
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  await runPulumi(["stack", "rm", stack, "--yes", "--force", "--non-interactive"], dir).catch(() => undefined);
  await runPulumi(["stack", "init", stack, "--non-interactive"], dir);
  try {
    const series: Partial<Series> = {};
    const made: FloorShape["changes"] = [];
    for (const phase of PHASES) {
      const change = { remote: ours[phase].changedRemote, local: ours[phase].changed - ours[phase].changedRemote };
      if (phase !== "cold") made.push(change);
      writeFileSync(join(dir, "floor.json"), JSON.stringify({ ...shape, changes: made } satisfies FloorShape));
      series[phase] = await timedUp(dir, "pigsty-floor", stack, skip, phase === "cold" ? shape.remote : change.remote);
      if (phase !== "cold" && series[phase].changed !== ours[phase].changed) {
        throw new Error(`the floor's ${phase} up changed ${series[phase].changed} resources, ours ${ours[phase].changed}`);
      }
    }
    return series as Series;
  } finally {
    await runPulumi(["stack", "rm", stack, "--yes", "--force", "--non-interactive"], dir);
    for (const f of [".bak", ".bak.attrs"]) rmSync(`${stateFile("pigsty-floor", stack)}${f}`, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The `up` bench at each size; the state breakdown of the first size's cold `up`. The plain `up`s with checkpoints
 * (ours and the floor's) run only at the sizes `checkpointed` names: at 100 x 3 they would take hours here, so there
 * the no-checkpoint series and `npm run up` stand alone, and the floor's changes follow the no-checkpoint series.
 */
export async function upBench(sizes: number[], withSkip: boolean, checkpointed: number[] = sizes, withTwoPhase = true): Promise<{ rows: UpRow[]; state?: { clusters: number; breakdown: StateBreakdown } }> {
  const rows: UpRow[] = [];
  let state: { clusters: number; breakdown: StateBreakdown } | undefined;
  for (const n of sizes) {
    const plain = checkpointed.includes(n);
    if (!plain && !withSkip) throw new Error(`nothing to measure at ${n} x 3: it is not in BENCH_UP_CHECKPOINTED and BENCH_SKIP_CHECKPOINTS=0`);
    const addresses = fleetAddresses(n);
    const hosts = await startLoopbackHosts(addresses);
    try {
      const ssh = { user: hosts.user, keyPath: hosts.keyPath, hostKey: hosts.hostKey, port: hosts.port };
      let resources = 0;
      let remoteCommands = 0;
      const inspect = (file: string) => {
        const b = breakdownOfFile(file);
        resources = b.resources;
        remoteCommands = b.kinds.filter((k) => k.kind.startsWith("-") || k.kind.startsWith("remote")).reduce((s, k) => s + k.count, 0);
        state ??= { clusters: n, breakdown: b };
      };
      // The floor has the same resources as the state (its own stack and default providers stand for ours).
      const shape = () => ({ remote: remoteCommands, local: resources - remoteCommands - 4, hosts: addresses, ssh });
      const row: UpRow = { clusters: n, instances: 3 * n, resources, remoteCommands };
      if (plain) {
        row.ours = await oursSeries(n, ssh, false, inspect);
        log(`  ${n} x 3 ours: ${PHASES.map((p) => `${p} ${row.ours![p].seconds.toFixed(1)} s`).join(", ")}`);
        row.floor = await floorSeries(shape(), row.ours, false);
        log(`  ${n} x 3 floor: ${PHASES.map((p) => `${p} ${row.floor![p].seconds.toFixed(1)} s`).join(", ")}`);
      } else {
        log(`  ${n} x 3: plain ups with checkpoints not run (not in BENCH_UP_CHECKPOINTED)`);
      }
      if (withSkip) {
        row.oursSkip = await oursSeries(n, ssh, true, plain ? undefined : inspect);
        row.floorSkip = await floorSeries(shape(), row.ours ?? row.oursSkip, true);
        log(`  ${n} x 3 skip checkpoints: ours ${PHASES.map((p) => row.oursSkip![p].seconds.toFixed(1)).join("/")} s, floor ${PHASES.map((p) => row.floorSkip![p].seconds.toFixed(1)).join("/")} s`);
      }
      if (withSkip && withTwoPhase) {
        // The same arguments as every other `up` of the bench, after the script's name.
        row.oursTwoPhase = await oursPhases(n, ssh, "-two-phase", (name) => twoPhaseUp([...UP.slice(1), "--stack", name]));
        log(`  ${n} x 3 npm run up: ${PHASES.map((p) => row.oursTwoPhase![p].seconds.toFixed(1)).join("/")} s`);
      }
      rows.push({ ...row, resources, remoteCommands });
    } finally {
      await hosts.stop();
    }
  }
  return { rows, state };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const s = (x: number) => `${x.toFixed(1)} s`;

/** The table: per size and phase, ours beside the floor, the ratio, and the same with checkpoints skipped. */
export function upLines(rows: UpRow[]): string[] {
  const lines = [
    "fleet     phase               changed (remote)  ours      floor     ratio  | skip checkpoints: ours   floor     ratio  | ours CLI/program/providers MB  floor's",
  ];
  const pair = (o: UpRun | undefined, f: UpRun | undefined) => (o && f ? `${s(o.seconds).padStart(8)} ${s(f.seconds).padStart(8)}  ${(o.seconds / f.seconds).toFixed(2).padStart(5)}` : "   (not measured)        ");
  for (const r of rows) {
    for (const p of PHASES) {
      const [o, f] = [r.ours?.[p], r.floor?.[p]];
      const counted = (o ?? r.oursSkip?.[p]) as UpRun;
      const memory = (x: UpRun | undefined) => (x ? `${x.cliMb.toFixed(0)}/${x.programMb.toFixed(0)}/${x.providersMb.toFixed(0)}` : "-");
      lines.push(
        `${`${r.clusters} x 3`.padEnd(9)} ${PHASE_TITLES[p].padEnd(19)} ${String(counted.changed).padStart(7)} ${`(${counted.changedRemote})`.padStart(8)}  ${pair(o, f)}  |                  ${pair(r.oursSkip?.[p], r.floorSkip?.[p])}  | ` +
          `${memory(o ?? r.oursSkip?.[p])}  ${memory(f ?? r.floorSkip?.[p])}`,
      );
    }
    for (const p of r.oursTwoPhase ? PHASES : []) {
      lines.push(`${`${r.clusters} x 3`.padEnd(9)} ${PHASE_TITLES[p].padEnd(19)} npm run up: ${twoPhaseLine(r.oursTwoPhase![p], r.floor?.[p].seconds, r.floorSkip?.[p].seconds)}`);
    }
    const [oc, fc] = [(r.ours ?? r.oursSkip)?.cold, (r.floor ?? r.floorSkip)?.cold];
    if (oc && fc) lines.push(`${`${r.clusters} x 3`.padEnd(9)} state after cold up: ours ${mb(oc.stateBytes)}, floor ${mb(fc.stateBytes)} (${r.resources} resources, ${r.remoteCommands} remote commands)`);
  }
  lines.push(...growthLines(rows));
  return lines;
}

/**
 * How each figure grows from one size to the next: the factor, and the exponent k of time ~ size^k; of the plain
 * `up`s where both sizes have them, and of the `up`s without checkpoints where both have those.
 */
export function growthLines(rows: UpRow[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    const grow = (x: number, y: number) => `x${(y / x).toFixed(1)} (^${(Math.log(y / x) / Math.log(b.clusters / a.clusters)).toFixed(2)})`;
    const head = `growth ${a.clusters} -> ${b.clusters} clusters (x${(b.clusters / a.clusters).toFixed(1)})`;
    if (a.ours && a.floor && b.ours && b.floor) {
      const [ao, af, bo, bf] = [a.ours, a.floor, b.ours, b.floor];
      const parts = PHASES.map((p) => `${p}: ours ${grow(ao[p].seconds, bo[p].seconds)}, floor ${grow(af[p].seconds, bf[p].seconds)}`);
      out.push(`${head}: ${parts.join("; ")}; state ${grow(ao.cold.stateBytes, bo.cold.stateBytes)}`);
    }
    if (a.oursSkip && a.floorSkip && b.oursSkip && b.floorSkip) {
      const [ao, af, bo, bf] = [a.oursSkip, a.floorSkip, b.oursSkip, b.floorSkip];
      const parts = PHASES.map((p) => `${p}: ours ${grow(ao[p].seconds, bo[p].seconds)}, floor ${grow(af[p].seconds, bf[p].seconds)}`);
      out.push(`${head}, without checkpoints: ${parts.join("; ")}`);
    }
  }
  return out;
}
