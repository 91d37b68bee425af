// The targets for `npm run bench`, each said as met or not with the figure beside it.
import type { UpRow } from "./fleetUp";
import type { SandboxFigures } from "./sandbox";

/** One row of the preview table (bench/fleetPreview.ts). */
export interface PreviewRow {
  clusters: number;
  instances: number;
  resources: number;
  seconds: number;
  cliMb: number;
  programMb: number;
  floorSeconds: number;
  floorProgramMb: number;
  ratio: number;
}

interface Target {
  what: string;
  met: boolean;
  figure: string;
}

const line = (t: Target) => `target ${t.met ? "met    " : "NOT met"}  ${t.what}: ${t.figure}`;

/** The preview targets, judged on the 100 x 3 row (none without it). */
export function previewTargets(rows: PreviewRow[]): string[] {
  const r = rows.find((x) => x.clusters === 100);
  if (!r) return ["preview targets: judged at 100 x 3, which this run did not measure (BENCH_SIZES)"];
  return [
    { what: "preview of 100 x 3 <= 15 s", met: r.seconds <= 15, figure: `${r.seconds.toFixed(1)} s (engine floor ${r.floorSeconds.toFixed(1)} s)` },
    { what: "preview of 100 x 3 <= 1.5 x the engine floor", met: r.ratio <= 1.5, figure: `${r.ratio.toFixed(2)}` },
    { what: "preview of 100 x 3 <= 1.3 x the engine floor (issue 25)", met: r.ratio <= 1.3, figure: `${r.ratio.toFixed(2)}` },
    { what: "CLI memory <= 800 MB", met: r.cliMb <= 800, figure: `${r.cliMb.toFixed(0)} MB` },
    { what: "program memory <= 800 MB", met: r.programMb <= 800, figure: `${r.programMb.toFixed(0)} MB (engine floor's program ${r.floorProgramMb.toFixed(0)} MB)` },
  ].map(line);
}

/** The sandbox targets. */
export function sandboxTargets(f: SandboxFigures): string[] {
  return [
    { what: "cold up <= 1.25 x the slowest host's serial work", met: f.coldUp.ratio <= 1.25, figure: f.coldUp.ratio.toFixed(2) },
    { what: "no-op up runs 0 remote commands", met: f.noopUp.commandsRun === 0, figure: String(f.noopUp.commandsRun) },
    { what: "no-op up <= 5 s", met: f.noopUp.seconds <= 5, figure: `${f.noopUp.seconds.toFixed(1)} s` },
    { what: "planned switchover: writes unavailable <= 5 s", met: f.switchover.writes.longestGapSeconds <= 5, figure: `${f.switchover.writes.longestGapSeconds.toFixed(2)} s` },
  ].map(line);
}

/**
 * The `up` targets of issue 25, judged on the 100 x 3 row (none without it): our `up` within 2 x its floor. Ours is
 * `npm run up` where measured (the fast path the docs give for fleets), else the plain `up`; its floor the plain
 * floor with checkpoints where measured, else the floor without checkpoints, which is faster: a stricter floor.
 */
export function upTargets(rows: UpRow[]): string[] {
  const r = rows.find((x) => x.clusters === 100);
  if (!r) return ["up targets: judged at 100 x 3, which this run did not measure (BENCH_SIZES)"];
  const within = (what: string, phase: "cold" | "fleet"): Target | undefined => {
    const ours = r.oursTwoPhase ? { name: "npm run up", seconds: r.oursTwoPhase[phase].seconds } : r.ours && { name: "plain up", seconds: r.ours[phase].seconds };
    const floor = r.floor ? { name: "the floor", seconds: r.floor[phase].seconds } : r.floorSkip && { name: "the floor without checkpoints (stricter)", seconds: r.floorSkip[phase].seconds };
    if (!ours || !floor) return undefined;
    const ratio = ours.seconds / floor.seconds;
    return { what, met: ratio <= 2, figure: `${ratio.toFixed(2)}: ${ours.name} ${ours.seconds.toFixed(0)} s vs ${floor.name} ${floor.seconds.toFixed(0)} s` };
  };
  const targets = [within("fleet-wide change at 100 x 3 <= 2 x its floor", "fleet"), within("cold up at 100 x 3 <= 2 x its floor", "cold")];
  return targets.map((t) => (t ? line(t) : "up targets: nothing to judge at 100 x 3 (no series with its floor)"));
}
