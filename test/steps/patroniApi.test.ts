// The Patroni REST programs inside cluster steps are valid python, and the switchover handles synchronous mode.
import { spawnSync } from "node:child_process";
import { dynamicConfigStep, intendedLeaderStep } from "../../steps/patroniApi";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];

/** The python program that a step writes to $work/patroni.py (its quoted here-document). */
function program(script: string): string {
  const m = /cat >"\$work\/patroni\.py" <<'(\w+)'\n([\s\S]*?)\n\1\n/.exec(script);
  if (!m) throw new Error("no patroni.py here-document in the step");
  return m[2];
}

test.each([
  ["leader", intendedLeaderStep(cluster).create],
  ["dynamic configuration", dynamicConfigStep(model, cluster).create],
])("the %s step's program parses as python", (_, script) => {
  const r = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], { input: program(script), encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("in synchronous mode the candidate is made a synchronous standby before the switchover, and the count restored", () => {
  const p = program(intendedLeaderStep(cluster).create);
  const raise = p.indexOf('{"synchronous_node_count": max(len(replicas), restore)}');
  const switchover = p.indexOf('call("POST", local + "/switchover"');
  const restore = p.indexOf('{"synchronous_node_count": restore}');
  expect(raise).toBeGreaterThan(0);
  expect(raise).toBeLessThan(switchover);
  expect(switchover).toBeLessThan(restore);
});
