// Steps ask Patroni only through the host helper, which each member's config step installs (test/steps/postgres.test.ts);
// no step carries Patroni's vocabulary. The cluster steps' real scripts run with the helper standing in.
import { instanceFiles } from "../../render/files";
import { PATRONI_HELPER, ROLE_CHANGE_SCRIPT } from "../../render/paths";
import { patroniDcsConfig } from "../../render/patroni";
import { renderPatroniHelper } from "../../render/patroniHelper";
import { databasesStep, rolesStep } from "../../steps/cluster";
import { dynamicConfigStep, intendedLeaderStep } from "../../steps/patroniApi";
import { configStep, guardStep, patroniStep } from "../../steps/postgres";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

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

describe("the cluster steps run the helper, read no secret, and say what it says", () => {
  const host = fakeHost();
  /** Runs `script` with no stdin (the steps read no secret) where the helper prints two lines and exits `rc`. */
  function run(script: string, rc = 0) {
    host().stub(PATRONI_HELPER, `[ "$1" != apply-config ] || cp "$2" "$ROOT/desired.json"\necho "first line"; echo "second line"; exit ${rc}`);
    return host().run(script);
  }

  test("the leader step switches over to the intended primary; its removal marks the cluster's removal", () => {
    expect(steps.leader.secrets).toEqual([]);
    const r = run(steps.leader.create);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`${PATRONI_HELPER} switchover-to pg-test-1`]);
    expect(r.said).toEqual(["first line", "second line"]);
    expect(run(steps.leader.delete!).calls).toEqual([`${PATRONI_HELPER} mark-removal`]);
  });

  test("the dynamic config step hands the helper the model's configuration", () => {
    expect(steps["patroni-config"].secrets).toEqual([]);
    const r = run(steps["patroni-config"].create);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([expect.stringMatching(new RegExp(`^${PATRONI_HELPER} apply-config /tmp/pigsty\\.\\w+/desired\\.json$`))]);
    expect(JSON.parse(host().read("/desired.json"))).toEqual(patroniDcsConfig(cluster));
    expect(r.said).toEqual(["first line", "second line"]);
  });

  test("a helper that fails fails the step, after its lines were said", () => {
    const r = run(steps.leader.create, 1);
    expect(r.status).toBe(1);
    expect(r.said).toEqual(["first line", "second line"]);
  });

  test("the member's removal runs the leader check before it stops Patroni, and a refusal stops nothing", () => {
    for (const stub of ["systemctl", "runuser"]) host().stub(stub);
    host().write("/pg/.pigsty-cluster", "pg-test\n");
    const refused = run(steps.patroni.delete!, 1);
    expect(refused.status).toBe(1);
    expect(refused.calls).toEqual([`${PATRONI_HELPER} check-removal`]);
    expect(host().exists("/pg/.pigsty-cluster")).toBe(true);
    const r = run(steps.patroni.delete!);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`${PATRONI_HELPER} check-removal`, "systemctl disable --now patroni"]);
  });
});
