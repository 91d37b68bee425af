// Where the cluster's VIP is: each member's interfaces read from the host through the node's network namespace
// (no ssh, so a sample takes milliseconds), and a watcher that samples every member over and over during a change.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { loadState } from "../../../sandbox/state";
import { sleep } from "./cluster";

const run = promisify(execFile);

/** The members whose eth0 carries `vip` now. */
export async function vipHolders(vip: string, nodes: string[]): Promise<string[]> {
  const state = loadState();
  const held = await Promise.all(
    nodes.map(async (n) => {
      const netns = state.nodes[n]?.netns;
      if (!netns) throw new Error(`the sandbox's state has no network namespace for ${n}: is the sandbox up?`);
      const { stdout } = await run("ip", ["netns", "exec", netns, "ip", "-o", "-4", "addr", "show", "dev", "eth0"]);
      return stdout.includes(` ${vip}/`) ? n : undefined;
    }),
  );
  return held.filter((n): n is string => n !== undefined);
}

export interface VipWatch {
  /** Stops sampling: how many samples, the most members that held the VIP at once, and its holders in order. */
  stop(): Promise<{ samples: number; mostAtOnce: number; holders: string[] }>;
}

/** Samples every member's addresses every 50 ms until stopped. */
export function watchVip(vip: string, nodes: string[]): VipWatch {
  let running = true;
  let samples = 0;
  let mostAtOnce = 0;
  const holders: string[] = [];
  const loop = (async () => {
    while (running) {
      const now = await vipHolders(vip, nodes);
      samples++;
      mostAtOnce = Math.max(mostAtOnce, now.length);
      const label = now.join("+") || "nobody";
      if (holders[holders.length - 1] !== label) holders.push(label);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, mostAtOnce, holders };
    },
  };
}
