// Removing a member stops what serves clients on it (HAProxy, pgbouncer), and leaves what re-adding it needs.
import { haproxyStep } from "../../steps/haproxy";
import { pgbouncerStep } from "../../steps/pgbouncer";
import { guardStep, patroniStep } from "../../steps/postgres";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const member = cluster.instances[1];

test.each([
  ["haproxy", haproxyStep(model, cluster, member)],
  ["pgbouncer", pgbouncerStep(model, cluster, member)],
])("the %s step's removal stops and disables the service", (unit, step) => {
  expect(step.delete).toBeDefined();
  expect(step.delete).toContain(`systemctl disable --now -q ${unit}`);
});

test("a removed member leaves a marker naming its cluster, so that re-adding it works", () => {
  expect(patroniStep(cluster, member, 60).delete).toContain("mv -f '/pg/.pigsty-cluster' '/pg/.pigsty-cluster-removed'");
});

test("a member re-added to a live cluster keeps its old data aside and is cloned again; the same script for every role", () => {
  const guard = guardStep(model, cluster, member).create;
  expect(guard).toContain(`if [ "$(cat '/pg/.pigsty-cluster-removed' 2>/dev/null)" = 'pg-test' ] && [ -e '/pg/data' ] && `);
  // Only while the cluster lives in its DCS: a re-created cluster's old data is refused below, never moved.
  expect(guard).toContain(`get --print-value-only '/pg/pg-test/initialize'`);
  expect(guard).toContain(`mv -- '/pg/data' "$aside"`);
  // A switchover in config must not re-run the guard: its script does not depend on the role.
  const same = (text: string, name: string, ip: string) => text.split(name).join("X").split(ip).join("X").replace(/PIGSTY_[0-9A-F]{12}/g, "TAG");
  expect(same(guardStep(model, cluster, cluster.primary).create, "pg-test-1", "10.10.10.11")).toBe(same(guard, "pg-test-2", "10.10.10.12"));
});
