// The Patroni launcher (render/host/patroni-launch.py) against Debian's Patroni 3.0.2 (REAL_TOOLS=1: a missing
// Patroni fails, never skips): its failsafe record, as a replica keeps it after a DCS outage, misleads a later
// leader without the correction and not with it.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { renderPatroniUnit } from "../../render/systemd";
import { PATRONI_LAUNCHER, PATRONI_YML } from "../../render/paths";
import { pgTest } from "../helpers/inventoryFixtures";

const LAUNCHER = join(__dirname, "..", "..", "render", "host", "patroni-launch.py");
const cluster = pgTest().model.clusters[0];

test("Patroni's unit starts Debian's Patroni through the launcher", () => {
  expect(renderPatroniUnit(cluster, cluster.instances[0])).toContain(`ExecStart=/usr/bin/python3 ${PATRONI_LAUNCHER} ${PATRONI_YML}\n`);
});

/** The leader a member's failsafe record names in the sequence of Patroni's defect, with or without the correction. */
function leaderAfterSecondOutage(corrected: boolean): string {
  const program = `
import importlib.util, time
from patroni import ha
from patroni.version import __version__
spec = importlib.util.spec_from_file_location("launch", ${JSON.stringify(LAUNCHER)})
launch = importlib.util.module_from_spec(spec); spec.loader.exec_module(launch)
assert __version__ == launch.AFFECTED, __version__
if ${corrected ? "True" : "False"}:
    launch.correct_failsafe(ha.Failsafe)
class Dcs: ttl = 13
record = ha.Failsafe(Dcs())
record.update({"name": "pg-test-1", "conn_url": "postgres://10.10.10.11:5432/postgres", "api_url": "https://10.10.10.11:8008/patroni"})  # outage 1: the leader pings this replica
record.set_is_active(0)            # switchover: this member leads, its loop clears the failsafe state with the DCS reachable
record.set_is_active(time.time())  # outage 2: as leader it keeps leading on failsafe
leader = record.leader
print(leader.name if leader else "none")
`;
  const r = spawnSync("/usr/bin/python3", ["-c", program], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.trim();
}

const describeReal = process.env.REAL_TOOLS === "1" ? describe : describe.skip;

describeReal("the launcher against Debian's Patroni 3.0.2", () => {
  it("without the correction, the new leader takes the old one for the leader (the defect)", () => {
    expect(leaderAfterSecondOutage(false)).toBe("pg-test-1");
  });
  it("with the correction, the stale record is gone", () => {
    expect(leaderAfterSecondOutage(true)).toBe("none");
  });
  it("parses and imports Patroni's entry point", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", `import runpy; runpy.run_path(${JSON.stringify(LAUNCHER)}, run_name="check")`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
