// down: stop the nodes and remove exactly what up recorded (--purge: the cached image, disks and keys too).
import * as fs from "node:fs";
import * as path from "node:path";
import { removeTree, unmountBelow } from "./base";
import { alive, linkExists, run, waitFor } from "./host";
import { isRunning, releaseRunNetns, removeNetns, stop, unmountDisk } from "./nodes";
import { Progress, makeProgress } from "./progress";
import { stopProxy } from "./proxy";
import { acquireLock, loadState, paths, saveState } from "./state";

export interface DownOptions {
  purge?: boolean;
  progress?: Progress;
}

export async function down(opts: DownOptions = {}): Promise<void> {
  const progress = opts.progress ?? makeProgress();
  if (!fs.existsSync(paths.root)) {
    progress("nothing to do: the sandbox was never brought up on this machine");
    return;
  }
  const release = acquireLock();
  try {
    const state = loadState();
    const names = Object.keys(state.nodes);
    const pids = [state.proxy, ...names.flatMap((n) => [state.nodes[n].nspawn, state.nodes[n].leader])].filter((r) => alive(r)).map((r) => r!.pid);
    await Promise.all(
      names.map(async (name) => {
        if (isRunning(state.nodes[name])) progress(`${name}: stopping`);
        await stop(state, name);
      }),
    );
    for (const name of names) {
      await unmountDisk(state, name);
      removeNetns(state, name);
      delete state.nodes[name];
      saveState(state);
    }
    releaseRunNetns(state);
    if (state.proxy) {
      progress("stopping package proxy");
      await stopProxy(state);
    }
    if (state.bridge) {
      if (linkExists(state.bridge)) run("ip", ["link", "del", state.bridge]);
      progress(`removed bridge ${state.bridge}`);
      delete state.bridge;
      saveState(state);
    }
    // Any overlay still mounted under our node disks is ours (e.g. from a lost state file).
    unmountBelow(paths.nodes);
    if (opts.purge) {
      progress(`purging ${paths.root} (base image, node disks, keys) and ${paths.hostsJson}`);
      for (const f of [paths.hostsJson, paths.knownHosts]) fs.rmSync(f, { force: true });
      removeTree(paths.base);
      removeTree(paths.baseTmp);
      removeTree(paths.packaged);
      removeTree(paths.packagedTmp);
      removeTree(paths.nodes);
      fs.rmSync(path.dirname(paths.machineKey), { recursive: true, force: true });
      fs.rmSync(paths.logs, { recursive: true, force: true });
      fs.rmSync(path.dirname(paths.tinyproxyConf), { recursive: true, force: true });
      delete state.plan;
      saveState(state);
    }
    // Our detached processes were re-parented to the host's PID 1; give it a moment to reap them
    // so no <defunct> entry is left in ps (best effort: we cannot reap them ourselves).
    await waitFor("exited processes to be reaped", 10_000, () => pids.every((p) => !fs.existsSync(`/proc/${p}`))).catch(() => undefined);
    progress("sandbox is down");
  } finally {
    release();
  }
}
