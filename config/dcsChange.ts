// Changes to a running DCS that etcd cannot follow in place, found by comparing the model with what the
// previous `up` deployed (its `dcs` output). Pure: the program reads the previous deployment (components/deployed.ts).

/** The DCS as the stack's `dcs` output records it: its name and its servers (member name -> IP). */
export interface DeployedDcs {
  name: string;
  servers: Record<string, string>;
}

/**
 * Problems with the change from `before` to `now`, each naming the field and the way to do it instead; `path` is where
 * the inventory sets this DCS: `dcs` for the stack's, `clusters.<c>.dcs` for a cluster's own.
 */
export function dcsChangeProblems(before: DeployedDcs | undefined, now: DeployedDcs, path = "dcs"): string[] {
  if (!before || Object.keys(before.servers).length === 0) return [];
  const problems: string[] = [];
  const staying = Object.entries(now.servers).filter(([, ip]) => Object.values(before.servers).includes(ip));
  if (before.name !== now.name && staying.length > 0) {
    problems.push(
      `${path}.name: changed from ${before.name} to ${now.name} while ${staying.map(([, ip]) => ip).join(", ")} stays a server. etcd keeps its data by name ` +
        `(/var/lib/etcd/${before.name}), so it would start a new, empty DCS there and every cluster would lose its HA state. ` +
        `Keep ${path}.name: ${before.name}; to move clusters to another DCS, give it other servers and a new name (S12 in docs/sop.md).`,
    );
  }
  const byIp = new Map(Object.entries(before.servers).map(([name, ip]) => [ip, name]));
  for (const [name, ip] of staying) {
    const was = byIp.get(ip) as string;
    if (was !== name) {
      problems.push(`${path}.servers: ${ip} was etcd member ${was} and is now ${name}; a running member cannot be renamed. Keep the name ${was} for ${ip}.`);
    }
  }
  return problems;
}
