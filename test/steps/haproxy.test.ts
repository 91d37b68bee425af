// HAProxy's step, its real script against a scratch root: a changed haproxy.cfg is checked by haproxy -c and
// reloaded; a reload that leaves the old worker running (the new config failed to load) fails the step and puts the
// previous haproxy.cfg back, so a reverted config leaves nothing to do.
import { haproxyStep } from "../../steps/haproxy";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const member = cluster.instances[1];
const step = haproxyStep(model, cluster, member);
const CFG = "/etc/haproxy/haproxy.cfg";
const PENDING = "/var/lib/pigsty/pending/HAProxy-of-pg-test-2";
const host = fakeHost();

/**
 * Runs the step on a host where HAProxy runs with `old` as its config: `haproxy -c` exits `check`, and after a reload
 * the master's workers are `after` (200 before it).
 */
function deploy(after: string, check = 0) {
  const h = host();
  h.write(CFG, "old config\n");
  h.stub("haproxy", `exit ${check}`);
  h.stub("systemctl", 'case "$1" in show) echo 100;; reload) touch "$ROOT/reloaded";; esac');
  h.stub("ps", 'if [ -e "$ROOT/reloaded" ]; then printf "%s\\n" $AFTER; else echo 200; fi');
  h.stub("ss", "echo LISTEN");
  for (const quiet of ["journalctl", "sleep"]) h.stub(quiet);
  const secrets = JSON.stringify(Object.fromEntries(step.secrets.map((s) => [s, "admin-pw"])));
  return h.run(step.create, { stdin: secrets, env: { AFTER: after } });
}

test("a new worker after the reload: the new config runs, and nothing is left pending", () => {
  const r = deploy("200 201");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.said).toEqual([`changed ${CFG}`, "HAProxy reloaded"]);
  expect(host().read(CFG)).toContain("stats auth 'admin:admin-pw'");
  expect(host().mode(CFG)).toBe("0640");
  expect(host().owners(r.calls)[CFG]).toBe("root:haproxy");
  expect(r.calls.filter((c) => c.startsWith("haproxy"))).toEqual([expect.stringMatching(/^haproxy -c -q -f \/tmp\/pigsty\.\w+\/new$/)]);
  expect(host().exists(PENDING)).toBe(false);
});

test("only the old worker after the reload: the step fails, says the old config still serves, and puts it back", () => {
  const r = deploy("200");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("HAProxy on pg-test-2 did not load its new config, so it still serves the old one");
  expect(host().read(CFG)).toBe("old config\n");
  // The change stays on record: the next attempt reloads, whatever it then writes.
  expect(host().read(PENDING)).toBe(`${CFG}\n`);
});

test("a config that haproxy -c rejects is never installed, and nothing is reloaded", () => {
  const r = deploy("200 201", 1);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`rejected by haproxy: ${CFG}`);
  expect(host().read(CFG)).toBe("old config\n");
  expect(r.calls.filter((c) => c.startsWith("systemctl"))).toEqual([]);
});
