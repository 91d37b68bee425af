// Fake CrossGuard args for calling the pack's checks directly: the pg-test demo cluster and its remote commands.
import * as policySdk from "@pulumi/policy";
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ClusterFacts, HbaRuleFact, MemberFact, clusterType } from "../../config/facts";

// The SDK's own proxy and sentinel, so unknown values behave exactly as they do at preview. Both are exported at
// runtime but left out of the typings.
const { unknownCheckingProxy } = policySdk as unknown as { unknownCheckingProxy: <T>(v: T) => T };
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const UNKNOWN: string = require("@pulumi/policy/proxy").unknownStringValue;

export const commandType = "command:remote:Command";
export const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTestsOnly";

/** pg-test-1 10.10.10.11 primary, -2 .12 replica, -3 .13 offline (serves offline queries). */
export function pgTestMembers(): MemberFact[] {
  return [
    { name: "pg-test-1", ip: "10.10.10.11", seq: 1, role: "primary", weight: 100, offlineQuery: false },
    { name: "pg-test-2", ip: "10.10.10.12", seq: 2, role: "replica", weight: 100, offlineQuery: false },
    { name: "pg-test-3", ip: "10.10.10.13", seq: 3, role: "offline", weight: 100, offlineQuery: true },
  ];
}

/** The compliant pg-test cluster facts, with `patch` applied on top. */
export function pgTest(patch: Partial<ClusterFacts> = {}): ClusterFacts {
  return {
    cluster: "pg-test",
    members: pgTestMembers(),
    hbaRules: [
      { title: "dbsu local", role: "common", type: "local", user: "postgres", db: "all", addr: "", auth: "peer" },
      { title: "monitor localhost", role: "common", type: "host", user: "dbuser_monitor", db: "all", addr: "127.0.0.1/32", auth: "trust" },
      { title: "intranet", role: "common", type: "host", user: "all", db: "all", addr: "10.0.0.0/8", auth: "scram-sha-256" },
      { title: "world", role: "primary", type: "hostssl", user: "all", db: "all", addr: "0.0.0.0/0", auth: "scram-sha-256" },
    ],
    pgParameters: { max_connections: 200, password_encryption: "scram-sha-256" },
    patroni: { synchronous_mode: true },
    haproxyAdminAuth: true,
    rmPgdata: false,
    rmPgpkgs: false,
    pgClean: false,
    maintenance: false,
    removedMembers: [],
    ...patch,
  };
}

/** An HBA rule fact: md5 for everyone from anywhere, unless patched. */
export const hbaRule = (patch: Partial<HbaRuleFact>): HbaRuleFact => ({
  title: "app", role: "common", type: "host", user: "all", db: "all", addr: "0.0.0.0/0", auth: "md5", ...patch,
});

/** pg-test with `extra` rules after its own. */
export const withHbaRules = (...extra: HbaRuleFact[]) => pgTest({ hbaRules: [...pgTest().hbaRules, ...extra] });

/** Props of a remote command on a pg-test host, compliant unless patched. */
export function command(patch: Record<string, unknown> = {}, ip = "10.10.10.11"): Record<string, unknown> {
  return {
    connection: { host: ip, port: 22, user: "dba", privateKey: "<key>", hostKey },
    create: "sudo systemctl enable --now patroni",
    delete: "sudo systemctl disable --now patroni",
    stdin: "",
    logging: "stdoutAndStderr",
    ...patch,
  };
}

interface ArgsOptions {
  stack?: string;
  config?: object;
}

/** Resource validation args as the SDK builds them: props behind its unknown-checking proxy. */
export function resourceArgs(type: string, name: string, props: object, o: ArgsOptions = {}): ResourceValidationArgs {
  const parent = type === clusterType ? "" : "pigsty:pg:Cluster$pigsty:pg:Instance$";
  return {
    type,
    name,
    urn: `urn:pulumi:${o.stack ?? "dev"}::pigsty-pulumi::${parent}${type}::${name}`,
    props: unknownCheckingProxy(props as Record<string, unknown>),
    opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => (o.config ?? {}) as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

export const clusterArgs = (facts: object, o?: ArgsOptions) => resourceArgs(clusterType, "pg-test", facts, o);
export const commandArgs = (name: string, props: object, o?: ArgsOptions) => resourceArgs(commandType, name, props, o);

/** Runs one policy's resource validation(s) and returns the violation messages it reported. */
export async function violations(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
  const report = jest.fn();
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) await validate(args, report);
  return report.mock.calls.map((call) => call[0] as string);
}
