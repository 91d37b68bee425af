// Every host step rendered from an inventory full of hostile values that validation still accepts:
// each script parses (bash -n), reaches bash verbatim through its wrapper, and holds those values
// only where bash cannot act on them (single quotes, quoted here-documents, one-line comments).
import { stepName } from "../../config/stepCatalogue";
import { spawnSync } from "node:child_process";
import { loadInventory } from "../../config/load";
import type { Model } from "../../config/model";
import { instanceFiles } from "../../render/files";
import { PATRONI_HELPER, ROLE_CHANGE_SCRIPT } from "../../render/paths";
import * as clusterSteps from "../../steps/cluster";
import { dcsStateStep } from "../../steps/dcsState";
import * as infraSteps from "../../steps/infra";
import { registerStep } from "../../steps/register";
import * as nodeSteps from "../../steps/node";
import * as patroniApiSteps from "../../steps/patroniApi";
import * as exporterSteps from "../../steps/exporters";
import * as haproxySteps from "../../steps/haproxy";
import * as pgbouncerSteps from "../../steps/pgbouncer";
import * as postgresSteps from "../../steps/postgres";
import { resetBlock } from "../../steps/reset";
import type { HostStep } from "../../steps/step";
import * as tlsSteps from "../../steps/tls";
import { FREE, PASSWORD, STRICT, hostileInventory } from "../helpers/hostileInventory";
import { exposedOccurrences, unwrapScript } from "../helpers/shellRegions";

/** Every step of one model, named as the program names its commands. */
function allSteps(model: Model): Record<string, HostStep> {
  const out: Record<string, HostStep> = {
    "infra-prepare": nodeSteps.prepareNode("hx-infra", { packages: nodeSteps.INFRA_PACKAGES }),
    "dcs-prepare": nodeSteps.prepareNode(STRICT.dcsMember, { packages: nodeSteps.DCS_PACKAGES }),
    "infra-monitoring": infraSteps.monitoringStep(model),
  };
  for (const m of model.dcs.members) out[stepName(m.name, "etcd")] = infraSteps.etcdStep(model.dcs, m.name);
  out["dcs-auth"] = infraSteps.etcdAuthStep(model.dcs);
  for (const c of model.clusters) {
    out[stepName(c.name, "dcs")] = dcsStateStep(model, c);
    out[stepName(c.name, "roles")] = clusterSteps.rolesStep(c);
    out[stepName(c.name, "databases")] = clusterSteps.databasesStep(c);
    out[stepName(c.name, "patroni-config")] = patroniApiSteps.dynamicConfigStep(model, c);
    out[stepName(c.name, "leader")] = patroniApiSteps.intendedLeaderStep(c);
    for (const i of c.instances) {
      out[stepName(i.name, "prepare")] = nodeSteps.prepareNode(i.name, { packages: nodeSteps.PG_PACKAGES, postgres: true });
      out[stepName(i.name, "guard")] = postgresSteps.guardStep(model, c, i);
      out[stepName(i.name, "tls")] = tlsSteps.patroniTlsStep(c, i);
      out[stepName(i.name, "config")] = postgresSteps.configStep(model, c, i);
      out[stepName(i.name, "patroni")] = postgresSteps.patroniStep(c, i, 300);
      out[stepName(i.name, "pgbouncer")] = pgbouncerSteps.pgbouncerStep(model, c, i);
      out[stepName(i.name, "haproxy")] = haproxySteps.haproxyStep(model, c, i);
      out[stepName(i.name, "exporters")] = exporterSteps.exportersStep(model, c, i);
      const target = model.scrapeTargets.find((t) => t.instance === i.name)!;
      out[stepName(i.name, "register")] = registerStep(model, target, (actions) => resetBlock(i, "register", actions));
    }
  }
  return out;
}

/** The builders covered above; a new exported *Step function must be added to allSteps. */
const COVERED = ["prepareNode", "monitoringStep", "etcdStep", "etcdAuthStep", "patroniTlsStep", "dcsStateStep", "rolesStep", "databasesStep", "dynamicConfigStep", "intendedLeaderStep", "guardStep", "configStep", "patroniStep", "pgbouncerStep", "haproxyStep", "exportersStep", "registerStep"];

