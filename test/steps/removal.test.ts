// Removing a member stops what serves clients on it: its HAProxy and pgbouncer are stopped and disabled.
import { haproxyStep, pgbouncerStep } from "../../steps/postgres";
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
