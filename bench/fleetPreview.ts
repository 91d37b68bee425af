// npm run bench: `pulumi preview` of fleets of N clusters x 3 instances, side by side with the engine floor (the
// same number of trivial resources in a throw-away program), measured in one run. Hosts are loopback addresses,
// so nothing but loopback is contacted. Beside each preview, the program alone under mocks (bench/mocks.ts): the part
// of the time that is ours. Then `pulumi up` of the same fleets against loopback hosts served by the bench's own
// sshd, beside its floor (bench/fleetUp.ts), and the dev inventory deployed the same way, its state split by where
// the bytes go (bench/devState.ts). Then the sandbox parts (bench/sandbox.ts) when root and BENCH_SANDBOX=1.
// BENCH_SIZES picks the fleets (clusters x 3; BENCH_UP_SIZES the up part's, BENCH_UP_CHECKPOINTED where it runs plain ups with checkpoints), BENCH_PARTS=preview,up,dev-state the parts. Prints a table and writes
// bench/results/<date>.json.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devStateBench } from "./devState";
import { fleetInventory, projectStack } from "./fleetStacks";
import { upBench, upLines, type UpRow } from "./fleetUp";
import { programUnderMocks } from "./mocks";
import { pulumi, repo, runPulumi as run, sampledPulumi } from "./pulumiRun";
import { sandboxBench, sandboxLines, sandboxSkipReason, type SandboxFigures } from "./sandbox";
import { chrootSkipReason } from "./sessionChroot";
import { breakdownLines, type StateBreakdown } from "./stateBytes";
import { previewTargets, sandboxTargets, upTargets, type PreviewRow } from "./targets";

const sizes = (process.env.BENCH_SIZES ?? "10,30,100").split(",").map(Number);
/** The `up` part's fleets: BENCH_UP_SIZES, else BENCH_SIZES when set, else 10 and 30 (100 x 3 takes hours here). */
const upSizes = (process.env.BENCH_UP_SIZES ?? process.env.BENCH_SIZES ?? "10,30").split(",").map(Number);
/**
 * The `up` part's sizes with plain `up`s with checkpoints (ours and the floor's): BENCH_UP_CHECKPOINTED, else those
 * below 100 (at 100 x 3 they take hours here; the no-checkpoint series and `npm run up` run at every size).
 */
const checkpointedSizes = (process.env.BENCH_UP_CHECKPOINTED ?? upSizes.filter((n) => n < 100).join(",")).split(",").filter((x) => x !== "").map(Number);
/** Which parts run: BENCH_PARTS=preview,up,dev-state (the default: all three). */
const parts = new Set((process.env.BENCH_PARTS ?? "preview,up,dev-state").split(","));
const FAKE_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEJlbmNoSG9zdEtleU9ubHlOb3RSZWFs";

interface Run {
  seconds: number;
  /** Peak resident memory of the CLI process, MB. */
  cliMb: number;
  /** Peak resident memory of the program (all node processes under the CLI), MB. */
  programMb: number;
  resources: number;
  /** The inputs of every planned resource, as the preview's JSON shows them (secrets as "[secret]"), bytes. */
  inputBytes: number;
}

/** `pulumi preview --json` in `cwd`, sampling the memory of the CLI and of the program every 100 ms. */
async function preview(cwd: string, stack: string): Promise<Run> {
  const r = await sampledPulumi(["preview", "--stack", stack, "--non-interactive", "--json"], cwd);
  const out = JSON.parse(r.stdout) as { changeSummary: Record<string, number>; steps?: { newState?: { inputs?: unknown } }[] };
  const inputBytes = (out.steps ?? []).reduce((sum, s) => sum + JSON.stringify(s.newState?.inputs ?? {}).length, 0);
  return { seconds: r.seconds, cliMb: r.cliMb, programMb: r.programMb, resources: Object.values(out.changeSummary).reduce((a, b) => a + b, 0), inputBytes };
}

/**
 * The floor: a throw-away program of `count` constant local commands (the same provider as ours), previewed the same
 * way: the same CLI and home, and the same SDK settings our index.ts makes (components/sdkSettings.ts: no stack trace
 * per promise or per resource). With `padding`, each command's script carries a comment of that many bytes: the floor
 * for inputs as large as ours.
 */
