// The package proxy: tinyproxy on the bridge address, letting nodes reach only the host's Debian mirrors.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { AptEntry, mirrorHosts } from "./apt";
import { HostError, alive, procRef, signal, startDetached, waitFor, writeFileIfChanged } from "./host";
import { tail } from "./nodes";
import { Plan } from "./plan";
import { Progress } from "./progress";
import { renderTinyproxyConf, renderTinyproxyFilter } from "./render";
import { State, paths, saveState } from "./state";

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 });
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function stopProxy(state: State): Promise<void> {
  if (state.proxy && alive(state.proxy)) {
    signal(state.proxy, "SIGTERM");
    try {
      await waitFor("tinyproxy to exit", 5000, () => !alive(state.proxy));
    } catch {
      signal(state.proxy, "SIGKILL");
    }
  }
  delete state.proxy;
  saveState(state);
}

export async function ensureProxy(state: State, plan: Plan, sources: AptEntry[], progress: Progress): Promise<void> {
  fs.mkdirSync(path.dirname(paths.tinyproxyConf), { recursive: true, mode: 0o755 });
  const hosts = mirrorHosts(sources);
  const c1 = writeFileIfChanged(paths.tinyproxyFilter, renderTinyproxyFilter(hosts), 0o644);
  const c2 = writeFileIfChanged(paths.tinyproxyConf, renderTinyproxyConf(plan, { filterFile: paths.tinyproxyFilter }), 0o644);
  const same = state.proxy && alive(state.proxy) && state.proxy.port === plan.proxyPort && state.proxy.listen === plan.bridgeIp && !c1 && !c2;
  if (same && (await canConnect(plan.bridgeIp, plan.proxyPort))) return;
  if (state.proxy) await stopProxy(state);
  progress(`starting package proxy (tinyproxy) on ${plan.bridgeIp}:${plan.proxyPort}, allowed: the host's Debian mirrors`);
  const log = path.join(paths.logs, "tinyproxy.log");
  const pid = startDetached("tinyproxy", ["-d", "-c", paths.tinyproxyConf], log);
  const ref = procRef(pid);
  if (ref) {
    state.proxy = { ...ref, port: plan.proxyPort, listen: plan.bridgeIp };
    saveState(state);
  }
  await waitFor(`tinyproxy to listen on ${plan.bridgeIp}:${plan.proxyPort} (log: ${log})`, 10_000, async () => {
    if (!alive(state.proxy)) throw new HostError(`tinyproxy exited; last lines of ${log}:\n${tail(log)}`);
    return canConnect(plan.bridgeIp, plan.proxyPort);
  });
}
