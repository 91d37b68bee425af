// What this stack's previous `up` deployed, read from the stack's own last outputs through the engine
// (a StackReference to itself); nothing on the first `up`.
// Read during previews only: during an update the engine is writing that same checkpoint, and a read racing
// the write fails the whole update ("failed to load checkpoint: EOF", seen on the local backend). So the facts
// built from it (drift, removals) are for the preview, which is what stops a bad change before `up` runs.
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

/** The DCS the previous `up` deployed (its `dcs` output), if any. */
export function deployedDcs(): Promise<DeployedDcs | undefined> {
  return previousOutput<DeployedDcs>("dcs");
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
