// What this stack's previous `up` deployed, read from the stack's own last outputs through the engine
// (a StackReference to itself); nothing on the first `up`, or where the backend has no such stack yet.
import * as pulumi from "@pulumi/pulumi";

/** One entry of the `instances` output: the instance's cluster, address and configured role. */
export interface DeployedInstance {
  cluster: string;
  ip: string;
  role: string;
}

let previous: Promise<Record<string, DeployedInstance>> | undefined;

/** Instance name -> what the previous `up` recorded; empty when there was none. Read once per program run. */
export function deployedInstances(): Promise<Record<string, DeployedInstance>> {
  previous ??= (async () => {
    try {
      const self = new pulumi.StackReference("previous-deployment", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
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
