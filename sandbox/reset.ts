// reset NODE: stop one node, wipe its disk back to the pristine base image, boot it again.
import { renderNodeSources } from "./apt";
import { HostError } from "./host";
import { hostAptSettings, hostAptSources } from "./hostApt";
import { boot, ensureDisk, ensureIdentity, ensureNetns, stop, unmountDisk, wipeDisk, writeNodeFiles } from "./nodes";
import { findNode } from "./plan";
import { Progress, makeProgress } from "./progress";
import { NodeStatus, waitRunning } from "./readiness";
import { renderNodeFiles } from "./render";
import { ensureAdminKey } from "./ssh";
import { acquireLock, loadState } from "./state";
import { writeClientFiles } from "./up";

export async function reset(name: string, opts: { progress?: Progress; readyTimeoutMs?: number } = {}): Promise<NodeStatus> {
  const progress = opts.progress ?? makeProgress();
  const release = acquireLock();
  try {
    const state = loadState();
    if (!state.plan) throw new HostError("the sandbox is not up; run `npm run sandbox -- up` first");
    const plan = state.plan;
    const node = findNode(plan, name);
    progress(`${name}: stopping`);
    await stop(state, name);
    await unmountDisk(state, name);
    progress(`${name}: wiping its disk back to the base image`);
    wipeDisk(name);
    const apt = hostAptSettings();
    const sources = hostAptSources();
    ensureDisk(state, node);
    ensureIdentity(node);
    writeNodeFiles(node, renderNodeFiles({ plan, node, sources: renderNodeSources(sources), apt, adminPublicKey: ensureAdminKey() }));
    ensureNetns(state, plan, node);
    writeClientFiles(plan); // new disk, new host keys
    progress(`${name}: booting ${node.ip}`);
    await boot(state, node);
    const s = (await waitRunning([node], opts.readyTimeoutMs ?? 180_000, progress)).get(name)!;
    return { name, ip: node.ip, state: s.state, detail: s.detail, pid: state.nodes[name]?.nspawn?.pid };
  } finally {
    release();
  }
}
