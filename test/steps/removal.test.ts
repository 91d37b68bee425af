// Removing a member stops what serves clients on it (HAProxy, pgbouncer), and leaves what re-adding it needs.
import { guardStep, haproxyStep, patroniStep, pgbouncerStep } from "../../steps/postgres";
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

test("a re-added replica keeps its old data aside and is cloned again; the primary's data is never moved", () => {
  const replica = guardStep(cluster, member).create;
  expect(replica).toContain(`if [ "$(cat '/pg/.pigsty-cluster-removed' 2>/dev/null)" = 'pg-test' ] && [ -e '/pg/data' ]; then`);
  expect(replica).toContain(`mv -- '/pg/data' "$aside"`);
  expect(guardStep(cluster, cluster.primary).create).not.toContain("mv -- '/pg/data'");
});
