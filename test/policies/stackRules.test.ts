// haproxy-admin-auth and protected-stack-data-removal: rules that depend on which stack is being deployed.
import { haproxyAdminAuth } from "../../policies/haproxyAdminAuth";
import { protectedStackRemoval } from "../../policies/protectedStackRemoval";
import { UNKNOWN, clusterArgs, pgTest, violations } from "./fixtures";

describe("haproxy-admin-auth", () => {
  const open = pgTest({ haproxyAdminAuth: false });
  const message =
    "Cluster pg-test serves the HAProxy admin page (port 9101) without a login on stack prod; set the cluster's HAProxy admin username and password, or mark this stack as a sandbox in this policy's config.";

  it("passes a cluster whose admin page has a login", async () => {
    expect(await violations(haproxyAdminAuth, clusterArgs(pgTest(), { stack: "prod" }))).toEqual([]);
  });

  it("reports an open admin page outside the sandbox", async () => {
    expect(await violations(haproxyAdminAuth, clusterArgs(open, { stack: "prod" }))).toEqual([message]);
    const otherSandbox = { stack: "prod", config: { sandboxStacks: ["dev"] } };
    expect(await violations(haproxyAdminAuth, clusterArgs(open, otherSandbox))).toEqual([message]);
  });

  it("allows an open admin page on a sandbox stack, by flag or by name", async () => {
    expect(await violations(haproxyAdminAuth, clusterArgs(open, { config: { sandbox: true } }))).toEqual([]);
    expect(await violations(haproxyAdminAuth, clusterArgs(open, { stack: "dev", config: { sandboxStacks: ["dev"] } }))).toEqual([]);
  });

  it("does not judge an auth flag unknown at preview", async () => {
    expect(await violations(haproxyAdminAuth, clusterArgs({ ...pgTest(), haproxyAdminAuth: UNKNOWN }, { stack: "prod" }))).toEqual([]);
  });
});

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
