// npm run sandbox -- up | down | status | reset <node> | help
import { isRoot } from "./host";
import { down } from "./down";
import { makeProgress } from "./progress";
import { NodeStatus, isUp, status } from "./readiness";
import { buildPackagedImage, reset } from "./reset";
import { up } from "./up";
import { DEFAULT_COUNT, DEFAULT_PROXY_PORT, DEFAULT_SUBNET, PlanError, PlanOptions, parseNodeList } from "./plan";
import { paths } from "./state";

export const HELP = `pigsty sandbox: real Debian 12 hosts (systemd-nspawn + network namespaces) on this machine

usage: npm run sandbox -- <command> [options]        (root required, except help)

commands:
  up       install host packages, build the cached base image once, boot the nodes;
           a second run only checks and repairs. Prints each node's name, address, state.
  down     stop the nodes and remove what up made (nodes, namespaces, bridge, proxy, mounts).
           --purge also removes the cached base image, node disks and the SSH key.
  status   one line per node: name, address, state, nspawn PID, memory (PSS); exit 3 unless every node
           has booted (running or degraded).
  reset N... stop nodes N..., wipe their disks back to the pristine base image, make their network
           namespaces afresh, boot them again.
           --packaged: over the base with the Postgres members' packages installed (built once).
  packaged build the packaged image now, if it is missing or its package list changed (reset --packaged
           builds it when needed). Takes no lock, so it may run while the nodes are in use; never beside another
           build (a reset --packaged, down --purge). Needs the sandbox up (its base image and package proxy).
  help     this text.

up options (default: ${DEFAULT_COUNT} nodes, meta + pg-test-1..3 at .10-.13 of ${DEFAULT_SUBNET}):
  --count N                  meta + pg-test-1..pg-test-(N-1), at .10, .11, ... of the subnet
  --nodes a=IP,b=IP,...      explicit node names and addresses
  --subnet CIDR              sandbox subnet (default ${DEFAULT_SUBNET}); the bridge takes .1
  --proxy-port P             package proxy port on the bridge address (default ${DEFAULT_PROXY_PORT})
  --fresh                    wipe every node's disk first: the nodes boot from the pristine base image
  Without options, up reuses the last plan (default plan the first time). Nodes dropped from the plan
  are stopped and unplugged (their disks stay until down --purge).

files:
  ${paths.root}/          base/, nodes/<name>/{upper,work,merged}, logs/, state.json
  ${paths.repoDir}/     id_ed25519(.pub), hosts.json (admin user, key path, pinned host keys), known_hosts
  ssh: ssh -i ${paths.repoKey} -o UserKnownHostsFile=${paths.knownHosts} dba@10.10.10.10
`;

export interface ParsedArgs {
  command: string;
  plan: PlanOptions;
  purge: boolean;
  fresh: boolean;
  packaged: boolean;
  /** reset's nodes. */
  nodes: string[];
}

export function parseArgs(argv: string[]): ParsedArgs {
  const [command = "help", ...rest] = argv;
  const out: ParsedArgs = { command, plan: {}, purge: false, fresh: false, packaged: false, nodes: [] };
  const problems: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = rest[++i];
      if (v === undefined) problems.push(`${flag} needs a value`);
      return v ?? "";
    };
    switch (flag) {
      case "--count": {
        const v = value();
        if (!/^[0-9]+$/.test(v)) problems.push(`--count must be a positive integer, got "${v}"`);
        else out.plan.count = Number(v);
        break;
      }
      case "--nodes":
        try {
          out.plan.nodes = parseNodeList(value());
        } catch (e) {
          problems.push((e as Error).message);
        }
        break;
      case "--subnet":
        out.plan.subnet = value();
        break;
      case "--proxy-port": {
        const v = value();
        if (!/^[0-9]+$/.test(v)) problems.push(`--proxy-port must be a number, got "${v}"`);
        else out.plan.proxyPort = Number(v);
        break;
      }
      case "--purge":
        out.purge = true;
        break;
      case "--fresh":
        out.fresh = true;
        break;
      case "--packaged":
        out.packaged = true;
        break;
      default:
        if (command === "reset" && !a.startsWith("-")) out.nodes.push(a);
        else problems.push(`unknown argument "${a}"`);
    }
  }
  if (command === "reset" && out.nodes.length === 0) problems.push("reset needs a node name: npm run sandbox -- reset pg-test-1");
  if (out.purge && command !== "down") problems.push("--purge only applies to down");
  if (out.fresh && command !== "up") problems.push("--fresh only applies to up");
  if (out.packaged && command !== "reset") problems.push("--packaged only applies to reset");
  if (problems.length) throw new PlanError(problems);
  return out;
}

function fmtMem(kib?: number): string {
  return kib === undefined ? "" : `${(kib / 1024).toFixed(0)} MiB`;
}

export function formatStatus(s: NodeStatus[]): string {
  if (s.length === 0) return "no sandbox nodes (run: npm run sandbox -- up)";
  const w = Math.max(...s.map((x) => x.name.length));
  return s
    .map((x) => [x.name.padEnd(w), x.ip.padEnd(15), x.state.padEnd(10), x.pid ? `pid ${x.pid}` : "", fmtMem(x.memKiB)].join("  ").trimEnd() + (x.detail && x.state !== "running" ? `\n    ${x.detail.split("\n").join("\n    ")}` : ""))
    .join("\n");
}

export async function main(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.command === "help" || args.command === "--help" || args.command === "-h") {
    console.log(HELP);
    return 0;
  }
  if (!["up", "down", "status", "reset", "packaged"].includes(args.command)) {
    console.error(`error: unknown command "${args.command}"\n\n${HELP}`);
    return 2;
  }
  if (!isRoot()) {
    console.error(`error: the sandbox needs root (network namespaces, a bridge, mounts, systemd-nspawn). Run as root, e.g.: sudo npm run sandbox -- ${args.command}`);
    return 1;
  }
  const progress = makeProgress();
  try {
    switch (args.command) {
      case "up": {
        const s = await up({ ...args.plan, fresh: args.fresh, progress });
        progress("sandbox is up");
        console.log(formatStatus(s));
        console.log(`hosts file for the dev stack: ${paths.hostsJson}`);
        return s.every((x) => isUp(x.state)) ? 0 : 1;
      }
      case "down":
        await down({ purge: args.purge, progress });
        return 0;
      case "status": {
        const s = await status();
        console.log(formatStatus(s));
        // Booted as up and reset judge it: running, or degraded (a failed unit of what was deployed on the node).
        return s.length > 0 && s.every((x) => isUp(x.state)) ? 0 : 3;
      }
      case "packaged":
        await buildPackagedImage(progress);
        return 0;
      case "reset": {
        const s = await reset(args.nodes, { progress, packaged: args.packaged });
        console.log(formatStatus(s));
        // As for up: degraded is booted with a failed unit (on the packaged image, Debian's postgres exporter,
        // which has no DSN until the exporters step gives it one, as after an install on bare Debian).
        return s.every((x) => isUp(x.state)) ? 0 : 1;
      }
    }
  } catch (e) {
    progress(`error: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
