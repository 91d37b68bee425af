// What each phase of `npm run up` runs, decided from a preview: phase 1 generates the passwords and certificates that
// the preview would create, update or replace, and touches no host; phase 2 is the user's `up`, which then has no
// secret left to generate. Both run without checkpoints (scripts/up.ts says why that is safe).
import { generatesSecret, PASSWORD_TYPE } from "../components/generatedSecrets";
import { type UpOption, wordsOf } from "./upArgs";

/** A step of `pulumi preview --json`, the fields read here. */
export interface PreviewStep {
  op: string;
  urn: string;
  newState?: { parent?: string };
}

/** Operations that run the resource's create again: a new value. */
const GENERATING = new Set(["create", "update", "replace", "create-replacement"]);
const REPLACING = new Set(["replace", "create-replacement"]);
/** Options that choose which resources change: the preview applies them, phase 1 has its own targets instead. */
const SELECTION = ["target", "target-dependents", "target-replace", "replace", "exclude", "exclude-dependents"];
/** What the deciding preview needs to see the same program, stack and selection as the user's `up`. */
const PREVIEW_KEEPS = new Set(["stack", "cwd", "config", "config-file", "config-path", "parallel", "skip-config-validation", "disable-integrity-checking", "override-env", ...SELECTION]);
/** A refresh reads every resource again; the secrets' providers read nothing back, so phase 2 alone refreshes. */
const PHASE_TWO_ONLY = new Set([...SELECTION, "refresh", "run-program"]);
const STACK_TYPE = "pulumi:pulumi:Stack";

/** The deciding preview's arguments. */
export function previewArgs(options: UpOption[]): string[] {
  return ["preview", "--json", "--non-interactive", ...wordsOf(options.filter((o) => PREVIEW_KEEPS.has(o.name)))];
}

/** Pulumi's URN patterns (pkg/resource/deploy, 3.259): `**` matches anything, `*` anything but a colon. */
export function urnPatternMatches(pattern: string, urn: string): boolean {
  if (!pattern.includes("*")) return pattern === urn;
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const source = pattern.split("**").map((part) => part.split("*").map(quote).join("[^:]*")).join(".*");
  return new RegExp(`^${source}$`).test(urn);
}

export interface PhaseOne {
  /** The URNs of the passwords and certificates it makes. */
  secrets: string[];
  args: string[];
}

export interface Phases {
  /** Absent when the preview shows no secret to generate. */
  one?: PhaseOne;
  two: { args: string[] };
}

/**
 * The two phases for the user's `options`, given the deciding preview's `steps`. Phase 1 targets the secrets and those
 * of their ancestors (components, nothing on a host) that the preview creates or changes; the root stack the engine
 * makes by itself. A `--replace` (or `--target-replace`) that names a secret is done in phase 1 only, else phase 2
 * would replace it again; one that names both secrets and other resources is refused.
 */
export function planPhases(options: UpOption[], steps: PreviewStep[]): Phases {
  const changing = new Map(steps.filter((s) => GENERATING.has(s.op)).map((s) => [s.urn, s]));
  const secrets = [...changing.keys()].filter(generatesSecret);
  const replacedSecrets = secrets.filter((u) => steps.some((s) => s.urn === u && REPLACING.has(s.op)));
  const replacedOthers = [...new Set(steps.filter((s) => REPLACING.has(s.op) && !generatesSecret(s.urn)).map((s) => s.urn))];
  const doneInPhaseOne = new Set<UpOption>();
  for (const o of options.filter((x) => x.name === "replace" || x.name === "target-replace")) {
    const secret = replacedSecrets.some((u) => urnPatternMatches(o.value as string, u));
    if (secret && replacedOthers.some((u) => urnPatternMatches(o.value as string, u))) {
      throw new Error(`--${o.name} ${o.value} names generated secrets and other resources: give the secrets and the rest in separate --${o.name} options`);
    }
    if (secret) doneInPhaseOne.add(o);
  }
  // `--target-replace P` of a secret becomes `--target P` in phase 2: the same selection, already replaced.
  const two = options.flatMap((o) => (!doneInPhaseOne.has(o) ? o.words : o.name === "target-replace" ? ["--target", o.value as string] : []));
  if (secrets.length === 0) return { two: { args: ["up", ...two] } };

  const targets = new Set(secrets);
  for (const urn of secrets) {
    for (let parent = changing.get(urn)?.newState?.parent; parent && changing.has(parent); parent = changing.get(parent)?.newState?.parent) {
      if (!parent.split("::")[2]?.endsWith(STACK_TYPE)) targets.add(parent);
    }
  }
  const kept = wordsOf(options.filter((o) => !PHASE_TWO_ONLY.has(o.name)));
  const args = ["up", ...kept, ...[...targets].flatMap((u) => ["--target", u]), ...replacedSecrets.flatMap((u) => ["--replace", u])];
  return { one: { secrets, args }, two: { args: ["up", ...two] } };
}

/** One line on what phase 1 generates: how many passwords and certificates, and the first few names. */
export function describeSecrets(secrets: string[]): string {
  const name = (u: string) => u.split("::").pop() as string;
  const passwords = secrets.filter((u) => u.split("::")[2].endsWith(PASSWORD_TYPE)).length;
  const names = secrets.slice(0, 4).map(name).join(", ");
  return `${passwords} password(s), ${secrets.length - passwords} certificate(s): ${names}${secrets.length > 4 ? `, and ${secrets.length - 4} more` : ""}`;
}
