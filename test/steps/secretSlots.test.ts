// A step's secret slots come from the files and texts that hold the placeholders; a step whose slot list is wrong is not built.
import { slot } from "../../config/secretSlots";
import { placeholder } from "../../render/placeholders";
import { hostStep, filesStep } from "../../steps/step";
import { heredocCarrying } from "../../steps/lines";
import { heredoc } from "../../steps/shell";
import { fillSecrets } from "../../steps/installFiles";
import * as clusterSteps from "../../steps/cluster";
import * as patroniApiSteps from "../../steps/patroniApi";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

const api = placeholder("c/patroni_api", "yaml");

test("a placeholder in a plain line, which no file or text declares, is refused when the step is built", () => {
  expect(() => hostStep("t", [heredoc('cat >"$work/x"', `password: "${api}"`)])).toThrow(
    'step "t": its script holds placeholders of secret slot(s) c/patroni_api in plain lines; pass them as a SecretText (or a file) that names its slots',
  );
  expect(() => hostStep("t", ["true"], [`echo '${api}'`])).toThrow('step "t (removal)": its script holds placeholders of secret slot(s) c/patroni_api');
});

test("a text that declares a slot its placeholders do not name is refused (a secret sent for nothing)", () => {
  expect(() => hostStep("t", [{ text: heredoc('cat >"$work/x"', `password: "${api}"`), secrets: ["c/patroni_api", "c/superuser"] }])).toThrow(
    'step "t": it declares secret slot(s) c/superuser that no placeholder in its script uses',
  );
  expect(() => hostStep("t", [{ text: "true # nothing here", secrets: ["c/admin"] }])).toThrow("declares secret slot(s) c/admin");
});

describe("on a host", () => {
  const host = fakeHost();
  /** A removal that says the admin's password as its host fills it, then what is left on stdin. */
  const removal = [heredocCarrying('cat >"$work/y.in"', placeholder("c/admin", "raw")), `say "filled: $(${fillSecrets('"$work/y.in"')})"`, 'say "left: $(cat)"'];
  const STDIN = JSON.stringify({ "c/patroni_api": "api-pw", "c/admin": "admin-pw" });

  test("the slots are the ones files and texts declare, and both scripts take their values from stdin", () => {
    const step = filesStep("t", { files: [{ path: "/etc/x.yml", content: `a: "${api}"\nb: "${api}"` }], always: ['say "left: $(cat)"'], removal });
    expect(step.secrets).toEqual(["c/patroni_api", "c/admin"]);
    const create = host().run(step.create, { stdin: STDIN });
    expect(create.status).toBe(0);
    expect(host().read("/etc/x.yml")).toBe('a: "api-pw"\nb: "api-pw"\n');
    expect(create.said).toEqual(["changed /etc/x.yml", "left: "]);
    const r = host().run(step.delete!, { stdin: STDIN });
    expect(r.status).toBe(0);
    expect(r.said).toEqual(["filled: admin-pw", "left: "]);
  });

  test("a script that needs no slot leaves stdin unread", () => {
    expect(host().run(hostStep("t", ['say "left: $(cat)"'], removal).create, { stdin: STDIN }).said).toEqual([`left: ${STDIN}`]);
  });
});

test("no step names a slot in a comment to get it on stdin", () => {
  const { model } = pgTest();
  const c = model.clusters[0];
  const steps = [clusterSteps.rolesStep(c), clusterSteps.databasesStep(c), patroniApiSteps.dynamicConfigStep(model, c), patroniApiSteps.intendedLeaderStep(c)];
  for (const s of steps) expect(`${s.create}${s.delete ?? ""}`).not.toMatch(/# needs \{\{secret:/);
  expect(clusterSteps.rolesStep(c).secrets).toEqual(expect.arrayContaining([slot.admin(c.name)]));
});
