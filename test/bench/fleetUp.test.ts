// The `up` bench's table (bench/fleetUp.ts): ours beside the floor with the ratio, and how each grows with the fleet.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedRemoteCommands, growthLines, inputsByUrn, upLines, type Series, type UpRow } from "../../bench/fleetUp";

const run = (seconds: number, stateBytes = 1024 * 1024) => ({ seconds, cliMb: 100, programMb: 200, providersMb: 50, changed: 30, changedRemote: 20, stateBytes });
const series = (cold: number, fleet: number, one: number, stateBytes?: number): Series => ({ cold: run(cold, stateBytes), fleet: run(fleet, stateBytes), one: run(one, stateBytes) });
const row = (clusters: number, ours: Series, floor: Series, skip?: [Series, Series]): UpRow => ({
  clusters, instances: 3 * clusters, resources: 47 * clusters, remoteCommands: 32 * clusters, ours, floor, ...(skip && { oursSkip: skip[0], floorSkip: skip[1] }),
});

test("each phase shows ours, the floor and their ratio, with and without checkpoints", () => {
  const lines = upLines([row(10, series(100, 50, 20), series(50, 25, 10), [series(40, 20, 8), series(20, 10, 4)])]);
  expect(lines[1]).toMatch(/^10 x 3 +cold up +30 +\(20\) +100\.0 s +50\.0 s +2\.00 +\| +40\.0 s +20\.0 s +2\.00 +\| 100\/200\/50 +100\/200\/50$/);
  expect(lines[2]).toMatch(/fleet-wide change .* 50\.0 s +25\.0 s +2\.00/);
  expect(lines[4]).toBe("10 x 3    state after cold up: ours 1.0 MB, floor 1.0 MB (470 resources, 320 remote commands)");
});

test("with npm run up measured, a line per phase after the table's rows", () => {
  const two = (seconds: number) => ({ seconds, decideSeconds: 1, phaseTwoSeconds: seconds - 1 });
  const r = { ...row(10, series(100, 50, 20), series(50, 25, 10), [series(40, 20, 8), series(20, 10, 4)]), oursTwoPhase: { cold: two(50), fleet: two(25), one: two(10) } };
  const lines = upLines([r]);
  expect(lines[4]).toBe("10 x 3    cold up             npm run up:   50.0 s = decide 1.0 s + phase 1 - + phase 2 49.0 s; to the floor 1.00 (to the floor without checkpoints 2.50)");
  expect(lines[7]).toMatch(/^10 x 3 +state after cold up/);
});

test("a size without the plain ups with checkpoints shows the no-checkpoint series, npm run up against that floor, and their growth", () => {
  const two = (seconds: number) => ({ seconds, decideSeconds: 1, phaseTwoSeconds: seconds - 1 });
  const small = { ...row(10, series(100, 50, 20), series(50, 25, 10), [series(40, 20, 8), series(20, 10, 4)]), oursTwoPhase: { cold: two(50), fleet: two(25), one: two(10) } };
  const big: UpRow = { clusters: 100, instances: 300, resources: 4700, remoteCommands: 3200, oursSkip: series(400, 200, 80), floorSkip: series(200, 100, 40), oursTwoPhase: { cold: two(500), fleet: two(250), one: two(100) } };
  const lines = upLines([small, big]);
  const at100 = lines.filter((l) => l.startsWith("100 x 3"));
  expect(at100[0]).toMatch(/^100 x 3 +cold up +30 +\(20\) +\(not measured\) +\| +400\.0 s +200\.0 s +2\.00 +\| 100\/200\/50 +100\/200\/50$/);
  expect(at100[3]).toBe("100 x 3   cold up             npm run up:  500.0 s = decide 1.0 s + phase 1 - + phase 2 499.0 s; to the floor without checkpoints 2.50");
  expect(at100[6]).toBe("100 x 3   state after cold up: ours 1.0 MB, floor 1.0 MB (4700 resources, 3200 remote commands)");
  expect(lines.filter((l) => l.startsWith("growth"))).toEqual([
    "growth 10 -> 100 clusters (x10.0), without checkpoints: cold: ours x10.0 (^1.00), floor x10.0 (^1.00); fleet: ours x10.0 (^1.00), floor x10.0 (^1.00); one: ours x10.0 (^1.00), floor x10.0 (^1.00)",
  ]);
});

test("the remote commands an update changed: new ones and those whose inputs differ", () => {
  const state = (entries: [string, string, string][]) => new Map(entries.map(([urn, type, inputs]) => [urn, { type, inputs }]));
  const before = state([["a", "command:remote:Command", "1"], ["b", "command:remote:Command", "1"], ["c", "pigsty:pg:Instance", "1"]]);
  const after = state([["a", "command:remote:Command", "2"], ["b", "command:remote:Command", "1"], ["c", "pigsty:pg:Instance", "2"], ["d", "command:remote:Command", "1"]]);
  expect(changedRemoteCommands(before, after)).toBe(2);
});

test("a secret whose ciphertext changed (a new nonce on every write) is no change; a changed script is", () => {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-state-"));
  const write = (ciphertext: string, create: string) => {
    const file = join(dir, `${ciphertext}${create}.json`);
    const connection = { host: "127.1.1.1", privateKey: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext } };
    writeFileSync(file, JSON.stringify({ checkpoint: { latest: { resources: [{ urn: "u", type: "command:remote:Command", inputs: { connection, create } }] } } }));
    return inputsByUrn(file);
  };
  try {
    expect(changedRemoteCommands(write("a", "true"), write("b", "true"))).toBe(0);
    expect(changedRemoteCommands(write("a", "true"), write("b", "true 1"))).toBe(1);
    expect(inputsByUrn(join(dir, "none.json")).size).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("growth: the factor from one size to the next and its exponent (1 is linear, 2 quadratic)", () => {
  const [line] = growthLines([row(10, series(10, 10, 10, 1000), series(10, 10, 10)), row(100, series(1000, 100, 10, 10000), series(100, 100, 100))]);
  expect(line).toBe(
    "growth 10 -> 100 clusters (x10.0): cold: ours x100.0 (^2.00), floor x10.0 (^1.00); fleet: ours x10.0 (^1.00), floor x10.0 (^1.00); " +
      "one: ours x1.0 (^0.00), floor x10.0 (^1.00); state x10.0 (^1.00)",
  );
});
