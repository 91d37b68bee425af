// Alerts on the sandbox: a webhook listener on the host's bridge address, Alertmanager's and Prometheus' APIs on the
// infra node (read over ssh, as the operator tool does).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { alertRows, parseAlerts, type AlertRow } from "../../../operator/alerts";
import { sshRun } from "./sandbox";

/** The sandbox host's own address on the bridge: the nodes reach it, nothing else does. */
export const BRIDGE_ADDRESS = "10.10.10.1";

export interface Notification {
  /** When it arrived (Date.now()). */
  at: number;
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

export interface WebhookListener {
  url: string;
  received: Notification[];
  close: () => Promise<void>;
}

/** A tiny HTTP listener for Alertmanager's webhook on a free port of the bridge address; records every notification. */
export async function webhookListener(): Promise<WebhookListener> {
  const received: Notification[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      try {
        received.push({ at: Date.now(), ...(JSON.parse(body) as Omit<Notification, "at">) });
      } finally {
        res.end("ok");
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, BRIDGE_ADDRESS, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${BRIDGE_ADDRESS}:${port}/alerts`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/** What Alertmanager on the infra node holds now, as the `alerts` command lists it (empty when it does not answer). */
export async function alertmanagerAlerts(cluster?: string): Promise<AlertRow[]> {
  const r = await sshRun("meta", "curl -fsS --max-time 5 http://127.0.0.1:9093/api/v2/alerts", { timeoutMs: 15_000 });
  return r.code === 0 ? alertRows(parseAlerts(r.stdout), cluster) : [];
}

/** Prometheus' answer to an instant query on the infra node: each series' labels. */
export async function promQuery(query: string): Promise<Record<string, string>[]> {
  const r = await sshRun("meta", `curl -fsS --max-time 5 --get --data-urlencode 'query=${query.replace(/'/g, "'\\''")}' http://127.0.0.1:9090/api/v1/query`, { timeoutMs: 15_000 });
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout).data.result as { metric: Record<string, string> }[]).map((s) => s.metric);
}

/** Polls `probe` every 2 s until it gives a truthy value; returns it and the seconds it took, or throws after `seconds`. */
export async function within<T>(seconds: number, what: string, probe: () => Promise<T | undefined | false>): Promise<{ value: T; seconds: number }> {
  const t = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    const took = (Date.now() - t) / 1000;
    if (value) return { value, seconds: took };
    if (took > seconds) throw new Error(`${what}: not within ${seconds}s`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
