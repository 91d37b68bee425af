// A step that fails after installing its files still runs its reload/restart on the next attempt.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { filesStep } from "../../steps/step";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pending-"));
  // The script runs as `sudo -n /bin/bash -c ...`: a stand-in sudo runs it as the current user.
  writeFileSync(join(dir, "sudo"), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n');
  chmodSync(join(dir, "sudo"), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the step's create script with its host paths (logs, pending records) moved under the test dir. */
function run(script: string, fail: boolean): number {
  const local = script.split("/var/log/pigsty").join(join(dir, "log")).split("/var/lib/pigsty").join(join(dir, "lib"));
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAIL: fail ? "1" : "" };
  return spawnSync("/bin/bash", ["-c", local], { env, encoding: "utf8" }).status ?? -1;
}

test("actions that failed after the files were written run again on the next attempt, and only then stop", () => {
  const me = userInfo();
  const actions = join(dir, "actions");
  const step = (content: string) =>
    filesStep("pending check", {
      files: [{ path: join(dir, "etc", "app.conf"), content, owner: `${me.username}:${me.gid}` }],
      onChange: [`echo ran >>${actions}`, '[ -z "$FAIL" ]'],
    }).create;
  const ran = () => (existsSync(actions) ? readFileSync(actions, "utf8").split("\n").filter(Boolean).length : 0);

  expect(run(step("v1"), true)).not.toBe(0); // the reload fails after the file was replaced
  expect(readFileSync(join(dir, "etc", "app.conf"), "utf8")).toBe("v1\n");
  expect(ran()).toBe(1);
  expect(run(step("v1"), false)).toBe(0); // same file: the pending reload runs anyway
  expect(ran()).toBe(2);
  expect(run(step("v1"), false)).toBe(0); // nothing pending, nothing changed: no action
  expect(ran()).toBe(2);
  expect(run(step("v2"), false)).toBe(0);
  expect(ran()).toBe(3);
});
