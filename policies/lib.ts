// Helpers shared by the checks: reading props that may be unknown at preview, and routing by resource type.
import * as policySdk from "@pulumi/policy";
import { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { ClusterFacts, clusterType } from "../config/facts";

// At preview the SDK hands props through a proxy that throws this error when a value is still unknown. The
// class is exported at runtime but left out of the typings, hence the cast. If a check let it escape, the SDK
// would skip the whole check with an advisory note; catching it per value keeps checking everything known.
const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (...a: never[]) => Error })
  .UnknownValueError;

/** Reads a value, or returns undefined when it is unknown at preview. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (UnknownValueError && e instanceof UnknownValueError) return undefined;
    throw e;
  }
}

/** True when reading the value hits a value that is unknown at preview (plain() makes those look absent). */
export function isUnknown(read: () => unknown): boolean {
  const marker = {};
  return known(() => (read(), marker)) === undefined;
}

/** Deep, possibly-absent view of a fact type: unknown values read as undefined, array slots stay in place. */
export type Maybe<T> = T extends (infer E)[]
  ? (Maybe<E> | undefined)[]
  : T extends object
    ? { [K in keyof T]?: Maybe<T[K]> }
    : T;

/** Copies props out of the SDK's proxy into plain data, with every unknown value replaced by undefined. */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const length = known(() => value.length) ?? 0;
    return Array.from({ length }, (_, i) => plain(known(() => value[i])));
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = plain(known(() => (value as Record<string, unknown>)[key]));
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The stack name, taken from a URN (`urn:pulumi:<stack>::<project>::...`); the SDK exposes it nowhere else. */
export function stackOf(urn: string): string {
  return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

export type Check<F, C> = (facts: Maybe<F>, config: C, args: ResourceValidationArgs, report: ReportViolation) => void;

/** A resource validation that runs `check` on the facts of each `pigsty:pg:Cluster` and ignores other types. */
export function forClusters<C extends object = object>(check: Check<ClusterFacts, C>): ResourceValidation {
  return (args, report) => {
    if (args.type !== clusterType) return;
    check(plain(args.props) as Maybe<ClusterFacts>, args.getConfig<C>(), args, report);
  };
}

/**
 * A mandatory check of one cluster's facts, without config: `violation` returns what to tell the user, or undefined
 * when the cluster passes.
 */
export function mandatoryClusterRule(name: string, description: string, violation: (facts: Maybe<ClusterFacts>) => string | undefined): policySdk.ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: forClusters((facts, _config, _args, report) => {
      const message = violation(facts);
      if (message !== undefined) report(message);
    }),
  };
}

/** The config a stackMarker reads: the flag and the list of stack names. */
export type StackMarkerConfig<F extends string, L extends string> = { [K in F]?: boolean } & { [K in L]?: string[] };

/**
 * A config flag that marks a stack (sandbox, protected ...): `<flag>: true` in the stack's own policy config, or the
 * stack's name in `<list>`, for one config file shared by several stacks. `stacksAre` completes "Stack names that are".
 */
export function stackMarker<F extends string, L extends string>(flag: F, flagDescription: string, list: L, stacksAre: string) {
  const configSchema: policySdk.PolicyConfigSchema = {
    properties: {
      [flag]: { type: "boolean", default: false, description: flagDescription },
      [list]: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: `Stack names that are ${stacksAre}, for one config file shared by several stacks.`,
      },
    },
  };
  const marks = (config: StackMarkerConfig<F, L>, stack: string): boolean =>
    Boolean(config[flag]) || ((config[list] as string[] | undefined) ?? []).includes(stack);
  return { configSchema, marks };
}

export type StackMarker<F extends string, L extends string> = ReturnType<typeof stackMarker<F, L>>;

/**
 * A mandatory check of one cluster's facts on stacks a stackMarker marks or not: `violations` gets the stack's name
 * and whether it is marked, and returns what to tell the user (nothing when the cluster passes).
 */
export function stackMarkedRule<F extends string, L extends string>(
  name: string,
  description: string,
  marker: StackMarker<F, L>,
  violations: (facts: Maybe<ClusterFacts>, stack: string, marked: boolean) => string[],
): policySdk.ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema: marker.configSchema,
    validateResource: forClusters<StackMarkerConfig<F, L>>((facts, config, args, report) => {
      const stack = stackOf(args.urn);
      for (const message of violations(facts, stack, marker.marks(config, stack))) report(message);
    }),
  };
}

/** The cluster facts that describe a change going ahead only with an acknowledgement in config. */
type Acknowledgeable = "inPlaceRestore" | "promotion";

/**
 * A mandatory check that the change facts[`key`] describes (when it is set) is acknowledged in the cluster's config:
 * `violation` says what the change does and how to acknowledge it.
 */
export function acknowledgedChangeRule<K extends Acknowledgeable>(
  name: string,
  description: string,
  key: K,
  violation: (change: NonNullable<Maybe<ClusterFacts[K]>>, cluster: string | undefined) => string,
): policySdk.ResourceValidationPolicy {
  return mandatoryClusterRule(name, description, (facts) => {
    const change = facts[key];
    if (!change || change.acknowledged === true) return undefined;
    return violation(change as NonNullable<Maybe<ClusterFacts[K]>>, facts.cluster);
  });
}

/** Props of a `@pulumi/command` remote resource, as far as the checks read them. */
export interface CommandProps {
  connection: { host: string; port: number; user: string; privateKey: string; hostKey: string };
  create: string;
  update: string;
  delete: string;
  stdin: string;
  environment: Record<string, string>;
}

/** A resource validation for every `command:remote:*` resource (Command and CopyToRemote carry a connection). */
export function forRemoteCommands<C extends object = object>(check: Check<CommandProps, C>): ResourceValidation {
  return (args, report) => {
    if (!args.type.startsWith("command:remote:")) return;
    check(plain(args.props) as Maybe<CommandProps>, args.getConfig<C>(), args, report);
  };
}
