// reset [--packaged] NODE...: stop the nodes, wipe their disks back to the pristine base image, make their network
// namespaces afresh, boot them again.
import { renderNodeSources } from "./apt";
import { HostError } from "./host";
import { aptOptions, hostAptSettings, hostAptSources } from "./hostApt";
import { boot, ensureDisk, ensureIdentity, ensureNetns, removeNetns, stop, tail, unmountDisk, wipeDisk, writeNodeFiles } from "./nodes";
import { ensurePackagedBase } from "./packagedBase";
import { findNode } from "./plan";
import { Progress, makeProgress } from "./progress";
import { NodeStatus, isUp, waitRunning } from "./readiness";
import { renderNodeFiles } from "./render";
import { ensureAdminKey } from "./ssh";
import { acquireLock, loadState, paths } from "./state";
import { writeClientFiles } from "./up";

/** The packaged image, built when missing or stale: needs the sandbox up (the base image, the package proxy). */
export async function buildPackagedImage(progress: Progress): Promise<void> {
  if (!loadState().plan) throw new HostError("the sandbox is not up; run `npm run sandbox -- up` first");
  await ensurePackagedBase(aptOptions(hostAptSettings()), progress);
}

/** A node that boots takes seconds; one that gives no answer after this long is booted once more. */
const REBOOT_AFTER_MS = 60_000;

/**
 * Resets each named node: all are stopped and wiped first, then booted, and waited for together. `packaged`: their
 * disks lie over the packaged image (sandbox/packagedBase.ts), built first if needed. A node that has not come up
 * within REBOOT_AFTER_MS is stopped and booted once more; one that still fails says why, with its console's last lines.
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
        // Its network namespace too: addresses a killed keepalived left, a link a test cut, all start over.
        removeNetns(state, node.name);
      }),
    );
    const apt = hostAptSettings();
    const sources = renderNodeSources(hostAptSources());
    if (opts.packaged) await buildPackagedImage(progress);
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
    const timeoutMs = opts.readyTimeoutMs ?? 180_000;
    const ready = await waitRunning(nodes, Math.min(REBOOT_AFTER_MS, timeoutMs), progress);
    const stuck = nodes.filter((node) => !isUp(ready.get(node.name)!.state));
    for (const node of stuck) {
      progress(`${node.name}: still ${ready.get(node.name)!.state} after ${REBOOT_AFTER_MS / 1000} s; stopping it and booting it again`);
      await stop(state, node.name);
      await boot(state, node);
    }
    if (stuck.length) for (const [name, s] of await waitRunning(stuck, timeoutMs, progress)) ready.set(name, s);
    return nodes.map((node) => {
      const s = ready.get(node.name)!;
      const detail = isUp(s.state) ? s.detail : [s.detail, `last lines of ${paths.node(node.name).log}:`, tail(paths.node(node.name).log)].filter(Boolean).join("\n");
      return { name: node.name, ip: node.ip, state: s.state, detail, pid: state.nodes[node.name]?.nspawn?.pid };
    });
  } finally {
    release();
  }
}
