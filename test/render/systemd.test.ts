// The systemd units and programs of render/systemd.ts: Patroni's unit starts Debian's Patroni through the launcher and
// runs the fence after it exits; the fence itself. test/render/patroniFence.real.test.ts and
// test/render/patroniLauncher.real.test.ts run both against the real programs.
import { spawnSync } from "node:child_process";
import { renderPatroniFence, renderPatroniUnit } from "../../render/systemd";
import { PATRONI_FENCE_SCRIPT, PATRONI_LAUNCHER, PATRONI_YML } from "../../render/paths";
import { pgTest } from "../helpers/inventoryFixtures";

const cluster = pgTest().model.clusters[0];

test("Patroni's unit starts Debian's Patroni through the launcher", () => {
  expect(renderPatroniUnit(cluster, cluster.instances[0])).toContain(`ExecStart=/usr/bin/python3 ${PATRONI_LAUNCHER} ${PATRONI_YML}\n`);
});

test("Patroni's unit runs the fence after it exits, and stops only Patroni itself", () => {
  const unit = renderPatroniUnit(cluster, cluster.instances[0]);
  expect(unit).toContain(`ExecStopPost=${PATRONI_FENCE_SCRIPT}\n`);
  expect(unit).toContain("KillMode=process\n");
});

test("the fence quotes the data directory and parses with sh -n", () => {
  const text = renderPatroniFence({ ...cluster, dataDir: "/pg/da ta" });
  expect(text).toContain("'/pg/da ta'");
  expect(spawnSync("sh", ["-n"], { input: text }).status).toBe(0);
});
