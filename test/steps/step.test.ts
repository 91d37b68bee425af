// Host steps (steps/step.ts): a step that fails after installing its files still runs its reload/restart on the next
// attempt; a step's id is what its hosts know it by, its title is prose: rewording the title changes nothing a host sees.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { placeholder } from "../../render/placeholders";
import { pendingRecord } from "../../steps/installFiles";
import { heredocCarrying } from "../../steps/lines";
import { stepLogPath } from "../../steps/shell";
import { filesStep, hostStep, type HostStep } from "../../steps/step";
import { fakeHost } from "../helpers/fakeHost";
import { scratchDirWithSudo } from "../helpers/scratchDir";
import { withLocalLibrary } from "../helpers/stepLibrary";

describe("pending actions", () => {
  const dir = scratchDirWithSudo("pending-");

  /** Runs the step's create script with its host paths (logs, pending records) moved under the test directory. */
  function run(script: string, fail: boolean): number {
    const local = withLocalLibrary(dir(), script, [["/var/log/pigsty", join(dir(), "log")], ["/var/lib/pigsty", join(dir(), "lib")]]);
    const env = { ...process.env, PATH: `${dir()}:${process.env.PATH}`, FAIL: fail ? "1" : "" };
    return spawnSync("/bin/bash", ["-c", local], { env, encoding: "utf8" }).status ?? -1;
  }

  test("actions that failed after the files were written run again on the next attempt, and only then stop", () => {
    const me = userInfo();
    const actions = join(dir(), "actions");
    const step = (content: string) =>
      filesStep("pending check", {
        files: [{ path: join(dir(), "etc", "app.conf"), content, owner: `${me.username}:${me.gid}` }],
        onChange: [`echo ran >>${actions}`, '[ -z "$FAIL" ]'],
      }).create;
    const ran = () => (existsSync(actions) ? readFileSync(actions, "utf8").split("\n").filter(Boolean).length : 0);

    expect(run(step("v1"), true)).not.toBe(0); // the reload fails after the file was replaced
    expect(readFileSync(join(dir(), "etc", "app.conf"), "utf8")).toBe("v1\n");
    expect(ran()).toBe(1);
    expect(run(step("v1"), false)).toBe(0); // same file: the pending reload runs anyway
    expect(ran()).toBe(2);
    expect(run(step("v1"), false)).toBe(0); // nothing pending, nothing changed: no action
    expect(ran()).toBe(2);
    expect(run(step("v2"), false)).toBe(0);
    expect(ran()).toBe(3);
  });
});

describe("a step's id and its title", () => {
  const ID = "etcd member meta-1";
  const body = ["systemctl -q is-active etcd || systemctl start etcd"];
  const removal = ["systemctl disable --now etcd"];
  const parts = () => ({ files: [{ path: "/etc/default/etcd", content: `ETCD_NAME="meta-1"\n` }], onChange: ["systemctl restart etcd"], removal });
  const seen = (s: HostStep) => ({ create: s.create, delete: s.delete, secrets: s.secrets });

  test("two titles of one id give the same scripts, byte for byte", () => {
    const reworded = { id: ID, title: "Keep etcd on meta-1 in step" };
    expect(seen(hostStep(reworded, body, removal))).toEqual(seen(hostStep({ id: ID, title: "etcd member meta-1" }, body, removal)));
    expect(seen(filesStep(reworded, parts()))).toEqual(seen(filesStep({ id: ID, title: "the first DCS member" }, parts())));
  });

  test("a plain string is the id (the title it had before): the scripts are those of that id", () => {
    expect(seen(filesStep(ID, parts()))).toEqual(seen(filesStep({ id: ID, title: "anything else" }, parts())));
  });

  describe("on a host", () => {
    const host = fakeHost();

    test("the log file and the pending record derive from the id, not the title", () => {
      const step = filesStep({ id: ID, title: "Prose that may change" }, parts());
      expect(`${step.create}${step.delete}`).not.toContain("Prose");
      host().stub("systemctl", '[ "$1" != restart ]'); // the restart fails: the change stays pending
      expect(host().run(step.create).status).toBe(1);
      expect(host().read("/var/lib/pigsty/pending/etcd-member-meta-1")).toBe("/etc/default/etcd\n");
      expect(host().read("/var/log/pigsty/etcd-member-meta-1.log")).toMatch(/^=== \S+ etcd member meta-1\n/);
      expect(host().mode("/var/log/pigsty/etcd-member-meta-1.log")).toBe("0600");
      expect(host().run(step.delete!).status).toBe(0);
      expect(host().read("/var/log/pigsty/etcd-member-meta-1-removal-.log")).toMatch(/^=== \S+ etcd member meta-1 \(removal\)\n/);
      expect(readdirSync(host().path("/var/log/pigsty")).sort()).toEqual(["etcd-member-meta-1-removal-.log", "etcd-member-meta-1.log"]);
      // The paths the program names for them (the operator's tool reads the log) are these.
      expect([stepLogPath(ID), pendingRecord(ID)]).toEqual(["/var/log/pigsty/etcd-member-meta-1.log", "/var/lib/pigsty/pending/etcd-member-meta-1"]);
    });
  });

  test("the program's own messages name the step by its title", () => {
    const unused = heredocCarrying("cat >/dev/null", placeholder("pg-test/admin", "env"));
    expect(() => hostStep({ id: ID, title: "the etcd member on meta-1" }, [{ ...unused, secrets: [...unused.secrets, "pg-test/other"] }])).toThrow(
      'step "the etcd member on meta-1": it declares secret slot(s) pg-test/other that no placeholder in its script uses',
    );
  });
});
