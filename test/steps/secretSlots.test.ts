// A step's secret slots come from the files and texts that hold the placeholders; a step whose slot list is wrong is not built.
import { slot } from "../../config/secretSlots";
import { placeholder } from "../../render/placeholders";
import { hostStep, filesStep } from "../../steps/step";
import { heredocCarrying } from "../../steps/lines";
import { heredoc } from "../../steps/shell";
import * as clusterSteps from "../../steps/cluster";
import * as patroniApiSteps from "../../steps/patroniApi";
import { pgTest } from "../helpers/inventoryFixtures";

const api = placeholder("c/patroni_api", "yaml");
/** The step library saves stdin as the step's secrets when the script sources it with `secrets` (render/host/pigsty-step.sh). */
const readsStdin = /^\. "\$pigsty_lib\/step\.sh" '[^']*' secrets$/m;

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

test("the slots are the ones files and texts declare; the removal's reach its stdin too", () => {
  const step = filesStep("t", { files: [{ path: "/etc/x.yml", content: `a: "${api}"\nb: "${api}"` }], removal: [heredocCarrying('cat >"$work/y"', placeholder("c/admin", "pgpass"))] });
  expect(step.secrets).toEqual(["c/patroni_api", "c/admin"]);
  expect(step.create).toMatch(readsStdin);
  expect(step.delete).toMatch(readsStdin);
  expect(hostStep("t", ["true"], [heredocCarrying('cat >"$work/y"', placeholder("c/admin", "pgpass"))]).create).not.toMatch(readsStdin);
});

test("no step names a slot in a comment to get it on stdin", () => {
  const { model } = pgTest();
  const c = model.clusters[0];
  const steps = [clusterSteps.rolesStep(c), clusterSteps.databasesStep(c), patroniApiSteps.dynamicConfigStep(model, c), patroniApiSteps.intendedLeaderStep(c)];
  for (const s of steps) expect(`${s.create}${s.delete ?? ""}`).not.toMatch(/# needs \{\{secret:/);
  expect(clusterSteps.rolesStep(c).secrets).toEqual(expect.arrayContaining([slot.admin(c.name)]));
});
