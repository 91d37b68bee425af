// A standby cluster's promotion seen by the preview: the previous `up`'s `standbys` output against config.
import { clusterType } from "../../config/facts";
import { standbyPromotionAcknowledged } from "../../policies/standbyPromotionAcknowledged";
import { resourceArgs, violations } from "../policies/fixtures";
import { devStackConfig, runIsolated } from "./harness";

const sandbox = { "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json" };
type Inventory = { clusters: Record<string, { vars: Record<string, unknown> }> };

/** The dev stack's pg-test, optionally with pg_promotion_acknowledged. */
function config(acknowledged?: boolean): Record<string, unknown> {
  const inv: Inventory = JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));
  if (acknowledged !== undefined) inv.clusters["pg-test"].vars.pg_promotion_acknowledged = acknowledged;
  return { ...devStackConfig(), ...sandbox, "pigsty:inventory": inv };
}

/** pg-test as the previous `up` left it: a standby cluster of pg-up. */
const wasStandby = { standbys: { "pg-test": "pg-up" } };

async function preview(cfg: Record<string, unknown>, previous: Record<string, unknown>, isPreview = true) {
  const run = await runIsolated(cfg, { preview: isPreview, previous });
  if (run.error) throw run.error;
  const cluster = run.registered.find((r) => r.type === clusterType && r.name === "pg-test")!;
  return { ...run, facts: cluster.inputs, promotionWarnings: run.warnings.filter((w) => w.includes("promotes it")) };
}

test("a cluster deployed as a standby and without pg_upstream now: the preview warns and the policy blocks", async () => {
  const { facts, promotionWarnings } = await preview(config(), wasStandby);
  expect(facts.promotion).toEqual({ upstream: "pg-up", acknowledged: false });
  expect(promotionWarnings).toEqual([
    "pg-test: pg_upstream is gone from its config, so `pulumi up` promotes it: pg-test stops following pg-up and starts accepting writes. " +
      "If pg-up still runs, two clusters accept writes (split brain between sites) and their data diverge for good. " +
      "Stop writes on pg-up first (or stop pg-up), or accept the divergence; to keep pg-test a standby, put pg_upstream: pg-up back. " +
      "The policy pack (standby-promotion-acknowledged) refuses this until clusters.pg-test.vars.pg_promotion_acknowledged is true.",
  ]);
  expect(await violations(standbyPromotionAcknowledged, resourceArgs(clusterType, "pg-test", facts))).toHaveLength(1);
}, 30_000);

test("with pg_promotion_acknowledged the preview still warns, and the policy lets it through", async () => {
  const { facts, promotionWarnings } = await preview(config(true), wasStandby);
  expect(facts.promotion).toEqual({ upstream: "pg-up", acknowledged: true });
  expect(promotionWarnings).toEqual([expect.stringMatching(/pg_promotion_acknowledged is true; remove it after this `up`\.$/)]);
  expect(await violations(standbyPromotionAcknowledged, resourceArgs(clusterType, "pg-test", facts))).toEqual([]);
}, 30_000);

test("no promotion when the previous up had no standby, or had none of this name, or outside a preview", async () => {
  for (const [previous, isPreview] of [[{}, true], [{ standbys: { "pg-other": "pg-test" } }, true], [wasStandby, false]] as const) {
    const { facts, promotionWarnings } = await preview(config(), previous, isPreview);
    expect(facts.promotion).toBeUndefined();
    expect(promotionWarnings).toEqual([]);
  }
}, 60_000);

test("the standbys output is empty without standby clusters", async () => {
  const { exports } = await preview(config(), {});
  expect(exports.standbys).toEqual({});
}, 30_000);
