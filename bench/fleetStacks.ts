// The bench's fleets and stacks: N clusters x 3 instances on loopback addresses as stack config of this project,
// in stacks of their own (Pulumi.bench-*.yaml, ignored by git) on the project's local backend.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repo, runPulumi } from "./pulumiRun";

export interface FleetSsh {
  user: string;
  keyPath: string;
  hostKey: string;
  port?: number;
}

/** The infra node's address and every member's: 127.1.0.1, then 127.1.<cluster>.<seq>. */
export function fleetAddresses(clusters: number): string[] {
  return ["127.1.0.1", ...Array.from({ length: clusters }, (_, k) => [1, 2, 3].map((s) => `127.1.${k + 1}.${s}`)).flat()];
}

/** The inventory of `clusters` clusters x 3; `weight(k)` is cluster k's members' pg_weight (none: the default). */
export function fleetInventory(clusters: number, ssh: FleetSsh, weight: (cluster: number) => number | undefined = () => undefined): object {
  const fleet: Record<string, object> = {};
  for (let k = 1; k <= clusters; k++) {
    const hosts: Record<string, object> = {};
    for (let s = 1; s <= 3; s++) {
      const w = weight(k);
      hosts[`127.1.${k}.${s}`] = { pg_seq: s, pg_role: s === 1 ? "primary" : s === 3 ? "offline" : "replica", ...(w !== undefined && { pg_weight: w }) };
    }
    fleet[`pg-b${k}`] = {
      hosts,
      vars: {
        pg_users: [{ name: "dbuser_app", pgbouncer: true, roles: ["dbrole_readwrite"] }],
        pg_databases: [{ name: "app", owner: "dbuser_app" }],
        haproxy_admin_auth_enabled: true,
      },
    };
  }
  return {
    infra: { ip: "127.1.0.1" },
    dcs: { servers: { "meta-1": "127.1.0.1" } },
    ssh: {
      user: ssh.user,
      key_path: ssh.keyPath,
      ...(ssh.port !== undefined && { port: ssh.port }),
      host_keys: Object.fromEntries(fleetAddresses(clusters).map((ip) => [ip, ssh.hostKey])),
    },
    clusters: fleet,
  };
}

export interface ProjectStack {
  /** Replaces the stack's config (keys of this project, plain values). */
  setConfig(config: Record<string, string>): void;
  /** The stack's state file on the local backend. */
  stateFile: string;
  remove(): Promise<void>;
}

/** A fresh stack of this project with `config`; `remove` drops it from the backend without touching hosts. */
export async function projectStack(name: string, config: Record<string, string>): Promise<ProjectStack> {
  const file = join(repo, `Pulumi.${name}.yaml`);
  await runPulumi(["stack", "rm", name, "--yes", "--force", "--non-interactive"], repo).catch(() => undefined);
  await runPulumi(["stack", "init", name, "--non-interactive"], repo);
  const salt = /encryptionsalt: .*/.exec(readFileSync(file, "utf8"))?.[0] ?? "";
  const setConfig = (c: Record<string, string>) =>
    writeFileSync(file, `${salt}\nconfig:\n${Object.entries(c).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join("\n")}\n`);
  setConfig(config);
  return {
    setConfig,
    stateFile: stateFile("pigsty", name),
    remove: async () => {
      await runPulumi(["stack", "rm", name, "--yes", "--force", "--non-interactive"], repo);
      rmSync(file, { force: true });
      // `stack rm` keeps the state's last backup beside it; a bench stack's is of no use.
      for (const f of [".bak", ".bak.attrs"]) rmSync(`${stateFile("pigsty", name)}${f}`, { force: true });
    },
  };
}

/** The local backend's folder: PULUMI_BACKEND_URL when it is a file:// one, else the toolchain's default (.state). */
const backendDir = process.env.PULUMI_BACKEND_URL?.startsWith("file://") ? process.env.PULUMI_BACKEND_URL.slice("file://".length) : join(repo, ".state");

/** A stack's state file on the local backend. */
export function stateFile(project: string, stack: string): string {
  return join(backendDir, ".pulumi", "stacks", project, `${stack}.json`);
}

/** What the stack's last update changed, from the backend's history record: operation -> count. */
export function lastChanges(project: string, stack: string): Record<string, number> {
  const dir = join(backendDir, ".pulumi", "history", project, stack);
  const last = readdirSync(dir)
    .filter((f) => f.endsWith(".history.json"))
    .sort()
    .pop();
  if (!last) throw new Error(`no update recorded for ${project}/${stack} in ${dir}`);
  return (JSON.parse(readFileSync(join(dir, last), "utf8")) as { resourceChanges?: Record<string, number> }).resourceChanges ?? {};
}

export const fileBytes = (file: string) => statSync(file).size;
