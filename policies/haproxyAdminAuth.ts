// haproxy-admin-auth: the admin page (9101) can drain and disable servers, so outside a sandbox it needs a login.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forClusters, stackOf } from "./lib";

interface Config {
  sandbox?: boolean;
  sandboxStacks?: string[];
}

export const haproxyAdminAuth: ResourceValidationPolicy = {
  name: "haproxy-admin-auth",
  description: "HAProxy's admin page asks for a username and password on every stack that is not a sandbox.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      sandbox: { type: "boolean", default: false, description: "This stack is a sandbox: allow the open page." },
      sandboxStacks: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Stack names that are sandboxes, for one config file shared by several stacks.",
      },
    },
  },
  validateResource: forClusters<Config>((facts, config, args, report) => {
    // Only an explicit false is a violation: undefined means unknown at preview.
    if (facts.haproxyAdminAuth !== false) return;
    const stack = stackOf(args.urn);
    if (config.sandbox || (config.sandboxStacks ?? []).includes(stack)) return;
    report(
      `Cluster ${facts.cluster} serves the HAProxy admin page (port 9101) without a login on stack ${stack}; ` +
        "set the cluster's HAProxy admin username and password, or mark this stack as a sandbox in this policy's config.",
    );
  }),
};