const variants = {
  "pg_clean and rm_pgdata": loadInventory(hostileInventory({ clean: true, rmPgdata: true })).model,
  pg_safeguard: loadInventory(hostileInventory({ safeguard: true })).model,
};

/** Every script of every variant: create and delete, unwrapped, plus the role-change callback file. */
const scripts: [string, string, string][] = [];
for (const [variant, model] of Object.entries(variants)) {
  for (const [name, step] of Object.entries(allSteps(model))) {
    scripts.push([`${variant}: ${name} (create)`, step.create, unwrapScript(step.create)]);
    if (step.delete) scripts.push([`${variant}: ${name} (delete)`, step.delete, unwrapScript(step.delete)]);
  }
  const c = model.clusters[0];
  for (const i of c.instances) scripts.push([`${variant}: ${i.name} role-change callback`, "", instanceFiles(model, c, i)[ROLE_CHANGE_SCRIPT]]);
}

const bashSyntax = (text: string) => spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });

test("every exported step builder is rendered here", () => {
  const exported = [clusterSteps, exporterSteps, haproxySteps, infraSteps, nodeSteps, patroniApiSteps, pgbouncerSteps, postgresSteps, tlsSteps].flatMap((m) =>
    Object.entries(m).filter(([k, v]) => typeof v === "function" && (/Step$/.test(k) || k === "prepareNode")).map(([k]) => k),
  );
  expect(exported.filter((k) => !COVERED.includes(k))).toEqual([]);
  expect(scripts.length).toBeGreaterThan(40);
});

test.each(scripts)("%s parses with bash -n and its wrapper passes it verbatim", (_name, wrapper, inner) => {
  const check = bashSyntax(inner);
  expect(check.stderr).toBe("");
  expect(check.status).toBe(0);
  if (wrapper === "") return;
  expect(bashSyntax(wrapper).status).toBe(0);
  // The wrapper with `printf %s` in place of `sudo bash -c` prints what bash would be given.
  const echoed = spawnSync("bash", ["-c", wrapper.replace("sudo -n /bin/bash -c ", "printf %s ")], { encoding: "utf8" });
  expect(echoed.status).toBe(0);
  expect(echoed.stdout).toBe(inner.replace(/\n+$/, ""));
});

test.each(scripts)("%s holds hostile values only inside quotes", (_name, _wrapper, inner) => {
  // Every strict value contains "hx", every free-text value "hx-pwn": none may be exposed anywhere.
  expect(exposedOccurrences(inner, "hx")).toEqual([]);
  for (const value of Object.values(STRICT)) expect(exposedOccurrences(inner, value)).toEqual([]);
});

test.each(scripts)("%s holds no password, only placeholders", (_name, _wrapper, inner) => {
  expect(inner).not.toContain("hxpw-secret");
  expect(inner).not.toContain(PASSWORD.slice(0, 20));
});

test("the hostile values did reach the scripts (the test would pass vacuously otherwise)", () => {
  const all = scripts.map(([, , inner]) => inner).join("\n");
  for (const value of [STRICT.pgData, STRICT.sdDir, STRICT.cluster, STRICT.patroniApi, STRICT.admin, STRICT.checkUrl, STRICT.serverOptions]) {
    expect(all).toContain(value);
  }
  expect(all).toContain("hx-pwn");
  expect(all).toContain(`rm -rf -- '${STRICT.pgData}'`);
  expect(all).toContain(`install -d -o prometheus -g prometheus '${STRICT.sdDir}/pgsql'`);
  // Instance names reach the host helper as quoted words (the API user no longer does: the helper reads it from patroni.yml).
  expect(all).toContain(`'${PATRONI_HELPER}' 'switchover-to' '${STRICT.cluster}-1'`);
  expect(FREE).toContain("$pigsty_pw$");
});