async function floorProgram(count: number, padding = 0): Promise<{ dir: string; stack: string; remove: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-floor-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: pigsty-floor\nruntime: nodejs\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pigsty-floor", main: "index.js" }));
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  writeFileSync(
    join(dir, "index.js"),
    "Error.stackTraceLimit = 0;\nrequire(\"@pulumi/pulumi\").Resource.callsites = () => [];\n" +
      `const command = require("@pulumi/command");\nconst pad = ${padding} > 0 ? " # " + "x".repeat(${padding}) : "";\n` +
      `for (let i = 0; i < ${count}; i++) new command.local.Command("c" + i, { create: "true" + pad });\n`,
  );
  const stack = padding > 0 ? "floor-sized" : "floor";
  await run(["stack", "init", stack, "--non-interactive"], dir);
  return {
    dir,
    stack,
    remove: async () => {
      await run(["stack", "rm", stack, "--yes", "--force", "--non-interactive"], dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The preview part: ours beside the floor and beside the program alone, at each size. */
async function previewBench(): Promise<PreviewRow[]> {
  const keyDir = mkdtempSync(join(tmpdir(), "pigsty-bench-key-"));
  const keyPath = join(keyDir, "not-a-key");
  writeFileSync(keyPath, "bench: never used to connect\n", { mode: 0o600 });
  const rows: (PreviewRow & Record<string, unknown>)[] = [];
  for (const n of sizes) {
    const stack = `bench-${n}`;
    const config = { "pigsty:inventory": JSON.stringify(fleetInventory(n, { user: "dba", keyPath, hostKey: FAKE_HOST_KEY })) };
    const { remove } = await projectStack(stack, config);
    try {
      const ours = await preview(repo, stack);
      const mocks = await programUnderMocks(stack, config);
      const floor = await floorProgram(ours.resources);
      try {
        const base = await preview(floor.dir, "floor");
        // The same floor with each command's script padded until the preview carries as many input bytes as ours.
        const padding = Math.max(0, Math.round((ours.inputBytes - base.inputBytes) / ours.resources));
        const sized = await floorProgram(ours.resources, padding);
        const sizedRun = await preview(sized.dir, sized.stack).finally(() => sized.remove());
        const row = {
          clusters: n, instances: 3 * n, resources: ours.resources, seconds: ours.seconds, cliMb: ours.cliMb, programMb: ours.programMb,
          floorSeconds: base.seconds, floorCliMb: base.cliMb, floorProgramMb: base.programMb, ratio: ours.seconds / base.seconds,
          mocksSeconds: mocks.seconds, mocksMb: mocks.peakMb, mocksShare: mocks.seconds / ours.seconds,
          inputBytes: ours.inputBytes, sizedFloorSeconds: sizedRun.seconds, sizedFloorInputBytes: sizedRun.inputBytes, sizedRatio: ours.seconds / sizedRun.seconds,
        };
        rows.push(row);
        console.log(
          `${String(n).padStart(4)} x 3  ${String(ours.resources).padStart(6)} resources  ours ${ours.seconds.toFixed(1).padStart(6)} s  ` +
            `CLI ${ours.cliMb.toFixed(0).padStart(5)} MB  program ${ours.programMb.toFixed(0).padStart(5)} MB  ` +
            `floor ${base.seconds.toFixed(1).padStart(6)} s (CLI ${base.cliMb.toFixed(0)} MB, program ${base.programMb.toFixed(0)} MB)  ratio ${row.ratio.toFixed(2)}  ` +
            `program alone (mocks) ${mocks.seconds.toFixed(1).padStart(5)} s (${(100 * row.mocksShare).toFixed(0)}% of ours) ${mocks.peakMb.toFixed(0).padStart(5)} MB`,
        );
        console.log(
          `          inputs ${(ours.inputBytes / 1e6).toFixed(1)} MB (the floor's ${(base.inputBytes / 1e6).toFixed(1)} MB); ` +
            `the floor with inputs as large (${(sizedRun.inputBytes / 1e6).toFixed(1)} MB) ${sizedRun.seconds.toFixed(1)} s: ratio ${row.sizedRatio.toFixed(2)}`,
        );
      } finally {
        await floor.remove();
      }
    } finally {
      await remove();
    }
  }
  if (rows.length >= 2) {
    const [a, b] = [rows[0], rows[rows.length - 1]];
    const slope = (from: number, to: number) => ((1000 * (to - from)) / (b.instances - a.instances)).toFixed(0);
    console.log(`slope: ${slope(a.seconds, b.seconds)} ms per instance (the floor's, for the same resources: ${slope(a.floorSeconds, b.floorSeconds)} ms)`);
  }
  previewTargets(rows).forEach((l) => console.log(l));
  rmSync(keyDir, { recursive: true, force: true });
  return rows;
}

async function main() {
  if (!existsSync(pulumi)) throw new Error("no toolchain: run `npm run toolchain` first");
  const rows = parts.has("preview") ? await previewBench() : [];
  let up: { rows: UpRow[]; state?: { clusters: number; breakdown: StateBreakdown } } | undefined;
  // Both deploy an infra node, whose dashboards are copied by sftp: the bench's sshd serves that only in a chroot.
  const noCopy = chrootSkipReason();
  const copying = ["up", "dev-state"].filter((p) => parts.has(p));
  if (noCopy && copying.length > 0) console.log(`${copying.join(" and ")} skipped: the dashboards' sftp copy needs a chroot, and ${noCopy}`);
  if (parts.has("up") && !noCopy) {
    const withSkip = process.env.BENCH_SKIP_CHECKPOINTS !== "0";
    const withTwoPhase = withSkip && process.env.BENCH_UP_TWO_PHASE !== "0";
    console.log(`up: fleets on loopback hosts through the bench's sshd${withSkip ? ", then again with PULUMI_SKIP_CHECKPOINTS=true" : ""}${withTwoPhase ? ", then through npm run up" : ""}`);
    up = await upBench(upSizes, withSkip, checkpointedSizes, withTwoPhase);
    upLines(up.rows).forEach((l) => console.log(l));
    if (up.state) {
      console.log(`where the state's bytes go, ${up.state.clusters} x 3 after the cold up:`);
      breakdownLines(up.state.breakdown).forEach((l) => console.log(l));
    }
    upTargets(up.rows).forEach((l) => console.log(l));
  }
  let devState: Awaited<ReturnType<typeof devStateBench>> | undefined;
  if (parts.has("dev-state") && !noCopy) {
    devState = await devStateBench();
    console.log(`the dev inventory on loopback hosts: cold up ${devState.seconds.toFixed(1)} s; where its state's bytes go:`);
    breakdownLines(devState.breakdown, 100).forEach((l) => console.log(l));
    const a = devState.withAgent.breakdown;
    console.log(
      `the same with ssh.agent: true (no private key in any connection): cold up ${devState.withAgent.seconds.toFixed(1)} s, ` +
        `state ${a.fileBytes} bytes (${(a.fileBytes / devState.breakdown.fileBytes).toFixed(2)} x the key file's)`,
    );
  }
  const skip = sandboxSkipReason();
  let sandbox: SandboxFigures | undefined;
  if (skip) console.log(skip);
  else {
    sandbox = await sandboxBench();
    sandboxLines(sandbox).forEach((l) => console.log(l));
    sandboxTargets(sandbox).forEach((l) => console.log(l));
  }
  mkdirSync(join(repo, "bench", "results"), { recursive: true });
  // A second run on the same day keeps the first one's file.
  const day = new Date().toISOString().slice(0, 10);
  let file = join(repo, "bench", "results", `${day}.json`);
  for (let k = 2; existsSync(file); k++) file = join(repo, "bench", "results", `${day}-${k}.json`);
  writeFileSync(file, `${JSON.stringify({ when: new Date().toISOString(), preview: rows, ...(up && { up: up.rows, stateBytes: up.state }), ...(devState && { devState }), ...(sandbox && { sandbox }) }, null, 2)}\n`);
  console.log(`written ${file}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
