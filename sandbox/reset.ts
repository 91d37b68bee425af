// reset [--packaged] NODE...: stop the nodes, wipe their disks back to the pristine base image, boot them again.
import { renderNodeSources } from "./apt";
import { HostError } from "./host";
import { aptOptions, hostAptSettings, hostAptSources } from "./hostApt";
import { boot, ensureDisk, ensureIdentity, ensureNetns, stop, unmountDisk, wipeDisk, writeNodeFiles } from "./nodes";
import { ensurePackagedBase } from "./packagedBase";
import { findNode } from "./plan";
import { Progress, makeProgress } from "./progress";
import { NodeStatus, waitRunning } from "./readiness";
import { renderNodeFiles } from "./render";
import { ensureAdminKey } from "./ssh";
import { acquireLock, loadState } from "./state";
import { writeClientFiles } from "./up";

/** Resets each named node: all are stopped and wiped first, then booted, and waited for together. */
/**
 * Resets each named node: all are stopped and wiped first, then booted, and waited for together. `packaged`: their
 * disks lie over the packaged image (sandbox/packagedBase.ts), built first if needed.
 */
export async function reset(names: string[], opts: { progress?: Progress; readyTimeoutMs?: number; packaged?: boolean } = {}): Promise<NodeStatus[]> {
  const progress = opts.progress ?? makeProgress();
  const release = acquireLock();
  try {
    const state = loadState();
    if (!state.plan) throw new HostError("the sandbox is not up; run `npm run sandbox -- up` first");
    const plan = state.plan;
    const nodes = names.map((name) => findNode(plan, name));
    await Promise.all(
      nodes.map(async (node) => {
        progress(`${node.name}: stopping`);
        await stop(state, node.name);
        await unmountDisk(state, node.name);
      }),
    );
    const apt = hostAptSettings();
    const sources = renderNodeSources(hostAptSources());
    if (opts.packaged) await ensurePackagedBase(aptOptions(apt), progress);
    const image = opts.packaged ? "packaged" : undefined;
    for (const node of nodes) {
      progress(`${node.name}: wiping its disk back to the ${image ?? "base"} image`);
      wipeDisk(node.name);
      ensureDisk(state, node, { image });
      ensureIdentity(node);
      writeNodeFiles(node, renderNodeFiles({ plan, node, sources, apt, adminPublicKey: ensureAdminKey() }));
      ensureNetns(state, plan, node);
    }
    writeClientFiles(plan); // new disks, new host keys
    for (const node of nodes) {
      progress(`${node.name}: booting ${node.ip}`);
      await boot(state, node);
    }
    const ready = await waitRunning(nodes, opts.readyTimeoutMs ?? 180_000, progress);
    return nodes.map((node) => {
      const s = ready.get(node.name)!;
      return { name: node.name, ip: node.ip, state: s.state, detail: s.detail, pid: state.nodes[node.name]?.nspawn?.pid };
    });
  } finally {
    release();
  }
}
