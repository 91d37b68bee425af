// The step catalogue (config/stepCatalogue.ts): reset keys and risks as scripts and validation use them, the S11 table
// of docs/operations.md generated from it, and names built from it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RESET_RISK } from "../../config/model";
import { ResetSchema } from "../../config/schema";
import { CLUSTER_STEPS, INFRA_STEPS, INSTANCE_STEPS, RESETS, stepName } from "../../config/stepCatalogue";

/** The S11 table of docs/operations.md, as the catalogue says it. */
function resetTable(): string {
  const rows = RESETS.map((r) => `| \`${r.key}\` | \`<ins>${INSTANCE_STEPS[r.step].suffix}\` | ${INSTANCE_STEPS[r.step].host} | ${r.effect} | ${r.risk} |`);
  return ["| component | step | runs on | what happens | risk |", "|---|---|---|---|---|", ...rows].join("\n");
}

test("the S11 table of docs/operations.md is the catalogue's resets (regenerate it from this test's output when it differs)", () => {
  const page = readFileSync(join(__dirname, "..", "..", "docs", "operations.md"), "utf8");
  if (!page.includes(resetTable())) console.log(`docs/operations.md, S11, expected table:\n${resetTable()}`);
  expect(page).toContain(resetTable());
});

test("the reset keys stay the user-facing ones, with the risks the scripts print (a changed text would re-run the step)", () => {
  expect(RESET_RISK).toEqual({
    register: "safe: the Prometheus target file is rewritten",
    monitor: "safe: the exporters are restarted",
    haproxy: "risky: connections through this member's HAProxy drop once",
    pgbouncer: "risky: pooled connections through this member drop once, hand edits are lost",
    patroni: "dangerous: Patroni restarts; on the leader this needs maintenance mode set by an earlier up, or it would fail over",
    postgres: "dangerous: this replica's data is wiped and cloned again from the leader",
  });
  expect(RESETS.map((r) => [r.key, r.step])).toEqual([
    ["patroni", "patroni"],
    ["postgres", "patroni"],
    ["pgbouncer", "pgbouncer"],
    ["haproxy", "haproxy"],
    ["monitor", "exporters"],
    ["register", "register"],
  ]);
});

test("pg_reset accepts exactly the catalogue's reset keys", () => {
  expect(Object.keys(ResetSchema.shape).sort()).toEqual(RESETS.map((r) => r.key).sort());
  expect(ResetSchema.safeParse({ monitor: 2, postgres: 1 }).success).toBe(true);
  expect(ResetSchema.safeParse({ exporters: 1 }).success).toBe(false);
});

test("names are prefix and suffix; every suffix is the dash and the step's key, and no two steps of one scope share one", () => {
  expect(stepName("pg-test-3", "haproxy")).toBe("pg-test-3-haproxy");
  expect(stepName("pg-test", "patroni-config")).toBe("pg-test-patroni-config");
  for (const table of [INSTANCE_STEPS, CLUSTER_STEPS, INFRA_STEPS]) {
    for (const [key, step] of Object.entries(table)) expect(step.suffix).toBe(`-${key}`);
  }
});

test("a step waits only for steps listed before it in its scope", () => {
  for (const table of [INSTANCE_STEPS, CLUSTER_STEPS, INFRA_STEPS]) {
    const keys = Object.keys(table);
    keys.forEach((key, i) => {
      const own = (table[key as keyof typeof table] as { after: readonly string[] }).after.filter((d) => !d.includes("."));
      for (const d of own) expect([key, d, keys.indexOf(d) < i]).toEqual([key, d, true]);
    });
  }
});
