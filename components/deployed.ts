// What this stack's previous `up` deployed, read from the stack's own last outputs through the engine
// (a StackReference to itself); nothing on the first `up`.
// Read during previews only: during an update the engine is writing that same checkpoint, and a read racing
// the write fails the whole update ("failed to load checkpoint: EOF", seen on the local backend). So the facts
// built from it (drift, removals, promotions) are for the preview, which is what stops a bad change before `up` runs.
// The reference's provider is registered on every run, so that the preview-only read changes nothing in state.
import * as pulumi from "@pulumi/pulumi";
import type { DeployedDcs } from "../config/dcsChange";

/** One entry of the `instances` output: the instance's cluster, address and configured role. */
export interface DeployedInstance {
  cluster: string;
  ip: string;
  role: string;
}

/** The engine's built-in `pulumi` provider as an explicit resource (the SDK's class is abstract). */
class BuiltinProvider extends pulumi.ProviderResource {
  constructor(name: string) {
    super("pulumi", name, {});
  }
}

let reference: Promise<pulumi.StackReference | undefined> | undefined;

/** The stack's own last outputs, through the engine; undefined outside previews (see the top of the file). */
function selfReference(): Promise<pulumi.StackReference | undefined> {
  reference ??= (async () => {
    const provider = new BuiltinProvider("previous-deployment-reader");
    if (!pulumi.runtime.isDryRun()) return undefined;
    const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    return new pulumi.StackReference("previous-deployment", { name }, { provider });
  })();
  return reference;
}

/** One output of the previous `up`, or undefined when there was none (or outside previews). */
async function previousOutput<T>(output: string): Promise<T | undefined> {
  try {
    const details = await (await selfReference())?.getOutputDetails(output);
    return (details?.value ?? details?.secretValue) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Instance name -> what the previous `up` recorded; empty when there was none. */
export async function deployedInstances(): Promise<Record<string, DeployedInstance>> {
  return (await previousOutput<Record<string, DeployedInstance>>("instances")) ?? {};
}

/** Standby cluster name -> the cluster it followed, as the previous `up` deployed them (its `standbys` output); empty when none. */
export async function deployedStandbys(): Promise<Record<string, string>> {
  return (await previousOutput<Record<string, string>>("standbys")) ?? {};
}

/** The DCS the previous `up` deployed (its `dcs` output), if any. */
export function deployedDcs(): Promise<DeployedDcs | undefined> {
  return previousOutput<DeployedDcs>("dcs");
}

/** Cluster name -> its own DCS as the previous `up` deployed it (its `clusterDcs` output); empty when none. */
export async function deployedClusterDcs(): Promise<Record<string, DeployedDcs>> {
  return (await previousOutput<Record<string, DeployedDcs>>("clusterDcs")) ?? {};
}

/** The step library version the previous `up` installed (its `stepLibrary` output), if it recorded one. */
export function deployedStepLibrary(): Promise<string | undefined> {
  return previousOutput<string>("stepLibrary");
}

/**
 * What the preview says when this `up` installs another step library on the hosts: every host step's script names
 * the library's version, so every step runs once more (docs/operations.md). Nothing on a first `up` or the same version.
 */
export function stepLibraryNotice(deployedBefore: boolean, before: string | undefined, now: string): string | undefined {
  if (!deployedBefore || before === now) return undefined;
  const rerun = "every host step runs once more on every host (each is idempotent: files are rewritten only where they differ, nothing restarts for it); later ups run only what changes";
  if (before === undefined) return `This stack's last up recorded no step library version (a release before 2026-12-03): if that release had no step library, ${rerun}.`;
  return `The hosts' step library changes (${before} -> ${now}): ${rerun}.`;
}

/** The members of `cluster` that the previous `up` deployed, with their configured roles. */
export async function deployedMembers(cluster: string): Promise<{ name: string; role: string }[]> {
  return Object.entries(await deployedInstances())
    .filter(([, d]) => d.cluster === cluster)
    .map(([name, d]) => ({ name, role: d.role }));
}

/** The instance that the previous `up` had as `cluster`'s configured primary, if any. */
export function deployedPrimary(deployed: Record<string, DeployedInstance>, cluster: string): string | undefined {
  return Object.entries(deployed).find(([, d]) => d.cluster === cluster && d.role === "primary")?.[0];
}

/** What the preview says when `up` would promote a standby cluster (config/facts.ts, `promotion`). */
export function promotionWarning(cluster: string, promotion: { upstream: string; acknowledged: boolean }): string {
  const up = promotion.upstream;
  return (
    `${cluster}: pg_upstream is gone from its config, so \`pulumi up\` promotes it: ${cluster} stops following ${up} and starts accepting writes. ` +
    `If ${up} still runs, two clusters accept writes (split brain between sites) and their data diverge for good. ` +
    `Stop writes on ${up} first (or stop ${up}), or accept the divergence; to keep ${cluster} a standby, put pg_upstream: ${up} back. ` +
    (promotion.acknowledged
      ? `clusters.${cluster}.vars.pg_promotion_acknowledged is true; remove it after this \`up\`.`
      : `The policy pack (standby-promotion-acknowledged) refuses this until clusters.${cluster}.vars.pg_promotion_acknowledged is true.`)
  );
}
