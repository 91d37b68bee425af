// Entry point of the CrossGuard pack: `pulumi preview --policy-pack policies` loads this file.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

// Constructing the pack starts the analyzer's gRPC server, so nothing else may import this file.
new PolicyPack("pigsty-pulumi", {
  description: "Safety rules for pigsty-pulumi HA PostgreSQL fleets, checked before any command reaches a host.",
  policies,
});
