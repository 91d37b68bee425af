// haproxy-admin-auth: the admin page (9101) can drain and disable servers, so outside a sandbox it needs a login.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters, stackMarker, stackOf, type StackMarkerConfig } from "./lib";

const sandbox = stackMarker("sandbox", "This stack is a sandbox: allow the open page.", "sandboxStacks", "sandboxes");

export const haproxyAdminAuth: ResourceValidationPolicy = {
  name: "haproxy-admin-auth",
  description: "HAProxy's admin page asks for a username and password on every stack that is not a sandbox.",
  enforcementLevel: "mandatory",
  configSchema: sandbox.configSchema,
  validateResource: forClusters<StackMarkerConfig<"sandbox", "sandboxStacks">>((facts, config, args, report) => {
    // Only an explicit false is a violation: undefined means unknown at preview.
    if (facts.haproxyAdminAuth !== false) return;
    const stack = stackOf(args.urn);
    if (sandbox.marks(config, stack)) return;
    report(
      `Cluster ${facts.cluster} serves the HAProxy admin page (port 9101) without a login on stack ${stack}; ` +
        "set the cluster's HAProxy admin username and password, or mark this stack as a sandbox in this policy's config.",
    );
  }),
};
