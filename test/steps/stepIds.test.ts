// A step's id is what its hosts know it by; its title is prose: rewording the title changes nothing a host sees.
import { placeholder } from "../../render/placeholders";
import { heredocCarrying } from "../../steps/lines";
import { pendingRecord } from "../../steps/installFiles";
import { stepLogPath } from "../../steps/shell";
import { filesStep, hostStep, type HostStep } from "../../steps/step";

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

test("the log file and the pending record on the host derive from the id, not the title", () => {
  const step = filesStep({ id: ID, title: "Prose that may change" }, parts());
  expect(stepLogPath(ID)).toBe("/var/log/pigsty/etcd-member-meta-1.log");
  expect(pendingRecord(ID)).toBe("/var/lib/pigsty/pending/etcd-member-meta-1");
  expect(step.create).toContain("log='/var/log/pigsty/etcd-member-meta-1.log'");
  expect(step.create).toContain("pending='/var/lib/pigsty/pending/etcd-member-meta-1'");
  expect(step.delete).toContain("log='/var/log/pigsty/etcd-member-meta-1-removal-.log'");
  expect(`${step.create}${step.delete}`).not.toContain("Prose");
});

test("the program's own messages name the step by its title", () => {
  const unused = heredocCarrying("cat >/dev/null", placeholder("pg-test/admin", "env"));
  expect(() => hostStep({ id: ID, title: "the etcd member on meta-1" }, [{ ...unused, secrets: [...unused.secrets, "pg-test/other"] }])).toThrow(
    'step "the etcd member on meta-1": it declares secret slot(s) pg-test/other that no placeholder in its script uses',
  );
});
