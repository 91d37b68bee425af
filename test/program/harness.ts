// Runs index.ts under Pulumi mocks with a given stack config and records every resource it registers.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** Names of the inputs that were secrets. */
  secretInputs: string[];
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Mocks receive secrets wrapped as {<sig>: SECRET_SIG, value}; this returns the plain value, recursively. */
export function unwrapSecrets(x: any): any {
  if (Array.isArray(x)) return x.map(unwrapSecrets);
  if (x && typeof x === "object") {
    if (Object.values(x).includes(SECRET_SIG) && "value" in x) return unwrapSecrets(x.value);
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return x;
}

/** True when a mock input was marked secret. */
export function isSecretInput(x: any): boolean {
  return !!x && typeof x === "object" && Object.values(x).includes(SECRET_SIG);
}

/** What a mocked openssl command (components/certificates.ts) prints: a recognisable key and certificate. */
export const mockPem = (name: string) =>
  `-----BEGIN PRIVATE KEY-----\nS0VZ${Buffer.from(name).toString("base64")}\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nQ0VSVA${Buffer.from(name).toString("base64")}\n-----END CERTIFICATE-----`;

/**
 * A mock resource's state: its inputs, and for a generated password or certificate a fixed, recognisable result; the
 * stack's reference to itself (components/deployed.ts) reads `previous` as the previous `up`'s outputs.
 */
function mockState(args: { type: string; name: string; inputs: any }, previous: Record<string, unknown> = {}): { id: string; state: any } {
  const state =
    args.type === "random:index/randomPassword:RandomPassword"
      ? { ...args.inputs, result: `generated-secret-${args.name}` }
      : args.type === "command:local:Command"
        ? { ...args.inputs, stdout: mockPem(args.name) }
        : args.type === "pulumi:pulumi:StackReference"
          ? { ...args.inputs, outputs: previous }
          : args.inputs;
  return { id: `${args.name}-id`, state };
}

export const repoRoot = join(__dirname, "..", "..");

/** The `config:` block of Pulumi.dev.yaml. */
export function devStackConfig(): Record<string, unknown> {
  return parse(readFileSync(join(repoRoot, "Pulumi.dev.yaml"), "utf8")).config;
}

/** Resolves an Output's value (mocks resolve everything, secrets included). */
export function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

/**
 * Records each registered resource's URN as the engine spells it: the mock monitor keeps only the parent's own
 * type, the engine chains every ancestor's type (`Cluster$Instance$Command`), the root stack left out.
 */
function recordUrns(monitor: any, urns: string[]): void {
  const qualifiedType = new Map<string, string>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) =>
    register(req, (err: unknown, resp: any) => {
      if (resp) {
        const parent = qualifiedType.get(req.getParent());
        const type = parent ? `${parent}$${req.getType()}` : req.getType();
        qualifiedType.set(resp.getUrn(), type);
        urns.push(`urn:pulumi:dev::pigsty::${type}::${req.getName()}`);
      }
      callback(err, resp);
    });
}

/** Imports index.ts with `config` (once per test file: jest gives each file its own module registry). */
export async function runProgram(config: Record<string, unknown>): Promise<{ registered: Registered[]; exports: Record<string, any> }> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs), secretInputs: Object.keys(args.inputs).filter((k) => isSecretInput(args.inputs[k])) });
        return mockState(args);
      },
      call: (args) => args.inputs,
    },
    "pigsty",
    "dev",
  );
  const flat = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  pulumi.runtime.setAllConfig(flat);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports: Record<string, any> = require("../../index");
  // Let registrations settle.
  await new Promise((r) => setTimeout(r, 200));
  return { registered, exports };
}

/**
 * Runs index.ts in a fresh module registry (its own Pulumi runtime) under mocks, so one test file can
 * run the program with several configs. Returns what it registered and exported, or the error that stopped it.
 * `previous` stands for the previous `up`'s stack outputs, which the program reads in previews.
 */
export async function runIsolated(
  config: Record<string, unknown>,
  { preview = false, previous }: { preview?: boolean; previous?: Record<string, unknown> } = {},
): Promise<{ registered: Registered[]; deps: Map<string, string[]>; warnings: string[]; urns: string[]; exports: Record<string, any>; error?: Error }> {
  const registered: Registered[] = [];
  const urns: string[] = [];
  const warnings: string[] = [];
  const rawDeps = new Map<string, any[]>();
  let exports: Record<string, any> = {};
  let error: Error | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cmd = require("@pulumi/command") as typeof import("@pulumi/command");
    // Remote commands and copies: what each waits for, by name (a dependency given as a promise is read once settled).
    for (const kind of ["Command", "CopyToRemote"] as const) {
      const Original = cmd.remote[kind] as any;
      jest.spyOn(cmd.remote, kind).mockImplementation(((name: string, args: any, opts: any) => {
        rawDeps.set(name, (opts?.dependsOn ?? []) as any[]);
        return new Original(name, args, opts);
      }) as any);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const p = require("@pulumi/pulumi") as typeof pulumi;
    jest.spyOn(p.log, "warn").mockImplementation(async (message: string) => {
      warnings.push(message);
    });
    p.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs), secretInputs: Object.keys(args.inputs).filter((k) => isSecretInput(args.inputs[k])) });
          return mockState(args, previous);
        },
        call: (args) => args.inputs,
      },
      "pigsty",
      "dev",
      preview,
      // Without an organization the program cannot name its own stack, so it reads no previous outputs.
      previous && "organization",
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    recordUrns(require("@pulumi/pulumi/runtime/settings").getMonitor(), urns);
    p.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require("../../index");
    } catch (e) {
      error = e as Error;
    }
  });
  await new Promise((r) => setTimeout(r, error ? 20 : 300));
  const deps = new Map<string, string[]>();
  for (const [name, list] of rawDeps) deps.set(name, (await Promise.all(list.map((d) => Promise.resolve(d)))).map((r) => r.__name));
  return { registered, deps, warnings, urns, exports, error };
}

