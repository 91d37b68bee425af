// haproxy-admin-auth: the admin page (9101) can drain and disable servers, so outside a sandbox it needs a login.
import { stackMarkedRule, stackMarker } from "./lib";

const sandbox = stackMarker("sandbox", "This stack is a sandbox: allow the open page.", "sandboxStacks", "sandboxes");

export const haproxyAdminAuth = stackMarkedRule(
  "haproxy-admin-auth",
  "HAProxy's admin page asks for a username and password on every stack that is not a sandbox.",
  sandbox,
  // Only an explicit false is a violation: undefined means unknown at preview.
  (facts, stack, isSandbox) =>
    facts.haproxyAdminAuth !== false || isSandbox
      ? []
      : [
          `Cluster ${facts.cluster} serves the HAProxy admin page (port 9101) without a login on stack ${stack}; ` +
            "set the cluster's HAProxy admin username and password, or mark this stack as a sandbox in this policy's config.",
        ],
);
