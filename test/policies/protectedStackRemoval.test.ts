// protected-stack-data-removal: a protected stack never wipes data directories or existing state.
import { protectedStackRemoval } from "../../policies/protectedStackRemoval";
import { UNKNOWN, clusterArgs, pgTest, violations } from "./fixtures";

describe("protected-stack-data-removal", () => {
  const wipe = pgTest({ rmPgdata: true, pgClean: true });
  const prod = { stack: "prod", config: { protectedStack: true } };

  it("passes pg-test on a protected stack, and any flags on an unprotected one", async () => {
    expect(await violations(protectedStackRemoval, clusterArgs(pgTest(), prod))).toEqual([]);
    expect(await violations(protectedStackRemoval, clusterArgs(wipe, { stack: "dev" }))).toEqual([]);
  });

  it("reports rm_pgdata and the clean override on a protected stack", async () => {
    expect(await violations(protectedStackRemoval, clusterArgs(wipe, prod))).toEqual([
      "Cluster pg-test sets rm_pgdata on protected stack prod; removed members must keep their data directories here: unset rm_pgdata (wipe data by hand after a verified backup if you really must).",
      "Cluster pg-test sets the clean-existing-state override on protected stack prod; it would wipe an existing Postgres or DCS state: unset it and investigate what is already on the hosts.",
    ]);
  });

  it("protects stacks listed by name", async () => {
    const byName = { stack: "prod", config: { protectedStacks: ["prod"] } };
    expect(await violations(protectedStackRemoval, clusterArgs(pgTest({ rmPgdata: true }), byName))).toHaveLength(1);
  });

  it("does not judge flags unknown at preview", async () => {
    expect(await violations(protectedStackRemoval, clusterArgs({ ...pgTest(), rmPgdata: UNKNOWN, pgClean: UNKNOWN }, prod))).toEqual([]);
  });
});
