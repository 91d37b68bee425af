// Steps ask Patroni only through the host helper, which each member's config step installs; no step carries Patroni's vocabulary.
import { instanceFiles } from "../../render/files";
import { PATRONI_HELPER, ROLE_CHANGE_SCRIPT } from "../../render/paths";
import { renderPatroniHelper } from "../../render/patroniHelper";
import { databasesStep, rolesStep } from "../../steps/cluster";
import { dynamicConfigStep, intendedLeaderStep } from "../../steps/patroniApi";
import { configStep, guardStep, patroniStep } from "../../steps/postgres";
import { pgTest } from "../helpers/inventoryFixtures";
import { unwrapScript } from "../helpers/shellRegions";

const { model } = pgTest();
const cluster = model.clusters[0];
const instance = cluster.instances[1];

const steps = {
  config: configStep(model, cluster, instance),
  patroni: patroniStep(cluster, instance, 60),
  guard: guardStep(model, cluster, instance),
  roles: rolesStep(cluster),
  databases: databasesStep(cluster),
  "patroni-config": dynamicConfigStep(model, cluster),
  leader: intendedLeaderStep(cluster),
};

test.each(Object.entries(steps))("the %s step neither calls Patroni's API itself nor names its roles", (_, step) => {
  for (const script of [step.create, step.delete ?? ""]) {
    // The config step carries the helper itself and the role-change callback (its case lists the leader roles), to install them.
    const installed = [renderPatroniHelper(), instanceFiles(model, cluster, instance)[ROLE_CHANGE_SCRIPT]];
    expect(installed.reduce((text, file) => text.replace(file, ""), script)).not.toMatch(/curl[^\n]*127\.0\.0\.1|urllib\.request|standby_leader|"master"/);
  }
});

test("the config step installs the helper, root's and executable, before what follows a change runs it", () => {
  const script = unwrapScript(steps.config.create);
  const install = script.indexOf(`install_file '${PATRONI_HELPER}' '0755' 'root:root'`);
  expect(install).toBeGreaterThan(0);
  expect(script.indexOf(`'${PATRONI_HELPER}' 'role'`)).toBeGreaterThan(install);
});

test("the cluster steps read no secret: the helper takes the API password from patroni.yml", () => {
  expect(steps["patroni-config"].secrets).toEqual([]);
  expect(steps.leader.secrets).toEqual([]);
  expect(steps.leader.create).toContain(`'${PATRONI_HELPER}' 'switchover-to' 'pg-test-1'`);
  expect(steps.leader.delete).toContain(`'${PATRONI_HELPER}' 'mark-removal'`);
  expect(steps["patroni-config"].create).toContain(`'${PATRONI_HELPER}' 'apply-config' "$work/desired.json"`);
});

test("the member's removal runs the leader check before it stops Patroni", () => {
  const del = steps.patroni.delete as string;
  expect(del.indexOf(`'${PATRONI_HELPER}' 'check-removal'`)).toBeGreaterThan(0);
  expect(del.indexOf(`'${PATRONI_HELPER}' 'check-removal'`)).toBeLessThan(del.indexOf("systemctl disable --now patroni"));
});
