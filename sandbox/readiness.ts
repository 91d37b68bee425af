// Node readiness: waiting for systemd in the nodes, and the status line of each node.
import * as fs from "node:fs";
import { alive, pidNamespace, pidsInNamespace, pssKiB, sleep } from "./host";
import { isRunning } from "./nodes";
import { PlannedNode } from "./plan";
import { Progress } from "./progress";
import { systemStateAsync } from "./ssh";
import { State, loadState, paths } from "./state";

export interface NodeStatus {
  name: string;
  ip: string;
  state: string;
  pid?: number;
  memKiB?: number;
  detail?: string;
}

function nodeMemKiB(state: State, name: string): number | undefined {
  const leader = state.nodes[name]?.leader;
  if (!leader || !alive(leader)) return undefined;
  const ns = pidNamespace(leader.pid);
  if (!ns) return undefined;
  return pidsInNamespace(ns).reduce((sum, p) => sum + pssKiB(p), 0);
}

/** Booted: running, or degraded (a failed unit of whatever was deployed on the node: not the sandbox's concern). */
export const isUp = (state: string): boolean => state === "running" || state === "degraded";

/**
 * Polls each node until systemd says running or degraded (degraded = booted, with a failed unit of
 * whatever was deployed on the node: not the sandbox's concern), ssh cannot go on (host key, auth),
 * or the deadline passes; each node's last answer is its result.
 */
export async function waitRunning(nodes: PlannedNode[], timeoutMs: number, progress: Progress): Promise<Map<string, { state: string; detail?: string }>> {
  const result = new Map<string, { state: string; detail?: string }>();
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    nodes.map(async (n) => {
      let last = "";
      for (;;) {
        const s = await systemStateAsync(n.ip);
        result.set(n.name, s);
        if (s.state !== last) {
          if (last) progress(`${n.name}: ${s.state}`);
          last = s.state;
        }
        if (isUp(s.state)) return;
        if (s.state === "hostkey-mismatch" || s.state === "auth-failed") return;
        if (Date.now() > deadline) return;
        await sleep(s.state === "unreachable" ? 500 : 1000);
      }
    }),
  );
  return result;
}

export async function status(): Promise<NodeStatus[]> {
  if (!fs.existsSync(paths.state)) return [];
  const state = loadState();
  const plan = state.plan;
  if (!plan) return [];
  return Promise.all(
    plan.nodes.map(async (n) => {
      const rec = state.nodes[n.name];
      if (!isRunning(rec)) return { name: n.name, ip: n.ip, state: "stopped" };
      const s = await systemStateAsync(n.ip);
      return { name: n.name, ip: n.ip, state: s.state, detail: s.detail, pid: rec!.nspawn!.pid, memKiB: nodeMemKiB(state, n.name) };
    }),
  );
}
