// The bench's `npm run up` column (bench/twoPhaseUp.ts): the parts' durations read from the script's lines.
import { phaseTimes, twoPhaseLine } from "../../bench/twoPhaseUp";

const lines = (phaseOne: boolean) =>
  [
    "npm run up: deciding: pulumi preview --json (which passwords and certificates this up would generate)",
    "npm run up: decided in 5.2 s",
    phaseOne ? "npm run up: phase 1 of 2, with checkpoints: generates 80 password(s), 61 certificate(s): a, b" : "npm run up: phase 1 skipped: no password or certificate to generate",
    ...(phaseOne ? ["npm run up: phase 1 done in 12.0 s"] : []),
    "npm run up: phase 2 done in 40.5 s",
  ].join("\n");

test("each part's seconds; phase 1 only when it ran", () => {
  expect(phaseTimes(lines(true))).toEqual({ decideSeconds: 5.2, phaseOneSeconds: 12, phaseTwoSeconds: 40.5 });
  expect(phaseTimes(lines(false))).toEqual({ decideSeconds: 5.2, phaseTwoSeconds: 40.5 });
  expect(() => phaseTimes("npm run up: phase 2 ended (exit 1) in 3.0 s")).toThrow("printed no durations");
});

test("the line: the whole, its parts and the ratio to each floor", () => {
  expect(twoPhaseLine({ seconds: 60, decideSeconds: 5, phaseTwoSeconds: 40, phaseOneSeconds: 12 }, 80, 40)).toBe(
    "  60.0 s = decide 5.0 s + phase 1 12.0 s + phase 2 40.0 s; to the floor 0.75 (to the floor without checkpoints 1.50)",
  );
  expect(twoPhaseLine({ seconds: 20, decideSeconds: 5, phaseTwoSeconds: 14 }, 10)).toBe("  20.0 s = decide 5.0 s + phase 1 - + phase 2 14.0 s; to the floor 2.00");
});
