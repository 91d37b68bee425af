// What this stack's previous `up` deployed, read from the stack's own last outputs through the engine
// (a StackReference to itself); nothing on the first `up`.
// Read during previews only: during an update the engine is writing that same checkpoint, and a read racing
// the write fails the whole update ("failed to load checkpoint: EOF", seen on the local backend). So the facts
// built from it (drift, removals) are for the preview, which is what stops a bad change before `up` runs.
// The reference's provider is registered on every run, so that the preview-only read changes nothing in state.
import * as pulumi from "@pulumi/pulumi";

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

let previous: Promise<Record<string, DeployedInstance>> | undefined;

/** Instance name -> what the previous `up` recorded; empty when there was none. Read once per program run. */
export function deployedInstances(): Promise<Record<string, DeployedInstance>> {
  previous ??= (async () => {
    const provider = new BuiltinProvider("previous-deployment-reader");
    if (!pulumi.runtime.isDryRun()) return {};
    try {
      const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
      const self = new pulumi.StackReference("previous-deployment", { name }, { provider });
      const details = await self.getOutputDetails("instances");
      return (details.value ?? details.secretValue ?? {}) as Record<string, DeployedInstance>;
    } catch {
      return {};
    }
  })();
  return previous;
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
