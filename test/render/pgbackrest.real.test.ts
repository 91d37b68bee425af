// The backup timers' default schedule read by the real systemd-analyze (real-tools tier; a missing tool fails, never
// skips). test/render/pgbackrest.test.ts holds the rest of render/pgbackrest.ts's tests.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { renderBackupTimer } from "../../render/pgbackrest";
import { pgTest } from "../helpers/inventoryFixtures";

const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";
const cluster = pgTest().model.clusters[0];

describe("the default schedule with the real systemd-analyze", () => {
  beforeAll(() => {
    if (!existsSync(SYSTEMD_ANALYZE)) throw new Error(`real-tools tier: ${SYSTEMD_ANALYZE} is missing: install systemd`);
  });

  test.each(["full", "diff"] as const)("the %s timer's OnCalendar is a valid calendar expression", (type) => {
    const calendar = /^OnCalendar=(.+)$/m.exec(renderBackupTimer(cluster, type))?.[1];
    expect(calendar).toBeDefined();
    const r = spawnSync(SYSTEMD_ANALYZE, ["calendar", calendar!], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Normalized form: ${calendar}`);
  });
});
