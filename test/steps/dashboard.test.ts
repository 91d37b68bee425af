// The dashboards' install step run by bash on a staged copy laid out as the sftp copy lays it out (components/
// stagedFolder.ts writes the same folder locally), with its host paths moved under a test directory.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stagedFolder } from "../../components/stagedFolder";
import { DASHBOARD_DIR, dashboardBundle } from "../../render/dashboard";
import { DASHBOARD_BUILD_FOLDER, dashboardStagingDir, dashboardStep } from "../../steps/dashboard";
import { scratchDirWithSudo } from "../helpers/scratchDir";
import { withLocalLibrary } from "../helpers/stepLibrary";

const bundle = dashboardBundle();
const dir = scratchDirWithSudo("dashboard-step-");

const www = () => join(dir(), "www");
const staging = () => dashboardStagingDir(bundle).replace("/var/tmp", dir());

function run(): { code: number; stdout: string; stderr: string } {
  const script = withLocalLibrary(dir(), dashboardStep(bundle, "meta-dashboard-copy").create, [
    [DASHBOARD_DIR, www()],
    ["/var/tmp", dir()],
    ["/var/log/pigsty", join(dir(), "log")],
  ]);
  const r = spawnSync("/bin/bash", ["-c", script], { env: { ...process.env, PATH: `${dir()}:${process.env.PATH}` }, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("installs the staged files, removes the staging directory, and a re-run needs none", () => {
  expect(stagedFolder(DASHBOARD_BUILD_FOLDER, bundle, dir())).toBe(join(staging(), "dashboard"));
  const first = run();
  expect(first.code).toBe(0);
  expect(first.stdout).toContain(`installed the dashboards ${bundle.hash} in`);
  for (const f of bundle.files) expect(readFileSync(join(www(), f.name))).toEqual(f.content);
  expect(existsSync(staging())).toBe(false);
  const again = run();
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(`the dashboards ${bundle.hash} are in place`);
});

test("refuses staged files that differ from the manifest, and installs nothing", () => {
  const folder = stagedFolder(DASHBOARD_BUILD_FOLDER, bundle, dir());
  writeFileSync(join(folder, "dashboard.js"), "alert('not ours')\n");
  const r = run();
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`differ from the dashboards ${bundle.hash} this stack ships; nothing was installed`);
  expect(existsSync(join(www(), "dashboard.js"))).toBe(false);
});

test("says how to copy again when the installed files changed and nothing is staged", () => {
  stagedFolder(DASHBOARD_BUILD_FOLDER, bundle, dir());
  expect(run().code).toBe(0);
  writeFileSync(join(www(), "index.html"), "changed by hand\n");
  const r = run();
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("pulumi up --replace <the URN of meta-dashboard-copy>");
});
