// Our program through `npm run up` (scripts/up.ts): the deciding preview, phase 1 (passwords and certificates, with
// checkpoints) when needed, phase 2 without checkpoints; timed as a whole and per part from the script's own lines.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { benchEnv, keepFailedOutput, repo } from "./pulumiRun";

export interface TwoPhaseRun {
  seconds: number;
  decideSeconds: number;
  /** Absent when the preview found no secret to generate. */
  phaseOneSeconds?: number;
  phaseTwoSeconds: number;
}

/** The parts' durations from the lines scripts/up.ts prints. */
export function phaseTimes(lines: string): Omit<TwoPhaseRun, "seconds"> {
  const figure = (re: RegExp) => {
    const m = re.exec(lines);
    return m ? Number(m[1]) : undefined;
  };
  const decideSeconds = figure(/decided in ([\d.]+) s/);
  const phaseTwoSeconds = figure(/phase 2 done in ([\d.]+) s/);
  if (decideSeconds === undefined || phaseTwoSeconds === undefined) throw new Error(`npm run up printed no durations:\n${lines.slice(-2000)}`);
  const phaseOneSeconds = figure(/phase 1 done in ([\d.]+) s/);
  return { decideSeconds, phaseTwoSeconds, ...(phaseOneSeconds !== undefined && { phaseOneSeconds }) };
}

/** `npm run up -- <args>` in `cwd`; rejects with the end of its output on failure. */
export function twoPhaseUp(args: string[], cwd: string = repo): Promise<TwoPhaseRun> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(join(repo, "node_modules", ".bin", "tsx"), [join(repo, "scripts", "up.ts"), ...args], { cwd, env: benchEnv });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      if (code !== 0) {
        const kept = keepFailedOutput(`npm run up -- ${args.join(" ")}: exit ${code}`, out, err);
        return fail(new Error(`npm run up -- ${args.join(" ")} failed (exit ${code}; whole output in ${kept}):\n${err.slice(-3000)}${out.slice(-3000)}`));
      }
      try {
        done({ seconds: (Date.now() - started) / 1000, ...phaseTimes(err) });
      } catch (e) {
        fail(e as Error);
      }
    });
  });
}

const s = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(1)} s`);

/** One line of the table: the whole run, its parts, and its ratio to each floor measured. */
export function twoPhaseLine(run: TwoPhaseRun, floor?: number, floorSkip?: number): string {
  const ratios = [
    ...(floor === undefined ? [] : [`to the floor ${(run.seconds / floor).toFixed(2)}`]),
    ...(floorSkip === undefined ? [] : [`to the floor without checkpoints ${(run.seconds / floorSkip).toFixed(2)}`]),
  ];
  const [first, ...rest] = ratios;
  const said = first === undefined ? "" : `; ${first}${rest.length > 0 ? ` (${rest.join(", ")})` : ""}`;
  return `${s(run.seconds).padStart(8)} = decide ${s(run.decideSeconds)} + phase 1 ${s(run.phaseOneSeconds)} + phase 2 ${s(run.phaseTwoSeconds)}${said}`;
}
