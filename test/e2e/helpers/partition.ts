// A sandbox node cut off the network and healed (its host-side veth down, then up), and a client inside the node's
// own network namespace, which still reaches the node's own address while the link is down.
import { execFileSync, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { readWriteLoop, writeLoopScript, type WriteLoopResult } from "./writeLoop";
import { loadState } from "../../../sandbox/state";
import { passwords } from "./cluster";

function record(node: string): { netns: string; vethHost: string } {
  const r = loadState().nodes[node];
  if (!r?.netns || !r.vethHost) throw new Error(`the sandbox's state has no network namespace and veth for ${node}: is the sandbox up?`);
  return { netns: r.netns, vethHost: r.vethHost };
}

/** Takes the node's link down (`false`) or up again (`true`). */
export function setLink(node: string, up: boolean): void {
  execFileSync("ip", ["link", "set", record(node).vethHost, up ? "up" : "down"]);
}

export interface LocalWrites {
  stop(): Promise<WriteLoopResult>;
}

/** One write every 50 ms into `table` of the node's own Postgres (5432), from inside its network namespace. */
export function localWrites(node: string, ip: string, table: string): LocalWrites {
  const stopFile = `/tmp/pigsty-e2e-local-${node}.stop`;
  rmSync(stopFile, { force: true });
  const script = writeLoopScript({ host: ip, port: 5432, table, everyMs: 50, maxSeconds: 300, stopFile });
  const child = spawn("ip", ["netns", "exec", record(node).netns, "bash", "-c", script], { stdio: ["pipe", "pipe", "ignore"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stdin.end(`${passwords.dbuser_test}\n`);
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    async stop() {
      writeFileSync(stopFile, "");
      await exited;
      return readWriteLoop(out);
    },
  };
}
