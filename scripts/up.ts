// npm run up -- [pulumi up args]: `pulumi up` in two phases, fast at fleet size and safe when killed. The local backend
// rewrites the whole state after every step; PULUMI_SKIP_CHECKPOINTS=true writes it once at the end, and records
// nothing if the CLI dies first. Host steps are idempotent and simply run again; but a password or certificate
// generated and installed on a host in an update that then died would be generated anew and installed over the lost
// one. So a preview decides (scripts/upPhases.ts): phase 1 generates the secrets it would create or change and runs
// no host step, phase 2 is the user's `up`. Each writes the state once, when it ends: a phase 1 that dies records
// nothing, and no host has seen what it made; phase 2 starts only once phase 1's secrets are written, and makes none.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { isSet, parseUpArgs } from "./upArgs";
import { describeSecrets, planPhases, previewArgs, type PreviewStep } from "./upPhases";

const local = join(__dirname, "..", ".toolchain", "bin", "pulumi");
const pulumiBin = process.env.PIGSTY_PULUMI ?? (existsSync(local) ? local : "pulumi");
// Our own lines go to stderr: with --json, stdout is the CLI's.
const say = (line: string) => process.stderr.write(`npm run up: ${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

let running: ChildProcess | undefined;
let stopping: NodeJS.Signals | undefined;

// The CLI sees a terminal's Ctrl-C itself; a signal sent to this process alone is passed on, so the engine stops
// and writes its state in either case. No further phase starts.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = signal;
    if (running?.pid !== undefined && running.exitCode === null) {
      say(`${signal}: passed on to pulumi (pid ${running.pid}); waiting for it to write the state`);
      process.kill(running.pid, signal);
    }
  });
}

/** Runs the CLI; resolves with its exit code (128 + the signal's number when a signal ended it) and its stdout if captured. */
function run(args: string[], env: NodeJS.ProcessEnv, capture: boolean): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(pulumiBin, args, { env, stdio: ["inherit", capture ? "pipe" : "inherit", "inherit"] });
    running = child;
    const chunks: Buffer[] = [];
    child.stdout?.on("data", (d: Buffer) => chunks.push(d));
    child.on("error", (e) => {
      say(`cannot run ${pulumiBin}: ${e.message}`);
      done({ code: 127, stdout: "" });
    });
    child.on("close", (code, signal) => {
      running = undefined;
      const bySignal = signal ? 128 + (constants.signals[signal] ?? 0) : 1;
      done({ code: code ?? bySignal, stdout: Buffer.concat(chunks).toString("utf8") });
    });
  });
}

/** The environment of a run: checkpoints on (the deciding preview) or off (both phases), whatever the caller's environment says. */
function envWith(skipCheckpoints: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PULUMI_SKIP_CHECKPOINTS;
  if (skipCheckpoints) env.PULUMI_SKIP_CHECKPOINTS = "true";
  return env;
}

async function main(): Promise<number> {
  const options = parseUpArgs(process.argv.slice(2));
  if (isSet(options, "help")) {
    say("usage: npm run up -- [pulumi up args]: a preview decides; phase 1 generates passwords and certificates, phase 2 is `pulumi up`; both without checkpoints (docs/performance.md)");
    return (await run(["up", "--help"], process.env, false)).code;
  }

  let t = Date.now();
  say("deciding: pulumi preview --json (which passwords and certificates this up would generate)");
  const preview = await run(previewArgs(options), envWith(false), true);
  if (stopping) return preview.code;
  if (preview.code !== 0) {
    // With --json the CLI's diagnostics are in what it printed.
    process.stderr.write(preview.stdout.slice(-4000));
    say(`the preview failed (exit ${preview.code}); nothing was changed`);
    return preview.code;
  }
  const steps = (JSON.parse(preview.stdout) as { steps?: PreviewStep[] }).steps ?? [];
  const phases = planPhases(options, steps);
  say(`decided in ${seconds(t)}`);

  if (phases.one) {
    t = Date.now();
    say(`phase 1 of 2, PULUMI_SKIP_CHECKPOINTS=true, no host step: generates ${describeSecrets(phases.one.secrets)}`);
    const one = await run(phases.one.args, envWith(true), false);
    if (one.code !== 0 || stopping) {
      say(`phase 1 ended (exit ${one.code}) after ${seconds(t)}; phase 2 not started`);
      return one.code;
    }
    say(`phase 1 done in ${seconds(t)}`);
  } else say("phase 1 skipped: no password or certificate to generate");

  t = Date.now();
  say(`phase 2 of 2, PULUMI_SKIP_CHECKPOINTS=true: pulumi ${phases.two.args.join(" ")}`);
  const two = await run(phases.two.args, envWith(true), false);
  say(`phase 2 ${two.code === 0 ? "done" : `ended (exit ${two.code})`} in ${seconds(t)}`);
  return two.code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
