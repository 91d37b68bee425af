// The project's CLI (.toolchain/bin/pulumi) run as a child, timed and with its processes' memory sampled: what every
// part of `npm run bench` measures with.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { descendants, rssMb, type ProcessInfo } from "./processes";

export const repo = resolve(__dirname, "..");
export const pulumi = join(repo, ".toolchain", "bin", "pulumi");
/** The bench's stacks' passphrase: they hold throw-away data only. */
export const benchEnv = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "bench-only" };

/**
 * Writes a failed run's whole output to a file under the temp dir and returns its path: the error message keeps only
 * parts of it, and a fleet's output is too long for a terminal.
 */
export function keepFailedOutput(what: string, stdout: string, stderr: string): string {
  const file = join(tmpdir(), `pigsty-bench-failed-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
  writeFileSync(file, `${what}\n--- stderr\n${stderr}\n--- stdout\n${stdout}\n`);
  return file;
}

export interface Sampled {
  seconds: number;
  /** Peak resident memory of the CLI process, MB. */
  cliMb: number;
  /** Peak resident memory of the program (all node processes under the CLI), MB. */
  programMb: number;
  /** Peak resident memory of the resource providers (pulumi-resource-*) together, MB. */
  providersMb: number;
  stdout: string;
}

/** Runs the CLI with `args` in `cwd`, sampling memory every 100 ms; rejects with the end of its output on failure. */
export function sampledPulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv = benchEnv): Promise<Sampled> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(pulumi, args, { cwd, env });
    let out = "";
    let err = "";
    let cliMb = 0;
    let programMb = 0;
    let providersMb = 0;
    const sum = (pids: number[]) => pids.reduce((s, pid) => s + rssMb(pid), 0);
    // The tree is found again at most every second and then at most 5% of the time: with thousands of processes on
    // the machine (the bench's sshd keeps two per session) a pass over /proc takes 100 ms or more, and it would stall
    // the bench's event loop, which carries the loopback hosts' TCP forwarders. Memory is read every 100 ms.
    let tree: ProcessInfo[] = [];
    let treeDue = 0;
    const timer = setInterval(() => {
      if (Date.now() >= treeDue) {
        const before = Date.now();
        // The wrapper execs the CLI, so the child is the CLI itself.
        tree = descendants(child.pid as number);
        treeDue = Date.now() + Math.max(1000, 20 * (Date.now() - before));
      }
      cliMb = Math.max(cliMb, rssMb(child.pid as number));
      programMb = Math.max(programMb, sum(tree.filter((p) => p.comm === "node").map((p) => p.pid)));
      providersMb = Math.max(providersMb, sum(tree.filter((p) => p.comm.startsWith("pulumi-resource")).map((p) => p.pid)));
    }, 100);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearInterval(timer);
      // The CLI prints why on stdout, under "Diagnostics:", before the outputs that can fill the tail.
      const why = /\nDiagnostics:\n[\s\S]*?(?=\nOutputs:|\nResources:|$)/.exec(out)?.[0] ?? "";
      if (code !== 0) {
        const kept = keepFailedOutput(`pulumi ${args.join(" ")} in ${cwd}: exit ${code}`, out, err);
        return fail(new Error(`pulumi ${args.join(" ")} in ${cwd} failed (exit ${code}; whole output in ${kept}):\n${err.slice(-2000)}${why.slice(0, 4000)}\n${out.slice(-3000)}`));
      }
      done({ seconds: (Date.now() - started) / 1000, cliMb, programMb, providersMb, stdout: out });
    });
  });
}

/** Runs the CLI and waits for it, output discarded; rejects with its error output. */
export function runPulumi(args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(pulumi, args, { cwd, env: benchEnv, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`pulumi ${args.join(" ")}: ${err}`))));
  });
}
