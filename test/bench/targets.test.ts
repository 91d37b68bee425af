// The bench says each target of issue 15 as met or not, with its figure (bench/targets.ts).
import { previewTargets, sandboxTargets, upTargets, type PreviewRow } from "../../bench/targets";
import type { SandboxFigures } from "../../bench/sandbox";
import { backupLines } from "../../bench/backup";

const row = (over: Partial<PreviewRow>): PreviewRow => ({
  clusters: 100, instances: 300, resources: 4711, seconds: 14, cliMb: 500, programMb: 700, floorSeconds: 10, floorProgramMb: 900, ratio: 1.4, ...over,
});

test("the preview targets are judged on the 100 x 3 row", () => {
  expect(previewTargets([row({ clusters: 10 }), row({})])).toEqual([
    "target met      preview of 100 x 3 <= 15 s: 14.0 s (engine floor 10.0 s)",
    "target met      preview of 100 x 3 <= 1.5 x the engine floor: 1.40",
    "target NOT met  preview of 100 x 3 <= 1.3 x the engine floor (issue 25): 1.40",
    "target met      CLI memory <= 800 MB: 500 MB",
    "target met      program memory <= 800 MB: 700 MB (engine floor's program 900 MB)",
  ]);
  const missed = previewTargets([row({ seconds: 27.2, ratio: 1.55, cliMb: 801, programMb: 878 })]);
  expect(missed.every((l) => l.startsWith("target NOT met"))).toBe(true);
  expect(missed[0]).toBe("target NOT met  preview of 100 x 3 <= 15 s: 27.2 s (engine floor 10.0 s)");
});

test("without a 100 x 3 row, the preview targets say why they are not judged", () => {
  expect(previewTargets([row({ clusters: 10 })])).toEqual(["preview targets: judged at 100 x 3, which this run did not measure (BENCH_SIZES)"]);
});

test("the sandbox targets", () => {
  const f: SandboxFigures = {
    coldUp: { seconds: 65.5, commands: 36, slowestHost: "10.10.10.12", slowestHostSeconds: 62.6, ratio: 1.05 },
    noopUp: { seconds: 5.2, commandsRun: 1 },
    scaleOut: { seconds: 30.5, changes: { create: 10 } },
    switchover: { upSeconds: 10.5, writes: { acked: 158, ackedRows: [], failed: 1, longestGapSeconds: 3.15, windowSeconds: 17 } },
    backup: { dataBytes: 2.3 * 1024 ** 3, pgbenchScale: 150, ours: 60, basebackupPlain: 40, basebackupZstd: 50, restore: 30 },
  };
  expect(sandboxTargets(f)).toEqual([
    "target met      cold up <= 1.25 x the slowest host's serial work: 1.05",
    "target NOT met  no-op up runs 0 remote commands: 1",
    "target NOT met  no-op up <= 5 s: 5.2 s",
    "target met      planned switchover: writes unavailable <= 5 s: 3.15 s",
  ]);
});

test("the backup figures are printed as ratios side by side", () => {
  expect(backupLines({ dataBytes: 2.3 * 1024 ** 3, pgbenchScale: 150, ours: 60, basebackupPlain: 40, basebackupZstd: 50, restore: 30 })).toEqual([
    "backup of 2.30 GB (pgbench -s 150) to the infra node: ours 60.0 s, pg_basebackup plain 40.0 s (ours 1.50 x), pg_basebackup zstd tar 50.0 s (ours 1.20 x)",
    "restore of that backup on the repository host 30.0 s: 0.50 x the backup's time",
  ]);
});

const series = (cold: number, fleet: number) => ({
  cold: { seconds: cold, cliMb: 1, programMb: 1, providersMb: 1, changed: 4700, changedRemote: 3200, stateBytes: 1 },
  fleet: { seconds: fleet, cliMb: 1, programMb: 1, providersMb: 1, changed: 300, changedRemote: 300, stateBytes: 1 },
  one: { seconds: 1, cliMb: 1, programMb: 1, providersMb: 1, changed: 3, changedRemote: 3, stateBytes: 1 },
});

test("the up targets are judged on the 100 x 3 row: ours within 2 x the floor", () => {
  const row = { clusters: 100, instances: 300, resources: 4711, remoteCommands: 3200, ours: series(300, 150), floor: series(100, 100) };
  expect(upTargets([row])).toEqual([
    "target met      fleet-wide change at 100 x 3 <= 2 x its floor: 1.50: plain up 150 s vs the floor 100 s",
    "target NOT met  cold up at 100 x 3 <= 2 x its floor: 3.00: plain up 300 s vs the floor 100 s",
  ]);
  expect(upTargets([{ ...row, clusters: 30 }])).toEqual(["up targets: judged at 100 x 3, which this run did not measure (BENCH_SIZES)"]);
});

test("the up targets judge npm run up where measured, against the floor without checkpoints where the plain floor was not run", () => {
  const two = (seconds: number) => ({ seconds, decideSeconds: 1, phaseTwoSeconds: seconds - 1 });
  const base = { clusters: 100, instances: 300, resources: 4711, remoteCommands: 3200, oursTwoPhase: { cold: two(500), fleet: two(90), one: two(30) } };
  expect(upTargets([{ ...base, oursSkip: series(400, 80), floorSkip: series(200, 60) }])).toEqual([
    "target met      fleet-wide change at 100 x 3 <= 2 x its floor: 1.50: npm run up 90 s vs the floor without checkpoints (stricter) 60 s",
    "target NOT met  cold up at 100 x 3 <= 2 x its floor: 2.50: npm run up 500 s vs the floor without checkpoints (stricter) 200 s",
  ]);
  expect(upTargets([{ ...base, floor: series(1000, 200), floorSkip: series(200, 60) }])[1]).toBe("target met      cold up at 100 x 3 <= 2 x its floor: 0.50: npm run up 500 s vs the floor 1000 s");
  expect(upTargets([{ clusters: 100, instances: 300, resources: 1, remoteCommands: 1 }])).toEqual([
    "up targets: nothing to judge at 100 x 3 (no series with its floor)",
    "up targets: nothing to judge at 100 x 3 (no series with its floor)",
  ]);
});
