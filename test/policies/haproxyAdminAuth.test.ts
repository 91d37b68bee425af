// haproxy-admin-auth: the HAProxy admin page has a login outside sandbox stacks.
import { haproxyAdminAuth } from "../../policies/haproxyAdminAuth";
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
