// up: host packages, base image, bridge, proxy, then every planned node booted (or checked and repaired).
import * as fs from "node:fs";
import { renderNodeSources } from "./apt";
import { BASE_RECIPE, baseReady, buildBase } from "./base";
import { findConflicts } from "./conflicts";
import { HostError, writeFileIfChanged } from "./host";
import { aptOptions, ensureHostPackages, hostAptSettings, hostAptSources } from "./hostApt";
import { hostFacts } from "./hostFacts";
import {
  boot,
  ensureBridge,
  ensureDisk,
  ensureIdentity,
  ensureNetns,
  isRunning,
  killStrays,
  nodeHostKey,
  refreshLeader,
  removeNetns,
  stop,
  unmountDisk,
  wipeDisk,
  writeNodeFiles,
} from "./nodes";
import { Plan, PlanOptions, buildPlan } from "./plan";
import { Progress, makeProgress } from "./progress";
import { ensureProxy } from "./proxy";
import { NodeStatus, waitRunning } from "./readiness";
import { renderHostsJson, renderKnownHosts, renderNodeFiles } from "./render";
import { ensureAdminKey } from "./ssh";
import { State, acquireLock, isEmpty, loadState, paths, saveState } from "./state";

export interface UpOptions extends PlanOptions {
  progress?: Progress;
  readyTimeoutMs?: number;
  /** Every node starts from the pristine base image: its disk is wiped first (a running node is stopped). */
  fresh?: boolean;
}

function choosePlan(state: State, opts: PlanOptions): Plan {
  const explicit = opts.nodes !== undefined || opts.count !== undefined || opts.subnet !== undefined || opts.proxyPort !== undefined;
  if (!explicit && state.plan) return state.plan;
  const plan = buildPlan({ subnet: state.plan?.subnet, proxyPort: state.plan?.proxyPort, ...opts });
  if (state.plan && !isEmpty(state) && (state.plan.subnet !== plan.subnet || state.plan.bridge !== plan.bridge)) {
    throw new HostError(`the sandbox is up on ${state.plan.subnet}; run \`npm run sandbox -- down\` before changing the subnet`);
  }
  return plan;
}

export async function up(opts: UpOptions = {}): Promise<NodeStatus[]> {
  const progress = opts.progress ?? makeProgress();
  const release = acquireLock();
  try {
    await ensureHostPackages(progress);
    const state = loadState();
    const plan = choosePlan(state, opts);
    const problems = findConflicts(plan, state, hostFacts(state));
    if (problems.length) throw new HostError(`cannot bring the sandbox up:\n- ${problems.join("\n- ")}`);
    state.plan = plan;
    saveState(state);

    const sources = hostAptSources();
    const apt = hostAptSettings();
    const base = baseReady();
    if (!base.ready) {
      progress("building the Debian 12 base image (once; about a minute)");
      await buildBase({ sources, aptOptions: aptOptions(apt), progress });
      progress("base image cached");
    } else if (base.recipe !== BASE_RECIPE) {
      progress(`note: cached base was built by ${base.recipe}, current recipe is ${BASE_RECIPE}; \`down --purge\` rebuilds it`);
    }

    const adminPub = ensureAdminKey();
    ensureBridge(state, plan);
    await ensureProxy(state, plan, sources, progress);

    // Nodes that are no longer in the plan: stop and unplug (their disks stay).
    for (const name of Object.keys(state.nodes)) {
      if (!plan.nodes.some((n) => n.name === name)) {
        progress(`${name}: not in the plan any more, stopping`);
        await removeNode(state, name);
      }
    }

    if (opts.fresh) {
      for (const node of plan.nodes) {
        progress(`${node.name}: starting from the pristine base image (--fresh wipes its disk)`);
        await stop(state, node.name);
        await killStrays(node.name);
        await unmountDisk(state, node.name);
        wipeDisk(node.name);
      }
    }

    const nodeSources = renderNodeSources(sources);
    const booted: string[] = [];
    for (const node of plan.nodes) {
      ensureDisk(state, node, opts.fresh ? {} : undefined);
      ensureIdentity(node);
      const changed = writeNodeFiles(node, renderNodeFiles({ plan, node, sources: nodeSources, apt, adminPublicKey: adminPub }));
      ensureNetns(state, plan, node);
      if (isRunning(state.nodes[node.name])) {
        refreshLeader(state, node.name);
        const strays = await killStrays(node.name, state.nodes[node.name]?.leader);
        if (strays.length) {
          // Two systemd instances shared this disk and network namespace: restart clean.
          progress(`${node.name}: killed stray container init(s) ${strays.join(", ")} left by a killed run; restarting the node`);
          await stop(state, node.name);
        }
        if (changed.length) progress(`${node.name}: repaired ${changed.join(", ")}`);
      }
      if (!isRunning(state.nodes[node.name])) {
        progress(`${node.name}: booting ${node.ip}`);
        await boot(state, node);
        booted.push(node.name);
      }
    }
    writeClientFiles(plan);
    if (booted.length) progress(`waiting for systemd in ${booted.join(", ")}`);
    const states = await waitRunning(plan.nodes, opts.readyTimeoutMs ?? 180_000, progress);
    const statuses = plan.nodes.map((n) => ({
      name: n.name,
      ip: n.ip,
      state: states.get(n.name)?.state ?? "unknown",
      detail: states.get(n.name)?.detail,
      pid: state.nodes[n.name]?.nspawn?.pid,
    }));
    return statuses;
  } finally {
    release();
  }
}

/** hosts.json and known_hosts in the clone: what the dev stack and ssh read. */
export function writeClientFiles(plan: Plan): void {
  const nodes = plan.nodes.map((n) => ({ name: n.name, ip: n.ip, hostKey: nodeHostKey(n.name) }));
  fs.mkdirSync(paths.repoDir, { recursive: true, mode: 0o700 });
  writeFileIfChanged(paths.knownHosts, renderKnownHosts(nodes), 0o644);
  writeFileIfChanged(paths.hostsJson, renderHostsJson(paths.repoKey, nodes), 0o644);
}

async function removeNode(state: State, name: string): Promise<void> {
  await stop(state, name);
  await unmountDisk(state, name);
  removeNetns(state, name);
  delete state.nodes[name];
  saveState(state);
}
