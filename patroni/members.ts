// A cluster's members as Patroni knows them: where their REST APIs answer, and how config follows a leader Patroni chose.
import type { ClusterModel } from "../config/model";

/** Each member's Patroni REST API (TLS, verified against the stack's CA). */
export const patroniApis = (cluster: ClusterModel): { name: string; url: string }[] =>
  cluster.instances.map((i) => ({ name: i.name, url: `https://${i.ip}:${cluster.ports.patroni}` }));

/**
 * The pg_role change that makes config name the member Patroni made leader (so `up` does not switch back to the
 * configured primary); undefined when that member is not in the config.
 */
export function followLeader(cluster: ClusterModel, leader: string): string | undefined {
  const ip = cluster.instances.find((i) => i.name === leader)?.ip;
  return ip === undefined ? undefined : `set pg_role: primary on ${ip} and pg_role: replica on ${cluster.primary.ip}`;
}
