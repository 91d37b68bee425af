// Intent versus reality: the drift warning after a failover names both members and both ways out.
import { driftWarnings } from "../../components/drift";
import { pgTest } from "../helpers/inventoryFixtures";

const clusters = pgTest().model.clusters;

test("no warning when the configured primary leads, or when no member answered", () => {
  expect(driftWarnings([{ cluster: "pg-test", intended: "pg-test-1", actual: "pg-test-1" }], clusters)).toEqual([]);
  expect(driftWarnings([{ cluster: "pg-test", intended: "pg-test-1", actual: undefined }], clusters)).toEqual([]);
});

test("after a failover the warning says what happened and how to keep or undo it", () => {
  const [w] = driftWarnings([{ cluster: "pg-test", intended: "pg-test-1", actual: "pg-test-2" }], clusters);
  expect(w).toBe(
    "pg-test: Patroni's leader is pg-test-2, but config names pg-test-1 as primary (a failover happened). Nothing will fail back. " +
      "To keep pg-test-2 as primary, set pg_role: primary on 10.10.10.12 and pg_role: replica on pg-test-1; " +
      "to return to pg-test-1, switch over with patronictl on any member (pt switchover --candidate pg-test-1).",
  );
});
