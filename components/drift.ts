// Preview-time check of intent versus reality: which member Patroni says leads, against the config's pg_role.
import * as http from "node:http";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterModel } from "../config/model";

export interface ClusterDrift {
  cluster: string;
  intended: string;
  /** The leader Patroni reports, or undefined when no member answered. */
  actual?: string;
}

function getJson(url: string, timeoutMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Asks members' Patroni (GET /cluster needs no auth) who leads; the first member that answers decides. */
export async function leaderOf(cluster: ClusterModel, timeoutMs = 2000): Promise<string | undefined> {
  for (const i of cluster.instances) {
    try {
      const body = await getJson(`http://${i.ip}:${cluster.ports.patroni}/cluster`, timeoutMs);
      const leader = (body.members as { name: string; role: string }[]).find((m) => m.role === "leader" || m.role === "standby_leader");
      if (leader) return leader.name;
    } catch {
      // not deployed yet, or down: try the next member
    }
  }
  return undefined;
}

/** The warning for each cluster whose actual leader differs from its configured primary. */
export function driftWarnings(drift: ClusterDrift[], clusters: ClusterModel[]): string[] {
  return drift
    .filter((d) => d.actual !== undefined && d.actual !== d.intended)
    .map((d) => {
      const ip = clusters.find((c) => c.name === d.cluster)?.instances.find((i) => i.name === d.actual)?.ip;
      return (
        `${d.cluster}: Patroni's leader is ${d.actual}, but config names ${d.intended} as primary (a failover happened). Nothing will fail back. ` +
        `To keep ${d.actual} as primary, set pg_role: primary on ${ip} and pg_role: replica on ${d.intended}; ` +
        `to return to ${d.intended}, switch over with patronictl on any member (pt switchover --candidate ${d.intended}).`
      );
    });
}

/**
 * During a preview, warns when Patroni's leader is not the configured primary (after an unplanned
 * failover): the program never fails back by itself; changing pg_role makes `up` switch over.
 */
export async function reportDrift(clusters: ClusterModel[], ask: (c: ClusterModel) => Promise<string | undefined> = leaderOf): Promise<ClusterDrift[]> {
  if (!pulumi.runtime.isDryRun()) return [];
  const drift = await Promise.all(clusters.map(async (c) => ({ cluster: c.name, intended: c.primary.name, actual: await ask(c) })));
  for (const w of driftWarnings(drift, clusters)) pulumi.log.warn(w);
  return drift;
}
