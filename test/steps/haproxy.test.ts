// A HAProxy reload that leaves the old worker running (the new config failed to load) fails the step.
import { spawnSync } from "node:child_process";
import { haproxyStep } from "../../steps/haproxy";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const member = cluster.instances[1];

/** The step's change actions, with systemd and ps standing in: after the reload the workers are `after`. */
function reload(after: string): { status: number | null; stderr: string } {
  const script = haproxyStep(model, cluster, member).create;
  const onChange = script.slice(script.indexOf("if changed; then") + "if changed; then".length, script.indexOf("\nfi\n", script.indexOf("if changed; then")));
  const stubs = [
    'say() { echo "$*"; }',
    'systemctl() { case "$1" in show) echo 100;; reload) touch "$T/reloaded";; esac; }',
    'ps() { if [ -e "$T/reloaded" ]; then printf "%s\\n" $AFTER; else echo 200; fi; }',
    "journalctl() { :; }",
    "sleep() { :; }",
  ];
  const dir = spawnSync("mktemp", ["-d"], { encoding: "utf8" }).stdout.trim();
  const r = spawnSync("/bin/bash", ["-c", [...stubs, onChange].join("\n")], { encoding: "utf8", env: { ...process.env, T: dir, AFTER: after } });
  spawnSync("rm", ["-rf", dir]);
  return { status: r.status, stderr: r.stderr };
}

test("a new worker after the reload: the new config runs", () => {
  expect(reload("200 201").status).toBe(0);
});

test("only the old worker after the reload: the step fails and says the old config still serves", () => {
  const r = reload("200");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("HAProxy on pg-test-2 did not load its new config, so it still serves the old one");
});

test("a failed reload puts the previous haproxy.cfg back before it fails, so a reverted config leaves nothing to do", () => {
  const script = haproxyStep(model, cluster, member).create;
  const keep = script.indexOf(`cp -p "$f" "$work/kept$f"`);
  const install = script.indexOf("install_file '/etc/haproxy/haproxy.cfg'");
  const restore = script.indexOf(`cp -p "$work/kept$f" "$f"`);
  const error = script.indexOf("did not load its new config");
  expect(keep).toBeGreaterThan(0);
  expect(keep).toBeLessThan(install);
  expect(restore).toBeGreaterThan(install);
  expect(restore).toBeLessThan(error);
});
