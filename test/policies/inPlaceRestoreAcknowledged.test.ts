// in-place-restore-acknowledged on the pg-test cluster: a restore of itself needs data_loss_acknowledged.
import { inPlaceRestoreAcknowledged } from "../../policies/inPlaceRestoreAcknowledged";
import { UNKNOWN, clusterArgs, pgTest, violations } from "./fixtures";

const restore = { number: 1, target: "time 2026-12-02 10:15:00+00", acknowledged: false };

describe("in-place-restore-acknowledged", () => {
  it("ignores a cluster without an in-place restore", async () => {
    expect(await violations(inPlaceRestoreAcknowledged, clusterArgs(pgTest()))).toEqual([]);
  });

  it("fails an in-place restore without the acknowledgement, naming the key", async () => {
    expect(await violations(inPlaceRestoreAcknowledged, clusterArgs(pgTest({ inPlaceRestore: restore })))).toEqual([
      "Cluster pg-test is restored in place to time 2026-12-02 10:15:00+00 (pg_pitr.restore 1): every write after it is lost and its members stop during the restore. " +
        "Set clusters.pg-test.vars.pg_pitr.data_loss_acknowledged: true to go ahead, or restore into a new cluster instead (pg_pitr on a cluster with other hosts).",
    ]);
  });

  it("passes it with the acknowledgement", async () => {
    expect(await violations(inPlaceRestoreAcknowledged, clusterArgs(pgTest({ inPlaceRestore: { ...restore, acknowledged: true } })))).toEqual([]);
  });

  it("fails when the acknowledgement is unknown (it is never an output of another resource)", async () => {
    const facts = { ...pgTest(), inPlaceRestore: { ...restore, acknowledged: UNKNOWN } };
    expect(await violations(inPlaceRestoreAcknowledged, clusterArgs(facts))).toHaveLength(1);
  });
});
